-- Review-page sessions and used sign-in links live beside the log, so that every instance serving the
-- pages knows them and a restart forgets neither: a link used once stays used until it expires.
-- A session is stored under a hash of its id: a copy of the database holds no cookie that works.
CREATE TABLE review_sessions (
    id_hash    TEXT PRIMARY KEY,
    platform   TEXT,
    workspace  TEXT,
    operator   INTEGER NOT NULL,
    reviewer   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL           -- seconds since the epoch
);
CREATE TABLE used_links (
    nonce      TEXT PRIMARY KEY,
    until      DOUBLE PRECISION NOT NULL           -- when the link would have expired anyway
);
