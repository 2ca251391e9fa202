import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createOutbox } from '../../src/tickets/outbox.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { DeliveryResult, Notifier } from '../../src/tickets/service-types.js';
import type { TicketStore } from '../../src/tickets/store.js';
import { DESKS, openInput } from './fixtures.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A Slack notifier stand-in that answers with scripted results and records what it was asked. */
function scripted(results: DeliveryResult[]): Notifier & { calls: string[] } {
  const calls: string[] = [];
  return {
    channel: 'slack',
    calls,
    handles: () => true,
    async deliver(_ticket, delivery) {
      calls.push(delivery.id);
      return results.shift() ?? { ok: true };
    },
  };
}

async function setup(notifier: Notifier, dataDir?: string) {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'madoguchi-outbox-')));
  if (!dataDir) dirs.push(dir);
  let now = Date.parse('2026-01-05T00:00:00Z');
  const clock = { now: () => new Date(now) };
  const store: TicketStore = createLowdbTicketStore({ dataDir: dir });
  await store.open();
  const tickets = createTicketService({ store, desks: () => DESKS, clock, channels: ['slack'] });
  const outbox = createOutbox({
    store,
    notifiers: [notifier],
    clock,
    backoff: { baseMs: 1000, maxMs: 60_000, maxAttempts: 5 },
    random: () => 1,
  });
  return { dir, store, tickets, outbox, advance: (ms: number) => (now += ms) };
}

describe('outbox', () => {
  it('retries a failing delivery with back-off and delivers it exactly once', async () => {
    const failure = { ok: false as const, error: 'HTTP 503' };
    const notifier = scripted([
      failure,
      failure,
      failure,
      { ok: true, refs: { slackCard: { channel: 'C0JBIC', ts: '1.2' } } },
    ]);
    const { store, tickets, outbox, advance } = await setup(notifier);
    const t = await tickets.open(openInput('retry'));
    const deskDelivery = `${t.id}-1-desk-slack`;
    await outbox.kick();
    expect(notifier.calls).toEqual([deskDelivery]);
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
    // The requester's delivery waited behind the desk's (in order), then went once.
    expect(notifier.calls.filter((c) => c === `${t.id}-1-requester-slack`)).toHaveLength(1);
    await store.close();
  });

  it("honours the platform's Retry-After", async () => {
    const notifier = scripted([{ ok: false, retryAfterMs: 30_000, error: 'HTTP 429' }]);
    const { store, tickets, outbox, advance } = await setup(notifier);
    await tickets.open(openInput('429'));
    await outbox.kick();
    advance(29_000);
    await outbox.kick();
    expect(notifier.calls).toHaveLength(1);
    advance(1_000);
    await outbox.kick();
    expect(notifier.calls).toHaveLength(3);
    await store.close();
  });

  it('marks a delivery failed after a permanent error, and keeps it visible', async () => {
    const notifier = scripted([{ ok: false, permanent: true, error: 'channel_not_found' }]);
    const { store, tickets, outbox } = await setup(notifier);
    const t = await tickets.open(openInput('perm'));
    await outbox.kick();
    const d = (await store.get(t.id))?.outbox[0];
    expect(d).toMatchObject({ status: 'failed', lastError: 'channel_not_found' });
    await store.close();
  });

  it('delivers after a restart what was pending when the process stopped', async () => {
    const down = scripted([{ ok: false, error: 'ECONNREFUSED' }]);
    const first = await setup(down);
    const t = await first.tickets.open(openInput('restart'));
    await first.outbox.kick();
    await first.store.close();
    const up = scripted([]);
    const second = await setup(up, first.dir);
    second.advance(60_000);
    await second.outbox.kick();
    expect((await second.store.get(t.id))?.outbox.every((d) => d.status === 'delivered')).toBe(true);
    expect(up.calls).toHaveLength(2);
    await second.store.close();
  });

  it('never runs two passes at once: concurrent kicks deliver each notification once', async () => {
    const notifier = scripted([]);
    const { store, tickets, outbox } = await setup(notifier);
    await tickets.open(openInput('c1'));
    await Promise.all([outbox.kick(), outbox.kick(), outbox.kick()]);
    expect(notifier.calls).toHaveLength(2);
    expect(new Set(notifier.calls).size).toBe(2);
    await store.close();
  });
});
