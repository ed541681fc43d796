// Score history: one (:ScoreSnapshot) per person and scoring date, replaced on recompute.
CREATE CONSTRAINT score_snapshot_key IF NOT EXISTS FOR (s:ScoreSnapshot) REQUIRE s.key IS UNIQUE;
CREATE INDEX score_snapshot_person IF NOT EXISTS FOR (s:ScoreSnapshot) ON (s.person_id);
