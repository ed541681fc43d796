// Resumable loads: one checkpoint per input (its committed position), and the account index
// identity links and orphan linking look accounts up by.
CREATE CONSTRAINT load_checkpoint_key IF NOT EXISTS FOR (c:LoadCheckpoint) REQUIRE c.key IS UNIQUE;
CREATE INDEX account_network IF NOT EXISTS FOR (a:Account) ON (a.network);
