-- Full-text search over question text for `exobot log search`.
CREATE VIRTUAL TABLE questions_fts USING fts5 (question, content = 'questions', content_rowid = 'id');

CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions WHEN new.question IS NOT NULL BEGIN
    INSERT INTO questions_fts (rowid, question) VALUES (new.id, new.question);
END;
CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions WHEN old.question IS NOT NULL BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, question) VALUES ('delete', old.id, old.question);
END;

INSERT INTO questions_fts (questions_fts) VALUES ('rebuild');
