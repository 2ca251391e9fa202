import { expect, it } from 'vitest';
import { createPgSingleton, REMINDERS_LOCK_KEY } from '../../../src/storage/pg/singleton.js';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import { createTicketService } from '../../../src/tickets/service.js';
import { adminQuery, describePg, freshDatabase, type TestDatabase } from '../../pg/helpers.js';
import { DESKS, openInput } from '../../tickets/fixtures.js';

const HOUR = 3_600_000;

/** A "replica": its own pool, ticket store and service, and its reminders lock. */
async function replica(db: TestDatabase, clock: { now: () => Date }) {
  const pool = db.pool({ max: 4 });
  const store = createPgTicketStore({ pool });
  await store.open();
  const tickets = createTicketService({ store, desks: () => DESKS, clock });
  const lock = createPgSingleton({ pool, key: REMINDERS_LOCK_KEY, name: 'reminders' });
  let ran = 0;
  /** One tick of the reminder loop, as src/app.ts runs it every minute. */
  const tick = () =>
    lock.run(async () => {
      ran++;
      await tickets.remind();
    });
  return { pool, store, tickets, lock, tick, ran: () => ran };
}

/** The backend holding the reminders lock in `db`, as pg_locks shows it (a bigint key: high and low halves). */
async function holderPid(db: TestDatabase): Promise<number | undefined> {
  const { rows } = await adminQuery(
    `SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1
       AND l.classid = ($2::bigint >> 32) AND l.objid = ($2::bigint & 4294967295)`,
    [db.name, REMINDERS_LOCK_KEY],
  );
  return rows[0]?.pid;
}

describePg('singletons on PostgreSQL (advisory locks)', () => {
  it('two replicas running the reminder loop: one reminder per due ticket, per interval', async () => {
    const db = await freshDatabase();
    let now = Date.parse('2026-01-05T00:00:00Z');
    const clock = { now: () => new Date(now) };
    const a = await replica(db, clock);
    const b = await replica(db, clock);
    const opened = [];
    for (let i = 0; i < 6; i++) opened.push(await a.tickets.open(openInput(`due-${i}`)));
    now += 25 * HOUR; // past the 24 h response target
    for (let round = 0; round < 5; round++) {
      const ran = await Promise.all([a.tick(), b.tick()]);
      expect(ran.filter(Boolean)).toHaveLength(1);
    }
    const reminders = async () =>
      (await a.store.list()).map((t) => t.events.filter((e) => e.type === 'reminded').length);
    expect(await reminders()).toEqual(opened.map(() => 1));
    // Always the same replica: the holder keeps the lock while it lives.
    expect([a.ran(), b.ran()].sort()).toEqual([0, 5]);
    // Each reminder is one desk delivery, queued once.
    const queued = await db
      .pool()
      .query("SELECT count(*)::int AS n FROM deliveries WHERE id LIKE '%-2-desk-%'");
    expect(queued.rows[0]?.n).toBe(6);

    now += 4 * HOUR; // the desk's reminder interval
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(await reminders()).toEqual(opened.map(() => 2));
    await Promise.all([a.lock.stop(), b.lock.stop()]);
  });

  it('the lock moves to the other replica when the holder dies, and the dead holder does not run again', async () => {
    const db = await freshDatabase();
    const clock = { now: () => new Date() };
    const a = await replica(db, clock);
    const b = await replica(db, clock);
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    expect(a.lock.holds()).toBe(true);

    // The holder's session ends as when its process is killed: the server releases the lock with it.
    const pid = await holderPid(db);
    expect(pid).toBeGreaterThan(0);
    // With a timeout, pg_terminate_backend returns once the backend is gone (and its locks with it).
    expect((await adminQuery('SELECT pg_terminate_backend($1, 10000) AS gone', [pid])).rows[0]?.gone).toBe(
      true,
    );
    expect(await b.tick()).toBe(true);
    expect(await holderPid(db)).not.toBe(pid);
    // a finds its session gone before running anything, and cannot take the lock back.
    expect(await a.tick()).toBe(false);
    expect(a.lock.holds()).toBe(false);
    expect(await b.tick()).toBe(true);
    expect([a.ran(), b.ran()]).toEqual([1, 2]);
    await Promise.all([a.lock.stop(), b.lock.stop()]);
  });

  it("the lock moves when the holder's pool ends, or when it stops", async () => {
    const db = await freshDatabase();
    const clock = { now: () => new Date() };
    const a = await replica(db, clock);
    const b = await replica(db, clock);
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);

    await a.pool.end();
    expect(await a.tick()).toBe(false); // its pool ended: it lets go
    expect(await holderPid(db)).toBeUndefined();
    expect(await b.tick()).toBe(true);

    const c = await replica(db, clock);
    expect(await c.tick()).toBe(false);
    await b.lock.stop();
    expect(await c.tick()).toBe(true);
    expect(await b.tick()).toBe(false); // stopped for good
    expect([a.ran(), b.ran(), c.ran()]).toEqual([1, 1, 1]);
    await c.lock.stop();
    expect(await holderPid(db)).toBeUndefined();
  });
});
