-- The replicas serving, with the content version each runs: every replica writes its row every few
-- seconds, and /readyz lists the rows seen recently.
CREATE TABLE replicas (
  id text PRIMARY KEY,
  content_version text NOT NULL,
  seen_at timestamptz NOT NULL
);
