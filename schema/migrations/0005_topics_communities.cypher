// Topic scores and communities (engine/topics.py, engine/communities.py).
CREATE CONSTRAINT topic_community_id IF NOT EXISTS FOR (c:TopicCommunity) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT community_summary_kind IF NOT EXISTS FOR (s:CommunitySummary) REQUIRE s.kind IS UNIQUE;
CREATE INDEX person_community IF NOT EXISTS FOR (p:Person) ON (p.community);
CREATE INDEX topic_community IF NOT EXISTS FOR (t:Topic) ON (t.community);
CREATE INDEX topic_score_score IF NOT EXISTS FOR ()-[s:TOPIC_SCORE]-() ON (s.score);
