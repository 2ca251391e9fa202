import type { PgPool } from '../storage/pg/pool.js';
import type { Feedback, FeedbackStore, Rating } from './store.js';

/** The feedback store on PostgreSQL, with a reader (analytics, tests). */
export interface PgFeedbackStore extends FeedbackStore {
  /** Ratings recorded at or after `since` (all when left out), oldest first, at most `limit` (default 1,000). */
  list(opts?: { since?: string; limit?: number }): Promise<Feedback[]>;
}

interface Row {
  at: Date;
  platform: Feedback['platform'];
  user_ref: string;
  conversation: string;
  turn: string;
  rating: Rating;
  reply: Feedback['reply'];
}

/** One row per rating in table `feedback` (migrations/003), shared by every replica. */
export function createPgFeedbackStore(opts: { pool: PgPool }): PgFeedbackStore {
  const { pool } = opts;
  return {
    async record(f) {
      await pool.query(
        `INSERT INTO feedback (at, platform, user_ref, conversation, turn, rating, reply)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [f.at, f.platform, f.user, f.conversation, f.turn, f.rating, JSON.stringify(f.reply)],
      );
    },
    async list(q = {}) {
      const { rows } = await pool.query<Row>(
        `SELECT at, platform, user_ref, conversation, turn, rating, reply FROM feedback
         WHERE $1::timestamptz IS NULL OR at >= $1 ORDER BY at, id LIMIT $2`,
        [q.since ?? null, q.limit ?? 1_000],
      );
      return rows.map((r) => ({
        at: r.at.toISOString(),
        platform: r.platform,
        user: r.user_ref,
        conversation: r.conversation,
        turn: r.turn,
        rating: r.rating,
        reply: r.reply,
      }));
    },
  };
}
