import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../helpers.js';
import { eventBody, FORM, type Harness, mention, sign, startHarness } from './harness.js';

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const postSigned = (body: string, type: string, headers: Record<string, string> = {}) =>
  h.post(body, type, headers);
const event = (ev: Record<string, unknown>, eventId = `EvS${++n}`) => eventBody(ev, eventId);
const interaction = (payload: Record<string, unknown>) =>
  `payload=${encodeURIComponent(JSON.stringify(payload))}`;

const repliesIn = (thread: string) =>
  h.slack
    .of('chat.postMessage')
    .filter((c) => c.params.thread_ts === thread && c.params.channel === 'C0SHARED');
const blocksText = (c: { params: Record<string, unknown> }) => JSON.stringify(c.params.blocks ?? []);

describe('Slack: companies ask in a shared channel', () => {
  it('acks a mention and answers in its thread, in its language, with sources and buttons', async () => {
    const res = await postSigned(
      event(mention('When did JBIC sign the MOU with Aguascalientes?', '1700000001.000100')),
      'application/json',
    );
    expect(res.status).toBe(200);
    const reply = await until(() => repliesIn('1700000001.000100')[0], 'the reply');
    expect(blocksText(reply)).toContain('October 26, 2015');
    expect(blocksText(reply)).toContain("JBIC's First MOU with Mexican Local Government");
    expect(blocksText(reply)).toMatch(/madoguchi_press_rate_0.*madoguchi_press_rate_1.*madoguchi_press_talk/);
    await postSigned(
      event(mention('日中温泉シンポジウムはいつですか', '1700000002.000100')),
      'application/json',
    );
    expect(blocksText(await until(() => repliesIn('1700000002.000100')[0], 'the Japanese reply'))).toContain(
      '2013年10月31日',
    );
  });

  it('replies once per message whatever Slack redelivers', async () => {
    const ts = '1700000003.000100';
    const body = event(mention('What is SBIC?', ts), 'EvDUP1');
    await postSigned(body, 'application/json');
    await postSigned(body, 'application/json', {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    await postSigned(
      event(
        {
          type: 'message',
          channel_type: 'channel',
          user: 'UREQ',
          text: '<@UBOT> What is SBIC?',
          ts,
          channel: 'C0SHARED',
        },
        'EvDUP2',
      ),
      'application/json',
    );
    // Each copy's turn has ended (logged): one answered, the others found it done.
    const ends = [await h.turnEnd('EvDUP1'), await h.turnEnd('EvDUP1', 2), await h.turnEnd('EvDUP2')];
    expect(ends.sort()).toEqual(['answered', 'duplicate', 'duplicate']);
    expect(repliesIn(ts)).toHaveLength(1);
  });

  it('still recognises a retry after a restart', async () => {
    const ts = '1700000004.000100';
    const body = event(mention('What is the Japan desk?', ts), 'EvRESTART');
    await postSigned(body, 'application/json');
    expect(await h.turnEnd('EvRESTART')).toBe('answered');
    await h.restart();
    await postSigned(body, 'application/json', {
      'x-slack-retry-num': '2',
      'x-slack-retry-reason': 'http_error',
    });
    expect(await h.turnEnd('EvRESTART', 2)).toBe('duplicate');
    expect(repliesIn(ts)).toHaveLength(1);
  });

  it('refuses bad signatures and stale or future timestamps, running nothing', async () => {
    const before = h.slack.calls.length;
    const body = event(mention('What is SBIC?', '1700000005.000100'));
    const bad = await fetch(`${h.server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sign(body, undefined, 'wrong') },
      body,
    });
    const stale = await fetch(`${h.server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sign(body, Math.floor(Date.now() / 1000) - 600) },
      body,
    });
    const future = await fetch(`${h.server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sign(body, Math.floor(Date.now() / 1000) + 600) },
      body,
    });
    // Refused before Bolt sees them: the 401 is the end of each request.
    expect([bad.status, stale.status, future.status]).toEqual([401, 401, 401]);
    expect(h.slack.calls.length).toBe(before);
    expect(h.logs.filter((l) => l.msg === 'slack message' && l.ts === '1700000005.000100')).toEqual([]);
  });

  it('ignores its own and other bots\u2019 messages', async () => {
    await postSigned(
      event(
        {
          type: 'message',
          channel_type: 'im',
          bot_id: 'BBOT',
          text: 'hello',
          ts: '1700000006.000100',
          channel: 'D0DM',
        },
        'EvOWN',
      ),
      'application/json',
    );
    await postSigned(
      event(mention('What is SBIC?', '1700000007.000100', { bot_id: 'BOTHER' }), 'EvOTHERBOT'),
      'application/json',
    );
    expect([await h.turnEnd('EvOWN'), await h.turnEnd('EvOTHERBOT')]).toEqual(['ignored:bot', 'ignored:bot']);
    expect(
      h.slack
        .of('chat.postMessage')
        .filter((c) => ['1700000006.000100', '1700000007.000100'].includes(String(c.params.thread_ts))),
    ).toEqual([]);
  });

  it('answers a DM', async () => {
    await postSigned(
      event({
        type: 'message',
        channel_type: 'im',
        user: 'UREQ',
        text: 'What is SBIC?',
        ts: '1700000008.000100',
        channel: 'D0DM',
      }),
      'application/json',
    );
    const r = await until(
      () => h.slack.of('chat.postMessage').find((c) => c.params.channel === 'D0DM'),
      'the DM reply',
    );
    expect(r.params.thread_ts).toBe('1700000008.000100');
  });

  it('welcomes a channel it is added to (member_joined_channel through the receiver)', async () => {
    await postSigned(
      event({ type: 'member_joined_channel', user: 'UBOT', channel: 'C0WELCOME', event_ts: '1700000010.1' }),
      'application/json',
    );
    const welcome = await until(
      () => h.slack.of('chat.postMessage').find((c) => c.params.channel === 'C0WELCOME'),
      'the welcome',
    );
    expect(welcome.params.text).toBeTruthy();
  });

  it('never renders hostile text live, and keeps a 100 KB message within Block Kit limits', async () => {
    const ts = '1700000009.000100';
    await postSigned(
      event(
        mention(
          `<!channel> <!here> <@U0OTHER> <http://evil.example|click> ${'What is the Japan desk? '.repeat(4500)}`,
          ts,
        ),
      ),
      'application/json',
    );
    const reply = await until(() => repliesIn(ts)[0], 'the reply');
    const blocks = reply.params.blocks as Array<{ text?: { text: string } }>;
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(reply.params)).not.toMatch(/<!channel>|<!here>|<@U0OTHER>|evil\.example/);
  });
});

describe('Slack: handoff, desk triage and requester updates', () => {
  let ticketId = '';
  const thread = '1700000010.000100';

  it('opens the modal from "Talk to <desk>", pre-filled with the question', async () => {
    await postSigned(event(mention('What is the SME Growth Support Fund?', thread)), 'application/json');
    await until(() => repliesIn(thread)[0], 'the answer');
    const res = await postSigned(
      interaction({
        type: 'block_actions',
        trigger_id: 'trig-talk',
        user: { id: 'UREQ', name: 'tanaka' },
        channel: { id: 'C0SHARED' },
        message: { ts: '1700000011.000100', thread_ts: thread },
        actions: [
          {
            type: 'button',
            action_id: 'madoguchi_press_talk',
            value: JSON.stringify({ k: 'talk', desk: 'sme-support-japan' }),
            block_id: 'turn',
            action_ts: '1',
          },
        ],
      }),
      FORM,
    );
    expect(res.status).toBe(200);
    const open = await until(
      () => h.slack.of('views.open').find((c) => c.params.trigger_id === 'trig-talk'),
      'views.open',
    );
    const view = open.params.view as {
      callback_id: string;
      blocks: Array<{ block_id?: string; element?: { initial_value?: string } }>;
    };
    expect(view.callback_id).toBe('madoguchi_handoff');
    expect(view.blocks.find((b) => b.block_id === 'need')?.element?.initial_value).toContain(
      'What is the SME Growth Support Fund?',
    );
  });

  it('opens a ticket on submit, posts the card to the desk and tells the requester without private details', async () => {
    const view = {
      id: 'VHANDOFF1',
      callback_id: 'madoguchi_handoff',
      private_metadata: JSON.stringify({
        k: 'handoff',
        desk: 'sme-support-japan',
        lang: 'en',
        key: 'form-test-1',
        channel: 'C0SHARED',
        thread,
      }),
      state: {
        values: {
          company: { value: { value: 'Acme Parts' } },
          contact: { value: { value: 'acme@example.com' } },
          need: { value: { value: 'Investment from the fund' } },
        },
      },
    };
    const submit = interaction({ type: 'view_submission', user: { id: 'UREQ', name: 'tanaka' }, view });
    expect((await postSigned(submit, FORM)).status).toBe(200);
    await postSigned(submit, FORM); // a resubmission opens nothing new
    const card = await until(
      () => h.slack.of('chat.postMessage').find((c) => c.params.channel === 'C0FUND'),
      'the desk card',
    );
    expect(blocksText(card)).toContain('acme@example.com');
    expect(blocksText(card)).toContain('madoguchi_press_claim');
    ticketId = /MDG-\d{6}/.exec(String(card.params.text))?.[0] ?? '';
    const told = await until(
      () => repliesIn(thread).find((c) => String(c.params.text).includes(ticketId)),
      'the requester confirmation',
    );
    expect(String(told.params.text)).toMatch(/has your request MDG-\d{6}/);
    expect(JSON.stringify(repliesIn(thread).map((c) => c.params))).not.toContain('acme@example.com');
    expect(h.slack.of('chat.postMessage').filter((c) => c.params.channel === 'C0FUND')).toHaveLength(1);
  });

  const staffClick = (user: string, action: string, a: string, trigger: string) =>
    postSigned(
      interaction({
        type: 'block_actions',
        trigger_id: trigger,
        user: { id: user },
        channel: { id: 'C0FUND' },
        message: { ts: '1700000100.000100' },
        actions: [
          {
            type: 'button',
            action_id: action,
            value: JSON.stringify({ k: 'act', a, ticket: ticketId }),
            block_id: `ticket:${ticketId}:2`,
            action_ts: '2',
          },
        ],
      }),
      FORM,
    );

  it('refuses a claim from someone who is not desk staff, privately', async () => {
    await staffClick('USTRANGER', 'madoguchi_press_claim', 'claim', 'trig-stranger');
    const refusal = await until(
      () => h.slack.of('chat.postEphemeral').find((c) => c.params.user === 'USTRANGER'),
      'the refusal',
    );
    expect(String(refusal.params.text)).toMatch(/Only SME Support, JAPAN .* staff and admins can do that/);
  });

  it('lets staff claim: the card updates in place and the requester is told', async () => {
    await staffClick('USTAFF', 'madoguchi_press_claim', 'claim', 'trig-claim');
    const update = await until(
      () => h.slack.of('chat.update').find((c) => String(c.params.text).includes('Claimed by <@USTAFF>')),
      'the card update',
    );
    expect(update.params.channel).toBe('C0FUND');
    await until(
      () => repliesIn(thread).find((c) => String(c.params.text).includes('is now working on your request')),
      'the requester update',
    );
  });

  it('relays a staff reply in the card thread to the requester', async () => {
    const cardTs =
      h.slack.of('chat.postMessage').find((c) => c.params.channel === 'C0FUND') &&
      (h.slack.of('chat.update')[0]?.params.ts as string);
    await postSigned(
      event({
        type: 'message',
        channel_type: 'group',
        user: 'USTAFF',
        text: 'Could you share your last annual report?',
        ts: '1700000200.000100',
        thread_ts: cardTs,
        channel: 'C0FUND',
      }),
      'application/json',
    );
    await until(
      () =>
        repliesIn(thread).find((c) =>
          String(c.params.text).includes('Could you share your last annual report?'),
        ),
      'the relayed reply',
    );
  });

  it('resolves through the note modal, and the requester sees the note', async () => {
    await staffClick('USTAFF', 'madoguchi_resolve', 'resolve', 'trig-resolve');
    const modal = await until(
      () => h.slack.of('views.open').find((c) => c.params.trigger_id === 'trig-resolve'),
      'the resolve modal',
    );
    const view = modal.params.view as { private_metadata: string };
    await postSigned(
      interaction({
        type: 'view_submission',
        user: { id: 'USTAFF' },
        view: {
          id: 'VRESOLVE1',
          callback_id: 'madoguchi_resolve_note',
          private_metadata: view.private_metadata,
          state: { values: { note: { value: { value: 'We will call you on Monday' } } } },
        },
      }),
      FORM,
    );
    await until(
      () => repliesIn(thread).find((c) => String(c.params.text).includes('We will call you on Monday')),
      'the resolution',
    );
  });

  it('delivers a desk card later, once, when Slack answers 429 and then 500', async () => {
    h.slack.failNext(
      'chat.postMessage',
      { status: 429, retryAfter: 1, channel: 'C0JBIC' },
      { status: 500, channel: 'C0JBIC' },
    );
    const t2 = '1700000300.000100';
    await postSigned(
      interaction({
        type: 'view_submission',
        user: { id: 'UREQ2' },
        view: {
          id: 'VHANDOFF2',
          callback_id: 'madoguchi_handoff',
          private_metadata: JSON.stringify({
            k: 'handoff',
            desk: 'jbic',
            lang: 'en',
            key: 'form-test-2',
            channel: 'C0SHARED',
            thread: t2,
          }),
          state: {
            values: {
              company: { value: { value: 'Beta' } },
              contact: { value: { value: 'beta@example.com' } },
              need: { value: { value: 'Financing' } },
            },
          },
        },
      }),
      FORM,
    );
    const cards = () =>
      h.slack
        .of('chat.postMessage')
        .filter((c) => c.params.channel === 'C0JBIC' && String(c.params.text).startsWith('MDG-'));
    await until(() => cards().length >= 3 || undefined, 'the delayed card', 15_000);
    await until(() => repliesIn(t2)[0], 'the requester confirmation after the card', 15_000);
    const ticket = /MDG-\d{6}/.exec(String(cards()[0]?.params.text))?.[0] ?? '';
    const done = await h.drained(ticket); // the outbox has nothing left to send for it
    expect(done.outbox.every((d) => d.status === 'delivered')).toBe(true);
    expect(cards()).toHaveLength(3); // 429, 500, then posted once
  }, 20_000);
});

describe('Slack: /madoguchi', () => {
  const command = (user: string, text: string) =>
    postSigned(
      new URLSearchParams({
        command: '/madoguchi',
        text,
        user_id: user,
        channel_id: 'C0SHARED',
        team_id: 'T1',
        trigger_id: `t${++n}`,
        response_url: h.slack.responseUrl,
      }).toString(),
      FORM,
    );
  const responses = () => h.slack.calls.filter((c) => c.method === '/respond');

  it('refuses admin commands to others, privately', async () => {
    const before = responses().length;
    await command('UREQ', 'reload');
    const r = await until(() => responses()[before], 'the response');
    expect(r.params).toMatchObject({
      response_type: 'ephemeral',
      text: 'Only admins can use /madoguchi reload.',
    });
  });

  it('reloads and reports status for admins', async () => {
    const before = responses().length;
    await command('UADMIN', 'status');
    const r = await until(() => responses()[before], 'the response');
    expect(String(r.params.text)).toMatch(/^\*Madoguchi status\*\nContent: [0-9a-f]{12}\nEntries: \d+/);
  });

  it('lists the requester\u2019s own tickets and answers ask', async () => {
    const before = responses().length;
    await command('UREQ', 'tickets');
    expect(String((await until(() => responses()[before], 'tickets')).params.text)).toMatch(/MDG-\d{6}/);
    await command('UREQ', 'ask who signed the chongqing mou');
    expect(JSON.stringify((await until(() => responses()[before + 1], 'ask')).params)).toContain(
      'Heping Chen',
    );
  });
});
