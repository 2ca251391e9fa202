-- Tickets: one row per ticket. The whole ticket (events, outbox, refs) is the JSONB document; the
-- columns beside it are copies of the fields queries filter on, written with it in one statement.
CREATE SEQUENCE ticket_number_seq AS bigint START WITH 1;

CREATE TABLE tickets (
  -- `MDG-000123`: formatted from `number`, which comes from ticket_number_seq.
  id text PRIMARY KEY,
  number bigint NOT NULL UNIQUE,
  -- The idempotency key: the same key never creates a second ticket.
  key text NOT NULL UNIQUE,
  desk text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'claimed', 'resolved', 'closed', 'reopened')),
  -- The requester's user ref (`slack:U123`).
  requester text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Incremented by every committed change.
  version integer NOT NULL DEFAULT 1,
  doc jsonb NOT NULL
);

CREATE INDEX tickets_desk_status ON tickets (desk, status);
CREATE INDEX tickets_status ON tickets (status);
CREATE INDEX tickets_requester ON tickets (requester);
CREATE INDEX tickets_updated_at ON tickets (updated_at);
