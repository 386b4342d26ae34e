-- One row per question asked on any platform.
CREATE TABLE questions (
    id           INTEGER PRIMARY KEY,
    record_id    TEXT NOT NULL UNIQUE,      -- makes re-importing a spool file idempotent
    asked_at     TEXT NOT NULL,             -- ISO 8601, UTC
    platform     TEXT NOT NULL,
    workspace    TEXT,
    channel      TEXT,
    channel_kind TEXT NOT NULL,
    user_hash    TEXT NOT NULL,             -- HMAC-SHA256 of the platform user id; never the raw id
    command      TEXT NOT NULL,
    question     TEXT,                      -- NULL when the operator keeps only the match
    match        TEXT,
    score        REAL NOT NULL DEFAULT 0,
    emergency    INTEGER NOT NULL DEFAULT 0,
    latency_ms   REAL NOT NULL DEFAULT 0,
    outcome      TEXT NOT NULL
);
CREATE INDEX questions_asked_at ON questions (asked_at);
CREATE INDEX questions_user ON questions (user_hash);
CREATE INDEX questions_outcome ON questions (outcome, asked_at);
