/**
 * PostgreSQL stopped and started under load, for real: a cluster of this file's own (test/pg/cluster.ts:
 * its own data and socket directories, its own port, run as `postgres`), two replicas on one of its
 * databases behind the round-robin proxy (test/pg/fleet.ts), handoff forms sent all along. The server
 * crashes (`pg_ctl stop -m immediate`) while requests are in flight and is started again on the same
 * data directory, which replays its WAL: no ticket whose sender was told it was saved is lost, none is
 * doubled, the people told to try again can, and the replicas come back by themselves.
 *
 * Unlike the shared server this one keeps synchronous_commit on: with it off a commit is acknowledged
 * before its WAL is written, and a crash loses it. fsync stays off: the server process dies, not the
 * machine, so what was written is in the page cache when the server starts again.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { until } from '../../helpers.js';
import { type Cluster, startCluster } from '../../pg/cluster.js';
import {
  expectOneRunsReminders,
  expectRecovered,
  expectWholeTickets,
  type Fleet,
  type Meta,
  retryRefused,
  startFleet,
  startLoad,
} from '../../pg/fleet.js';
import { describePg, server } from '../../pg/helpers.js';

/** Only the socket's name (no TCP): it differs from the shared server's 5432 for clarity, not need. */
const PORT = 5433;
/** A delivery claimed just before the crash is taken over soon after the restart if its outcome is lost. */
const LEASE_MS = 3_000;
/** Longer than a replica's reconnect delays (the content channel's is 2 s): a restart takes a few seconds. */
const DOWN_AT_LEAST_MS = 3_000;

describePg('PostgreSQL stopped and started under load', () => {
  let cluster: Cluster | undefined;
  let pool: pg.Pool | undefined;
  let fleet: Fleet;

  beforeAll(async () => {
    if (!server.ok) return;
    cluster = await startCluster({
      port: PORT,
      prefix: 'madoguchi-pg-restart-',
      settings: { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'on', max_connections: 60 },
    });
    await cluster.psql('CREATE DATABASE desk');
    const url = cluster.url('desk');
    pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1_000 });
    pool.on('error', () => undefined); // its idle connections die with the server
    fleet = await startFleet({ databaseUrl: url, pool, replicas: 2, leaseMs: LEASE_MS });
  }, 60_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    fleet?.explain();
    const log = cluster ? await readFile(cluster.log, 'utf8').catch(() => '') : '';
    process.stderr.write(`--- PostgreSQL log\n${log.trim().split('\n').slice(-30).join('\n')}\n`);
  });

  // Whatever happened: the replicas stopped, then the server, then its directories removed.
  afterAll(async () => {
    try {
      await fleet?.close();
      await pool?.end().catch(() => undefined);
    } finally {
      await cluster?.destroy();
    }
  }, 60_000);

  it('crashes under load and starts again: every acknowledged ticket kept whole, none doubled, replicas recover by themselves', async () => {
    const db = pool;
    if (!cluster || !db) throw new Error('no cluster');
    const { proxy, replicas } = fleet;
    const submit = (key: string) => fleet.submit(key);
    // Three clients, each sending a new form every 100 ms or so, until told to stop.
    const load = startLoad(submit, 3, 100);
    let inFlight = 0;
    try {
      await until(() => load.count('ok') >= 10, 'requests served before the crash', 15_000);
      // Eight more at once, and the crash as soon as the proxy holds four unanswered.
      load.burst(8);
      await proxy.whenInFlight(4);
      inFlight = proxy.inFlight();
      const crashedAt = Date.now();
      await cluster.stop('immediate');

      for (const r of replicas)
        await until(async () => (await fleet.readyz(r)) === 503, `replica ${r.pid} to be not ready`, 10_000);
      for (const r of replicas) {
        const body = (await (await fetch(`${r.url}/readyz`)).json()) as { ready: boolean; reasons: string[] };
        expect(body.ready).toBe(false);
        expect(body.reasons.join(' ')).toMatch(/PostgreSQL/);
      }
      // Told it was not saved and to try again, in so many words (anything else is caught below).
      await until(() => load.count('retry') >= 6, 'requests told to try again', 10_000);
      const down = DOWN_AT_LEAST_MS - (Date.now() - crashedAt);
      if (down > 0) await new Promise((r) => setTimeout(r, down));

      // The same data directory: the server replays its WAL, then takes connections.
      await cluster.start();
      // The replicas' probes run every 200 ms; an outbox that could not record outcomes tries again
      // after its back-off (1 s doubling per refusal; a few seconds after an outage this short).
      await expectRecovered(fleet, load, 30_000);
    } finally {
      await load.stop();
    }
    // The crash came with requests in flight (their answers are checked with the others).
    expect(inFlight).toBeGreaterThanOrEqual(4);
    // Every form acknowledged, before the crash, during it or after, is there: none was lost (none of
    // them is sent again below).
    const stored = new Set((await fleet.tickets()).map((t) => t.key));
    const acknowledged = [...load.outcomes].filter(([, o]) => o[0] === 'ok').map(([key]) => `slack:${key}`);
    expect(acknowledged.filter((key) => !stored.has(key))).toEqual([]);

    // Nothing but 'ok' or 'retry' came back; those told to retry do, each until saved.
    await retryRefused(load, submit);
    const all = await fleet.drained(30_000);
    // Exactly one whole ticket per form sent (every acknowledged one among them), and nothing else.
    expectWholeTickets(all, load);
    expect(all).toHaveLength(load.outcomes.size);
    fleet.expectEachPostedOnce(all);
    // The fake Slack holds those notifications and nothing more: no second card, no stray update.
    const deliveries = new Set(
      all.flatMap((t) => t.outbox.filter((d) => d.channel === 'slack').map((d) => d.id)),
    );
    const posted = fleet.slack.messages.map((m) => (m.metadata as Meta | undefined)?.event_payload?.delivery);
    expect(posted.filter((d) => !d || !deliveries.has(d))).toEqual([]);
    expect(posted).toHaveLength(deliveries.size);

    // Recovered by themselves, beyond readiness: each replica listens for content reloads again, and
    // one of them (exactly one) holds the reminders' lock and runs the periodic pass.
    await until(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'madoguchi-listen'",
        );
        return rows[0]?.n === replicas.length;
      },
      'every replica to listen for content reloads again',
      10_000,
    );
    await expectOneRunsReminders(fleet, 10_000);
  }, 50_000);
});
