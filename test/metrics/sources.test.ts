import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeskDirectory } from '../../src/content/types.js';
import type { Clock } from '../../src/core/types.js';
import { pgBacklog, storeBacklog } from '../../src/metrics/backlog.js';
import type { Backlog } from '../../src/metrics/labels.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createOutbox } from '../../src/tickets/outbox.js';
import { createPgDeliveryQueue } from '../../src/tickets/pg-outbox.js';
import { createPgTicketStore } from '../../src/tickets/pg-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { TicketStore } from '../../src/tickets/store.js';
import { tempDirs } from '../helpers.js';
import { describePg, freshDatabase } from '../pg/helpers.js';
import { DESKS, inTurn, openInput, registryOf, stubNotifier } from '../tickets/fixtures.js';
import { labelValues, parsePrometheusText, sampleValue } from './prom-text.js';

/**
 * Where the numbers come from, with the real parts: the ticket service on a lowdb store (and on
 * PostgreSQL for the backlog), the outbox, the metrics' own registry. Times come from a clock the test
 * moves.
 */
const tempDir = tempDirs('madoguchi-metrics-sources-');
const T0 = Date.parse('2024-05-01T09:00:00Z');
const H = 3_600_000;
const logger = pino({ level: 'silent' });
const CONTENT = {
  version: 'v1',
  desks: DESKS,
  messages: { en: {}, ja: {} },
  knowledge: [],
};

function setup(store: TicketStore, backlog: () => Promise<Backlog> = storeBacklog(store)) {
  let now = T0;
  const clock: Clock = { now: () => new Date(now) };
  const metrics = createMetrics({ content: () => CONTENT, backlog, clock, logger });
  return {
    clock,
    metrics,
    at: (ms: number) => {
      now = T0 + ms;
    },
    scrape: async () => parsePrometheusText((await metrics.scrape()).body),
  };
}

const staff = (desk: string, event?: string) => ({
  user: `cli:${desk}-staff`,
  ...(event ? { sourceEventId: event } : {}),
});

describe('ticket metrics, from the ticket service', () => {
  it('counts tickets opened, the first claim of each (seconds from creation), and one breach per ticket', async () => {
    const store = createLowdbTicketStore({ dataDir: await tempDir() });
    await store.open();
    const m = setup(store);
    const tickets = createTicketService({
      store,
      desks: () => DESKS,
      clock: m.clock,
      logger,
      onChange: (t) => m.metrics.ticketChanged(t),
    });
    const a = await tickets.open(openInput('a', { desk: 'jbic' }));
    const b = await tickets.open(openInput('b', { desk: 'sbic' }));
    // The same handoff sent again is the same ticket: not opened twice.
    await tickets.open(openInput('a', { desk: 'jbic' }));

    m.at(10 * 60_000);
    await tickets.claim(a.id, staff('jbic', 'click-1'));
    // A redelivered click changes nothing; nor is it a second claim.
    await tickets.claim(a.id, staff('jbic', 'click-1'));

    // B is past its 24 h target: the reminder pass marks the breach, a later reminder does not add one.
    m.at(25 * H);
    expect((await tickets.remind()).map((t) => t.id)).toEqual([b.id]);
    m.at(30 * H);
    expect((await tickets.remind()).map((t) => t.id)).toEqual([b.id]);
    m.at(31 * H);
    await tickets.claim(b.id, staff('sbic'));

    // C is claimed late before any reminder pass saw it: still a breach, once.
    const c = await tickets.open(openInput('c', { desk: 'jbic' }));
    m.at(31 * H + 25 * H);
    await tickets.claim(c.id, staff('jbic'));

    // A resolved, reopened and claimed again: its first claim was counted already.
    await tickets.resolve(a.id, staff('jbic'));
    await tickets.reopen(a.id, { user: 'cli:admin' });
    await tickets.claim(a.id, staff('jbic'));

    const f = await m.scrape();
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(f, name, labels);
    expect(v('madoguchi_tickets_opened_total', { desk: 'jbic' })).toBe(2);
    expect(v('madoguchi_tickets_opened_total', { desk: 'sbic' })).toBe(1);
    expect(v('madoguchi_ticket_first_claim_seconds_count', { desk: 'jbic' })).toBe(2);
    expect(v('madoguchi_ticket_first_claim_seconds_sum', { desk: 'jbic' })).toBe(600 + 25 * 3600);
    expect(v('madoguchi_ticket_first_claim_seconds_count', { desk: 'sbic' })).toBe(1);
    expect(v('madoguchi_ticket_first_claim_seconds_sum', { desk: 'sbic' })).toBe(31 * 3600);
    expect(v('madoguchi_ticket_first_claim_seconds_bucket', { desk: 'jbic', le: '900' })).toBe(1);
    expect(v('madoguchi_response_target_breaches_total', { desk: 'sbic' })).toBe(1);
    expect(v('madoguchi_response_target_breaches_total', { desk: 'jbic' })).toBe(1);
    for (const value of labelValues(f)) expect([a.id, b.id, c.id, 'slack:UREQ']).not.toContain(value);
    await store.close();
  });
});

describe('outbox metrics', () => {
  it('counts each attempt by channel and result, and reads the backlog and its oldest age at scrape time', async () => {
    const store = createLowdbTicketStore({ dataDir: await tempDir() });
    await store.open();
    const m = setup(store);
    const slack = stubNotifier('slack');
    const notifiers = registryOf(slack);
    const tickets = createTicketService({ store, desks: () => DESKS, clock: m.clock, logger, notifiers });
    const outbox = createOutbox({
      store,
      notifiers,
      clock: m.clock,
      logger,
      backoff: { baseMs: 1_000, maxMs: 1_000, maxAttempts: 5 },
      random: () => 0,
      onAttempt: (channel, result) => m.metrics.delivery(channel, result),
    });
    // One ticket, two deliveries on Slack: the desk's card and the requester's thread.
    await tickets.open(openInput('backlog'));
    m.at(90_000);
    let f = await m.scrape();
    expect(sampleValue(f, 'madoguchi_outbox_pending')).toBe(2);
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(90);

    // First pass: one attempt fails for now (retried later), the other for good.
    slack.respond = inTurn([
      { ok: false, error: 'slack is down' },
      { ok: false, error: 'channel_not_found', permanent: true },
    ]);
    await outbox.kick();
    m.at(120_000);
    f = await m.scrape();
    expect(sampleValue(f, 'madoguchi_outbox_deliveries_total', { channel: 'slack', result: 'retry' })).toBe(
      1,
    );
    expect(sampleValue(f, 'madoguchi_outbox_deliveries_total', { channel: 'slack', result: 'failed' })).toBe(
      1,
    );
    expect(sampleValue(f, 'madoguchi_outbox_pending')).toBe(1);
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(120);

    // A second ticket queued later does not make the backlog look younger.
    await tickets.open(openInput('later'));
    f = await m.scrape();
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(120);

    await outbox.kick();
    f = await m.scrape();
    expect(
      sampleValue(f, 'madoguchi_outbox_deliveries_total', { channel: 'slack', result: 'delivered' }),
    ).toBe(3);
    expect(sampleValue(f, 'madoguchi_outbox_pending')).toBe(0);
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(0);
    expect(slack.calls).toHaveLength(5);
    await outbox.stop();
    await store.close();
  });

  it('keeps the last backlog when the store cannot be read, and the scrape still answers', async () => {
    let fail = false;
    let reads = 0;
    const m = setup(createLowdbTicketStore({ dataDir: await tempDir() }), async () => {
      reads++;
      if (fail) throw new Error('store gone');
      return { pending: 3, oldestAt: new Date(T0).toISOString() };
    });
    m.at(5_000);
    expect(sampleValue(await m.scrape(), 'madoguchi_outbox_pending')).toBe(3);
    // Both gauges share one read per scrape.
    expect(reads).toBe(1);
    fail = true;
    const f = await m.scrape();
    expect(sampleValue(f, 'madoguchi_outbox_pending')).toBe(3);
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(5);
  });
});

describe('label values', () => {
  /** A desk the ticket service knows but the metrics' content does not: as if typed into a ticket. */
  const STRAY = { ...(DESKS.desks[0] as DeskDirectory['desks'][number]), id: 'desk-of-someone-typed' };
  const withStray: DeskDirectory = { ...DESKS, desks: [...DESKS.desks, STRAY] };

  it('are only from the closed sets or the content: anything else is "other"', async () => {
    const store = createLowdbTicketStore({ dataDir: await tempDir() });
    await store.open();
    const m = setup(store);
    const metrics: Metrics = m.metrics;
    metrics.observe({
      type: 'turn',
      record: { platform: 'slack:U0123', lang: 'ko', action: 'answer"}', confidence: 0.9, ms: 4 },
    });
    metrics.observe({
      type: 'turn',
      record: { platform: 'web', lang: 'ja', action: 'answer', confidence: 0.8, ms: 2 },
    });
    metrics.observe({ type: 'feedback', rating: 'Great, thanks! call me at +81 3 0000 0000' });
    metrics.deduplicated('Ev0123ABC');
    metrics.delivery('MDG-000001', 'delivered');
    const tickets = createTicketService({
      store,
      desks: () => withStray,
      clock: m.clock,
      onChange: (t) => metrics.ticketChanged(t),
    });
    const stray = await tickets.open(openInput('stray', { desk: STRAY.id }));
    expect(stray.desk).toBe(STRAY.id);
    const f = await m.scrape();
    expect(
      sampleValue(f, 'madoguchi_inquiries_total', { platform: 'other', lang: 'other', action: 'other' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'madoguchi_inquiries_total', { platform: 'web', lang: 'ja', action: 'answer' }),
    ).toBe(1);
    // Only the real answer's confidence is in the answers' histogram.
    expect(sampleValue(f, 'madoguchi_answer_confidence_count')).toBe(1);
    expect(sampleValue(f, 'madoguchi_feedback_total', { rating: 'other' })).toBe(1);
    expect(sampleValue(f, 'madoguchi_events_deduplicated_total', { platform: 'other' })).toBe(1);
    expect(
      sampleValue(f, 'madoguchi_outbox_deliveries_total', { channel: 'other', result: 'delivered' }),
    ).toBe(1);
    expect(sampleValue(f, 'madoguchi_tickets_opened_total', { desk: 'other' })).toBe(1);
    const values = labelValues(f);
    for (const bad of ['slack:U0123', 'ko', 'Ev0123ABC', 'MDG-000001', stray.id, STRAY.id])
      expect(values).not.toContain(bad);
    expect(values.some((v) => v.includes('+81'))).toBe(false);
    await store.close();
  });

  it('follow the content: a desk added by a reload is a label value from then on', async () => {
    const store = createLowdbTicketStore({ dataDir: await tempDir() });
    await store.open();
    let content = CONTENT;
    const metrics = createMetrics({
      content: () => content,
      backlog: storeBacklog(store),
      clock: { now: () => new Date(T0) },
      logger,
    });
    const tickets = createTicketService({
      store,
      desks: () => withStray,
      clock: { now: () => new Date(T0) },
      onChange: (t) => metrics.ticketChanged(t),
    });
    await tickets.open(openInput('before', { desk: STRAY.id }));
    content = { ...CONTENT, version: 'v2', desks: withStray };
    await tickets.open(openInput('after', { desk: STRAY.id }));
    const f = parsePrometheusText((await metrics.scrape()).body);
    expect(sampleValue(f, 'madoguchi_tickets_opened_total', { desk: 'other' })).toBe(1);
    expect(sampleValue(f, 'madoguchi_tickets_opened_total', { desk: STRAY.id })).toBe(1);
    await store.close();
  });

  it('two apps in one process keep their own counts', async () => {
    const one = setup(createLowdbTicketStore({ dataDir: await tempDir() }));
    const two = setup(createLowdbTicketStore({ dataDir: await tempDir() }));
    one.metrics.deduplicated('slack');
    one.metrics.deduplicated('slack');
    two.metrics.deduplicated('slack');
    expect(
      sampleValue(await one.scrape(), 'madoguchi_events_deduplicated_total', { platform: 'slack' }),
    ).toBe(2);
    expect(
      sampleValue(await two.scrape(), 'madoguchi_events_deduplicated_total', { platform: 'slack' }),
    ).toBe(1);
  });
});

describePg('the outbox backlog on PostgreSQL', () => {
  it('is what the ticket documents say, read in one statement, whichever replica asks', async () => {
    const db = await freshDatabase();
    const store = createPgTicketStore({ pool: db.pool() });
    await store.open();
    const m = setup(store, pgBacklog(db.pool()));
    const slack = stubNotifier('slack');
    const notifiers = registryOf(slack);
    const tickets = createTicketService({ store, desks: () => DESKS, clock: m.clock, logger, notifiers });
    expect(await pgBacklog(db.pool())()).toEqual({ pending: 0, oldestAt: null });
    await tickets.open(openInput('pg-1'));
    m.at(60_000);
    await tickets.open(openInput('pg-2'));
    const other = pgBacklog(db.pool());
    expect(await other()).toEqual({ pending: 4, oldestAt: new Date(T0).toISOString() });
    expect(await other()).toEqual(await storeBacklog(store)());
    m.at(100_000);
    let f = await m.scrape();
    expect(sampleValue(f, 'madoguchi_outbox_pending')).toBe(4);
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(100);

    const outbox = createOutbox({
      store,
      notifiers,
      clock: m.clock,
      logger,
      queue: createPgDeliveryQueue({ pool: db.pool() }),
      onAttempt: (channel, result) => m.metrics.delivery(channel, result),
    });
    await outbox.kick();
    f = await m.scrape();
    expect(sampleValue(f, 'madoguchi_outbox_pending')).toBe(0);
    expect(sampleValue(f, 'madoguchi_outbox_oldest_pending_seconds')).toBe(0);
    expect(
      sampleValue(f, 'madoguchi_outbox_deliveries_total', { channel: 'slack', result: 'delivered' }),
    ).toBe(4);
    await outbox.stop();
    await store.close();
  });
});
