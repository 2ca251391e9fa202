// Ticket open and claim throughput on PostgreSQL against the lowdb store, in the same run, on a temporary
// PostgreSQL server (test/pg/setup.ts starts it as the tests do) made durable like a production one.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLowdbTicketStore } from '../src/tickets/lowdb-store.js';
import { importTickets } from '../src/tickets/pg-import.js';
import { createPgTicketStore } from '../src/tickets/pg-store.js';
import { createTicketService } from '../src/tickets/service.js';
import type { TicketStore } from '../src/tickets/store.js';
import type { PgServer } from '../test/pg/setup.js';
import startTestServer from '../test/pg/setup.js';
import { markdownTable } from './markdown.js';
import { desks, ticket } from './tickets.js';

interface Rate {
  openPerS: number;
  claimPerS: number;
}

export interface PgStoreRow {
  /** Changes in flight at once (requests being served together). */
  concurrency: number;
  lowdb: Rate;
  pg: Rate;
}

/** Each rate's median over the rounds. */
function median(rounds: Rate[]): Rate {
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { openPerS: mid(rounds.map((r) => r.openPerS)), claimPerS: mid(rounds.map((r) => r.claimPerS)) };
}

export type PgStoreBench =
  | { stored: number; ops: number; rounds: number; server: string; rows: PgStoreRow[] }
  | { skipped: string };

/** Runs `n` calls of `fn` with `concurrency` of them in flight; resolves calls per second. */
async function throughput(n: number, concurrency: number, fn: (i: number) => Promise<unknown>) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Opens `ops` tickets, then claims each, on `store` (already holding `stored` tickets). */
async function measure(store: TicketStore, ops: number, concurrency: number, tag: string) {
  const tickets = createTicketService({ store, desks: () => desks, clock: { now: () => new Date() } });
  const ids: string[] = [];
  const openPerS = await throughput(ops, concurrency, async (i) => {
    const t = await tickets.open({
      key: `${tag}-${i}`,
      desk: 'jbic',
      requester: { platform: 'slack', userId: 'slack:UNEW' },
      origin: { platform: 'slack', conversation: 'C0SHARED' },
      packet: ticket(0).packet,
    });
    ids[i] = t.id;
  });
  const claimPerS = await throughput(ops, concurrency, (i) =>
    tickets.claim(ids[i] as string, { user: 'cli:staff' }),
  );
  return { openPerS, claimPerS };
}

export async function benchPgStore(opts: {
  stored: number;
  ops: number;
  /** Opened and claimed first on each store, unmeasured (JIT, connections). */
  warmup: number;
  rounds: number;
  concurrencies: number[];
}): Promise<PgStoreBench> {
  let server: PgServer | undefined;
  const stop = await startTestServer({
    provide: (_key: string, value: PgServer) => {
      server = value;
    },
  } as unknown as Parameters<typeof startTestServer>[0]);
  if (!server?.ok) return { skipped: server?.reason ?? 'PostgreSQL could not be started' };
  const s = server;
  const url = (db: string) => `postgresql://${s.user}@/${db}?host=${s.socketDir}&port=${s.port}`;
  const admin = new pg.Pool({ connectionString: url('postgres'), max: 1 });
  const dirs: string[] = [];
  try {
    // The tests' server trades durability for speed; a production one commits to disk.
    for (const setting of ['fsync', 'full_page_writes', 'synchronous_commit'])
      await admin.query(`ALTER SYSTEM SET ${setting} = on`);
    await admin.query('SELECT pg_reload_conf()');
    const { rows: version } = await admin.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    const seed = Array.from({ length: opts.stored }, (_, i) => ticket(i + 1));
    const lowdbRound = async (concurrency: number) => {
      const dir = await mkdtemp(join(tmpdir(), 'madoguchi-bench-pg-'));
      dirs.push(dir);
      await writeFile(
        join(dir, 'tickets.json'),
        JSON.stringify({ format: 1, seq: opts.stored, tickets: seed }),
      );
      const lowdb = createLowdbTicketStore({ dataDir: dir });
      await lowdb.open();
      await measure(lowdb, opts.warmup, concurrency, 'lowdb-warm');
      const result = await measure(lowdb, opts.ops, concurrency, 'lowdb');
      await lowdb.close();
      await rm(dir, { recursive: true, force: true });
      return result;
    };
    const pgRound = async (concurrency: number) => {
      const name = `bench_${concurrency}_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.query(`CREATE DATABASE ${name}`);
      // One replica's pool, as the server makes it (10 connections).
      const pool = new pg.Pool({ connectionString: url(name), max: 10 });
      const store = createPgTicketStore({ pool, endPoolOnClose: true });
      await store.open();
      await importTickets(pool, { file: 'seed', tickets: seed, seq: opts.stored });
      await measure(store, opts.warmup, concurrency, 'pg-warm');
      const result = await measure(store, opts.ops, concurrency, 'pg');
      await store.close();
      await admin.query(`DROP DATABASE ${name}`);
      return result;
    };
    const rows: PgStoreRow[] = [];
    for (const concurrency of opts.concurrencies) {
      // Alternated, on fresh stores each round; the median round of each is reported.
      const lowdb: Rate[] = [];
      const onPg: Rate[] = [];
      for (let round = 0; round < opts.rounds; round++) {
        lowdb.push(await lowdbRound(concurrency));
        onPg.push(await pgRound(concurrency));
      }
      rows.push({ concurrency, lowdb: median(lowdb), pg: median(onPg) });
    }
    return {
      stored: opts.stored,
      ops: opts.ops,
      rounds: opts.rounds,
      server: `PostgreSQL ${version[0]?.v ?? ''} on a Unix socket, fsync and synchronous_commit on`,
      rows,
    };
  } finally {
    await admin.end();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await stop?.();
  }
}

/** The RESULTS.md section. */
export function pgStoreSection(b: PgStoreBench | undefined): string[] {
  if (!b) return [];
  if ('skipped' in b) return ['## Ticket store on PostgreSQL', '', `Not measured: ${b.skipped}.`, ''];
  const n = (x: number) => x.toFixed(0);
  return [
    '## Ticket store on PostgreSQL vs lowdb',
    '',
    `${b.ops.toLocaleString('en')} tickets opened, then each claimed, through the ticket service, with ${b.stored.toLocaleString('en')} already stored; lowdb fsyncs its journal per write (group commit), ${b.server}, one replica's pool of 10 connections; the median of ${b.rounds} alternated rounds on fresh stores. Changes per second; the ratio is PostgreSQL ÷ lowdb (>1: PostgreSQL is faster).`,
    '',
    ...markdownTable(
      [
        { title: 'in flight', align: 'right' },
        { title: 'lowdb open/s', align: 'right' },
        { title: 'PostgreSQL open/s', align: 'right' },
        { title: 'open ratio', align: 'right' },
        { title: 'lowdb claim/s', align: 'right' },
        { title: 'PostgreSQL claim/s', align: 'right' },
        { title: 'claim ratio', align: 'right' },
      ],
      b.rows.map((r) => [
        String(r.concurrency),
        n(r.lowdb.openPerS),
        n(r.pg.openPerS),
        `${(r.pg.openPerS / r.lowdb.openPerS).toFixed(2)}×`,
        n(r.lowdb.claimPerS),
        n(r.pg.claimPerS),
        `${(r.pg.claimPerS / r.lowdb.claimPerS).toFixed(2)}×`,
      ]),
    ),
    '',
  ];
}
