-- Full-text search over question text for `exobot log search`: PostgreSQL's own text search, on an
-- expression index ('simple': no stemming or stop words, so every word a moderator types must be there,
-- as with SQLite's FTS5). GIN's pending list keeps the writer's inserts cheap.
CREATE INDEX questions_search ON questions USING gin (to_tsvector('simple', coalesce(question, '')));
