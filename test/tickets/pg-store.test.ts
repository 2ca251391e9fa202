import { describe, expect, it } from 'vitest';
import { TicketError, TicketStoreError } from '../../src/tickets/errors.js';
import { createPgTicketStore } from '../../src/tickets/pg-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { Ticket } from '../../src/tickets/types.js';
import { adminQuery, describePg, freshDatabase, server } from '../pg/helpers.js';
import { DESKS, openInput } from './fixtures.js';
import { ticketStoreContract } from './ticket-store.contract.js';

describePg('PostgreSQL', () => {
  // Every contract test gets an empty database of its own, migrated at open.
  ticketStoreContract('PostgreSQL', async () =>
    createPgTicketStore({ pool: (await freshDatabase()).pool() }),
  );
});

/** Two "replicas": each its own pool, store and ticket service, on one database. */
async function replicas(n = 2) {
  const db = await freshDatabase();
  const out = [];
  for (let i = 0; i < n; i++) {
    const store = createPgTicketStore({ pool: db.pool({ max: 10 }) });
    await store.open();
    out.push({
      store,
      tickets: createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } }),
    });
  }
  return { db, replicas: out };
}

const settle = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);

describePg('PostgreSQL ticket store: several replicas', () => {
  it('two replicas claiming the same tickets at once: exactly one claim each, the other refused', async () => {
    const { replicas: [a, b] = [] } = await replicas();
    if (!a || !b) throw new Error('two replicas');
    const opened = await Promise.all(
      Array.from({ length: 20 }, (_, i) => a.tickets.open(openInput(`c${i}`))),
    );
    for (const t of opened) {
      const [x, y] = await settle([
        a.tickets.claim(t.id, { user: 'cli:jbic-staff' }),
        b.tickets.claim(t.id, { user: 'cli:admin' }),
      ]);
      const won = [x, y].filter((r) => r?.status === 'fulfilled') as PromiseFulfilledResult<Ticket>[];
      const lost = [x, y].filter((r) => r?.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const refusal = lost[0]?.reason as TicketError;
      expect(refusal).toBeInstanceOf(TicketError);
      expect(refusal.code).toBe('ILLEGAL_TRANSITION');
      expect(refusal.message).toMatch(
        new RegExp(`^${t.id} (is claimed by cli:(jbic-staff|admin)|changed meanwhile; it is claimed)`),
      );
      const stored = await b.store.get(t.id);
      expect(stored?.status).toBe('claimed');
      expect(stored?.assignee).toBe(won[0]?.value.assignee);
      expect(stored?.events.filter((e) => e.type === 'claimed')).toHaveLength(1);
    }
  });

  it('update is compare-and-set: updates queued behind a row lock each see the one committed before', async () => {
    const { db, replicas: [a, b] = [] } = await replicas();
    if (!a || !b) throw new Error('two replicas');
    const t = await a.tickets.open(openInput('cas'));
    // A third connection holds the row, so both replicas' updates are waiting before either reads it.
    const holder = await db.pool({ max: 1 }).connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [t.id]);
    const seen: string[] = [];
    const claim = (store: typeof a.store, who: string) =>
      store.update(t.id, (d) => {
        seen.push(`${who} saw ${d.status}${d.assignee ? ` by ${d.assignee}` : ''}`);
        if (d.status !== 'open')
          throw new TicketError('ILLEGAL_TRANSITION', `${t.id} is ${d.status} by ${d.assignee}`);
        d.status = 'claimed';
        d.assignee = who;
      });
    const both = settle([claim(a.store, 'cli:a'), claim(b.store, 'cli:b')]);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]); // both wait on the row lock
    await holder.query('COMMIT');
    holder.release();
    const results = await both;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = (await a.store.get(t.id))?.assignee;
    expect(seen).toEqual([
      `${winner} saw open`,
      `${winner === 'cli:a' ? 'cli:b' : 'cli:a'} saw claimed by ${winner}`,
    ]);
    const refusal = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refusal.reason as TicketError).message).toBe(`${t.id} is claimed by ${winner}`);
  });

  it('ids are unique across replicas creating at once; a key created on both is one ticket', async () => {
    const { replicas: [a, b] = [] } = await replicas();
    if (!a || !b) throw new Error('two replicas');
    const keys = (prefix: string) => Array.from({ length: 60 }, (_, i) => `${prefix}${i}`);
    const shared = Array.from({ length: 20 }, (_, i) => `shared${i}`);
    const created = await Promise.all([
      ...keys('a').map((k) => a.tickets.open(openInput(k))),
      ...keys('b').map((k) => b.tickets.open(openInput(k))),
      ...shared.flatMap((k) => [a.tickets.open(openInput(k)), b.tickets.open(openInput(k))]),
    ]);
    const byKey = new Map<string, Set<string>>();
    for (const t of created) byKey.set(t.key, (byKey.get(t.key) ?? new Set()).add(t.id));
    expect(byKey.size).toBe(140);
    for (const ids of byKey.values()) expect(ids.size).toBe(1); // a shared key: the same ticket on both
    const ids = new Set([...byKey.values()].flatMap((s) => [...s]));
    expect(ids.size).toBe(140);
    for (const id of ids) expect(id).toMatch(/^MDG-\d{6}$/);
    expect(await a.store.count()).toBe(140);
    expect((await b.store.list()).map((t) => t.id).sort()).toEqual([...ids].sort());
  });

  it('a ticket created on one replica is seen, changed and listed on the other', async () => {
    const { replicas: [a, b] = [] } = await replicas();
    if (!a || !b) throw new Error('two replicas');
    const t = await a.tickets.open(openInput('across'));
    await b.tickets.claim(t.id, { user: 'cli:jbic-staff' });
    await a.tickets.resolve(t.id, { user: 'cli:jbic-staff' }, 'done');
    expect((await b.store.get(t.id))?.events.map((e) => e.type)).toEqual(['created', 'claimed', 'resolved']);
    expect(await b.store.count({ status: 'resolved', desk: 'jbic', requester: 'slack:UREQ' })).toBe(1);
  });
});

describePg('PostgreSQL ticket store: failures', () => {
  it('a where-query pages through many tickets in id order', async () => {
    const db = await freshDatabase();
    const store = createPgTicketStore({ pool: db.pool(), pageSize: 7 });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    for (let i = 0; i < 30; i++) await tickets.open(openInput(`p${i}`));
    const even = await store.list({ where: (t) => Number(t.id.slice(4)) % 2 === 0 });
    expect(even.map((t) => t.id)).toEqual(
      Array.from({ length: 15 }, (_, i) => `MDG-${String((i + 1) * 2).padStart(6, '0')}`),
    );
    expect(await store.count({ desk: 'jbic', where: () => true })).toBe(30);
    await store.close();
  });

  it('stores a message with a NUL character (which JSONB cannot hold) as U+FFFD', async () => {
    const db = await freshDatabase();
    const store = createPgTicketStore({ pool: db.pool() });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    const input = openInput('nul');
    const t = await tickets.open({
      ...input,
      packet: { ...input.packet, text: 'pasted\u0000text \\u0000 kept' },
    });
    expect(t.packet.text).toBe('pasted\uFFFDtext \\u0000 kept');
    await tickets.comment(t.id, { user: 'cli:jbic-staff' }, 'reply\u0000');
    const stored = await store.get(t.id);
    expect(stored?.packet.text).toBe('pasted\uFFFDtext \\u0000 kept');
    expect(stored?.events.at(-1)?.note).toBe('reply\uFFFD');
    await store.close();
  });

  it('refuses use before open and after close with STORE_CLOSED', async () => {
    const db = await freshDatabase();
    const store = createPgTicketStore({ pool: db.pool() });
    const closed = async (p: Promise<unknown>) =>
      ((await p.catch((e: unknown) => e)) as TicketStoreError).code;
    expect(await closed(store.get('MDG-000001'))).toBe('STORE_CLOSED');
    await store.open();
    await store.close();
    expect(await closed(store.list())).toBe('STORE_CLOSED');
    expect(await closed(store.update('MDG-000001', () => undefined))).toBe('STORE_CLOSED');
  });

  it('a connection killed mid-transaction: STORE_WRITE_FAILED, nothing written, the next write reconnects', async () => {
    if (!server.ok) return;
    const db = await freshDatabase();
    const store = createPgTicketStore({ pool: db.pool({ max: 2, application_name: 'replica' }) });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    const t = await tickets.open(openInput('lost'));
    // Another connection holds the row; the replica's claim waits inside its transaction, and then its
    // connection is killed, as a database restart or a network cut would.
    const holder = await db.pool({ max: 1 }).connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [t.id]);
    const claim = tickets
      .claim(t.id, { user: 'cli:jbic-staff', sourceEventId: 'click-1' })
      .catch((e: unknown) => e);
    const waiting = async () =>
      (
        await adminQuery(
          "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'replica' AND wait_event_type = 'Lock'",
          [db.name],
        )
      ).rows.map((r: { pid: number }) => r.pid);
    let pids: number[] = [];
    for (let i = 0; i < 100 && pids.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      pids = await waiting();
    }
    expect(pids).toHaveLength(1);
    await adminQuery('SELECT pg_terminate_backend($1)', [pids[0]]);
    const error = (await claim) as TicketStoreError;
    expect(error).toBeInstanceOf(TicketStoreError);
    expect(error.code).toBe('STORE_WRITE_FAILED');
    expect(error.message).toMatch(
      new RegExp(
        `^PostgreSQL ${server.socketDir}:${server.port}/${db.name} lost the connection: .+; the change was not saved$`,
      ),
    );
    await holder.query('COMMIT');
    holder.release();
    expect((await store.get(t.id))?.status).toBe('open');
    // The person clicks again: a new connection, and the claim is made once.
    const after = await tickets.claim(t.id, { user: 'cli:jbic-staff', sourceEventId: 'click-1' });
    expect(after.status).toBe('claimed');
    expect((await store.get(t.id))?.events.map((e) => e.type)).toEqual(['created', 'claimed']);
    await store.close();
  });

  it('an invalid row write is refused as STORE_WRITE_FAILED and changes nothing', async () => {
    const db = await freshDatabase();
    const store = createPgTicketStore({ pool: db.pool() });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    const t = await tickets.open(openInput('bad'));
    const error = await store
      .update(t.id, (d) => {
        (d as { status: string }).status = 'lost';
      })
      .catch((e: unknown) => e);
    expect((error as TicketStoreError).code).toBe('STORE_WRITE_FAILED');
    expect((await store.get(t.id))?.status).toBe('open');
    // What mutate throws passes through unchanged; so does NOT_FOUND.
    const refusal = new TicketError('FORBIDDEN', 'no');
    expect(
      await store
        .update(t.id, () => {
          throw refusal;
        })
        .catch((e: unknown) => e),
    ).toBe(refusal);
    expect(
      ((await store.update('MDG-999999', () => undefined).catch((e: unknown) => e)) as TicketError).code,
    ).toBe('NOT_FOUND');
    await store.close();
  });
});

describe('PostgreSQL ticket store without a server', () => {
  it('is skipped only locally: in CI the setup fails when PostgreSQL cannot start', () => {
    if (process.env.CI) expect(server.ok).toBe(true);
  });
});
