import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeskDirectory } from '../../src/content/types.js';
import { TicketStoreError } from '../../src/tickets/errors.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createNotifierRegistry, type NotifierRegistry } from '../../src/tickets/notifiers.js';
import { createOutbox } from '../../src/tickets/outbox.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { Notifier } from '../../src/tickets/service-types.js';
import type { TicketStore } from '../../src/tickets/store.js';
import { DESKS, inTurn, openInput, registryOf, stubNotifier } from './fixtures.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The JBIC desk watching in Slack and in Teams. */
const WATCHED_TWICE: DeskDirectory = {
  ...DESKS,
  desks: DESKS.desks.map((d) =>
    d.id === 'jbic' ? { ...d, notify: { slackChannel: 'C0JBIC', teamsConversation: '19:jbic@thread' } } : d,
  ),
};

async function setup(
  notifiers: Notifier[],
  opts: { dataDir?: string; desks?: DeskDirectory; outboxNotifiers?: NotifierRegistry } = {},
) {
  const dir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'madoguchi-outbox-')));
  if (!opts.dataDir) dirs.push(dir);
  let now = Date.parse('2026-01-05T00:00:00Z');
  const clock = { now: () => new Date(now) };
  const store = createLowdbTicketStore({ dataDir: dir });
  await store.open();
  const registry = registryOf(...notifiers);
  const desks = opts.desks ?? DESKS;
  const tickets = createTicketService({ store, desks: () => desks, clock, notifiers: registry });
  const outboxOn = (s: TicketStore) =>
    createOutbox({
      store: s,
      notifiers: opts.outboxNotifiers ?? registry,
      clock,
      backoff: { baseMs: 1000, maxMs: 60_000, maxAttempts: 5 },
      random: () => 1,
    });
  return { dir, store, tickets, outbox: outboxOn(store), outboxOn, advance: (ms: number) => (now += ms) };
}

/** The store as the outbox sees it, its `update` refusing (as on a full disk) while `refusing` is set. */
function withRefusingWrites(store: TicketStore) {
  const control = {
    refusing: false,
    updates: 0,
    store: {
      ...store,
      update(id, mutate) {
        control.updates++;
        if (!control.refusing) return store.update(id, mutate);
        return Promise.reject(
          new TicketStoreError(
            'STORE_WRITE_FAILED',
            'data/tickets.json.journal: could not write (ENOSPC); the change was not saved',
          ),
        );
      },
    } satisfies TicketStore,
  };
  return control;
}

describe('outbox', () => {
  it('retries a failing delivery with back-off and delivers it exactly once', async () => {
    const failure = { ok: false as const, error: 'HTTP 503' };
    const notifier = stubNotifier('slack');
    const desk = inTurn([
      failure,
      failure,
      failure,
      { ok: true, refs: { slackCard: { channel: 'C0JBIC', ts: '1.2' } } },
    ]);
    notifier.respond = (d) => (d.audience === 'desk' ? desk() : { ok: true });
    const { store, tickets, outbox, advance } = await setup([notifier]);
    const t = await tickets.open(openInput('retry'));
    const deskDelivery = `${t.id}-1-desk-slack`;
    await outbox.kick();
    expect(notifier.calls).toEqual([deskDelivery, `${t.id}-1-requester-slack`]);
    for (const wait of [1000, 2000, 4000]) {
      await outbox.kick(); // not due yet: nothing is attempted
      advance(wait);
      await outbox.kick();
    }
    const after = await store.get(t.id);
    const d = after?.outbox.find((x) => x.id === deskDelivery);
    expect(d).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(after?.refs.slackCard).toEqual({ channel: 'C0JBIC', ts: '1.2' });
    expect(notifier.calls.filter((c) => c === deskDelivery)).toHaveLength(4);
    // The requester's update is another stream: it went at once, and once.
    expect(notifier.calls.filter((c) => c === `${t.id}-1-requester-slack`)).toHaveLength(1);
    await store.close();
  });

  it('a failing stream holds back nothing else, and keeps its own order', async () => {
    const slack = stubNotifier('slack', WATCHED_TWICE);
    const teams = stubNotifier('teams', WATCHED_TWICE);
    teams.respond = () => ({ ok: false, error: 'HTTP 502' });
    const { store, tickets, outbox, advance } = await setup([slack, teams], { desks: WATCHED_TWICE });
    const first = await tickets.open(openInput('stream-1'));
    const second = await tickets.open(openInput('stream-2'));
    await outbox.kick();
    expect(slack.calls).toEqual([
      `${first.id}-1-desk-slack`,
      `${first.id}-1-requester-slack`,
      `${second.id}-1-desk-slack`,
      `${second.id}-1-requester-slack`,
    ]);
    expect(teams.calls).toEqual([`${first.id}-1-desk-teams`, `${second.id}-1-desk-teams`]);

    await tickets.claim(first.id, { user: 'cli:jbic-staff' });
    advance(1000);
    await outbox.kick();
    expect(slack.calls.slice(4)).toEqual([`${first.id}-2-desk-slack`, `${first.id}-2-requester-slack`]);
    // The claim's Teams card waits behind the card it updates.
    expect(teams.calls.slice(2)).toEqual([`${first.id}-1-desk-teams`, `${second.id}-1-desk-teams`]);

    teams.respond = () => ({ ok: true });
    advance(2000);
    await outbox.kick();
    expect(teams.calls.slice(4)).toEqual([
      `${first.id}-1-desk-teams`,
      `${first.id}-2-desk-teams`,
      `${second.id}-1-desk-teams`,
    ]);
    expect((await store.list()).flatMap((t) => t.outbox).every((d) => d.status === 'delivered')).toBe(true);
    await store.close();
  });

  it('counts the outcomes of one pass refused together as one refusal: the first retry is after 1 s', async () => {
    const slack = stubNotifier('slack');
    const { store, tickets, advance } = await setup([slack]);
    const disk = withRefusingWrites(store);
    const opened = [];
    for (const key of ['batch-1', 'batch-2', 'batch-3', 'batch-4'])
      opened.push(await tickets.open(openInput(key)));
    // A shared queue hands out the four desk cards at once: they are attempted together (PostgreSQL).
    let batch = opened.map((t) => ({ ticketId: t.id, deliveryId: `${t.id}-1-desk-slack`, priorClaims: 0 }));
    const queue = {
      claim: async () => {
        const claimed = batch;
        batch = [];
        return claimed;
      },
      drop: async () => undefined,
      pending: async () => batch.length,
    };
    const outbox = createOutbox({
      store: disk.store,
      notifiers: registryOf(slack),
      clock: { now: () => new Date(advance(0)) },
      backoff: { baseMs: 1000, maxMs: 60_000, maxAttempts: 5 },
      random: () => 1,
      queue,
    });
    disk.refusing = true;
    await outbox.kick();
    expect(slack.calls).toHaveLength(4);
    const updates = disk.updates;
    expect(updates).toBe(4);
    advance(999);
    await outbox.kick();
    expect(disk.updates).toBe(updates);
    advance(1);
    await outbox.kick();
    // One refusal, not four: the kept outcomes are tried again after the first step of the back-off.
    expect(disk.updates).toBeGreaterThan(updates);
    expect(slack.calls).toHaveLength(4);
    await store.close();
  });

  it('posts once while the store refuses writes, backs off, says why, and records it once writes work', async () => {
    const slack = stubNotifier('slack');
    slack.respond = inTurn([{ ok: true, refs: { slackCard: { channel: 'C0JBIC', ts: '9.9' } } }]);
    const { store, tickets, outboxOn, advance } = await setup([slack]);
    const disk = withRefusingWrites(store);
    const outbox = outboxOn(disk.store);
    const t = await tickets.open(openInput('full-disk'));
    const deskDelivery = `${t.id}-1-desk-slack`;
    expect(outbox.health()).toEqual({ ok: true });

    disk.refusing = true;
    await outbox.kick();
    expect(slack.calls).toEqual([deskDelivery]);
    const since = '2026-01-05T00:00:00.000Z';
    expect(outbox.health()).toEqual({
      ok: false,
      reason:
        'the ticket store refuses writes: data/tickets.json.journal: could not write (ENOSPC); the change was not saved',
      since,
    });
    // Each pass before the retry time tries nothing; each after it tries to record, not to post again.
    for (const delay of [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]) {
      const updates = disk.updates;
      advance(delay - 1);
      await outbox.kick();
      expect(disk.updates).toBe(updates);
      advance(1);
      await outbox.kick();
      expect(disk.updates).toBe(updates + 1);
    }
    expect(slack.calls).toEqual([deskDelivery]);
    expect(outbox.health()).toMatchObject({ ok: false, since });

    disk.refusing = false;
    advance(30_000);
    await outbox.kick();
    expect(outbox.health()).toEqual({ ok: true });
    expect(slack.calls).toEqual([deskDelivery, `${t.id}-1-requester-slack`]);
    const after = await store.get(t.id);
    expect(after?.outbox.find((d) => d.id === deskDelivery)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      deliveredAt: since,
    });
    expect(after?.refs.slackCard).toEqual({ channel: 'C0JBIC', ts: '9.9' });
    await outbox.kick();
    expect(slack.calls).toHaveLength(2);
    await store.close();
  });

  it('uses a notifier registered after it started', async () => {
    const teams = stubNotifier('teams', WATCHED_TWICE);
    const late = createNotifierRegistry();
    const { store, tickets, outbox, advance } = await setup([teams], {
      desks: WATCHED_TWICE,
      outboxNotifiers: late,
    });
    const t = await tickets.open(openInput('late'));
    await outbox.kick();
    expect((await store.get(t.id))?.outbox[0]).toMatchObject({
      id: `${t.id}-1-desk-teams`,
      status: 'pending',
      lastError: 'no notifier for teams yet',
    });
    late.register(teams);
    advance(1000);
    await outbox.kick();
    expect(teams.calls).toEqual([`${t.id}-1-desk-teams`]);
    expect((await store.get(t.id))?.outbox[0]?.status).toBe('delivered');
    await store.close();
  });

  it("honours the platform's Retry-After", async () => {
    const notifier = stubNotifier('slack');
    notifier.respond = inTurn([{ ok: false, retryAfterMs: 30_000, error: 'HTTP 429' }]);
    const { store, tickets, outbox, advance } = await setup([notifier]);
    const t = await tickets.open(openInput('429'));
    const deskDelivery = `${t.id}-1-desk-slack`;
    await outbox.kick();
    advance(29_000);
    await outbox.kick();
    expect(notifier.calls.filter((c) => c === deskDelivery)).toHaveLength(1);
    advance(1_000);
    await outbox.kick();
    expect(notifier.calls.filter((c) => c === deskDelivery)).toHaveLength(2);
    await store.close();
  });

  it('marks a delivery failed after a permanent error, and keeps it visible', async () => {
    const notifier = stubNotifier('slack');
    notifier.respond = inTurn([{ ok: false, permanent: true, error: 'channel_not_found' }]);
    const { store, tickets, outbox } = await setup([notifier]);
    const t = await tickets.open(openInput('perm'));
    await outbox.kick();
    const d = (await store.get(t.id))?.outbox[0];
    expect(d).toMatchObject({ status: 'failed', lastError: 'channel_not_found' });
    await store.close();
  });

  it('delivers after a restart what was pending when the process stopped', async () => {
    const down = stubNotifier('slack');
    down.respond = () => ({ ok: false, error: 'ECONNREFUSED' });
    const first = await setup([down]);
    const t = await first.tickets.open(openInput('restart'));
    await first.outbox.kick();
    await first.store.close();
    const up = stubNotifier('slack');
    const second = await setup([up], { dataDir: first.dir });
    second.advance(60_000);
    await second.outbox.kick();
    expect((await second.store.get(t.id))?.outbox.every((d) => d.status === 'delivered')).toBe(true);
    expect(up.calls).toHaveLength(2);
    await second.store.close();
  });

  it('never runs two passes at once: concurrent kicks deliver each notification once', async () => {
    const notifier = stubNotifier('slack');
    const { store, tickets, outbox } = await setup([notifier]);
    await tickets.open(openInput('c1'));
    await Promise.all([outbox.kick(), outbox.kick(), outbox.kick()]);
    expect(notifier.calls).toHaveLength(2);
    expect(new Set(notifier.calls).size).toBe(2);
    await store.close();
  });
});
