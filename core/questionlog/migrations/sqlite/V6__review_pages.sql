-- The review pages count a community's questions by day, outcome and entry. An index on the day
-- itself hands them over in order, so ninety days are counted in one pass with nothing to sort, and
-- it holds every column those counts read, so the table is never touched.
CREATE INDEX questions_daily ON questions (platform, workspace, substr(asked_at, 1, 10), outcome, emergency, match, asked_at);
-- The unanswered queue: only unanswered rows enter this index, a small share of the writes.
CREATE INDEX questions_unanswered ON questions (platform, workspace, review_state, asked_at) WHERE outcome = 'unanswered';
