-- migrate:up
CREATE TABLE visits (
  id bigserial PRIMARY KEY,
  path text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE visits;
