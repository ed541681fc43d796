// Consent and privacy (docs/PRIVACY.md): erasure tombstones, the append-only audit log,
// the one database-kept tombstone salt, and the lookups of people who object to profiling.
CREATE CONSTRAINT tombstone_hash IF NOT EXISTS FOR (t:Tombstone) REQUIRE t.hash IS UNIQUE;
CREATE CONSTRAINT audit_event_id IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.id IS UNIQUE;
CREATE INDEX audit_event_subject IF NOT EXISTS FOR (e:AuditEvent) ON (e.subject);
CREATE INDEX audit_event_at IF NOT EXISTS FOR (e:AuditEvent) ON (e.at);
CREATE CONSTRAINT privacy_salt_name IF NOT EXISTS FOR (s:PrivacySalt) REQUIRE s.name IS UNIQUE;
CREATE INDEX person_profiling_objection IF NOT EXISTS FOR (p:Person) ON (p.profiling_objection);
