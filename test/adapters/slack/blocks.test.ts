import { describe, expect, it } from 'vitest';
import { ticketMessage } from '../../../src/adapters/slack/blocks.js';
import { fromSlack } from '../../../src/adapters/slack/escape.js';
import { ticketCardView } from '../../../src/present/views.js';
import type { Ticket } from '../../../src/tickets/types.js';
import { realContent } from '../../helpers.js';

const content = await realContent();

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: 'MDG-000042',
    key: 'teams:form-1',
    desk: 'jbic',
    status: 'claimed',
    assignee: 'teams:29:staff',
    requester: { platform: 'teams', userId: 'teams:29:abc', displayName: '*Boss* <!channel> \u202Eevil' },
    origin: { platform: 'teams', conversation: 'a:1' },
    packet: {
      text: 'We need financing.',
      lang: 'en',
      details: { company: 'Acme', contact: 'a@example.com' },
    },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    responseTargetHours: 24,
    dueAt: '2025-01-02T00:00:00.000Z',
    events: [
      { seq: 1, type: 'created', at: '2025-01-01T00:00:00.000Z', actor: 'teams:29:abc' },
      { seq: 2, type: 'claimed', at: '2025-01-01T01:00:00.000Z', actor: 'teams:29:staff' },
    ],
    outbox: [],
    refs: {},
    ...over,
  } as Ticket;
}

const mrkdwnOf = (m: { text: string; blocks: unknown[] }) => {
  const out = [m.text];
  JSON.stringify(m.blocks, (_k, v) => {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'mrkdwn')
      out.push((v as { text: string }).text);
    return v;
  });
  return out;
};

describe('the Slack ticket card', () => {
  it('shows a display name as text: it cannot style, mention or reorder the card', () => {
    const names = new Map([['teams:29:staff', '_Sato_ <@U999> ~x~']]);
    const card = ticketMessage(ticketCardView(content, ticket(), { nameOf: (u) => names.get(u) }), '2.0');
    for (const text of mrkdwnOf(card)) {
      expect(text).not.toMatch(/\*Boss\*|<!channel>|<@U999>|_Sato_|~x~|\u202E/);
    }
    expect(mrkdwnOf(card).join('\n')).toContain('∗Boss∗ &lt;!channel&gt; evil');
  });

  it('gives every block an id carrying the version, so no two versions share one', () => {
    const t = ticket({ packet: { ...ticket().packet, text: 'x'.repeat(5_000) } });
    const a = ticketMessage(ticketCardView(content, t), '2.0');
    const b = ticketMessage(ticketCardView(content, t), '2.1');
    const ids = (m: typeof a) => m.blocks.map((x) => (x as { block_id?: string }).block_id);
    expect(ids(a).every((id) => typeof id === 'string' && id.endsWith(':MDG-000042:2.0'))).toBe(true);
    expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
  });
});

describe('fromSlack', () => {
  it.each([
    ['<@UBOT> What is SBIC?', 'What is SBIC?'],
    ['Ask <@U123> or <@U456|sato>', 'Ask @U123 or @sato'],
    [
      '<!here> and <!channel> and <!subteam^S1|@desk> and <!subteam^S2>',
      '@here and @channel and @desk and @S2',
    ],
    ['in <#C123|general> and <#C456>', 'in #general and #C456'],
    [
      'see <https://example.com/a?b=1&amp;c=2|the page> or <https://x.example>',
      'see the page (https://example.com/a?b=1&c=2) or https://x.example',
    ],
    ['mail <mailto:a@example.com|a@example.com>', 'mail a@example.com'],
    ['1 &lt; 2 &amp;&amp; 3 &gt; 2, literally &amp;lt;', '1 < 2 && 3 > 2, literally &lt;'],
    ['typed &lt;!channel&gt;', 'typed <!channel>'],
    ['<!date^1392734382^{date_short}|Feb 18, 2014>', 'Feb 18, 2014'],
  ])('%s', (input, seen) => {
    expect(fromSlack(input, 'UBOT')).toBe(seen);
  });
});
