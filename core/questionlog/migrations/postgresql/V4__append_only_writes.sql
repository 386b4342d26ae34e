-- Every write should only append: one index page per batch, not one per person or per outcome.
-- What these indexes served now reads the time index or scans (`my-data` and `forget-me` are rare).
DROP INDEX IF EXISTS questions_user;
DROP INDEX IF EXISTS questions_outcome;
