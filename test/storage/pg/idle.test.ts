import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import { createTicketService } from '../../../src/tickets/service.js';
import { AWAITING_STAFF } from '../../../src/tickets/store.js';
import type { Ticket } from '../../../src/tickets/types.js';
import { repoRoot, until } from '../../helpers.js';
import { describePg, freshDatabase } from '../../pg/helpers.js';
import { DESKS, openInput } from '../../tickets/fixtures.js';

const STORED = 120;
const OPEN = 3;

interface Issued {
  text: string;
  values: unknown[];
  /** Ticket documents the statement returned to the process. */
  docs: Ticket[];
}

/** Every statement any pg.Client in this process runs (pool, lock session, LISTEN session) while on. */
function recordStatements() {
  const issued: Issued[] = [];
  let on = false;
  const original = pg.Client.prototype.query;
  const note = (text: string, values: unknown[], result: unknown) => {
    if (!on) return;
    const rows = (result as { rows?: Array<{ doc?: Ticket }> } | undefined)?.rows ?? [];
    const docs = /\bfrom tickets\b/i.test(text) ? rows.flatMap((r) => (r.doc ? [r.doc] : [])) : [];
    issued.push({ text, values, docs });
  };
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    const values = (Array.isArray(args[1]) ? args[1] : typeof config === 'object' && config?.values) || [];
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        if (!error) note(text, values, result);
        return (last as (e: unknown, r: unknown) => void)(error, result);
      };
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    }
    const out = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (out instanceof Promise)
      out.then(
        (r) => note(text, values, r),
        () => undefined,
      );
    return out;
  } as typeof original;
  return {
    issued,
    start: () => {
      on = true;
    },
    stop: () => {
      on = false;
      pg.Client.prototype.query = original;
    },
  };
}

/** Rows PostgreSQL reads from `tickets` for one SELECT (EXPLAIN ANALYZE, rolled back; indexes preferred). */
async function ticketRowsRead(pool: pg.Pool, s: Issued): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${s.text}`,
      s.values,
    );
    let read = 0;
    const walk = (n: PlanNode) => {
      if (n['Relation Name'] === 'tickets')
        read +=
          (n['Actual Rows'] +
            (n['Rows Removed by Filter'] ?? 0) +
            (n['Rows Removed by Index Recheck'] ?? 0)) *
          n['Actual Loops'];
      for (const c of n.Plans ?? []) walk(c);
    };
    for (const r of rows[0]?.['QUERY PLAN'] ?? []) walk(r.Plan);
    return read;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

describePg('an idle replica on PostgreSQL', () => {
  it('reads no ticket but those awaiting staff in its periodic passes, however many are stored', async () => {
    const db = await freshDatabase();
    const pool = db.pool();
    const store = createPgTicketStore({ pool });
    await store.open();
    // Opened two days ago (all overdue); all but OPEN claimed, resolved and closed.
    const tickets = createTicketService({
      store,
      desks: () => DESKS,
      clock: { now: () => new Date(Date.now() - 48 * 3_600_000) },
    });
    for (let i = 0; i < STORED; i++) {
      const t = await tickets.open(openInput(`idle-${i}`));
      if (i < OPEN) continue;
      for (const step of ['claim', 'resolve', 'close'] as const)
        await tickets[step](t.id, { user: 'cli:admin' });
    }
    const data = await mkdtemp(join(tmpdir(), 'madoguchi-idle-'));
    const app = await startApp({
      config: loadConfig({
        PORT: '0',
        DATABASE_URL: db.url,
        MADOGUCHI_DATA_DIR: data,
        MADOGUCHI_CONTENT_DIR: repoRoot,
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
      probeMs: 50,
    });
    const recorder = recordStatements();
    const queued = async () => (await pool.query('SELECT count(*)::int AS n FROM deliveries')).rows[0].n;
    try {
      // Past start-up: late channels mounted, the notifications queued above delivered, the overdue
      // tickets reminded once (and those reminders delivered). What follows is a replica with nothing to do.
      await app.channelsReady();
      await until(async () => (await queued()) === 0, 'the outbox to drain', 15_000);
      expect(await app.periodic()).toBe(true);
      await until(async () => (await queued()) === 0, 'the reminders to be delivered', 15_000);

      recorder.start();
      // Each readiness refresh (its counts) ends with the replica's heartbeat.
      const refreshes = () => recorder.issued.filter((s) => /INSERT INTO replicas/.test(s.text)).length;
      await until(() => refreshes() >= 3, 'three readiness refreshes', 15_000);
      await until(
        () => recorder.issued.filter((s) => /FROM deliveries d/.test(s.text)).length >= 3,
        'three outbox polls',
        15_000,
      );
      expect(await app.periodic()).toBe(true);
      recorder.stop();

      const docs = recorder.issued.flatMap((s) => s.docs.map((d) => `${d.id} ${d.status} ← ${s.text}`));
      const awaiting = docs.filter((d) => AWAITING_STAFF.some((st) => d.includes(` ${st} ←`)));
      // Only the reminders read documents, and only those of tickets awaiting staff.
      expect(docs.filter((d) => !awaiting.includes(d))).toEqual([]);
      expect(awaiting.length).toBeLessThanOrEqual(OPEN);
      // And PostgreSQL itself reads no more rows of `tickets` than that for any of them.
      const selects = recorder.issued.filter(
        (s) => /^\s*(SELECT|WITH)\b/i.test(s.text) && /\btickets\b/.test(s.text),
      );
      expect(selects.length).toBeGreaterThan(0);
      for (const s of selects) {
        const read = await ticketRowsRead(pool, s);
        expect({ statement: s.text, read }).toEqual({
          statement: s.text,
          read: expect.toSatisfy((n: number) => n <= OPEN),
        });
      }
    } finally {
      recorder.stop();
      await app.stop();
      await store.close();
      await rm(data, { recursive: true, force: true });
    }
  }, 60_000);
});
