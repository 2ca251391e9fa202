import type { ConversationReference } from 'botbuilder';
import type { PgPool } from '../../storage/pg/pool.js';
import { baseConversationId, type ReferenceStore, referenceFor } from './references.js';

type Ref = Partial<ConversationReference>;

/**
 * Conversation references on PostgreSQL (table `teams_references`, migrations/003), so any replica can
 * post to a conversation another replica heard from. `get` reads the table (a reference moved by
 * another replica is seen at once); `remember` writes only what changed: a new conversation, or a
 * known one whose service URL moved. What this process last wrote or read is kept to skip the write
 * on every turn of a conversation it already knows.
 */
export function createPgReferenceStore(opts: { pool: PgPool; cacheMax?: number }): ReferenceStore {
  const { pool } = opts;
  const max = opts.cacheMax ?? 5_000;
  /** Conversation id → service URL known to be in the table. */
  const known = new Map<string, string | undefined>();
  const note = (id: string, serviceUrl: string | undefined) => {
    known.delete(id);
    known.set(id, serviceUrl);
    while (known.size > max) known.delete(known.keys().next().value as string);
  };
  return {
    async get(id) {
      const base = baseConversationId(id);
      const { rows } = await pool.query<{ conversation_id: string; reference: Ref }>(
        `SELECT conversation_id, reference FROM teams_references
         WHERE conversation_id = ANY($1::text[]) ORDER BY conversation_id = $2 DESC LIMIT 1`,
        [[id, base], id],
      );
      const row = rows[0];
      if (row) note(row.conversation_id, row.reference.serviceUrl);
      return row?.reference;
    },
    async remember(reference) {
      const id = reference.conversation?.id;
      if (!id) return;
      const base = baseConversationId(id);
      const needsBase = base !== id && !known.has(base);
      if (known.has(id) && known.get(id) === reference.serviceUrl && !needsBase) return;
      // The conversation itself: inserted, or updated when its service URL moved. Its channel: only
      // when not there yet, as the journal store does.
      await pool.query(
        `WITH refs (conversation_id, service_url, reference, replace) AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::boolean[])
         )
         INSERT INTO teams_references AS t (conversation_id, service_url, reference)
         SELECT conversation_id, service_url, reference FROM refs ORDER BY conversation_id
         ON CONFLICT (conversation_id) DO UPDATE
           SET service_url = excluded.service_url, reference = excluded.reference, updated_at = now()
           WHERE (SELECT replace FROM refs WHERE refs.conversation_id = t.conversation_id)
             AND t.service_url IS DISTINCT FROM excluded.service_url`,
        base !== id
          ? [
              [id, base],
              [reference.serviceUrl ?? null, reference.serviceUrl ?? null],
              [JSON.stringify(reference), JSON.stringify(referenceFor(reference, base))],
              [true, false],
            ]
          : [[id], [reference.serviceUrl ?? null], [JSON.stringify(reference)], [true]],
      );
      note(id, reference.serviceUrl);
      if (base !== id && !known.has(base)) note(base, undefined);
    },
  };
}
