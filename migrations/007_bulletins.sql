-- Bulletins (src/tickets/bulletins.ts): notices for admins that are about no ticket, such as the weekly
-- digest. One row per bulletin: its JSONB document (what it says, where it goes, its deliveries) under its
-- id, which is also its idempotency key (`digest:2025-W03`), so two replicas queueing the same week's
-- digest insert one row (`ON CONFLICT (id) DO NOTHING`).
CREATE TABLE bulletins (
  id text PRIMARY KEY,
  kind text NOT NULL,
  created_at timestamptz NOT NULL,
  doc jsonb NOT NULL
);

CREATE INDEX bulletins_created ON bulletins (created_at);

-- Their pending deliveries: the queue the replicas claim from with a lease, as `deliveries` is for the
-- tickets' (migrations/002_deliveries.sql), kept in step with the documents by the same kind of trigger.
CREATE TABLE bulletin_deliveries (
  -- `digest:2025-W03:slack`, as in the document.
  id text PRIMARY KEY,
  bulletin_id text NOT NULL REFERENCES bulletins (id) ON DELETE CASCADE,
  position integer NOT NULL,
  -- `:channel` (a bulletin's deliveries have no audience): each channel is its own stream.
  stream text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  claims integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz
);

CREATE INDEX bulletin_deliveries_due ON bulletin_deliveries (next_attempt_at);
CREATE INDEX bulletin_deliveries_stream ON bulletin_deliveries (bulletin_id, stream, position);

CREATE FUNCTION bulletins_sync_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM bulletin_deliveries q
  WHERE q.bulletin_id = NEW.id
    AND NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements(NEW.doc -> 'outbox') AS o(d)
      WHERE o.d ->> 'id' = q.id AND o.d ->> 'status' = 'pending'
    );
  INSERT INTO bulletin_deliveries (id, bulletin_id, position, stream, attempts, next_attempt_at)
  SELECT o.d ->> 'id', NEW.id, (o.ord - 1)::integer, coalesce(o.d ->> 'audience', '') || ':' || (o.d ->> 'channel'),
         (o.d ->> 'attempts')::integer, (o.d ->> 'nextAttemptAt')::timestamptz
  FROM jsonb_array_elements(NEW.doc -> 'outbox') WITH ORDINALITY AS o(d, ord)
  WHERE o.d ->> 'status' = 'pending'
  -- An outcome recorded (attempts changed) ends the lease; any other change keeps it.
  ON CONFLICT (id) DO UPDATE SET
    position = EXCLUDED.position,
    attempts = EXCLUDED.attempts,
    next_attempt_at = EXCLUDED.next_attempt_at,
    lease_owner = CASE WHEN bulletin_deliveries.attempts = EXCLUDED.attempts THEN bulletin_deliveries.lease_owner END,
    lease_until = CASE WHEN bulletin_deliveries.attempts = EXCLUDED.attempts THEN bulletin_deliveries.lease_until END
  WHERE (bulletin_deliveries.position, bulletin_deliveries.attempts, bulletin_deliveries.next_attempt_at)
    IS DISTINCT FROM (EXCLUDED.position, EXCLUDED.attempts, EXCLUDED.next_attempt_at);
  RETURN NULL;
END
$$;

CREATE TRIGGER bulletins_deliveries AFTER INSERT OR UPDATE OF doc ON bulletins
  FOR EACH ROW EXECUTE FUNCTION bulletins_sync_deliveries();
