// The read generation (engine/generation.py): one Meta node the API reads on every request to
// key its response cache; a unique id makes that read an index lookup.
CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:Meta) REQUIRE m.id IS UNIQUE;
