import { randomBytes } from 'node:crypto';
import type { Platform } from '../core/types.js';
import type { Rating } from '../feedback/store.js';
import type { PgPool } from '../storage/pg/pool.js';
import type { KeyedTurnStore } from './journal-store.js';
import type { GapDecision, ReviewReason, TurnPatch, TurnRecord } from './types.js';

interface Row {
  id: string;
  at: Date;
  platform: Platform;
  lang: string;
  action: TurnRecord['action'];
  intent: string | null;
  confidence: number;
  scheme: string | null;
  entry: string | null;
  desk: string | null;
  closest_entry: string | null;
  closest_score: number | null;
  user_ref: string;
  conversation: string;
  ms: number;
  feedback: Rating | null;
  ticket_desk: string | null;
  review: ReviewReason[];
  text: string | null;
}

const COLUMNS =
  'id, at, platform, lang, action, intent, confidence, scheme, entry, desk, closest_entry, closest_score, user_ref, conversation, ms, feedback, ticket_desk, review, text';

function toRecord(r: Row): TurnRecord {
  return {
    id: r.id,
    at: r.at.toISOString(),
    platform: r.platform,
    lang: r.lang,
    action: r.action,
    intent: r.intent,
    confidence: r.confidence,
    scheme: r.scheme,
    entry: r.entry,
    desk: r.desk,
    closest:
      r.closest_entry !== null && r.closest_score !== null
        ? { entry: r.closest_entry, score: r.closest_score }
        : null,
    user: r.user_ref,
    conversation: r.conversation,
    ms: r.ms,
    ...(r.feedback ? { feedback: r.feedback } : {}),
    ...(r.ticket_desk ? { ticketDesk: r.ticket_desk } : {}),
    review: r.review,
    ...(r.text !== null ? { text: r.text } : {}),
  };
}

/** PostgreSQL cannot hold U+0000 in text; a person's message may contain it. */
const pgText = (s: string) => s.replaceAll('\u0000', '\uFFFD');

/** Which column each patchable field is written to. */
const PATCH_COLUMNS: Record<keyof TurnPatch, string> = {
  feedback: 'feedback',
  ticketDesk: 'ticket_desk',
  review: 'review',
  text: 'text',
};

/**
 * Turn records and gap decisions in PostgreSQL (migrations/006_turns.sql), shared by every replica, so
 * the dashboard and the gaps are the same whichever replica serves them. The tables must exist: the
 * ticket store migrates the database when it opens. The pool belongs to the caller.
 */
export function createPgTurnStore(opts: { pool: PgPool }): KeyedTurnStore {
  const { pool } = opts;
  return {
    async add(r) {
      await pool.query(
        `INSERT INTO turn_records (${COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (id) DO NOTHING`,
        [
          r.id,
          r.at,
          r.platform,
          r.lang,
          r.action,
          r.intent,
          r.confidence,
          r.scheme,
          r.entry,
          r.desk,
          r.closest?.entry ?? null,
          r.closest?.score ?? null,
          r.user,
          r.conversation,
          r.ms,
          r.feedback ?? null,
          r.ticketDesk ?? null,
          r.review,
          r.text !== undefined ? pgText(r.text) : null,
        ],
      );
    },
    async update(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [id];
      for (const [key, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof TurnPatch, string]>) {
        if (!(key in patch)) continue;
        const v = patch[key];
        values.push(typeof v === 'string' ? pgText(v) : (v ?? null));
        sets.push(`${column} = $${values.length}`);
      }
      if (sets.length === 0) {
        const { rowCount } = await pool.query('SELECT 1 FROM turn_records WHERE id = $1', [id]);
        return (rowCount ?? 0) > 0;
      }
      const { rowCount } = await pool.query(
        `UPDATE turn_records SET ${sets.join(', ')} WHERE id = $1`,
        values,
      );
      return (rowCount ?? 0) > 0;
    },
    async get(id) {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM turn_records WHERE id = $1`, [id]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },
    async list(q = {}) {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM turn_records
         WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2)
           AND (NOT $3::boolean OR cardinality(review) > 0)
         ORDER BY at, seq`,
        [q.from ?? null, q.to ?? null, q.needsReview === true],
      );
      return rows.map(toRecord);
    },
    async prune(before) {
      const { rowCount } = await pool.query('DELETE FROM turn_records WHERE at < $1', [before]);
      return rowCount ?? 0;
    },
    async decide(d) {
      await pool.query(
        'INSERT INTO gap_decisions (gap, decision, at, by_ref, entry, why) VALUES ($1, $2, $3, $4, $5, $6)',
        [d.gap, d.decision, d.at, d.by, d.entry ?? null, d.why !== undefined ? pgText(d.why) : null],
      );
    },
    async decisions() {
      const { rows } = await pool.query<{
        gap: string;
        decision: GapDecision['decision'];
        at: Date;
        by_ref: string;
        entry: string | null;
        why: string | null;
      }>('SELECT gap, decision, at, by_ref, entry, why FROM gap_decisions ORDER BY id');
      return rows.map((r) => ({
        gap: r.gap,
        decision: r.decision,
        at: r.at.toISOString(),
        by: r.by_ref,
        ...(r.entry !== null ? { entry: r.entry } : {}),
        ...(r.why !== null ? { why: r.why } : {}),
      }));
    },
    async pseudonymKey() {
      // Every replica offers a key; the first insert wins and all of them read that one.
      await pool.query(
        'INSERT INTO analytics_settings (id, pseudonym_key) VALUES (true, $1) ON CONFLICT (id) DO NOTHING',
        [randomBytes(32).toString('hex')],
      );
      const { rows } = await pool.query<{ pseudonym_key: string }>(
        'SELECT pseudonym_key FROM analytics_settings WHERE id',
      );
      const key = rows[0]?.pseudonym_key;
      if (!key) throw new Error('analytics_settings holds no pseudonym key');
      return key;
    },
    async close() {},
  };
}
