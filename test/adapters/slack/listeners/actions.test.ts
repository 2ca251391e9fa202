import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  onAction,
  type SlackAction,
  type SlackActionBody,
} from '../../../../src/adapters/slack/listeners/actions.js';
import type { DeskRequest } from '../../../../src/desk/types.js';
import {
  encodePayload,
  HandoffModalMeta,
  type Payload,
  parsePayload,
  ResolveModalMeta,
} from '../../../../src/present/payloads.js';
import type { ReplyView } from '../../../../src/present/views.js';
import { fakeAck, fakeClient, listenerFixture } from './fixture.js';

const f = await listenerFixture();
const deskName = (id: string, lang: 'en' | 'ja' = 'en') =>
  f.content.desks.desks.find((d) => d.id === id)?.name[lang] ?? id;

let n = 0;
const ts = () => `1760000${String(++n).padStart(3, '0')}.000100`;

/** A question asked in a thread of C0SHARED, and the reply's view (its buttons' payloads). */
async function asked(text: string): Promise<{ thread: string; view: ReplyView }> {
  const thread = ts();
  const req: DeskRequest = {
    platform: 'slack',
    user: 'slack:UREQ',
    where: { conversation: 'C0SHARED', thread },
  };
  const result = await f.desk.ask(req, text);
  if (result.kind !== 'reply') throw new Error('expected a reply');
  return { thread, view: result.view };
}

/** Clicks a button: returns the fake client's calls and the acks. */
async function click(
  p: {
    user?: string;
    channel?: string;
    thread?: string;
    message?: string;
    trigger?: string | null;
    ephemeral?: boolean;
  },
  action: SlackAction,
) {
  const slack = fakeClient();
  const { ack, acks } = fakeAck();
  const channel = p.channel ?? 'C0SHARED';
  const body: SlackActionBody = {
    ...(p.trigger === null ? {} : { trigger_id: p.trigger ?? `trig-${++n}` }),
    user: { id: p.user ?? 'UREQ', name: 'tanaka' },
    channel: { id: channel },
    ...(p.ephemeral
      ? { container: { channel_id: channel, message_ts: ts(), is_ephemeral: true } }
      : { message: { ts: p.message ?? ts(), ...(p.thread ? { thread_ts: p.thread } : {}) } }),
  };
  await onAction(f.deps)({ ack, action, body, client: slack.client });
  return { slack, acks, body };
}
const press = (id: string, payload: Payload | string): SlackAction => ({
  action_id: id,
  value: typeof payload === 'string' ? payload : encodePayload(payload),
  action_ts: String(++n),
});

describe('onAction: buttons under an answer', () => {
  it('opens the handoff modal from “Talk to”, pre-filled, in the answer’s language, with metadata that parses', async () => {
    const { thread, view } = await asked('JBICとアグアスカリエンテス州の覚書はいつ締結されましたか');
    if (!view.talk) throw new Error('expected a Talk button');
    const { slack, acks, body } = await click({ thread }, press('madoguchi_press_talk', view.talk.payload));
    expect(acks).toEqual([undefined]);
    const [open] = slack.of('views.open');
    expect(open?.args.trigger_id).toBe(body.trigger_id);
    const modal = open?.args.view as {
      callback_id: string;
      private_metadata: string;
      title: { text: string };
      blocks: Array<{ block_id?: string; element?: { initial_value?: string } }>;
    };
    expect(modal.callback_id).toBe('madoguchi_handoff');
    expect(modal.blocks.find((b) => b.block_id === 'need')?.element?.initial_value).toBe(
      'JBICとアグアスカリエンテス州の覚書はいつ締結されましたか',
    );
    const meta = parsePayload(HandoffModalMeta, modal.private_metadata);
    expect(meta).toMatchObject({ k: 'handoff', lang: 'ja', channel: 'C0SHARED', thread });
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
  });

  it('answers a choice in the thread, once however often the same click arrives', async () => {
    const { thread } = await asked('What is SBIC?');
    const action = press('madoguchi_press_choice_0', {
      k: 'ask',
      q: 'When did JBIC sign the MOU with Aguascalientes?',
    });
    const first = await click({ thread, trigger: 'trig-choice' }, action);
    const again = await click({ thread, trigger: 'trig-choice' }, action);
    expect([...first.acks, ...again.acks]).toEqual([undefined, undefined]);
    const posts = [...first.slack.of('chat.postMessage'), ...again.slack.of('chat.postMessage')];
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args).toMatchObject({ channel: 'C0SHARED', thread_ts: thread });
    expect(JSON.stringify(posts[0]?.args.blocks)).toContain('October 26, 2015');
  });

  it('answers a choice on a private answer (`/madoguchi ask`) privately', async () => {
    const { slack } = await click(
      { ephemeral: true },
      press('madoguchi_press_choice_0', { k: 'ask', q: 'When did JBIC sign the MOU with Aguascalientes?' }),
    );
    expect(slack.of('chat.postMessage')).toEqual([]);
    const [answer] = slack.of('chat.postEphemeral');
    expect(answer?.args).toMatchObject({ channel: 'C0SHARED', user: 'UREQ' });
    expect(JSON.stringify(answer?.args.blocks)).toContain('October 26, 2015');
  });

  it('records a rating and thanks the person privately, in the answer’s language', async () => {
    const { thread, view } = await asked('JBICとアグアスカリエンテス州の覚書はいつ締結されましたか');
    const helpful = view.feedback[0];
    if (!helpful) throw new Error('expected feedback buttons');
    const { slack } = await click({ thread }, press('madoguchi_press_rate_0', helpful.payload));
    expect(slack.of('chat.postEphemeral').map((c) => [c.args.user, c.args.text])).toEqual([
      ['UREQ', f.ja.t('feedbackThanks')],
    ]);
    const lines = (await readFile(join(f.dir, 'feedback.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({
      platform: 'slack',
      user: 'slack:UREQ',
      rating: 'helpful',
    });
  });
});

describe('onAction: ticket card buttons', () => {
  it('lets staff claim: the ticket records the click, and the listener posts nothing (the outbox does)', async () => {
    const ticket = await f.openTicket();
    const { slack, acks } = await click(
      { user: 'USTAFF', channel: 'C0FUND', trigger: 'trig-claim-1' },
      press('madoguchi_press_claim', { k: 'act', a: 'claim', ticket: ticket.id }),
    );
    expect(acks).toEqual([undefined]);
    const after = await f.ticket(ticket.id);
    expect(after.status).toBe('claimed');
    expect(after.assignee).toBe('slack:USTAFF');
    expect(after.events.at(-1)).toMatchObject({ type: 'claimed', sourceEventId: 'slack:trig-claim-1' });
    expect(slack.calls).toEqual([]);
  });

  it('refuses a stranger privately, in the language of the desk’s card', async () => {
    const ticket = await f.openTicket({ desk: 'jbic' });
    const { slack } = await click(
      { user: 'USTRANGER', channel: 'C0JBIC' },
      press('madoguchi_press_claim', { k: 'act', a: 'claim', ticket: ticket.id }),
    );
    expect(slack.of('chat.postEphemeral').map((c) => [c.args.channel, c.args.user, c.args.text])).toEqual([
      ['C0JBIC', 'USTRANGER', f.ja.t('errForbidden', { desk: deskName('jbic', 'ja') })],
    ]);
    expect((await f.ticket(ticket.id)).status).toBe('open');
  });

  it('refuses a damaged or forged value privately and changes nothing', async () => {
    const ticket = await f.openTicket();
    const before = await f.ticket(ticket.id);
    const values = [
      '{not json',
      '',
      encodePayload({ k: 'act', a: 'claim', ticket: ticket.id }).replace('"claim"', '"delete"'),
      JSON.stringify({ k: 'act', a: 'claim', ticket: '../../etc/passwd' }),
      JSON.stringify({ k: 'act', a: 'claim', ticket: ticket.id, user: 'slack:UADMIN' }),
      JSON.stringify({ k: 'talk', desk: 'no-such-desk' }),
    ];
    for (const value of values) {
      const { slack, acks } = await click(
        { user: 'USTAFF', channel: 'C0FUND' },
        press('madoguchi_press_claim', value),
      );
      expect(acks).toEqual([undefined]);
      const expected = value.includes('no-such-desk') ? f.en.t('errUnknownDesk') : f.en.t('errBadPayload');
      expect(slack.of('chat.postEphemeral').map((c) => [c.args.user, c.args.text])).toEqual([
        ['USTAFF', expected],
      ]);
      expect(slack.calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    }
    expect(await f.ticket(ticket.id)).toEqual(before);
  });

  it('opens the resolution note modal for staff, and refuses a stranger before any modal', async () => {
    const ticket = await f.openTicket();
    const action = press('madoguchi_resolve', { k: 'act', a: 'resolve', ticket: ticket.id });
    const staff = await click({ user: 'USTAFF', channel: 'C0FUND' }, action);
    const modal = staff.slack.of('views.open')[0]?.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(modal.callback_id).toBe('madoguchi_resolve_note');
    expect(parsePayload(ResolveModalMeta, modal.private_metadata)).toEqual({
      ticket: ticket.id,
      channel: 'C0FUND',
    });
    expect((await f.ticket(ticket.id)).status).toBe('open'); // Cancel on the modal must resolve nothing
    const stranger = await click({ user: 'USTRANGER', channel: 'C0FUND' }, action);
    expect(stranger.slack.of('views.open')).toEqual([]);
    expect(stranger.slack.of('chat.postEphemeral')[0]?.args.text).toBe(
      f.en.t('errForbidden', { desk: deskName('sme-support-japan') }),
    );
  });

  it('reassigns from the menu to the chosen desk', async () => {
    const ticket = await f.openTicket();
    const value = encodePayload({ k: 'act', a: 'reassign', ticket: ticket.id, desk: 'jbic' });
    const { slack } = await click(
      { user: 'USTAFF', channel: 'C0FUND' },
      { action_id: 'madoguchi_reassign', selected_option: { value }, action_ts: '1' },
    );
    expect(slack.calls).toEqual([]);
    expect((await f.ticket(ticket.id)).desk).toBe('jbic');
  });

  it('lets the requester close their own ticket from its update', async () => {
    const ticket = await f.openTicket({ user: 'UREQ9' });
    await click(
      { user: 'UREQ9' },
      press('madoguchi_press_close', { k: 'act', a: 'close', ticket: ticket.id }),
    );
    expect((await f.ticket(ticket.id)).status).toBe('closed');
  });
});

describe('onAction: what it has no listener for', () => {
  it('acknowledges another app’s action and does nothing', async () => {
    const { slack, acks } = await click({}, { action_id: 'another_apps_button', value: 'x' });
    expect(acks).toEqual([undefined]);
    expect(slack.calls).toEqual([]);
  });
});
