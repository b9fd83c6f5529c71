-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY visits_at_idx ON visits (at);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY visits_at_idx;
