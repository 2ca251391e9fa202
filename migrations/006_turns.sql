-- Turn records (src/analytics/types.ts): what the desk did with each inquiry, for the dashboard, the
-- digest and knowledge gaps. No contact details and no platform ids: `user_ref`, `conversation` and
-- `id` are keyed pseudonyms; `text` is the scrubbed question, kept only when `review` is not empty.
-- Rows older than the retention period are deleted by the hourly prune (texts with them).
CREATE TABLE turn_records (
  id text PRIMARY KEY,
  -- Insertion order, for records of the same instant.
  seq bigserial NOT NULL,
  at timestamptz NOT NULL,
  platform text NOT NULL,
  lang text NOT NULL,
  action text NOT NULL,
  intent text,
  confidence double precision NOT NULL,
  scheme text,
  entry text,
  desk text,
  closest_entry text,
  closest_score double precision,
  user_ref text NOT NULL,
  conversation text NOT NULL,
  ms double precision NOT NULL,
  feedback text CHECK (feedback IN ('helpful', 'not_helpful')),
  ticket_desk text,
  review text[] NOT NULL DEFAULT '{}',
  text text
);

CREATE INDEX turn_records_at ON turn_records (at, seq);
CREATE INDEX turn_records_review_at ON turn_records (at, seq) WHERE cardinality(review) > 0;

-- Admins' decisions on knowledge gaps (accepted, drafted, dismissed), one row each, in order.
CREATE TABLE gap_decisions (
  id bigserial PRIMARY KEY,
  gap text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('accepted', 'drafted', 'dismissed')),
  at timestamptz NOT NULL,
  by_ref text NOT NULL,
  entry text,
  why text
);

-- One row: the key turn records are pseudonymised with when MADOGUCHI_PSEUDONYM_KEY is not set. The
-- first replica to start writes it and every other reads the same one.
CREATE TABLE analytics_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  pseudonym_key text NOT NULL
);
