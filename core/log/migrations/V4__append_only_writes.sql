-- Every write should only append: one index page per batch, not one per person or per outcome.
-- The index on user_hash touched a page per asker in each batch, and the one on (outcome, asked_at) a
-- page per outcome; together they cut the writer from 118k to 18k rows per second on a log with a
-- hundred people asking. What they served now reads the time index or scans:
--   `unanswered` walks the newest rows by time until it has enough;
--   `my-data` and `forget-me` are rare, and scan: 0.35 s per million rows.
DROP INDEX IF EXISTS questions_user;
DROP INDEX IF EXISTS questions_outcome;
