import { WebAPIRateLimitedError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import {
  handleUserMessage,
  onAppMention,
  onMessage,
  type SlackUserMessage,
} from '../../../../src/adapters/slack/listeners/messages.js';
import { fakeClient, http500, listenerFixture } from './fixture.js';

const f = await listenerFixture();
const deskName = (id: string) => f.content.desks.desks.find((d) => d.id === id)?.name.en ?? id;
const all = await listenerFixture({ listen: 'all' });

let n = 0;
const ts = () => `1750000${String(++n).padStart(3, '0')}.000100`;
const context = { botUserId: 'UBOT' };
const replyKeyOf = (m: { metadata?: unknown }) =>
  (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;

const mentionEvent = (text: string, extra: Partial<SlackUserMessage> = {}): SlackUserMessage => {
  const at = extra.ts ?? ts();
  return { user: 'UREQ', text: `<@UBOT> ${text}`, ts: at, channel: 'C0SHARED', ...extra };
};
const dm = (text: string, extra: Partial<SlackUserMessage> = {}): SlackUserMessage => ({
  user: 'UREQ',
  text,
  ts: ts(),
  channel: 'D0DM',
  channel_type: 'im',
  ...extra,
});

describe('onAppMention', () => {
  it('answers in the message’s thread, without the bot’s mention in the question', async () => {
    const slack = fakeClient();
    const event = mentionEvent('When did JBIC sign the MOU with Aguascalientes?');
    const outcome = await onAppMention(f.deps)({
      event,
      body: { event_id: 'EvM1' },
      client: slack.client,
      context,
    });
    expect(outcome).toBe('answered');
    const [post] = slack.of('chat.postMessage');
    expect(post?.args).toMatchObject({ channel: 'C0SHARED', thread_ts: event.ts, unfurl_links: false });
    expect(JSON.stringify(post?.args.blocks)).toContain('October 26, 2015');
    expect(replyKeyOf(post?.args ?? {})).toBe(`reply:C0SHARED:${event.ts}`);
    const form = f.desk.offerHandoff(
      { platform: 'slack', user: 'slack:UREQ', where: { conversation: 'C0SHARED', thread: event.ts } },
      'jbic',
    );
    expect(form.kind === 'form' && form.view.fields.need.initial).toBe(
      'When did JBIC sign the MOU with Aguascalientes?',
    );
  });

  it('gives the desk the text the person sees: Slack’s entities and links decoded', async () => {
    const slack = fakeClient();
    const event = mentionEvent(
      'Is the fund &lt;10M JPY&gt; &amp; open? see <https://example.com/a|the page>',
    );
    await onAppMention(f.deps)({ event, body: { event_id: 'EvM2' }, client: slack.client, context });
    const blocks = (slack.of('chat.postMessage')[0]?.args.blocks ?? []) as Array<{
      elements?: Array<{ action_id?: string }>;
    }>;
    const talk = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'madoguchi_press_talk');
    expect(talk).toBeDefined();
    const form = f.desk.offerHandoff(
      { platform: 'slack', user: 'slack:UREQ', where: { conversation: 'C0SHARED', thread: event.ts } },
      'sme-support-japan',
    );
    if (form.kind !== 'form') throw new Error('expected a form');
    expect(form.view.fields.need.initial).toBe(
      'Is the fund <10M JPY> & open? see the page (https://example.com/a)',
    );
  });
});

describe('onMessage', () => {
  it('answers a direct message, and a question sent with a file', async () => {
    const slack = fakeClient();
    const plain = dm('What is SBIC?');
    const withFile = dm('What is SBIC?', { subtype: 'file_share' });
    const handler = onMessage(f.deps);
    expect(await handler({ message: plain, body: { event_id: 'EvD1' }, client: slack.client, context })).toBe(
      'answered',
    );
    expect(
      await handler({ message: withFile, body: { event_id: 'EvD2' }, client: slack.client, context }),
    ).toBe('answered');
    expect(slack.of('chat.postMessage').map((c) => c.args.thread_ts)).toEqual([plain.ts, withFile.ts]);
  });

  it('ignores bots, Slackbot, edits and other subtypes, and channel chatter that does not address it', async () => {
    const slack = fakeClient();
    const handler = onMessage(f.deps);
    const run = (message: SlackUserMessage) => handler({ message, body: {}, client: slack.client, context });
    expect(await run(dm('What is SBIC?', { bot_id: 'BOTHER' }))).toBe('ignored:bot');
    expect(await run(dm('What is SBIC?', { user: 'USLACKBOT' }))).toBe('ignored:bot');
    expect(await run(dm('What is SBIC?', { user: 'UBOT' }))).toBe('ignored:bot');
    expect(await run(dm('What is SBIC?', { subtype: 'message_changed' }))).toBe('ignored:subtype');
    expect(await run(dm('What is SBIC?', { subtype: 'channel_join' }))).toBe('ignored:subtype');
    expect(
      await run({
        user: 'UREQ',
        text: 'What is SBIC?',
        ts: ts(),
        channel: 'C0SHARED',
        channel_type: 'channel',
      }),
    ).toBe('ignored:not-addressed');
    expect(await run(dm(''))).toBe('ignored:empty');
    expect(slack.calls).toEqual([]);
  });

  it('with SLACK_LISTEN=all answers a channel, but not staff in their desk channel nor a forwarded message', async () => {
    const slack = fakeClient();
    const handler = onMessage(all.deps);
    const run = (message: SlackUserMessage) => handler({ message, body: {}, client: slack.client, context });
    const open = {
      user: 'UREQ',
      text: 'What is SBIC?',
      ts: ts(),
      channel: 'C0OPEN',
      channel_type: 'channel',
    };
    expect(await run(open)).toBe('answered');
    expect(await run({ ...open, ts: ts(), user: 'USTAFF', channel: 'C0FUND', channel_type: 'group' })).toBe(
      'ignored:not-addressed',
    );
    expect(await run({ ...open, ts: ts(), text: '' })).toBe('ignored:empty');
    expect(slack.of('chat.postMessage').map((c) => c.args.thread_ts)).toEqual([open.ts]);
  });
});

describe('handleUserMessage', () => {
  it('answers a mention once, whichever of Slack’s two copies comes first', async () => {
    for (const order of [
      ['app_mention', 'message'],
      ['message', 'app_mention'],
    ] as const) {
      const slack = fakeClient();
      const at = ts();
      const copy = { user: 'UREQ', text: '<@UBOT> What is SBIC?', ts: at, channel: 'C0SHARED' };
      const outcomes = [];
      for (const [i, kind] of order.entries())
        outcomes.push(
          await handleUserMessage(
            f.deps,
            slack.client,
            kind === 'message' ? { ...copy, channel_type: 'channel' } : copy,
            {
              eventId: `EvA${at}-${i}`,
              retryNum: undefined,
              mentioned: kind === 'app_mention',
              botUserId: 'UBOT',
            },
          ),
        );
      expect(outcomes).toEqual(['answered', 'duplicate']);
      expect(slack.of('chat.postMessage')).toHaveLength(1);
    }
  });

  it('relays a staff reply in a ticket card’s thread to the company, also when it @mentions the bot and that copy comes first', async () => {
    const slack = fakeClient();
    const cardTs = ts();
    const ticket = await f.openTicket({ cardTs });
    const reply = {
      user: 'USTAFF',
      text: '<@UBOT> Could you send your plan? Q&amp;A &lt;soon&gt;',
      ts: ts(),
      thread_ts: cardTs,
      channel: 'C0FUND',
    };
    const first = await onAppMention(f.deps)({
      event: reply,
      body: { event_id: 'EvR1' },
      client: slack.client,
      context,
    });
    const second = await onMessage(f.deps)({
      message: { ...reply, channel_type: 'group' },
      body: { event_id: 'EvR2' },
      client: slack.client,
      context,
    });
    expect([first, second]).toEqual(['relayed', 'duplicate']);
    const comments = (await f.ticket(ticket.id)).events.filter((e) => e.type === 'commented');
    expect(comments.map((e) => [e.actor, e.note, e.sourceEventId])).toEqual([
      ['slack:USTAFF', 'Could you send your plan? Q&A <soon>', `slack:C0FUND:${reply.ts}`],
    ]);
    // No answer of the bot's own: the outbox tells the company.
    expect(slack.calls).toEqual([]);
  });

  it('tells someone who is not the desk’s staff privately that they cannot reply on a ticket, and relays nothing', async () => {
    const slack = fakeClient();
    const cardTs = ts();
    const ticket = await f.openTicket({ cardTs });
    const outcome = await handleUserMessage(
      f.deps,
      slack.client,
      {
        user: 'USTRANGER',
        text: 'hello',
        ts: ts(),
        thread_ts: cardTs,
        channel: 'C0FUND',
        channel_type: 'group',
      },
      { eventId: 'EvR3', retryNum: undefined, mentioned: false, botUserId: 'UBOT' },
    );
    expect(outcome).toBe('refused');
    expect(slack.of('chat.postEphemeral').map((c) => [c.args.user, c.args.text])).toEqual([
      ['USTRANGER', f.en.t('errForbidden', { desk: deskName('sme-support-japan') })],
    ]);
    expect((await f.ticket(ticket.id)).events.some((e) => e.type === 'commented')).toBe(false);
  });

  it('carries out Slack’s retry of a turn whose process died before the reply, and not a finished one', async () => {
    const slack = fakeClient();
    const event = mentionEvent('What is SBIC?');
    const keys = [`msg:${event.channel}:${event.ts}`, 'ev:EvCrash'];
    expect(await f.deps.seen.begin(...keys)).toBe(true); // the turn began; the process died before `done`
    const restarted = { ...f.deps, seen: await f.reopenSeen() };
    const retry = {
      event,
      body: { event_id: 'EvCrash' },
      client: slack.client,
      context: { ...context, retryNum: 1 },
    };
    expect(await onAppMention(restarted)(retry)).toBe('answered');
    expect(slack.of('chat.postMessage')).toHaveLength(1);
    // Finished now, on disk: a later retry, even after another restart, is a duplicate.
    const again = { ...f.deps, seen: await f.reopenSeen() };
    expect(await onAppMention(again)({ ...retry, context: { ...context, retryNum: 2 } })).toBe('duplicate');
    expect(slack.of('chat.postMessage')).toHaveLength(1);
  });

  it('does not post again on a retry when the earlier attempt’s reply is in the thread', async () => {
    const slack = fakeClient();
    const event = mentionEvent('What is SBIC?');
    const restarted = { ...f.deps, seen: await f.reopenSeen() };
    // The reply landed, then the process died before recording the turn.
    slack.messages.push({
      channel: event.channel,
      ts: ts(),
      thread_ts: event.ts,
      metadata: {
        event_type: 'madoguchi_reply',
        event_payload: { key: `reply:${event.channel}:${event.ts}` },
      },
    });
    const outcome = await onAppMention(restarted)({
      event,
      body: { event_id: 'EvLanded' },
      client: slack.client,
      context: { ...context, retryNum: 1 },
    });
    expect(outcome).toBe('answered');
    expect(slack.of('chat.postMessage')).toEqual([]);
    expect(slack.of('conversations.replies')[0]?.args).toMatchObject({
      channel: event.channel,
      ts: event.ts,
      oldest: event.ts,
    });
  });

  it('posts one reply when Slack takes the message and answers 500', async () => {
    const slack = fakeClient();
    slack.failNext('chat.postMessage', http500(), { accept: true });
    const event = mentionEvent('What is SBIC?');
    expect(
      await onAppMention(f.deps)({ event, body: { event_id: 'EvAccept' }, client: slack.client, context }),
    ).toBe('answered');
    expect(slack.messages.filter((m) => m.thread_ts === event.ts)).toHaveLength(1);
    expect(slack.of('chat.postMessage')).toHaveLength(1);
  });

  it('posts the reply once after a 429, when its Retry-After has passed, without looking for an earlier post', async () => {
    const slack = fakeClient();
    slack.failNext('chat.postMessage', new WebAPIRateLimitedError(0));
    const event = mentionEvent('What is SBIC?');
    expect(
      await onAppMention(f.deps)({ event, body: { event_id: 'EvLimited' }, client: slack.client, context }),
    ).toBe('answered');
    expect(slack.of('chat.postMessage')).toHaveLength(2);
    expect(slack.messages.filter((m) => m.thread_ts === event.ts)).toHaveLength(1);
    expect(slack.of('conversations.replies')).toEqual([]);
  });

  it('tells the person privately when the reply cannot be posted, and lets Slack’s retry try again', async () => {
    const slack = fakeClient();
    const boom = Object.assign(new Error('An API error occurred: msg_too_long'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'msg_too_long' },
    });
    slack.failNext('chat.postMessage', boom);
    const event = mentionEvent('What is SBIC?');
    const args = { event, body: { event_id: 'EvFail' }, client: slack.client, context };
    expect(await onAppMention(f.deps)(args)).toBe('failed');
    expect(slack.of('chat.postEphemeral').map((c) => [c.args.user, c.args.text])).toEqual([
      ['UREQ', f.en.t('errTryAgain')],
    ]);
    expect(await onAppMention(f.deps)({ ...args, context: { ...context, retryNum: 1 } })).toBe('answered');
  });
});
