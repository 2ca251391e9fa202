import { expect, it } from 'vitest';
import { createNotifierRegistry } from '../../src/tickets/notifiers.js';
import { createOutbox, type DeliveryQueue } from '../../src/tickets/outbox.js';
import { createPgDeliveryQueue } from '../../src/tickets/pg-outbox.js';
import { createPgTicketStore } from '../../src/tickets/pg-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { DeliveryResult, Notifier } from '../../src/tickets/service-types.js';
import type { Delivery, Ticket } from '../../src/tickets/types.js';
import { until } from '../helpers.js';
import { describePg, freshDatabase, type TestDatabase } from '../pg/helpers.js';
import { DESKS, openInput } from './fixtures.js';

/** A clock the test moves: leases and back-off expire when it says so, not after real waiting. */
function testClock() {
  let now = Date.parse('2026-01-05T00:00:00Z');
  return { clock: { now: () => new Date(now) }, advance: (ms: number) => (now += ms) };
}

interface Call {
  replica: string;
  id: string;
  attempts: number;
}

/** A Slack notifier stand-in reaching the JBIC desk and Slack requesters, answering as `answer` says. */
function notifierFor(
  replica: string,
  log: string[],
  calls: Call[],
  answer: (d: Delivery) => Promise<DeliveryResult> | DeliveryResult = () => ({ ok: true }),
): Notifier {
  return {
    channel: 'slack',
    handles: (ticket, audience) =>
      audience === 'desk' ? ticket.desk === 'jbic' : ticket.origin.platform === 'slack',
    async deliver(_ticket, d) {
      calls.push({ replica, id: d.id, attempts: d.attempts });
      log.push(`start ${d.id}`);
      const result = await answer(d);
      log.push(`end ${d.id}`);
      return result;
    },
  };
}

/** A "replica": its own pool, store, ticket service, queue and outbox, on the shared database. */
async function replica(
  db: TestDatabase,
  name: string,
  clock: { now: () => Date },
  notifier: Notifier,
  leaseMs = 1_000,
  /** false: this replica cannot renew its leases (cut off from the database while its notifier runs). */
  renews = true,
) {
  const pool = db.pool({ max: 6 });
  const store = createPgTicketStore({ pool });
  await store.open();
  const notifiers = createNotifierRegistry();
  notifiers.register(notifier);
  const tickets = createTicketService({ store, desks: () => DESKS, clock, notifiers });
  const pgQueue = createPgDeliveryQueue({ pool, leaseMs, owner: name });
  const { renew: _renew, ...withoutRenewal } = pgQueue;
  const queue: DeliveryQueue = renews ? pgQueue : withoutRenewal;
  const outbox = createOutbox({
    store,
    notifiers,
    clock,
    queue,
    batch: 4,
    backoff: { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 },
    random: () => 1,
  });
  return { name, pool, store, tickets, outbox };
}

/** When a delivery's lease ends (ms since the epoch), or undefined while it is not leased. */
async function leaseOf(db: TestDatabase, id: string): Promise<number | undefined> {
  const pool = db.pool({ max: 1 });
  try {
    const r = await pool.query<{ lease_until: Date | null }>(
      'SELECT lease_until FROM deliveries WHERE id = $1',
      [id],
    );
    return r.rows[0]?.lease_until?.getTime();
  } finally {
    await pool.end();
  }
}

/** A promise and the function that settles it: the explicit signals the tests wait for. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const queued = async (db: TestDatabase) =>
  (await db.pool().query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries')).rows[0]?.n;

describePg('the outbox on PostgreSQL, shared by replicas', () => {
  it('two replicas deliver 100 deliveries concurrently: each exactly once, every stream in order', async () => {
    const db = await freshDatabase();
    const { clock } = testClock();
    const log: string[] = [];
    const calls: Call[] = [];
    // Each replica's first delivery waits until the other replica has started one: both are at work at once.
    const started = { a: signal(), b: signal() };
    const answer = (me: 'a' | 'b', other: 'a' | 'b') => async () => {
      started[me].resolve();
      await started[other].promise;
      await new Promise((r) => setImmediate(r));
      return { ok: true as const };
    };
    const a = await replica(db, 'a', clock, notifierFor('a', log, calls, answer('a', 'b')));
    const b = await replica(db, 'b', clock, notifierFor('b', log, calls, answer('b', 'a')));
    const opened: Ticket[] = [];
    for (let i = 0; i < 25; i++) {
      const t = await a.tickets.open(openInput(`many-${i}`));
      opened.push(await b.tickets.claim(t.id, { user: 'cli:jbic-staff' }));
    }
    const all = opened.flatMap((t) => t.outbox.map((d) => d.id));
    expect(all).toHaveLength(100);
    expect(await a.outbox.pending()).toBe(100);

    const [byA, byB] = await Promise.all([a.outbox.kick(), b.outbox.kick()]);
    expect(byA + byB).toBe(100);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(calls.map((c) => c.id).sort()).toEqual([...all].sort());
    expect(calls.every((c) => c.attempts === 0)).toBe(true);
    // Within a stream (a ticket's desk or requester updates), the claim's update starts after the card is posted.
    for (const t of opened) {
      for (const audience of ['desk', 'requester']) {
        const first = log.indexOf(`end ${t.id}-1-${audience}-slack`);
        const second = log.indexOf(`start ${t.id}-2-${audience}-slack`);
        expect(first).toBeGreaterThanOrEqual(0);
        expect(second).toBeGreaterThan(first);
      }
    }
    for (const t of await a.store.list()) {
      expect(t.outbox.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    }
    expect(await queued(db)).toBe(0);
    expect(await b.outbox.pending()).toBe(0);
    expect(await Promise.all([a.outbox.kick(), b.outbox.kick()])).toEqual([0, 0]);
    expect(calls).toHaveLength(100);
  });

  it('a replica that dies mid-delivery: the other delivers after the lease, told attempts > 0, once', async () => {
    const db = await freshDatabase();
    const { clock, advance } = testClock();
    const log: string[] = [];
    const calls: Call[] = [];
    const hung = signal<DeliveryResult>();
    const bothCalled = signal();
    const a = await replica(
      db,
      'a',
      clock,
      notifierFor('a', log, calls, () => {
        if (calls.filter((c) => c.replica === 'a').length === 2) bothCalled.resolve();
        return hung.promise;
      }),
    );
    const b = await replica(db, 'b', clock, notifierFor('b', log, calls));
    const t = await a.tickets.open(openInput('dies'));
    const dying = a.outbox.kick();
    await bothCalled.promise;
    // Replica a "dies": its connections go, and it never records what its notifier did.
    await a.pool.end();

    // Its leases still hold: b attempts nothing yet.
    expect(await b.outbox.kick()).toBe(0);
    advance(999);
    expect(await b.outbox.kick()).toBe(0);
    expect(calls.filter((c) => c.replica === 'b')).toEqual([]);

    advance(1);
    expect(await b.outbox.kick()).toBe(2);
    expect(calls.filter((c) => c.replica === 'b')).toEqual([
      { replica: 'b', id: `${t.id}-1-desk-slack`, attempts: 1 },
      { replica: 'b', id: `${t.id}-1-requester-slack`, attempts: 1 },
    ]);
    const stored = await b.store.get(t.id);
    expect(stored?.outbox.map((d) => [d.status, d.attempts])).toEqual([
      ['delivered', 2],
      ['delivered', 2],
    ]);
    expect(await queued(db)).toBe(0);

    // The dead replica's notifier returning now changes nothing: it cannot record anything.
    hung.resolve({ ok: true });
    await dying;
    expect(a.outbox.health()).toMatchObject({ ok: false });
    advance(60_000);
    expect(await b.outbox.kick()).toBe(0);
    expect(calls).toHaveLength(4);
  });

  it('a slow replica whose lease expired does not overwrite the attempt that replaced it', async () => {
    const db = await freshDatabase();
    const { clock, advance } = testClock();
    const log: string[] = [];
    const calls: Call[] = [];
    const slow = signal<DeliveryResult>();
    const called = signal();
    const a = await replica(
      db,
      'a',
      clock,
      notifierFor('a', log, calls, () => {
        called.resolve();
        return slow.promise;
      }),
      1_000,
      false,
    );
    const b = await replica(db, 'b', clock, notifierFor('b', log, calls));
    // Asked on the local page: only the desk hears of it in Slack (the requester's goes to the log
    // channel, which has no notifier here: it only fails, and is never counted as delivered).
    const t = await a.tickets.open(
      openInput('slow', { origin: { platform: 'web', conversation: 'session-1' } }),
    );
    expect(t.outbox.map((d) => d.id)).toEqual([`${t.id}-1-desk-slack`, `${t.id}-1-requester-log`]);
    const slowPass = a.outbox.kick();
    await called.promise;
    advance(1_000);
    expect(await b.outbox.kick()).toBe(1);
    // a's answer (a failure) arrives after b delivered: it is stale and not recorded.
    slow.resolve({ ok: false, error: 'HTTP 500' });
    await slowPass;
    const d = (await a.store.get(t.id))?.outbox.find((x) => x.id === `${t.id}-1-desk-slack`);
    expect(d).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(d?.lastError).toBeUndefined();
    expect(a.outbox.health()).toEqual({ ok: true });
  });

  it('a slow notifier call keeps its lease: the other replica does not attempt it meanwhile', async () => {
    const db = await freshDatabase();
    const { clock, advance } = testClock();
    const log: string[] = [];
    const calls: Call[] = [];
    const slow = signal<DeliveryResult>();
    const called = signal();
    const a = await replica(
      db,
      'a',
      clock,
      notifierFor('a', log, calls, () => {
        called.resolve();
        return slow.promise;
      }),
      900,
    );
    const b = await replica(db, 'b', clock, notifierFor('b', log, calls));
    const t = await a.tickets.open(
      openInput('slow-alive', { origin: { platform: 'web', conversation: 'session-2' } }),
    );
    const pass = a.outbox.kick();
    await called.promise;
    const claimed = await until(async () => leaseOf(db, `${t.id}-1-desk-slack`), 'the claim');
    advance(600);
    // The renewal (every third of the lease) moves the lease on from the clock's new time.
    await until(async () => {
      const now = await leaseOf(db, `${t.id}-1-desk-slack`);
      return now && claimed && now > claimed ? now : undefined;
    }, 'the lease renewed');
    advance(400); // past the first lease, within the renewed one
    expect(await b.outbox.kick()).toBe(0);
    expect(calls.filter((c) => c.replica === 'b')).toEqual([]);
    slow.resolve({ ok: true });
    await pass;
    expect((await a.store.get(t.id))?.outbox.find((d) => d.id === `${t.id}-1-desk-slack`)).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
  });

  it('a recorded failure ends the lease: the retry comes after the back-off, not the lease', async () => {
    const db = await freshDatabase();
    const { clock, advance } = testClock();
    const log: string[] = [];
    const calls: Call[] = [];
    let failing = true;
    const a = await replica(
      db,
      'a',
      clock,
      notifierFor('a', log, calls, () => (failing ? { ok: false, error: 'HTTP 503' } : { ok: true })),
      60_000,
    );
    const b = await replica(db, 'b', clock, notifierFor('b', log, calls), 60_000);
    await a.tickets.open(openInput('retry'));
    expect(await a.outbox.kick()).toBe(0);
    expect(calls).toHaveLength(2);
    failing = false;
    advance(999);
    expect(await b.outbox.kick()).toBe(0);
    advance(1);
    expect(await b.outbox.kick()).toBe(2);
    expect(calls.slice(2).map((c) => [c.replica, c.attempts])).toEqual([
      ['b', 1],
      ['b', 1],
    ]);
    expect(await queued(db)).toBe(0);
  });

  it('migration 002 queues the pending deliveries of tickets stored before it', async () => {
    const db = await freshDatabase();
    const { clock } = testClock();
    const calls: Call[] = [];
    const a = await replica(db, 'a', clock, notifierFor('a', [], calls));
    const t = await a.tickets.open(openInput('before'));
    const pool = db.pool();
    await pool.query('DELETE FROM deliveries');
    const { readFile } = await import('node:fs/promises');
    const sql = await readFile(new URL('../../migrations/002_deliveries.sql', import.meta.url), 'utf8');
    const backfill = sql.slice(
      sql.indexOf('INSERT INTO deliveries', sql.indexOf('-- Tickets stored before')),
    );
    await pool.query(backfill);
    expect(await queued(db)).toBe(2);
    expect(await a.outbox.kick()).toBe(2);
    expect(calls.map((c) => c.id)).toEqual([`${t.id}-1-desk-slack`, `${t.id}-1-requester-slack`]);
  });
});
