import { expect, it } from 'vitest';
import { createPgSeenStore } from '../../../src/adapters/shared/pg-seen-store.js';
import { migrate } from '../../../src/storage/pg/migrate.js';
import { describePg, freshDatabase, type TestDatabase } from '../../pg/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function migrated(): Promise<TestDatabase> {
  const db = await freshDatabase();
  await migrate(db.pool());
  return db;
}

/** A seen store on its own pool: a replica. */
const replica = (db: TestDatabase, opts: { leaseMs?: number; ttlMs?: number; scope?: string } = {}) =>
  createPgSeenStore({ pool: db.pool(), scope: opts.scope ?? 'slack', sweepEveryMs: 0, ...opts });

describePg('inbound dedupe on PostgreSQL (two replicas)', () => {
  it('two replicas racing on the same keys: exactly one begins, also with the keys in another order', async () => {
    const db = await migrated();
    const [a, b] = [replica(db), replica(db)];
    for (let i = 0; i < 20; i++) {
      const keys = [`msg:C1:${i}`, `ev:E${i}`];
      const won = await Promise.all([
        a.begin(...keys),
        b.begin(...[...keys].reverse()),
        a.begin(keys[1] ?? ''),
      ]);
      expect(won.filter(Boolean)).toHaveLength(1);
    }
    // A partial overlap is refused whole, and leaves nothing of itself held.
    expect(await a.begin('msg:C2:1')).toBe(true);
    expect(await b.begin('msg:C2:1', 'ev:F1')).toBe(false);
    expect(await b.begin('ev:F1')).toBe(true);
  });

  it('a failed turn released by its replica is begun again at once by the other; done keys stay done', async () => {
    const db = await migrated();
    const [a, b] = [replica(db), replica(db)];
    expect(await a.begin('ev:1')).toBe(true);
    expect(await b.begin('ev:1')).toBe(false); // in progress on a
    await b.release('ev:1'); // not b's: nothing changes
    expect(await b.begin('ev:1')).toBe(false);
    await a.release('ev:1');
    expect(await b.begin('ev:1')).toBe(true);
    await b.done('ev:1');
    expect(await a.begin('ev:1')).toBe(false);
    await b.release('ev:1'); // done is not given up by a late release
    expect(await a.begin('ev:1')).toBe(false);
  });

  it('a turn begun and never done (its replica died) can be begun again after its lease, and only once', async () => {
    const db = await migrated();
    const dead = replica(db, { leaseMs: 1_500 });
    expect(await dead.begin('msg:C1:9', 'ev:crash')).toBe(true);
    const [b, c] = [replica(db), replica(db)];
    expect(await b.begin('ev:crash')).toBe(false);
    await sleep(1_600);
    const retried = await Promise.all([b.begin('ev:crash', 'msg:C1:9'), c.begin('msg:C1:9', 'ev:crash')]);
    expect(retried.filter(Boolean)).toHaveLength(1);
    const winner = retried[0] ? b : c;
    await winner.done('ev:crash', 'msg:C1:9');
    // The dead turn's replica (had it only been slow) finds the keys done, and cannot give them up.
    await dead.release('msg:C1:9', 'ev:crash');
    expect(await dead.begin('ev:crash')).toBe(false);
  });

  it('done keys stay done across a restart (a new pool) until their TTL', async () => {
    const db = await migrated();
    const before = db.pool();
    const first = createPgSeenStore({ pool: before, scope: 'slack', ttlMs: 60_000, sweepEveryMs: 0 });
    expect(await first.begin('ev:A', 'msg:C1:1')).toBe(true);
    await first.done('ev:A', 'msg:C1:1');
    const short = createPgSeenStore({ pool: before, scope: 'slack', ttlMs: 200, sweepEveryMs: 0 });
    expect(await short.begin('ev:B')).toBe(true);
    await short.done('ev:B');
    await before.end(); // the process stops
    const restarted = replica(db);
    expect(await restarted.begin('ev:A')).toBe(false);
    expect(await restarted.begin('msg:C1:1')).toBe(false);
    expect(await restarted.firstTime('ev:A')).toBe(false);
    await sleep(300);
    expect(await restarted.begin('ev:B')).toBe(true); // expired: taken over
    await restarted.done('ev:B');
    // Another platform's key space is its own.
    expect(await replica(db, { scope: 'teams' }).begin('ev:A')).toBe(true);
  });

  it('firstTime: one true between racing replicas, whichever key arrives', async () => {
    const db = await migrated();
    const [a, b] = [replica(db), replica(db)];
    const racing = await Promise.all([a.firstTime('msg:C1:1', 'ev:A'), b.firstTime('ev:A', 'msg:C1:1')]);
    expect(racing.sort()).toEqual([false, true]);
    expect(await b.firstTime('msg:C1:1')).toBe(false);
    expect(await a.firstTime('msg:C1:2', 'ev:B')).toBe(true);
    expect(await b.firstTime('ev:B')).toBe(false);
  });

  it('the sweep deletes expired keys', async () => {
    const db = await migrated();
    const pool = db.pool();
    const s = createPgSeenStore({ pool, scope: 'slack', ttlMs: 1, leaseMs: 1, sweepEveryMs: 50 });
    await s.begin('ev:old');
    await s.done('ev:older');
    await pool.query("UPDATE inbound_seen SET expires_at = now() - interval '2 minutes'");
    await s.begin('ev:live-lease');
    await pool.query(
      "UPDATE inbound_seen SET expires_at = now() + interval '1 hour' WHERE key = 'ev:live-lease'",
    );
    await sleep(200);
    s.close?.();
    expect((await pool.query('SELECT key FROM inbound_seen')).rows).toEqual([{ key: 'ev:live-lease' }]);
  });
});
