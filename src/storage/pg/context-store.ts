import type { ConversationContext } from '../../core/memory.js';
import { toJsonb } from './jsonb.js';
import type { PgPool } from './pool.js';

/**
 * Conversation context in PostgreSQL, so every replica reads a follow-up in its context. Same bounds
 * as one process: the writer keeps the last turns, and a context older than `ttlMs` is not read (and is
 * swept). The desk loads a conversation's context before a turn and saves it after.
 */
export interface ContextStore {
  load(conversation: string): Promise<ConversationContext | undefined>;
  save(conversation: string, context: ConversationContext): Promise<void>;
  /** Deletes expired contexts; returns how many. */
  sweep(): Promise<number>;
}

export function createPgContextStore(
  pool: PgPool,
  opts: { ttlMs?: number; now?: () => number } = {},
): ContextStore {
  const ttlMs = opts.ttlMs ?? 30 * 60_000;
  const now = opts.now ?? Date.now;
  const cutoff = () => new Date(now() - ttlMs);
  return {
    async load(conversation) {
      const r = await pool.query<{ context: ConversationContext }>(
        'SELECT context FROM conversation_context WHERE conversation = $1 AND touched_at > $2',
        [conversation, cutoff()],
      );
      return r.rows[0]?.context;
    },
    async save(conversation, context) {
      await pool.query(
        `INSERT INTO conversation_context (conversation, context, touched_at) VALUES ($1, $2, $3)
         ON CONFLICT (conversation) DO UPDATE SET context = EXCLUDED.context, touched_at = EXCLUDED.touched_at`,
        [conversation, toJsonb(context), new Date(context.touchedAt)],
      );
    },
    async sweep() {
      const r = await pool.query('DELETE FROM conversation_context WHERE touched_at <= $1', [cutoff()]);
      return r.rowCount ?? 0;
    },
  };
}
