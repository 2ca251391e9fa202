import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringsFor } from '../../../src/present/strings.js';
import { realContent, until } from '../../helpers.js';
import type { ApiCall } from './fake-slack.js';
import { FORM, type Harness, mention, nextTs, startHarness } from './harness.js';

/**
 * End-to-end, through the real Bolt HTTPReceiver with signed requests, against the loopback fake Slack:
 * the holes of issue 11 that Slack users and staff would meet. No test sleeps before saying that
 * nothing else happened: each waits for the turn's logged end, the fake's last call, the HTTP
 * response, or the ticket's outbox to drain.
 */

const en = stringsFor(await realContent(), 'en');
const ja = stringsFor(await realContent(), 'ja');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Every string Slack renders of a message, by how it renders it. */
function rendered(params: Record<string, unknown>): { mrkdwn: string[]; literal: string[] } {
  const mrkdwn = [String(params.text ?? '')];
  const literal: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.text === 'string') {
      if (o.type === 'mrkdwn') mrkdwn.push(o.text);
      else if (o.type === 'plain_text' || o.type === 'text') literal.push(o.text);
    }
    for (const [k, v] of Object.entries(o)) if (typeof v === 'object') walk(k === 'value' ? undefined : v);
  };
  walk(params.blocks);
  return { mrkdwn, literal };
}

const blockIds = (c: ApiCall) => (c.params.blocks as Array<{ block_id?: string }>).map((b) => b.block_id);

const HOSTILE = '<!channel> <!here> <!subteam^S1> <@U123> <http://evil.example|x> *bold*';
/** Markup Slack acts on in mrkdwn and in a message's notification text. */
const LIVE = ['<!channel>', '<!here>', '<!subteam^S1>', '<@U123>', '<http://evil.example|x>', '*bold*'];
/** Bidi overrides and isolates, a zero-width space, a BOM. */
const INVISIBLE = ['\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200B', '\uFEFF'];
const SNEAKY = `Pay to \u202Eacct 42\u202C \u2066x\u2069\u2067y\u2068z\u2069 zero\u200Bwidth \uFEFFbom`;

describe('the desk card shows a requester’s text, never acts on it', () => {
  let card: ApiCall;
  beforeAll(async () => {
    ({ card } = await h.openTicket({
      thread: nextTs(),
      channel: 'C0HOSTILE',
      company: `${HOSTILE} ${SNEAKY}`,
      contact: `${HOSTILE} ${SNEAKY}`,
      need: `${HOSTILE}\n${SNEAKY}\nWe need an investment of 10M JPY.`,
    }));
  });

  it('keeps mentions, links and formatting out of every mrkdwn field and the notification text (hole 3)', () => {
    const { mrkdwn, literal } = rendered(card.params);
    expect(mrkdwn.length).toBeGreaterThan(5);
    for (const text of mrkdwn) for (const live of LIVE) expect(text).not.toContain(live);
    // The notification text still says what was asked, escaped.
    expect(String(card.params.text)).toContain('&lt;!channel&gt;');
    // Where Slack shows text literally (rich_text, plain_text) the person's words are there as typed.
    expect(literal.join('\n')).toContain(HOSTILE);
  });

  it('removes bidi controls, zero-width characters and BOMs from every rendered field (hole 9)', () => {
    const { mrkdwn, literal } = rendered(card.params);
    for (const text of [...mrkdwn, ...literal]) for (const ch of INVISIBLE) expect(text).not.toContain(ch);
    expect(literal.join('\n')).toContain('Pay to acct 42');
  });
});

describe('a 100 KB request (hole 10)', () => {
  it('keeps the card within Block Kit’s limits, escaped before it is cut, says it is cut, and keeps the whole request', async () => {
    const need = `${'<&>'.repeat(34_000)} end`;
    const { card, ticket } = await h.openTicket({ thread: nextTs(), channel: 'C0LONG', need });
    const blocks = card.params.blocks as Array<Record<string, unknown>>;
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) {
      const section = b.text as { text?: string } | undefined;
      expect((section?.text ?? '').length).toBeLessThanOrEqual(3000);
      for (const f of (b.fields as Array<{ text: string }> | undefined) ?? [])
        expect(f.text.length).toBeLessThanOrEqual(2000);
      expect(JSON.stringify(b).length).toBeLessThan(12_000);
    }
    const { mrkdwn, literal } = rendered(card.params);
    for (const t of [...mrkdwn, ...literal]) expect(t.length).toBeLessThanOrEqual(3000);
    // Escaped first: no raw `<` or `>` in any mrkdwn text, and no entity cut in half at the end.
    for (const t of mrkdwn) {
      expect(t.replace(/<!date\^[^>]*>|<@U[A-Z0-9]+>/g, '')).not.toMatch(/[<>]/);
      expect(t).not.toMatch(/&(a|am|l|g|lt|gt)?…/);
    }
    expect(mrkdwn.join('\n')).toContain(en.t('cardCut', { chars: need.length }));
    expect((await h.ticket(ticket)).packet.text).toBe(need);
  });
});

describe('card updates', () => {
  it('carry new block ids on every post and update, even when two updates go out in one pass', async () => {
    const { ticket, cardTs, card } = await h.openTicket({ thread: nextTs(), channel: 'C0BLOCKS' });
    const updates = () => h.slack.of('chat.update').filter((c) => c.params.ts === cardTs);
    // The claim's update fails once: it is retried after the resolution, in the same pass as its update.
    h.slack.failNext('chat.update', { status: 500, channel: 'C0FUND' });
    await h.interact({
      type: 'block_actions',
      trigger_id: 'trig-blocks-claim',
      user: { id: 'USTAFF' },
      channel: { id: 'C0FUND' },
      message: { ts: cardTs },
      actions: [
        {
          type: 'button',
          action_id: 'madoguchi_press_claim',
          value: JSON.stringify({ k: 'act', a: 'claim', ticket }),
          block_id: blockIds(card).at(-1),
          action_ts: '1',
        },
      ],
    });
    await until(() => updates()[0], 'the claim’s failed update');
    const resolved = await h.interact({
      type: 'view_submission',
      user: { id: 'USTAFF' },
      view: {
        id: 'VBLOCKS',
        callback_id: 'madoguchi_resolve_note',
        private_metadata: JSON.stringify({ ticket, channel: 'C0FUND' }),
        state: { values: { note: { value: { value: 'Done.' } } } },
      },
    });
    expect(resolved.status).toBe(200);
    await h.drained(ticket);
    const versions = [card, ...updates()].map(blockIds);
    expect(versions).toHaveLength(4); // the post, the failed claim update, its retry, the resolution
    const all = versions.flat();
    expect(all.every((id) => typeof id === 'string' && id.length <= 255)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  }, 20_000);
});

describe('replies', () => {
  it('posts one reply when Slack takes the message and then answers 500 (hole 4)', async () => {
    const ts = nextTs();
    h.slack.failNext('chat.postMessage', { status: 500, accept: true, channel: 'C0ACCEPT' });
    const ev = await h.event(mention('What is SBIC?', ts, { channel: 'C0ACCEPT' }));
    expect(await h.turnEnd(ev)).toBe('answered');
    expect(h.postsIn('C0ACCEPT', ts)).toHaveLength(1);
    expect(h.heldIn('C0ACCEPT', ts)).toHaveLength(1);
  });

  it('lets a reply being posted finish when the app stops', async () => {
    const ts = nextTs();
    const channel = 'C0SLOW';
    h.slack.failNext('chat.postMessage', { status: 200, delayMs: 500, channel });
    const ev = await h.event(mention('What is SBIC?', ts, { channel }));
    await until(() => h.postsIn(channel, ts)[0], 'the reply on its way');
    await h.server.stop();
    expect(h.logs.find((l) => l.msg === 'slack message' && l.event === ev)?.outcome).toBe('answered');
    expect(h.heldIn(channel, ts)).toHaveLength(1);
    await h.restart();
  });

  it('answers Slack’s retry of a turn that died between the ack and the reply, once (hole 15)', async () => {
    const ts = nextTs();
    const channel = 'C0CRASH';
    h.slack.failNext('chat.postMessage', { status: 0, hang: true, channel });
    const ev = await h.event(mention('What is SBIC?', ts, { channel }), 'EvCRASH');
    await until(() => h.postsIn(channel, ts)[0], 'the reply the dying turn was posting');
    await h.restart(); // the first turn never finishes: nothing of it is on disk
    await h.event(mention('What is SBIC?', ts, { channel }), ev, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(await h.turnEnd(ev)).toBe('answered');
    expect(h.heldIn(channel, ts)).toHaveLength(1);
    // The old turn, cut off from Slack, finds the reply posted and posts nothing more.
    h.slack.releaseHung();
    expect(await h.turnEnd(ev, 2)).toBe('answered');
    expect(h.heldIn(channel, ts)).toHaveLength(1);
    // A retry of the finished turn is not carried out again.
    await h.event(mention('What is SBIC?', ts, { channel }), ev, {
      'x-slack-retry-num': '2',
      'x-slack-retry-reason': 'http_error',
    });
    expect(await h.turnEnd(ev, 3)).toBe('duplicate');
    expect(h.postsIn(channel, ts)).toHaveLength(2); // the one that hung, the one that landed
  });
});

describe('real Slack payloads (hole 16)', () => {
  it('relays a staff reply that @mentions the bot once, when the app_mention copy comes first', async () => {
    const thread = nextTs();
    const { ticket, cardTs } = await h.openTicket({ thread, channel: 'C0RELAY' });
    await h.drained(ticket);
    const ts = nextTs();
    const text = '<@UBOT> Could you send your business plan? Q&amp;A &lt;by Friday&gt;';
    const copy = { user: 'USTAFF', text, ts, thread_ts: cardTs, channel: 'C0FUND' };
    const first = await h.event({ type: 'app_mention', event_ts: ts, ...copy });
    expect(await h.turnEnd(first)).toBe('relayed');
    const second = await h.event({ type: 'message', channel_type: 'group', ...copy });
    expect(await h.turnEnd(second)).toBe('duplicate');
    const after = await h.drained(ticket);
    expect(after.events.filter((e) => e.type === 'commented').map((e) => e.note)).toEqual([
      'Could you send your business plan? Q&A <by Friday>',
    ]);
    const relays = h
      .postsIn('C0RELAY', thread)
      .filter((c) => String(c.params.text).includes('business plan'));
    expect(relays).toHaveLength(1);
    expect(JSON.stringify(relays[0]?.params)).not.toContain('UBOT');
    // The staff member got no answer of the bot's own in the card's thread.
    expect(h.postsIn('C0FUND', cardTs)).toEqual([]);
  });

  it('answers a question sent with a file in a DM', async () => {
    const ts = nextTs();
    const ev = await h.event({
      type: 'message',
      subtype: 'file_share',
      channel_type: 'im',
      user: 'UREQ',
      text: 'What is SBIC?',
      files: [{ id: 'F1', name: 'plan.pdf', mimetype: 'application/pdf' }],
      upload: false,
      ts,
      channel: 'D0FILE',
    });
    expect(await h.turnEnd(ev)).toBe('answered');
    expect(h.postsIn('D0FILE', ts)).toHaveLength(1);
  });

  it('does not answer Slackbot', async () => {
    const ts = nextTs();
    const ev = await h.event({
      type: 'message',
      channel_type: 'im',
      user: 'USLACKBOT',
      text: 'Reminder: What is SBIC?',
      ts,
      channel: 'D0SLACKBOT',
    });
    expect(await h.turnEnd(ev)).toBe('ignored:bot');
    expect(h.slack.of('chat.postMessage').filter((c) => c.params.channel === 'D0SLACKBOT')).toEqual([]);
  });

  it('answers Slack’s ssl_check, which comes without a signature, and still refuses other unsigned requests', async () => {
    const ssl = await fetch(`${h.server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'ssl_check=1&token=legacy-verification-token',
    });
    expect(ssl.status).toBe(200);
    const unsigned = await fetch(`${h.server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'command=%2Fmadoguchi&text=status&user_id=UADMIN',
    });
    expect(unsigned.status).toBe(401);
  });

  it('acknowledges at once what it has no listener for: view_closed, shortcuts, an unknown action, a menu asking for options', async () => {
    const payloads = [
      {
        type: 'view_closed',
        user: { id: 'UREQ' },
        team: { id: 'T1' },
        view: {
          id: 'VCLOSED',
          callback_id: 'madoguchi_handoff',
          private_metadata: '',
          state: { values: {} },
        },
        is_cleared: false,
      },
      {
        type: 'shortcut',
        callback_id: 'madoguchi_ask',
        trigger_id: 'trig-sc',
        user: { id: 'UREQ' },
        team: { id: 'T1' },
      },
      {
        type: 'message_action',
        callback_id: 'madoguchi_forward',
        trigger_id: 'trig-ma',
        user: { id: 'UREQ' },
        team: { id: 'T1' },
        channel: { id: 'C0SHARED' },
        message: { type: 'message', user: 'UREQ', ts: '1700000001.000100', text: 'hi' },
        response_url: h.slack.responseUrl,
      },
      {
        type: 'block_actions',
        trigger_id: 'trig-other',
        user: { id: 'UREQ' },
        channel: { id: 'C0SHARED' },
        message: { ts: '1700000001.000100' },
        actions: [
          { type: 'button', action_id: 'another_apps_button', value: 'x', block_id: 'b', action_ts: '1' },
        ],
      },
      {
        type: 'view_submission',
        user: { id: 'UREQ' },
        view: { id: 'VOTHER', callback_id: 'another_modal', private_metadata: '', state: { values: {} } },
      },
      {
        type: 'block_suggestion',
        action_id: 'some_select',
        block_id: 'b',
        value: 'ab',
        user: { id: 'UREQ' },
        team: { id: 'T1' },
      },
    ];
    for (const payload of payloads) {
      const started = Date.now();
      const res = await h.interact(payload);
      expect([payload.type, res.status]).toEqual([payload.type, 200]);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
  });
});

describe('with SLACK_LISTEN=all (hole 16)', () => {
  let all: Harness;
  beforeAll(async () => {
    all = await startHarness({ env: { SLACK_LISTEN: 'all' } });
  });
  afterAll(async () => {
    await all?.close();
  });

  it('answers a question in a shared channel without a mention', async () => {
    const ts = nextTs();
    const ev = await all.event({
      type: 'message',
      channel_type: 'channel',
      user: 'UREQ',
      text: 'What is SBIC?',
      ts,
      channel: 'C0OPEN',
    });
    expect(await all.turnEnd(ev)).toBe('answered');
    expect(all.postsIn('C0OPEN', ts)).toHaveLength(1);
  });

  it('does not answer staff chatting in their desk channel', async () => {
    const ts = nextTs();
    const ev = await all.event({
      type: 'message',
      channel_type: 'group',
      user: 'USTAFF',
      text: 'Who is taking the Acme request? What is SBIC anyway?',
      ts,
      channel: 'C0FUND',
    });
    expect(await all.turnEnd(ev)).toBe('ignored:not-addressed');
    expect(all.slack.of('chat.postMessage').filter((c) => c.params.channel === 'C0FUND')).toEqual([]);
    expect(all.slack.of('chat.postEphemeral')).toEqual([]);
  });

  it('does not prompt for a question on a forwarded message (no text of its own)', async () => {
    const ts = nextTs();
    const ev = await all.event({
      type: 'message',
      channel_type: 'channel',
      user: 'UREQ',
      text: '',
      attachments: [
        {
          is_share: true,
          is_msg_unfurl: true,
          text: 'What is SBIC?',
          author_id: 'UOTHER',
          ts: '1700000000.000100',
        },
      ],
      ts,
      channel: 'C0OPEN',
    });
    expect(await all.turnEnd(ev)).toBe('ignored:empty');
    expect(all.postsIn('C0OPEN', ts)).toEqual([]);
  });
});

describe('refusals', () => {
  it('says in the person’s language that the request was not saved when the store refuses the write (hole 12)', async () => {
    const own = await startHarness();
    try {
      const journal = join(own.dataDir, 'tickets.json.journal');
      const kept = await readFile(journal).catch(() => Buffer.alloc(0));
      await rm(journal, { force: true });
      await mkdir(journal); // the store can no longer append to it
      const form = {
        thread: nextTs(),
        desk: 'jbic',
        lang: 'ja',
        key: 'form-refused',
        company: '株式会社テスト',
      };
      try {
        const res = await own.submitHandoff(form);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          response_action: 'errors',
          errors: { need: ja.t('errNotSaved') },
        });
      } finally {
        await rm(journal, { recursive: true, force: true });
        await writeFile(journal, kept);
      }
      // Nothing was lost: the same form, sent again, is saved and the modal closes.
      const again = await own.submitHandoff(form);
      expect(again.status).toBe(200);
      expect(await again.text()).toBe('');
      await until(
        () => own.slack.of('chat.postMessage').find((c) => c.params.channel === 'C0JBIC'),
        'the card',
      );
    } finally {
      await own.close();
    }
  });

  it('answers a damaged or forged button value or modal metadata privately, and changes nothing', async () => {
    const thread = nextTs();
    const { ticket, cardTs } = await h.openTicket({ thread, channel: 'C0FORGE' });
    const before = await h.drained(ticket);
    const notices = () =>
      h.slack
        .of('chat.postEphemeral')
        .filter((c) => c.params.user === 'USTAFF' && c.params.channel === 'C0FUND');
    const seen = notices().length;
    const values = [
      '{not json',
      JSON.stringify({ k: 'act', a: 'claim', ticket: '../../tickets.json' }),
      JSON.stringify({ k: 'act', a: 'claim', ticket, as: 'slack:UADMIN' }),
      JSON.stringify({ k: 'act', a: 'delete', ticket }),
    ];
    for (const [i, value] of values.entries()) {
      const res = await h.interact({
        type: 'block_actions',
        trigger_id: `trig-forged-${i}`,
        user: { id: 'USTAFF' },
        channel: { id: 'C0FUND' },
        message: { ts: cardTs },
        actions: [
          { type: 'button', action_id: 'madoguchi_press_claim', value, block_id: 'b', action_ts: String(i) },
        ],
      });
      expect(res.status).toBe(200);
      const notice = await until(() => notices()[seen + i], `the private notice for ${value}`);
      expect(notice.params.text).toBe(en.t('errBadPayload'));
    }
    const resolve = await h.interact({
      type: 'view_submission',
      user: { id: 'USTAFF' },
      view: {
        id: 'VFORGED',
        callback_id: 'madoguchi_resolve_note',
        private_metadata: JSON.stringify({ ticket, channel: 'C0FUND', note: 'forged' }),
        state: { values: { note: { value: { value: 'Resolved by a forged form' } } } },
      },
    });
    expect(await resolve.json()).toEqual({
      response_action: 'errors',
      errors: { note: en.t('errBadPayload') },
    });
    const handoff = await h.submitHandoff({
      thread,
      metadata: JSON.stringify({
        k: 'handoff',
        desk: '../../etc',
        lang: 'en',
        key: 'form-x',
        channel: 'C0FORGE',
        thread,
      }),
    });
    expect(await handoff.json()).toEqual({
      response_action: 'errors',
      errors: { need: en.t('errBadPayload') },
    });
    const after = await h.ticket(ticket);
    expect(after.events).toEqual(before.events);
    expect(after.status).toBe('open');
    expect(h.slack.of('chat.update').filter((c) => c.params.ts === cardTs)).toEqual([]);
  });
});
