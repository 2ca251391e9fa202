-- The outbox queue shared by all replicas: one row per PENDING delivery of a ticket. The ticket's JSONB
-- document stays the truth (status, attempts, next attempt, last error); this table is kept in step with
-- it by a trigger on every insert or update of `tickets.doc`, in the same transaction, whoever writes it.
-- What only the queue holds: the lease (which replica is delivering it, until when) and how many times it
-- was claimed. A delivery leaves the table when its document says delivered or failed.
CREATE TABLE deliveries (
  -- `MDG-000123-1-desk-slack`, as in the document.
  id text PRIMARY KEY,
  ticket_id text NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  -- Its index in the ticket's outbox: order within a stream.
  position integer NOT NULL,
  -- `audience:channel`: deliveries of one ticket in one stream go in order, one at a time.
  stream text NOT NULL,
  -- Copies of the document's fields.
  attempts integer NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  -- Claims so far (each claim by a replica adds one, whether or not its outcome was recorded).
  claims integer NOT NULL DEFAULT 0,
  -- The replica delivering it, until `lease_until`; after that another replica may claim it.
  lease_owner text,
  lease_until timestamptz
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at);
CREATE INDEX deliveries_stream ON deliveries (ticket_id, stream, position);

CREATE FUNCTION tickets_sync_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM deliveries q
  WHERE q.ticket_id = NEW.id
    AND NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements(NEW.doc -> 'outbox') AS o(d)
      WHERE o.d ->> 'id' = q.id AND o.d ->> 'status' = 'pending'
    );
  INSERT INTO deliveries (id, ticket_id, position, stream, attempts, next_attempt_at)
  SELECT o.d ->> 'id', NEW.id, (o.ord - 1)::integer, (o.d ->> 'audience') || ':' || (o.d ->> 'channel'),
         (o.d ->> 'attempts')::integer, (o.d ->> 'nextAttemptAt')::timestamptz
  FROM jsonb_array_elements(NEW.doc -> 'outbox') WITH ORDINALITY AS o(d, ord)
  WHERE o.d ->> 'status' = 'pending'
  -- An outcome recorded (attempts changed) ends the lease; any other change of the ticket keeps it.
  ON CONFLICT (id) DO UPDATE SET
    position = EXCLUDED.position,
    attempts = EXCLUDED.attempts,
    next_attempt_at = EXCLUDED.next_attempt_at,
    lease_owner = CASE WHEN deliveries.attempts = EXCLUDED.attempts THEN deliveries.lease_owner END,
    lease_until = CASE WHEN deliveries.attempts = EXCLUDED.attempts THEN deliveries.lease_until END
  WHERE (deliveries.position, deliveries.attempts, deliveries.next_attempt_at)
    IS DISTINCT FROM (EXCLUDED.position, EXCLUDED.attempts, EXCLUDED.next_attempt_at);
  RETURN NULL;
END
$$;

CREATE TRIGGER tickets_deliveries AFTER INSERT OR UPDATE OF doc ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_sync_deliveries();

-- Tickets stored before this migration: their pending deliveries join the queue.
INSERT INTO deliveries (id, ticket_id, position, stream, attempts, next_attempt_at)
SELECT o.d ->> 'id', t.id, (o.ord - 1)::integer, (o.d ->> 'audience') || ':' || (o.d ->> 'channel'),
       (o.d ->> 'attempts')::integer, (o.d ->> 'nextAttemptAt')::timestamptz
FROM tickets t, jsonb_array_elements(t.doc -> 'outbox') WITH ORDINALITY AS o(d, ord)
WHERE o.d ->> 'status' = 'pending';
