// Core identities: every node the loaders MERGE on has a uniqueness constraint (and so an index).
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT account_key IF NOT EXISTS FOR (a:Account) REQUIRE a.key IS UNIQUE;
CREATE CONSTRAINT post_key IF NOT EXISTS FOR (p:Post) REQUIRE p.key IS UNIQUE;
CREATE CONSTRAINT topic_name IF NOT EXISTS FOR (t:Topic) REQUIRE t.name IS UNIQUE;
CREATE CONSTRAINT interaction_id IF NOT EXISTS FOR ()-[r:ENGAGED]-() REQUIRE r.id IS UNIQUE;
// Leaderboards: ORDER BY score DESC LIMIT n is served from this index.
CREATE INDEX person_score IF NOT EXISTS FOR (p:Person) ON (p.score);
CREATE INDEX person_consent IF NOT EXISTS FOR (p:Person) ON (p.consent);
CREATE INDEX engaged_at IF NOT EXISTS FOR ()-[r:ENGAGED]-() ON (r.at);
