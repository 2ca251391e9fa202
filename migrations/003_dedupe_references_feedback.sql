-- Inbound dedupe (Slack event ids and channel+ts, Teams activity ids), shared by every replica. A key
-- counts until `expires_at` (the database's clock): a done key for the TTL, a key whose turn is in
-- progress for its lease, so a turn that died before it was done is carried out by the retry after
-- the lease. Expired rows are deleted by a periodic sweep.
CREATE TABLE inbound_seen (
  -- The platform (`slack`, `teams`): each has its own key space.
  scope text NOT NULL,
  key text NOT NULL,
  done boolean NOT NULL,
  -- The process that began the turn: only it gives the keys up.
  owner text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE INDEX inbound_seen_expires_at ON inbound_seen (expires_at);

-- Teams conversation references by conversation id (a channel's thread and the channel itself), so any
-- replica can post proactively to a desk's channel or a requester's chat.
CREATE TABLE teams_references (
  conversation_id text PRIMARY KEY,
  service_url text,
  reference jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Ratings of bot turns, one row per rating (as the lowdb mode's feedback.jsonl has one line).
CREATE TABLE feedback (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  platform text NOT NULL,
  user_ref text NOT NULL,
  conversation text NOT NULL,
  turn text NOT NULL,
  rating text NOT NULL CHECK (rating IN ('helpful', 'not_helpful')),
  reply jsonb NOT NULL
);

CREATE INDEX feedback_at ON feedback (at);
