-- The audit trail's sequence numbers come from the table's own rowid (the largest plus one)
-- instead of AUTOINCREMENT. AUTOINCREMENT kept a counter in sqlite_sequence, a page that every
-- commit appending an event rewrote: one more WAL frame per sign-in batch. The numbers differ
-- only after the newest event is deleted, and fedgate never deletes audit events. The table is
-- copied whole, with every event's number kept.
CREATE TABLE audit_events_by_rowid (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    request_id TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    outcome    TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail     TEXT    NOT NULL
) STRICT;
INSERT INTO audit_events_by_rowid (seq, at, request_id, actor, action, outcome, detail)
    SELECT seq, at, request_id, actor, action, outcome, detail FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_by_rowid RENAME TO audit_events;
