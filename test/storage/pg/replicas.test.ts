/**
 * Three replicas for real: three server processes (test/pg/replica.ts, the app as src/main.ts starts
 * it) in Slack HTTP mode on one PostgreSQL database, behind a round-robin proxy, posting to one loopback
 * fake Slack Web API (test/pg/fleet.ts). The tests share the cluster and run in order: open, remind,
 * crash, lose the database. restart.test.ts stops and starts a real server under the same load.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import { until } from '../../helpers.js';
import {
  DESK_CHANNEL,
  expectOneRunsReminders,
  expectRecovered,
  expectWholeTickets,
  type Fleet,
  type Meta,
  retryRefused,
  startFleet,
  startLoad,
} from '../../pg/fleet.js';
import { adminQuery, describePg, freshDatabase, server, type TestDatabase } from '../../pg/helpers.js';

/** Short enough that a crashed replica's delivery is taken over within seconds; renewed every third of it. */
const LEASE_MS = 3_000;

describePg('three replicas behind a load balancer', () => {
  let db: TestDatabase;
  let fleet: Fleet;

  const submit = (key: string) => fleet.submit(key);

  beforeAll(async () => {
    if (!server.ok) return;
    db = await freshDatabase();
    fleet = await startFleet({ databaseUrl: db.url, pool: db.pool(), replicas: 3, leaseMs: LEASE_MS });
  }, 90_000);

  afterEach((context) => {
    if (context.task.result?.state === 'fail') fleet?.explain();
  });

  afterAll(async () => {
    if (!server.ok) return;
    if (db) await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
    await fleet?.close();
  }, 30_000);

  it('gives tickets opened through any replica unique ids, and posts each notification once', async () => {
    const keys = Array.from({ length: 9 }, (_, i) => `open-${i}`);
    const answers = await Promise.all(keys.map(submit));
    expect(answers).toEqual(keys.map(() => 'ok'));
    // Round robin: each replica stored three of them.
    expect(fleet.proxy.served(fleet.replicas.map((r) => r.url))).toEqual([3, 3, 3]);
    // The same form sent twice at once (a double click) reaches two replicas and is one ticket.
    expect(await Promise.all([submit('twice'), submit('twice')])).toEqual(['ok', 'ok']);
    expect(fleet.proxy.served(fleet.replicas.map((r) => r.url))).toEqual([4, 4, 3]);

    const all = await fleet.drained();
    expect(all.map((t) => t.key).sort()).toEqual([...keys, 'twice'].map((k) => `slack:${k}`).sort());
    const ids = all.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^MDG-\d{6}$/);
    fleet.expectEachPostedOnce(all);
    const cards = fleet.slack
      .of('chat.postMessage')
      .filter((c) => c.params.channel === DESK_CHANNEL && !c.params.thread_ts);
    expect(cards.map((c) => (c.params.metadata as Meta).event_payload?.ticket).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('sends a reminder once, from the one replica holding the reminders lock', async () => {
    expect(await submit('overdue')).toBe('ok');
    const before = await fleet.drained();
    const overdue = before.find((t) => t.key === 'slack:overdue');
    if (!overdue) throw new Error('no overdue ticket');
    // Past its response target: the test's own store writes it, as any replica would.
    const store = createPgTicketStore({ pool: db.pool(), migrate: false });
    await store.open();
    await store.update(overdue.id, (t) => {
      t.dueAt = new Date(Date.now() - 3_600_000).toISOString();
    });
    await store.close();

    // Every replica runs its pass at the same moment, twice; one holds the lock each time (a round
    // where the holder's own timer pass was under way runs on none and is repeated).
    for (let round = 0; round < 2; round++) await expectOneRunsReminders(fleet, 15_000);
    const all = await fleet.drained();
    const reminded = all.find((t) => t.id === overdue.id);
    expect(reminded?.events.filter((e) => e.type === 'reminded')).toHaveLength(1);
    const line = fleet.slack.messages.filter(
      (m) => m.channel === DESK_CHANNEL && m.thread_ts && /still unclaimed/.test(m.text ?? ''),
    );
    expect(line).toHaveLength(1);
    fleet.expectEachPostedOnce(all);
  });

  it('finishes the deliveries of a replica killed mid-delivery, once its lease expires: none lost, none twice', async () => {
    // The next desk card reaches Slack but its caller never hears back: SIGKILL strikes while it waits.
    fleet.slack.failNext('chat.postMessage', {
      status: 200,
      hang: true,
      accept: true,
      channel: DESK_CHANNEL,
    });
    expect(await submit('crash')).toBe('ok');
    const ticket = await until(
      async () => (await fleet.tickets()).find((t) => t.key === 'slack:crash'),
      'the ticket',
    );
    const owner = await until(async () => {
      const held = fleet.slack.messages.some(
        (m) => (m.metadata as Meta | undefined)?.event_payload?.ticket === ticket.id,
      );
      const { rows } = await db
        .pool()
        .query<{ lease_owner: string | null }>(
          `SELECT lease_owner FROM deliveries WHERE ticket_id = $1 AND stream = 'desk:slack'`,
          [ticket.id],
        );
      return held ? (rows[0]?.lease_owner ?? undefined) : undefined;
    }, 'the card to be posted and its delivery leased');
    // lease_owner is host:pid:random.
    const pid = Number(owner.split(':').at(-2));
    const doomed = fleet.replicas.find((r) => r.pid === pid);
    if (!doomed) throw new Error(`no replica with pid ${pid} (${owner})`);
    // More tickets while it hangs: some land on the doomed replica, whose outbox waits on the hung call.
    const more = Array.from({ length: 4 }, (_, i) => `during-${i}`);
    expect(await Promise.all(more.map(submit))).toEqual(more.map(() => 'ok'));
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    // The proxy sends on to a live replica, as a load balancer does once a backend refuses connections.
    const after = Array.from({ length: 3 }, (_, i) => `after-${i}`);
    expect(await Promise.all(after.map(submit))).toEqual(after.map(() => 'ok'));
    fleet.replicas.splice(fleet.replicas.indexOf(doomed), 1);

    const all = await fleet.drained();
    for (const k of ['crash', ...more, ...after])
      expect(
        all.some((t) => t.key === `slack:${k}`),
        k,
      ).toBe(true);
    fleet.expectEachPostedOnce(all);
    const taken = all.find((t) => t.id === ticket.id);
    const card = taken?.outbox.find((d) => d.audience === 'desk' && d.channel === 'slack');
    // Claimed twice, the first claimant's outcome never recorded: the second found the earlier post.
    expect(card).toMatchObject({ status: 'delivered', attempts: 2 });
    const held = fleet.slack.messages.filter(
      (m) => (m.metadata as Meta | undefined)?.event_payload?.ticket === ticket.id && !m.thread_ts,
    );
    expect(held.filter((m) => m.channel === DESK_CHANNEL)).toHaveLength(1);
    expect(taken?.refs.slackCard).toEqual({ channel: DESK_CHANNEL, ts: held[0]?.ts });

    // A new replica takes the dead one's place.
    fleet.replicas.push(await fleet.startReplica());
    for (const r of fleet.replicas) expect(await fleet.readyz(r)).toBe(200);
  }, 60_000);

  it('loses PostgreSQL under load: every replica 503, requests told to try again, no half-written ticket, then recovers', async () => {
    // Three clients, each sending a new form every 100 ms or so, until told to stop.
    const load = startLoad(submit, 3, 100);
    try {
      await until(() => load.count('ok') >= 6, 'requests served before the outage', 15_000);
      // The database refuses new connections and drops the open ones: as if the server went away.
      await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        db.name,
      ]);
      for (const r of fleet.replicas)
        await until(async () => (await fleet.readyz(r)) === 503, `replica ${r.pid} to be not ready`, 15_000);
      const url = fleet.replicas[0]?.url;
      const body = (await (await fetch(`${url}/readyz`)).json()) as { reasons: string[] };
      expect(body.reasons.join(' ')).toMatch(/PostgreSQL/);
      await until(() => load.count('retry') >= 6, 'requests told to try again', 15_000);
      await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
      // Usually within a second; a replica whose outbox could not record outcomes stays 503 until its
      // next try, which backs off up to 30 s (each refused outcome in a batch doubles it).
      await expectRecovered(fleet, load, 45_000);
    } finally {
      await load.stop();
      await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    }
    await retryRefused(load, submit);
    const all = await fleet.drained(30_000);
    // Whole tickets only: each has its creation event and its notifications, all delivered once.
    expectWholeTickets(all, load);
    fleet.expectEachPostedOnce(all);
  }, 120_000);
});
