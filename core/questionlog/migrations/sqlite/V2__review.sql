-- Moderator review state, and a record of what the writer could not keep.
ALTER TABLE questions ADD COLUMN review_state TEXT NOT NULL DEFAULT 'new';
ALTER TABLE questions ADD COLUMN reviewer TEXT;
ALTER TABLE questions ADD COLUMN review_note TEXT;
ALTER TABLE questions ADD COLUMN reviewed_at TEXT;

CREATE TABLE log_events (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    kind   TEXT NOT NULL,     -- e.g. 'dropped' when the queue overflowed
    count  INTEGER NOT NULL,
    detail TEXT
);
