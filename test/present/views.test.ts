import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/engine.js';
import { neutralise } from '../../src/present/text.js';
import { CARD_REQUEST_CHARS, replyView, ticketCardView, updateView } from '../../src/present/views.js';
import type { Ticket } from '../../src/tickets/types.js';
import { realContent } from '../helpers.js';

const content = await realContent();
const engine = createEngine({ content });

function ticket(overrides: Partial<Ticket> = {}, text = 'We need advice on financing a plant.'): Ticket {
  const at = '2026-12-01T09:30:00.000Z';
  return {
    id: 'MDG-000042',
    key: 'k',
    desk: 'jbic',
    status: 'open',
    assignee: null,
    requester: { platform: 'slack', userId: 'slack:UREQ', displayName: 'Tanaka' },
    origin: { platform: 'slack', conversation: 'C0SHARED', thread: '1.2' },
    packet: {
      text,
      lang: 'en',
      intent: 'handoff.jbic',
      confidence: 0.9,
      scheme: 'jbic-aguascalientes',
      transcript: [],
      details: { company: 'Acme Parts', contact: 'acme_sales@example.com' },
    },
    createdAt: at,
    updatedAt: at,
    responseTargetHours: 24,
    dueAt: '2026-12-02T09:30:00.000Z',
    events: [{ seq: 1, type: 'created', at, actor: 'slack:UREQ', to: 'open' }],
    outbox: [],
    refs: {},
    ...overrides,
  };
}

describe('views', () => {
  it('write a ticket card in the language of the desk that reads it, naming the programme, not its id', () => {
    const view = ticketCardView(content, ticket());
    expect(content.desks.desks.find((d) => d.id === 'jbic')?.lang).toBe('ja');
    expect(view.lang).toBe('ja');
    expect(view.statusLine).toEqual(['未対応']);
    expect(view.facts.map((f) => f.label)).toContain('対応期限');
    const programme = view.facts.find((f) => f.label === 'プログラム')?.value;
    expect(programme).not.toBe('jbic-aguascalientes');
    expect(JSON.stringify(view)).not.toMatch(/handoff\.jbic|0\.9\b/);
    expect(view.facts.find((f) => f.label === '連絡先')?.value).toEqual({ user: 'acme_sales@example.com' });
  });

  it('show who holds a ticket, and on a resolved one who resolved it, the note and Reopen', () => {
    const claimed = ticketCardView(content, ticket({ status: 'claimed', assignee: 'slack:USTAFF' }), {
      nameOf: (u) => (u === 'slack:USTAFF' ? 'Aiko Sato' : undefined),
    });
    expect(claimed.statusLine).toEqual(['対応中（', { person: 'slack:USTAFF', name: 'Aiko Sato' }, '）']);
    expect(claimed.actions.claim).toBeUndefined();
    const at = '2026-12-01T10:00:00.000Z';
    const resolved = ticketCardView(
      content,
      ticket({
        status: 'resolved',
        events: [
          { seq: 1, type: 'created', at, actor: 'slack:UREQ' },
          { seq: 2, type: 'resolved', at, actor: 'slack:USTAFF', note: 'We call you Monday' },
        ],
      }),
    );
    expect(resolved.statusLine[1]).toMatchObject({ person: 'slack:USTAFF' });
    expect(resolved.note?.text.user).toBe('We call you Monday');
    expect(resolved.actions.reopen?.payload).toEqual({ k: 'act', a: 'reopen', ticket: 'MDG-000042' });
    expect(resolved.actions.resolve).toBeUndefined();
  });

  it('cut a long request on the card and say so, and neutralise invisible characters in user text', () => {
    const long = `\u202Eevil\u200B\uFEFF ${'x '.repeat(5_000)}`;
    const view = ticketCardView(content, ticket({}, long));
    expect(view.request.user.length).toBeLessThanOrEqual(CARD_REQUEST_CHARS);
    expect(view.request.user).not.toMatch(/[\u202E\u200B\uFEFF]/);
    expect(view.cutNote).toContain(String(long.length));
    expect(neutralise('a\u2066b\u2069c\u200Fd')).toBe('abcd');
  });

  it('turn the card of the desk a ticket left into a pointer to where it went, with nothing to click', () => {
    const view = ticketCardView(content, ticket({ desk: 'sbic' }), { forDesk: 'jbic' });
    expect(view.moved?.join('')).toMatch(/SBIC|中小企業投資育成/);
    expect(view.actions.claim ?? view.actions.resolve ?? view.actions.reassign).toBeUndefined();
  });

  it('tell the company in its language, offering to close, without private details', () => {
    const t = ticket({ packet: { ...ticket().packet, lang: 'es' } });
    const view = updateView(content, t, t.events[0] as Ticket['events'][number]);
    expect(view?.text).toMatch(/^JBIC .* recibió su solicitud MDG-000042/);
    expect(view?.close?.label).toBe('Cerrar esta solicitud');
    expect(JSON.stringify(view)).not.toContain('acme_sales@example.com');
  });

  it('do not repeat the programme list of a fallback as text when it is offered as choices', () => {
    const reply = engine.respond({
      text: 'What is the weather like in Osaka tomorrow?',
      platform: 'web',
      user: { id: 'web:t' },
      conversation: 'web:views-test',
    });
    const view = replyView(content, reply, 't1');
    expect(view.choices.length).toBeGreaterThan(0);
    for (const c of view.choices) expect(view.text).not.toContain(c.label);
  });
});
