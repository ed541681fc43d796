// Interactions are aggregated (docs/FORMATS.md, "The data model"): one relationship per
// (actor account, target account, kind, topics), typed by the kind, holding event words.
// The per-interaction ENGAGED relationships, their id constraint and time index are gone.
DROP CONSTRAINT interaction_id IF EXISTS;
DROP INDEX engaged_at IF EXISTS;
// Scores: a run per scoring date with columnar chunks (engine/scoring.py) replaces one
// ScoreSnapshot node per person and date.
DROP CONSTRAINT score_snapshot_key IF EXISTS;
DROP INDEX score_snapshot_person IF EXISTS;
CREATE INDEX person_slot IF NOT EXISTS FOR (p:Person) ON (p.slot);
CREATE INDEX score_run_asof IF NOT EXISTS FOR (r:ScoreRun) ON (r.asof);
CREATE INDEX score_run_current IF NOT EXISTS FOR (r:ScoreRun) ON (r.current);
CREATE INDEX score_chunk_run IF NOT EXISTS FOR (c:ScoreChunk) ON (c.run, c.chunk);
CREATE INDEX score_chunk_chunk IF NOT EXISTS FOR (c:ScoreChunk) ON (c.chunk);
CREATE INDEX score_chunk_asof IF NOT EXISTS FOR (c:ScoreChunk) ON (c.asof);
