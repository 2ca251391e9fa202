import { describe, expect, it } from 'vitest';
import { computeFigures, durations, nearestRank } from '../../src/analytics/figures.js';
import type { TurnRecord } from '../../src/analytics/types.js';
import type { Ticket, TicketEvent } from '../../src/tickets/types.js';

let n = 0;
/** A turn record with only what the figures read set by the test. */
function turn(at: string, over: Partial<TurnRecord> = {}): TurnRecord {
  n++;
  return {
    id: `t${n}`,
    at,
    platform: 'slack',
    lang: 'en',
    action: 'answer',
    intent: null,
    confidence: 0.9,
    scheme: 'jbic-aguascalientes',
    entry: 'jbic-aguascalientes/signing',
    desk: null,
    closest: null,
    user: 'u1',
    conversation: 'c1',
    ms: 1,
    review: [],
    ...over,
  };
}

const STATUS_AFTER: Partial<Record<TicketEvent['type'], Ticket['status']>> = {
  created: 'open',
  claimed: 'claimed',
  reassigned: 'open',
  resolved: 'resolved',
  closed: 'closed',
  reopened: 'reopened',
};

/** A ticket opened for `openedFor` (default `desk`) at `createdAt`, with these later events; its status follows them. */
function ticket(t: {
  id: string;
  desk: string;
  openedFor?: string;
  createdAt: string;
  events?: Array<Pick<TicketEvent, 'type' | 'at'> & Partial<TicketEvent>>;
  targetHours?: number;
}): Ticket {
  const events: TicketEvent[] = [
    { seq: 1, type: 'created', at: t.createdAt, actor: 'slack:U1', desk: t.openedFor ?? t.desk, to: 'open' },
    ...(t.events ?? []).map((e, i) => ({ seq: i + 2, actor: 'slack:S1', ...e })),
  ];
  let status: Ticket['status'] = 'open';
  for (const e of events) status = STATUS_AFTER[e.type] ?? status;
  return {
    id: t.id,
    key: t.id,
    desk: t.desk,
    status,
    assignee: null,
    requester: { platform: 'slack', userId: 'slack:U1' },
    origin: { platform: 'slack', conversation: 'C1' },
    packet: {
      text: 'q',
      lang: 'en',
      intent: null,
      confidence: 0.5,
      scheme: 'jbic-aguascalientes',
      transcript: [],
      details: {},
    },
    createdAt: t.createdAt,
    updatedAt: t.createdAt,
    responseTargetHours: t.targetHours ?? 99,
    dueAt: t.createdAt,
    events,
    outbox: [],
    refs: {},
  };
}

const desks = [
  { id: 'jbic', responseTargetHours: 8 },
  { id: 'jetro-chongqing', responseTargetHours: 24 },
];
const from = new Date('2025-03-01T00:00:00Z');
const to = new Date('2025-03-04T00:00:00Z');
const now = new Date('2025-03-05T12:00:00Z');

describe('nearest-rank statistics', () => {
  it('takes the value at rank ⌈p·n⌉', () => {
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0.9)).toBe(4);
    expect(nearestRank([5], 0.9)).toBe(5);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
  });
  it('summarises unsorted values and gives nulls for none', () => {
    expect(durations([10, 1, 4, 2, 8])).toEqual({
      count: 5,
      min: 1,
      q1: 2,
      median: 4,
      q3: 8,
      p90: 10,
      max: 10,
    });
    expect(durations([])).toEqual({
      count: 0,
      min: null,
      q1: null,
      median: null,
      q3: null,
      p90: null,
      max: null,
    });
  });
});

describe('computeFigures against a hand computation', () => {
  const records: TurnRecord[] = [
    // Before the period: not counted.
    turn('2025-02-28T23:59:59.999Z'),
    // Day 1: two answers (one helpful), a fallback in Japanese on Teams.
    turn('2025-03-01T00:00:00.000Z', { feedback: 'helpful' }),
    turn('2025-03-01T10:00:00.000Z', { entry: 'jbic-aguascalientes/overview', feedback: 'not_helpful' }),
    turn('2025-03-01T23:00:00.000Z', {
      action: 'fallback',
      entry: null,
      scheme: null,
      lang: 'ja',
      platform: 'teams',
      review: ['fallback'],
    }),
    // Day 2: nothing. Day 3: a handoff that led to a ticket, a clarify, smalltalk, another signing answer.
    turn('2025-03-03T08:00:00.000Z', {
      action: 'handoff',
      entry: null,
      desk: 'jbic',
      ticketDesk: 'jbic',
      lang: 'es',
      platform: 'web',
    }),
    turn('2025-03-03T09:00:00.000Z', { action: 'clarify', entry: null, scheme: null, lang: 'ja' }),
    turn('2025-03-03T09:30:00.000Z', { action: 'smalltalk', entry: null, scheme: null, platform: 'teams' }),
    turn('2025-03-03T12:00:00.000Z', {
      scheme: 'jetro-chongqing',
      entry: 'jetro-chongqing/signing',
      lang: 'zh',
    }),
    turn('2025-03-03T13:00:00.000Z', { feedback: 'helpful' }),
    // At `to`: excluded (the period's end is exclusive).
    turn('2025-03-04T00:00:00.000Z'),
  ];
  const tickets: Ticket[] = [
    // Claimed after 2 h, resolved after 10 h: within jbic's 8 h target.
    ticket({
      id: 'MDG-1',
      desk: 'jbic',
      createdAt: '2025-03-01T00:00:00.000Z',
      events: [
        { type: 'claimed', at: '2025-03-01T02:00:00.000Z' },
        { type: 'resolved', at: '2025-03-01T10:00:00.000Z' },
      ],
    }),
    // Claimed after 12 h (a breach), resolved after 30 h, then reopened: the first resolution counts.
    ticket({
      id: 'MDG-2',
      desk: 'jbic',
      createdAt: '2025-03-02T00:00:00.000Z',
      events: [
        { type: 'claimed', at: '2025-03-02T12:00:00.000Z' },
        { type: 'resolved', at: '2025-03-03T06:00:00.000Z' },
        { type: 'reopened', at: '2025-03-03T07:00:00.000Z' },
      ],
    }),
    // Never claimed: waited 60 h by now (a breach); in the backlog at 60 h (1-3 days).
    ticket({
      id: 'MDG-3',
      desk: 'jbic',
      createdAt: '2025-03-03T00:00:00.000Z',
      events: [{ type: 'reminded', at: '2025-03-03T09:00:00.000Z' }],
    }),
    // Opened for jbic, reassigned to jetro-chongqing, claimed there 4 h after opening: jbic's opening.
    ticket({
      id: 'MDG-4',
      desk: 'jetro-chongqing',
      openedFor: 'jbic',
      createdAt: '2025-03-03T06:00:00.000Z',
      events: [
        { type: 'reassigned', at: '2025-03-03T07:00:00.000Z', desk: 'jetro-chongqing' },
        { type: 'claimed', at: '2025-03-03T10:00:00.000Z' },
      ],
    }),
    // Closed by the requester 1 h after opening, never claimed: no breach, no claim time.
    ticket({
      id: 'MDG-5',
      desk: 'jetro-chongqing',
      createdAt: '2025-03-02T00:00:00.000Z',
      events: [{ type: 'closed', at: '2025-03-02T01:00:00.000Z' }],
    }),
    // Opened before the period, still open (10 days old now): only in the backlog.
    ticket({ id: 'MDG-6', desk: 'jetro-chongqing', createdAt: '2025-02-23T12:00:00.000Z' }),
    // A desk no longer in the desk file: its own row, judged by the ticket's own target (1 h).
    ticket({
      id: 'MDG-7',
      desk: 'old-desk',
      createdAt: '2025-03-01T00:00:00.000Z',
      events: [{ type: 'claimed', at: '2025-03-01T03:00:00.000Z' }],
      targetHours: 1,
    }),
  ];

  const f = computeFigures({ records, tickets, from, to, now, desks });

  it('counts the period’s turns by action, feedback and tickets', () => {
    expect(f.inquiries).toBe(8);
    expect(f.actions).toEqual({ answer: 4, clarify: 1, fallback: 1, handoff: 1, smalltalk: 1 });
    expect(f.feedback).toEqual({ helpful: 2, notHelpful: 1 });
    expect(f.ledToTicket).toBe(1);
    expect(f.from).toBe('2025-03-01T00:00:00.000Z');
    expect(f.to).toBe('2025-03-04T00:00:00.000Z');
  });

  it('breaks them down by language, platform and programme, most first', () => {
    expect(f.byLang.map((r) => [r.key, r.inquiries])).toEqual([
      ['en', 4],
      ['ja', 2],
      ['es', 1],
      ['zh', 1],
    ]);
    const en = f.byLang[0];
    expect(en?.actions).toEqual({ answer: 3, clarify: 0, fallback: 0, handoff: 0, smalltalk: 1 });
    expect(en).toMatchObject({ helpful: 2, notHelpful: 1 });
    // No row for a platform without turns (cli).
    expect(f.byPlatform.map((r) => [r.key, r.inquiries])).toEqual([
      ['slack', 5],
      ['teams', 2],
      ['web', 1],
    ]);
    expect(f.byPlatform.find((r) => r.key === 'slack')?.actions).toEqual({
      answer: 4,
      clarify: 1,
      fallback: 0,
      handoff: 0,
      smalltalk: 0,
    });
    expect(f.byScheme.map((r) => [r.key, r.inquiries])).toEqual([
      ['jbic-aguascalientes', 4],
      [null, 3],
      ['jetro-chongqing', 1],
    ]);
  });

  it('ranks the entries answered from', () => {
    expect(f.topEntries).toEqual([
      { entry: 'jbic-aguascalientes/signing', answers: 2, helpful: 2, notHelpful: 0 },
      { entry: 'jbic-aguascalientes/overview', answers: 1, helpful: 0, notHelpful: 1 },
      { entry: 'jetro-chongqing/signing', answers: 1, helpful: 0, notHelpful: 0 },
    ]);
    expect(computeFigures({ records, tickets, from, to, now, desks, top: 1 }).topEntries).toHaveLength(1);
  });

  it('gives every day of the period, empty days included', () => {
    expect(f.perDay.map((d) => [d.day, d.inquiries])).toEqual([
      ['2025-03-01', 3],
      ['2025-03-02', 0],
      ['2025-03-03', 5],
    ]);
    expect(f.perDay[2]?.actions).toEqual({ answer: 2, clarify: 1, fallback: 0, handoff: 1, smalltalk: 1 });
  });

  it('computes each desk’s tickets, times, breaches and backlog', () => {
    expect(f.desks.map((d) => d.desk)).toEqual(['jbic', 'jetro-chongqing', 'old-desk']);
    const jbic = f.desks[0];
    // Opened for jbic in the period: MDG-1, 2, 3, 4.
    expect(jbic?.opened).toBe(4);
    // Claims: 2 h, 12 h, 4 h → sorted 2, 4, 12: median rank ⌈1.5⌉ = 2 → 4; p90 rank ⌈2.7⌉ = 3 → 12.
    expect(jbic?.firstClaim).toEqual({ count: 3, min: 2, q1: 2, median: 4, q3: 12, p90: 12, max: 12 });
    // Resolutions: 10 h (MDG-1), 30 h (MDG-2's first).
    expect(jbic?.resolve).toMatchObject({ count: 2, median: 10, p90: 30 });
    // Breaches against 8 h: MDG-2 (12 h) and MDG-3 (60 h unclaimed by now).
    expect(jbic?.breaches).toBe(2);
    // Backlog held by jbic now: MDG-2 (reopened, 84 h: 3-7 days) and MDG-3 (60 h: 1-3 days).
    expect(jbic?.backlog).toEqual({ lt1d: 0, d1to3: 1, d3to7: 1, gte7d: 0 });
    expect(jbic?.backlogTotal).toBe(2);
    expect(jbic).toMatchObject({ known: true, responseTargetHours: 8 });

    const jetro = f.desks[1];
    // MDG-5 only (MDG-4 was opened for jbic, MDG-6 before the period).
    expect(jetro?.opened).toBe(1);
    expect(jetro?.firstClaim.count).toBe(0);
    expect(jetro?.firstClaim.median).toBeNull();
    expect(jetro?.breaches).toBe(0);
    // Held now: MDG-4 (claimed, 54 h) and MDG-6 (10 days).
    expect(jetro?.backlog).toEqual({ lt1d: 0, d1to3: 1, d3to7: 0, gte7d: 1 });

    const old = f.desks[2];
    expect(old).toMatchObject({ known: false, responseTargetHours: null, opened: 1, breaches: 1 });
    expect(old?.firstClaim.median).toBe(3);

    // MDG-7 is still claimed (108 h): old-desk's backlog.
    expect(old?.backlog).toEqual({ lt1d: 0, d1to3: 0, d3to7: 1, gte7d: 0 });
    expect(f.tickets).toEqual({ opened: 6, breaches: 3, backlog: 5 });
    // Claim times 2, 12, 4, 3 h: 1-4 h holds 2, 3 (and 4 is the next bucket's lower bound).
    expect(f.claimHistogram).toEqual({ lt1h: 0, h1to4: 2, h4to8: 1, h8to24: 1, d1to3: 0, gte3d: 0 });
  });

  it('narrows turns and tickets to one language, platform or programme', () => {
    const ja = computeFigures({ records, tickets, from, to, now, desks, filter: { lang: 'ja' } });
    expect(ja.inquiries).toBe(2);
    expect(ja.actions).toEqual({ answer: 0, clarify: 1, fallback: 1, handoff: 0, smalltalk: 0 });
    // No ticket's packet is in Japanese.
    expect(ja.tickets).toEqual({ opened: 0, breaches: 0, backlog: 0 });

    const teams = computeFigures({ records, tickets, from, to, now, desks, filter: { platform: 'teams' } });
    expect(teams.inquiries).toBe(2);
    expect(teams.byLang.map((r) => r.key)).toEqual(['en', 'ja']);

    const chongqing = computeFigures({
      records,
      tickets,
      from,
      to,
      now,
      desks,
      filter: { scheme: 'jetro-chongqing' },
    });
    expect(chongqing.inquiries).toBe(1);
    expect(chongqing.topEntries.map((e) => e.entry)).toEqual(['jetro-chongqing/signing']);
    expect(chongqing.tickets.opened).toBe(0);
  });

  it('gives zeros, not gaps, for an empty period', () => {
    const empty = computeFigures({
      records: [],
      tickets: [],
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-01-08T00:00:00Z'),
      now,
      desks,
    });
    expect(empty.inquiries).toBe(0);
    expect(empty.perDay).toHaveLength(7);
    expect(empty.desks.map((d) => [d.desk, d.opened, d.breaches, d.backlogTotal])).toEqual([
      ['jbic', 0, 0, 0],
      ['jetro-chongqing', 0, 0, 0],
    ]);
  });
});
