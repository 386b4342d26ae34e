-- Ids are never reused (AUTOINCREMENT): a deleted question's number never comes back as someone else's.
-- Each row says which surface it came from (slash command, mention, DM, shortcut, help thread, button).
-- Rows are read by community, so an index leads with it.
-- Moderator and privacy commands are no longer questions: their old rows go.
DROP TRIGGER IF EXISTS questions_fts_delete;
DROP TABLE IF EXISTS questions_fts;

CREATE TABLE questions_v5 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id    TEXT NOT NULL UNIQUE,
    asked_at     TEXT NOT NULL,
    platform     TEXT NOT NULL,
    workspace    TEXT,
    channel      TEXT,
    channel_kind TEXT NOT NULL,
    surface      TEXT NOT NULL DEFAULT 'command',
    user_hash    TEXT NOT NULL,
    command      TEXT NOT NULL,
    question     TEXT,
    match        TEXT,
    score        REAL NOT NULL DEFAULT 0,
    emergency    INTEGER NOT NULL DEFAULT 0,
    latency_ms   REAL NOT NULL DEFAULT 0,
    outcome      TEXT NOT NULL,
    review_state TEXT NOT NULL DEFAULT 'new',
    reviewer     TEXT,
    review_note  TEXT,
    reviewed_at  TEXT
);
INSERT INTO questions_v5 (id, record_id, asked_at, platform, workspace, channel, channel_kind, user_hash, command,
                          question, match, score, emergency, latency_ms, outcome, review_state, reviewer,
                          review_note, reviewed_at)
    SELECT id, record_id, asked_at, platform, workspace, channel, channel_kind, user_hash, command, question,
           match, score, emergency, latency_ms, outcome, review_state, reviewer, review_note, reviewed_at
    FROM questions WHERE command NOT IN ('mod', 'my-data', 'forget-me');
DROP TABLE questions;
ALTER TABLE questions_v5 RENAME TO questions;
CREATE INDEX questions_asked_at ON questions (asked_at);
CREATE INDEX questions_community ON questions (platform, workspace, asked_at);

-- The full-text index is filled when someone searches, not on every write (fts_state says how far).
CREATE VIRTUAL TABLE questions_fts USING fts5 (question, content = 'questions', content_rowid = 'id');
UPDATE fts_state SET indexed_upto = 0;
CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions
WHEN old.question IS NOT NULL AND old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, question) VALUES ('delete', old.id, old.question);
END;

-- "Helpful / Not helpful": one vote per person per answer; a second click replaces the first.
CREATE TABLE votes (
    id        INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    helpful   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    UNIQUE (record_id, user_hash)
);
CREATE INDEX votes_user ON votes (user_hash);

-- Help channels a community's moderators asked the bot to watch for new posts.
CREATE TABLE watched_channels (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    channel   TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, channel)
);
