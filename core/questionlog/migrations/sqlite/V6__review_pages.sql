-- The review pages count a community's questions by day, outcome and entry: an index holding those
-- columns answers them without reading the table. It replaces the narrower community index, so a
-- write still updates as many indexes as before.
DROP INDEX IF EXISTS questions_community;
CREATE INDEX questions_community ON questions (platform, workspace, asked_at, outcome, emergency, match);
-- The unanswered queue: only unanswered rows enter this index, a small share of the writes.
CREATE INDEX questions_unanswered ON questions (platform, workspace, review_state, asked_at) WHERE outcome = 'unanswered';
