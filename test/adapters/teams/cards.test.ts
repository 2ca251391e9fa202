import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  cardActivity,
  cardFor,
  cardTime,
  formCard,
  replyCard,
  ticketCard,
  updateCard,
} from '../../../src/adapters/teams/cards.js';
import {
  handoffFormView,
  noticeView,
  type ReplyView,
  ticketCardView,
  ticketListView,
  updateView,
  type View,
} from '../../../src/present/views.js';
import type { Ticket, TicketEvent } from '../../../src/tickets/types.js';
import { teamsContent } from './bot-fixture.js';
import { actionsOf, buttonTitles, nodes, ofType, richTexts, textOf } from './card-helpers.js';

const content = await teamsContent();
const require = createRequire(import.meta.url);
/** Microsoft's own Adaptive Cards library (its browser bundle parses without a DOM). */
const AC = require('adaptivecards/dist/adaptivecards.js') as {
  AdaptiveCard: new () => { parse(json: unknown, ctx: unknown): void };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): { message: string } };
};

/** What Microsoft's parser complains about in a card: unknown elements, bad values. */
function parseProblems(card: unknown): string[] {
  const ctx = new AC.SerializationContext();
  new AC.AdaptiveCard().parse(card, ctx);
  return Array.from({ length: ctx.eventCount }, (_, i) => ctx.getEventAt(i).message);
}

const AT = '2024-05-01T03:04:05.678Z';
const DUE = '2024-05-02T03:04:05.678Z';
const TYPED = [
  '**Please** call <at>Boss</at> at [our site](http://evil.example) _now_',
  '',
  '- item one',
  '- item {{DATE(2017-02-14T06:00:00Z,SHORT)}}',
].join('\n');

function ticket(overrides: Partial<Ticket> = {}, events: Array<Partial<TicketEvent>> = []): Ticket {
  return {
    id: 'MDG-000042',
    key: 'teams:form-1',
    desk: 'jbic',
    status: 'open',
    assignee: null,
    requester: { platform: 'teams', userId: 'teams:REQ-AAD', displayName: 'Tanaka <at>Boss</at>' },
    origin: { platform: 'teams', conversation: 'a:chat' },
    packet: {
      text: TYPED,
      lang: 'en',
      intent: 'handoff.jbic',
      confidence: 0.92,
      scheme: null,
      transcript: [],
      details: { company: 'Acme_Parts **Ltd**\u202E', contact: 'a_b@example.com https://x.example/a_b?q=1' },
    },
    createdAt: AT,
    updatedAt: AT,
    responseTargetHours: 24,
    dueAt: DUE,
    events: [
      { seq: 1, type: 'created', at: AT, actor: 'teams:REQ-AAD' },
      ...events.map((e, i) => ({
        seq: i + 2,
        type: 'claimed' as const,
        at: AT,
        actor: 'teams:STAFF-AAD',
        ...e,
      })),
    ],
    outbox: [],
    refs: {},
    ...overrides,
  };
}
const nameOf = (u: string) => (u === 'teams:STAFF-AAD' ? 'Aiko Sato' : undefined);

describe('Teams cards', () => {
  it('shows a person’s text exactly: in text runs, never markdown, no look-alikes, nothing inserted', () => {
    const card = ticketCard(ticketCardView(content, ticket(), { nameOf })).attachment.content;
    const runs = richTexts(card);
    for (const line of TYPED.split('\n').filter(Boolean)) expect(runs).toContain(line);
    expect(runs).toContain('a_b@example.com https://x.example/a_b?q=1');
    expect(runs).toContain('Acme_Parts **Ltd**'); // the bidi override is gone, nothing else changed
    expect(runs).toContain('Tanaka <at>Boss</at>');
    // None of it is in a TextBlock (which reads markdown) or a FactSet.
    const blocks = ofType(card, 'TextBlock').map((b) => String(b.text));
    expect(blocks.some((b) => b.includes('evil.example') || b.includes('a_b@') || b.includes('Boss'))).toBe(
      false,
    );
    expect(ofType(card, 'FactSet')).toEqual([]);
    const json = JSON.stringify(card);
    expect(json).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF＊＿［］＜＞]/);
    // Typed text shaped like a date function is split between runs, so it stays text.
    const runTexts = ofType(card, 'TextRun').map((r) => String(r.text));
    expect(runTexts.some((t) => t.includes('{{DATE'))).toBe(false);
    // Each typed line is its own block: Teams joins the lines of one.
    expect(ofType(card, 'RichTextBlock').some((b) => JSON.stringify(b).includes('\\n'))).toBe(false);
  });

  it('writes times with the card’s date functions, so each reader sees their own time zone', () => {
    expect(cardTime({ time: DUE, fallback: 'x' })).toBe(
      '{{DATE(2024-05-02T03:04:05Z,SHORT)}} {{TIME(2024-05-02T03:04:05Z)}}',
    );
    expect(cardTime({ time: 'not a time', fallback: 'May 2, 2024 03:04 UTC' })).toBe('May 2, 2024 03:04 UTC');
    const card = ticketCard(ticketCardView(content, ticket(), { nameOf })).attachment.content;
    expect(textOf(card)).toContain('{{DATE(2024-05-02T03:04:05Z,SHORT)}}');
  });

  it('gives an open ticket a coloured status label, the facts a desk needs, Claim, and the rest behind Change status', () => {
    const card = ticketCard(ticketCardView(content, ticket(), { nameOf })).attachment.content;
    const label = ofType(card, 'Container').find((c) => c.style === 'warning');
    expect(richTexts(label)).toEqual(['Open']);
    for (const fact of ['From', 'Company', 'Contact', 'Desk', 'Received', 'Due'])
      expect(textOf(card)).toContain(fact);
    expect(textOf(card)).not.toMatch(/handoff\.jbic|0\.92/);
    const top = card.actions as Array<Record<string, unknown>>;
    expect(top.map((a) => a.title)).toEqual(['Claim', 'Change status']);
    const show = top[1] as { type: string; card: unknown };
    expect(show.type).toBe('Action.ShowCard');
    const choice = ofType(show.card, 'Input.ChoiceSet')[0] as {
      id: string;
      choices: Array<{ value: string }>;
    };
    expect(choice.id).toBe('desk');
    expect(choice.choices.map((c) => c.value)).not.toContain('jbic');
    expect(ofType(show.card, 'Input.Text')[0]?.id).toBe('note');
    expect(actionsOf(show.card).map((a) => [a.title, (a.data as { madoguchi: unknown }).madoguchi])).toEqual([
      ['Reassign', { k: 'act', a: 'reassign', ticket: 'MDG-000042' }],
      ['Resolve', { k: 'act', a: 'resolve', ticket: 'MDG-000042' }],
    ]);
    // Nothing of the reassign menu or the note box is on the card itself.
    expect(ofType(card.body, 'Input.ChoiceSet')).toEqual([]);
  });

  it('shows who holds a claimed ticket by name, and who resolved one, when and with what note, offering Reopen', () => {
    const claimed = ticketCard(
      ticketCardView(
        content,
        ticket({ status: 'claimed', assignee: 'teams:STAFF-AAD' }, [{ type: 'claimed' }]),
        { nameOf },
      ),
    ).attachment.content;
    expect(richTexts(ofType(claimed, 'Container').find((c) => c.style === 'accent'))).toEqual([
      'Claimed by Aiko Sato',
    ]);
    expect(buttonTitles(claimed)).not.toContain('Claim');
    const resolved = ticketCard(
      ticketCardView(
        content,
        ticket({ status: 'resolved' }, [
          { type: 'claimed' },
          { type: 'resolved', at: '2024-05-01T09:00:00.000Z', note: 'Call us at 03-1234 **today**' },
        ]),
        { nameOf },
      ),
    ).attachment.content;
    const label = ofType(resolved, 'Container').find((c) => c.style === 'good');
    expect(richTexts(label)).toEqual(['Resolved by Aiko Sato']);
    expect(textOf(label)).toContain('{{DATE(2024-05-01T09:00:00Z,SHORT)}}');
    expect(richTexts(resolved)).toContain('Call us at 03-1234 **today**');
    expect((resolved.actions as Array<{ title: string }>).map((a) => a.title)).toEqual(['Reopen']);
  });

  it('turns the card a desk had before a reassignment into a pointer to the new desk, with nothing to click', () => {
    const moved = ticket({ desk: 'sbic' }, [{ type: 'reassigned', desk: 'sbic' }]);
    const card = ticketCard(ticketCardView(content, moved, { forDesk: 'jbic', nameOf })).attachment.content;
    expect(richTexts(card).join('\n')).toMatch(/^Moved to .+ by Aiko Sato\. Work on it there\.$/m);
    expect(actionsOf(card)).toEqual([]);
  });

  it('lists follow-ups one per row, keeps at most three buttons in a row, and splits lines into blocks', () => {
    const view: ReplyView = {
      kind: 'reply',
      action: 'fallback',
      lang: 'en',
      text: "I couldn't find that:\n• JBIC MOU (October 26, 2015)\n• SBIC fund\n\nTry asking in other words.",
      summary: "I couldn't find that",
      sourceLabel: 'Source',
      sources: [
        {
          title: 'A [b] c',
          publisher: 'JBIC',
          date: 'October 26, 2015',
          url: 'https://jbic.example/a (1).html',
        },
      ],
      choices: ['What is the JBIC MOU with Aguascalientes about?', 'What does the SBIC fund invest in?'].map(
        (q) => ({
          label: q,
          payload: { k: 'ask' as const, q },
        }),
      ),
      feedback: [],
    };
    const card = replyCard(view).attachment.content;
    const lines = ofType(card, 'TextBlock').map((b) => String(b.text));
    expect(lines.slice(0, 4)).toEqual([
      "I couldn't find that:",
      '• JBIC MOU (October 26, 2015)',
      '• SBIC fund',
      'Try asking in other words.',
    ]);
    expect(lines).toContain(
      'Source: [A b c](https://jbic.example/a%20%281%29.html) — JBIC, October 26, 2015',
    );
    const rows = ofType(card, 'Container').filter((c) => c.selectAction);
    expect(rows.map((r) => textOf(r))).toEqual(view.choices.map((c) => c.label));
    for (const set of ofType(card, 'ActionSet'))
      expect((set.actions as unknown[]).length).toBeLessThanOrEqual(3);
  });

  it('sends the card alone, with a one-line summary for the notification', () => {
    const view = updateView(content, ticket(), {
      seq: 2,
      type: 'resolved',
      at: AT,
      actor: 'teams:STAFF-AAD',
      note: 'Line one\nline two',
    });
    if (!view) throw new Error('no update view');
    const activity = cardActivity(updateCard(view));
    expect(activity).not.toHaveProperty('text');
    expect(activity.summary).toBe(view.text);
    expect(richTexts(activity.attachments[0]?.content)).toEqual(['Line one', 'line two']);
  });

  it('builds the handoff form from the view, its submit carrying the form’s key', () => {
    const desk = content.desks.desks.find((d) => d.id === 'jbic');
    if (!desk) throw new Error('no jbic');
    const view = handoffFormView(content, desk, 'ja', { question: 'Financing?', key: 'form-abc' });
    const card = formCard(view).attachment.content;
    const inputs = ofType(card, 'Input.Text');
    expect(inputs.map((i) => [i.id, i.isRequired ?? false])).toEqual([
      ['company', true],
      ['contact', true],
      ['need', false],
    ]);
    expect(inputs[0]?.errorMessage).toBe(view.fields.company.error);
    expect(inputs[2]?.value).toBe('Financing?');
    expect(actionsOf(card)[0]?.data).toEqual({ madoguchi: view.submit.payload });
    expect(view.submit.payload.key).toBe('form-abc');
  });

  it('keeps a card for a 100 KB request under Teams’ message limit', () => {
    const big = ticket({ packet: { ...ticket().packet, text: 'What is SBIC?\n'.repeat(7_500) } });
    const size = JSON.stringify(cardActivity(ticketCard(ticketCardView(content, big, { nameOf })))).length;
    expect(size).toBeLessThan(28_000);
  });

  it('renders every kind of view as a card Microsoft’s parser accepts without complaint', () => {
    const desk = content.desks.desks.find((d) => d.id === 'jbic');
    if (!desk) throw new Error('no jbic');
    const t = ticket({ status: 'resolved' }, [{ type: 'resolved', note: 'Done' }]);
    const update = updateView(content, t, t.events[1] as TicketEvent);
    const views: View[] = [
      handoffFormView(content, desk, 'en', { question: 'x', key: 'form-1' }),
      ticketCardView(content, ticket(), { nameOf }),
      ticketCardView(content, t, { nameOf }),
      ticketCardView(content, ticket({ desk: 'sbic' }, [{ type: 'reassigned' }]), { forDesk: 'jbic' }),
      ...(update ? [update] : []),
      {
        ...noticeView(content, 'en', 'reloadRejected', { version: 'v1' }),
        lines: ['knowledge/x.yml:3: bad'],
      },
      {
        kind: 'status',
        lang: 'en',
        title: 'Status',
        facts: [{ label: 'Content', value: 'v1' }],
        problems: ['Not ready: x'],
      },
      ticketListView(content, 'en', [ticket(), t]),
      ticketListView(content, 'ja', []),
    ];
    for (const view of views) {
      const { attachment, summary } = cardFor(view);
      expect(summary.length).toBeGreaterThan(0);
      expect(parseProblems(attachment.content), view.kind).toEqual([]);
      expect(nodes(attachment.content).every((n) => typeof n.type === 'string' || !('text' in n))).toBe(true);
    }
  });
});
