import { describe, expect, it } from 'vitest';
import { TicketError } from '../../src/tickets/errors.js';
import { createTicketService } from '../../src/tickets/service.js';
import { AWAITING_STAFF, type TicketStore } from '../../src/tickets/store.js';
import { DESKS, openInput, registryOf, stubNotifier } from './fixtures.js';

/**
 * The behaviour every TicketStore must have, run unchanged against each implementation through the
 * ticket service (which is how the bot uses a store). `makeStore` returns a fresh, empty, unopened store.
 */
export function ticketStoreContract(name: string, makeStore: () => Promise<TicketStore>) {
  describe(`TicketStore contract: ${name}`, () => {
    const setup = async () => {
      const store = await makeStore();
      await store.open();
      let now = Date.parse('2026-01-05T00:00:00Z');
      const clock = { now: () => new Date(now) };
      const tickets = createTicketService({
        store,
        desks: () => DESKS,
        clock,
        notifiers: registryOf(stubNotifier('slack')),
      });
      return { store, tickets, advance: (ms: number) => (now += ms) };
    };
    const staff = { user: 'cli:jbic-staff' };

    it('100 concurrent creates give 100 tickets with unique, sequential ids', async () => {
      const { store, tickets } = await setup();
      const created = await Promise.all(
        Array.from({ length: 100 }, (_, i) => tickets.open(openInput(`k${i}`))),
      );
      const ids = new Set(created.map((t) => t.id));
      expect(ids.size).toBe(100);
      expect([...ids].sort().at(-1)).toBe('MDG-000100');
      expect(await store.list()).toHaveLength(100);
      await store.close();
    });

    it('create is idempotent by key, also when the same key arrives concurrently', async () => {
      const { store, tickets } = await setup();
      const [a, b, c] = await Promise.all([
        tickets.open(openInput('same')),
        tickets.open(openInput('same')),
        tickets.open(openInput('same')),
      ]);
      expect(a.id).toBe(b.id);
      expect(b.id).toBe(c.id);
      expect(await store.list()).toHaveLength(1);
      await store.close();
    });

    it('records every change as an event with who, when and the source event id', async () => {
      const { store, tickets, advance } = await setup();
      const t = await tickets.open(openInput('audit', { sourceEventId: 'Ev1' }));
      advance(60_000);
      await tickets.claim(t.id, { ...staff, sourceEventId: 'act-1' });
      const after = await tickets.resolve(t.id, { ...staff, sourceEventId: 'act-2' }, 'Advice given');
      expect(after.events.map((e) => [e.type, e.actor, e.sourceEventId])).toEqual([
        ['created', 'slack:UREQ', 'Ev1'],
        ['claimed', 'cli:jbic-staff', 'act-1'],
        ['resolved', 'cli:jbic-staff', 'act-2'],
      ]);
      expect(after.events[1]?.at).toBe('2026-01-05T00:01:00.000Z');
      expect(after.events[2]?.note).toBe('Advice given');
      await store.close();
    });

    it('a redelivered action (same source event id) changes nothing', async () => {
      const { store, tickets } = await setup();
      const t = await tickets.open(openInput('redeliver'));
      await tickets.claim(t.id, { ...staff, sourceEventId: 'act-1' });
      const again = await tickets.claim(t.id, { ...staff, sourceEventId: 'act-1' });
      expect(again.events).toHaveLength(2);
      await store.close();
    });

    it('every event records the platform event it came from', async () => {
      const { store, tickets } = await setup();
      const t = await tickets.open(openInput('sources', { sourceEventId: 'ev-open' }));
      const sbic = { user: 'cli:sbic-staff' };
      await tickets.claim(t.id, { ...staff, sourceEventId: 'ev-claim' });
      await tickets.comment(t.id, { ...staff, sourceEventId: 'ev-comment' }, 'Looking into it');
      await tickets.reassign(t.id, 'sbic', { ...staff, sourceEventId: 'ev-reassign' });
      await tickets.resolve(t.id, { ...sbic, sourceEventId: 'ev-resolve' }, 'Advice given');
      await tickets.reopen(t.id, { ...sbic, sourceEventId: 'ev-reopen' });
      await tickets.resolve(t.id, { ...staff, sourceEventId: 'ev-refused' }).catch(() => undefined);
      await tickets.close(t.id, { user: 'slack:UREQ', sourceEventId: 'ev-close' });
      expect((await store.get(t.id))?.events.map((e) => [e.type, e.sourceEventId])).toEqual([
        ['created', 'ev-open'],
        ['claimed', 'ev-claim'],
        ['commented', 'ev-comment'],
        ['reassigned', 'ev-reassign'],
        ['resolved', 'ev-resolve'],
        ['reopened', 'ev-reopen'],
        ['refused', 'ev-refused'],
        ['closed', 'ev-close'],
      ]);
      await store.close();
    });

    it('a replayed refused click is refused again, and recorded once', async () => {
      const { store, tickets } = await setup();
      const t = await tickets.open(openInput('replayed-refusal'));
      const stranger = { user: 'cli:sbic-staff' };
      const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as TicketError).code;
      for (let i = 0; i < 3; i++) {
        expect(await code(tickets.claim(t.id, { ...stranger, sourceEventId: 'click-1' }))).toBe('FORBIDDEN');
        expect(await code(tickets.comment(t.id, { ...stranger, sourceEventId: 'click-2' }, 'hi'))).toBe(
          'FORBIDDEN',
        );
      }
      await tickets.close(t.id, staff);
      for (let i = 0; i < 2; i++) {
        expect(await code(tickets.resolve(t.id, { ...staff, sourceEventId: 'click-3' }))).toBe(
          'ILLEGAL_TRANSITION',
        );
      }
      // Without an event id two clicks cannot be told apart: each is recorded.
      await tickets.claim(t.id, stranger).catch(() => undefined);
      await tickets.claim(t.id, stranger).catch(() => undefined);
      const refusals = (await store.get(t.id))?.events.filter((e) => e.type === 'refused');
      expect(refusals?.map((e) => e.sourceEventId)).toEqual([
        'click-1',
        'click-2',
        'click-3',
        undefined,
        undefined,
      ]);
      await store.close();
    });

    it.each([
      ['claim a claimed ticket', ['claim'], 'claim'],
      ['resolve a closed ticket', ['close'], 'resolve'],
      ['claim a resolved ticket', ['claim', 'resolve'], 'claim'],
      ['reopen an open ticket', [], 'reopen'],
      ['close a closed ticket', ['close'], 'close'],
      ['reassign a resolved ticket', ['resolve'], 'reassign'],
    ] as const)('refuses to %s and changes nothing but the audit trail', async (_name, before, action) => {
      const { store, tickets } = await setup();
      const t = await tickets.open(openInput(`illegal-${action}-${before.join('-')}`));
      for (const step of before) {
        if (step === 'claim') await tickets.claim(t.id, staff);
        if (step === 'resolve') await tickets.resolve(t.id, staff);
        if (step === 'close') await tickets.close(t.id, staff);
      }
      const prior = await store.get(t.id);
      const attempt =
        action === 'reassign'
          ? tickets.reassign(t.id, 'sbic', staff)
          : (tickets[action] as (id: string, a: typeof staff) => Promise<unknown>)(t.id, staff);
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TicketError);
      expect((error as TicketError).code).toBe('ILLEGAL_TRANSITION');
      expect((error as TicketError).message).toMatch(new RegExp(`^${t.id} is \\w+`));
      const after = await store.get(t.id);
      expect(after?.status).toBe(prior?.status);
      expect(after?.assignee).toBe(prior?.assignee);
      expect(after?.events.slice(0, -1)).toEqual(prior?.events);
      expect(after?.events.at(-1)?.type).toBe('refused');
      await store.close();
    });

    it('lets desk staff and admins work a ticket; requesters see and close only their own; others are refused', async () => {
      const { store, tickets } = await setup();
      const t = await tickets.open(openInput('perm'));
      const refused = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as TicketError).code;
      expect(await refused(tickets.claim(t.id, { user: 'cli:sbic-staff' }))).toBe('FORBIDDEN');
      expect(await refused(tickets.claim(t.id, { user: 'slack:UREQ' }))).toBe('FORBIDDEN');
      expect(await refused(tickets.get(t.id, 'slack:USTRANGER'))).toBe('FORBIDDEN');
      expect((await tickets.get(t.id, 'slack:UREQ'))?.id).toBe(t.id);
      expect((await tickets.claim(t.id, { user: 'cli:admin' })).assignee).toBe('cli:admin');
      expect((await tickets.reassign(t.id, 'sbic', { user: 'cli:admin' })).desk).toBe('sbic');
      expect(await refused(tickets.resolve(t.id, staff))).toBe('FORBIDDEN');
      expect((await tickets.close(t.id, { user: 'slack:UREQ' })).status).toBe('closed');
      const audit = (await store.get(t.id))?.events.filter((e) => e.type === 'refused') ?? [];
      expect(audit.map((e) => e.actor)).toEqual(['cli:sbic-staff', 'slack:UREQ', 'cli:jbic-staff']);
      await store.close();
    });

    it('queues notifications for the desk and the requester with each change', async () => {
      const { store, tickets } = await setup();
      const t = await tickets.open(openInput('outbox'));
      expect(t.outbox.map((d) => `${d.audience}:${d.channel}:${d.status}`)).toEqual([
        'desk:slack:pending',
        'requester:slack:pending',
      ]);
      await store.close();
    });

    it('reminds the desk once per interval about a ticket unclaimed past its target', async () => {
      const { store, tickets, advance } = await setup();
      const t = await tickets.open(openInput('remind'));
      expect(await tickets.remind()).toHaveLength(0);
      advance(25 * 3_600_000);
      expect((await tickets.remind()).map((x) => x.id)).toEqual([t.id]);
      advance(3_600_000);
      expect(await tickets.remind()).toHaveLength(0);
      advance(4 * 3_600_000);
      expect(await tickets.remind()).toHaveLength(1);
      await tickets.claim(t.id, staff);
      advance(10 * 3_600_000);
      expect(await tickets.remind()).toHaveLength(0);
      await store.close();
    });

    it('lists and counts by desk, status, requester and any condition', async () => {
      const { store, tickets } = await setup();
      const a = await tickets.open(openInput('q-a'));
      await tickets.open({ ...openInput('q-b'), desk: 'general' });
      await tickets.claim(a.id, staff);
      expect((await store.list({ desk: 'jbic' })).map((t) => t.id)).toEqual([a.id]);
      expect(await store.count({ status: 'open' })).toBe(1);
      expect(await store.count({ where: (t) => t.assignee === 'cli:jbic-staff' })).toBe(1);
      expect(await store.count({ desk: 'jbic', status: 'open' })).toBe(0);
      expect(await store.count()).toBe(2);
      // Any of several statuses: what the readiness count and the reminders ask for.
      expect(await store.count({ status: AWAITING_STAFF })).toBe(1);
      expect(await store.count({ status: ['open', 'claimed'] })).toBe(2);
      expect((await store.list({ status: ['claimed'] })).map((t) => t.id)).toEqual([a.id]);
      expect(await store.count({ status: [] })).toBe(0);
      await store.close();
    });

    it('keeps tickets across close and reopen of the store, continuing the id sequence', async () => {
      const { store, tickets } = await setup();
      await tickets.open(openInput('a'));
      await store.close();
      await store.open();
      const service = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
      expect((await service.open(openInput('b'))).id).toBe('MDG-000002');
      expect((await service.open(openInput('a'))).id).toBe('MDG-000001');
      await store.close();
    });
  });
}
