-- Full-text search over question text for `exobot log search`.
-- Rows are indexed when someone searches, not when they are written: indexing on insert cost the
-- writer two thirds of its throughput, and searches are rare next to questions.
CREATE VIRTUAL TABLE questions_fts USING fts5 (question, content = 'questions', content_rowid = 'id');

CREATE TABLE fts_state (indexed_upto INTEGER NOT NULL);
INSERT INTO fts_state (indexed_upto) VALUES (0);

-- Deleting (retention, forget-me) must also remove what the index holds, but only for indexed rows.
CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions
WHEN old.question IS NOT NULL AND old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, question) VALUES ('delete', old.id, old.question);
END;
