import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceStore } from '../../../src/adapters/teams/references.js';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { Ticket } from '../../../src/tickets/types.js';
import { copyContent, editDesks, until } from '../../helpers.js';
import { actionsOf, buttonTitles, dataOf, richTexts, textOf } from './card-helpers.js';
import { type ConnectorCall, type FakeConnector, startFakeConnector } from './fake-connector.js';

const DESK_CHANNEL = '19:fund@thread.tacv2';
const JBIC_CHANNEL = '19:jbic@thread.tacv2';
const CHAT = 'a:personal-chat-1';
const REQUESTER = { id: '29:requester', name: 'Tanaka', aadObjectId: 'REQ-AAD' };
const STAFF = { id: '29:staff', name: 'Aiko Sato', aadObjectId: 'STAFF-AAD' };
const STRANGER = { id: '29:stranger', name: 'Someone', aadObjectId: 'STRANGER-AAD' };
let dir: string;
let connector: FakeConnector;
let app: RunningApp;
let n = 0;

beforeAll(async () => {
  dir = await copyContent('madoguchi-teams-');
  await editDesks(dir, (d) => {
    const fund = d.desks.find((x) => x.id === 'sme-support-japan');
    const jbic = d.desks.find((x) => x.id === 'jbic');
    if (!fund || !jbic) throw new Error('test desks missing');
    fund.staff.push(`teams:${STAFF.aadObjectId}`);
    fund.notify = { teams_conversation: DESK_CHANNEL };
    fund.lang = 'en';
    jbic.staff.push(`teams:${STAFF.aadObjectId}`);
    jbic.notify = { teams_conversation: JBIC_CHANNEL };
    jbic.lang = 'en';
  });
  connector = await startFakeConnector();
  // No app id, loopback, no other platform: the Teams emulator.
  const config = loadConfig({
    PORT: '0',
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(dir, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  expect(config.teams.mode).toBe('emulator');
  app = await startApp({ config, logger: pino({ level: 'silent' }) });
  await app.channelsReady();
});
afterAll(async () => {
  await app?.stop();
  await connector?.close();
  await rm(dir, { recursive: true, force: true });
});

function activity(fields: Record<string, unknown>) {
  return {
    type: 'message',
    id: `act-${++n}`,
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    timestamp: new Date().toISOString(),
    from: REQUESTER,
    recipient: { id: '28:bot', name: 'Madoguchi' },
    conversation: { id: CHAT, conversationType: 'personal' },
    ...fields,
  };
}
const inChannel = (channel: string, root = `${1700000000000 + n}`) => ({
  id: `${channel};messageid=${root}`,
  conversationType: 'channel',
  isGroup: true,
  tenantId: 'tenant-1',
});
const send = (body: unknown) =>
  fetch(`${app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const to = (conversation: string) =>
  connector.calls.filter((c) => c.conversation.split(';')[0] === conversation);
const cardOf = (c: ConnectorCall | undefined) =>
  (c?.activity.attachments as Array<{ content: Record<string, unknown> }> | undefined)?.[0]?.content ?? {};
const json = (c: ConnectorCall) => JSON.stringify(c.activity);

/** The tickets as the store has them on disk (snapshot, then journal): the outbox's own record of what it delivered. */
async function onDisk(): Promise<Map<string, Ticket>> {
  const file = join(dir, 'data/tickets.json');
  const tickets = new Map<string, Ticket>();
  const snapshot = await readFile(file, 'utf8').catch(() => '');
  if (snapshot) for (const t of (JSON.parse(snapshot) as { tickets: Ticket[] }).tickets) tickets.set(t.id, t);
  for (const line of (await readFile(`${file}.journal`, 'utf8').catch(() => '')).split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as { ticket: Ticket };
      tickets.set(r.ticket.id, r.ticket);
    } catch {
      // a line being written
    }
  }
  return tickets;
}
/** Waits until every notification of `id` is delivered: after that nothing more is sent for it. */
async function drained(id: string): Promise<Ticket> {
  let found: Ticket | undefined;
  const end = Date.now() + 15_000;
  for (;;) {
    found = (await onDisk()).get(id);
    if (found && found.outbox.length > 0 && found.outbox.every((d) => d.status !== 'pending')) return found;
    if (Date.now() > end) throw new Error(`outbox of ${id} not drained: ${JSON.stringify(found?.outbox)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function openTicket(company: string): Promise<{ id: string; card: ConnectorCall }> {
  const talk = activity({ value: { madoguchi: { k: 'talk', desk: 'sme-support-japan' } } });
  await send(talk);
  const form = connector.calls.find((c) => c.replyTo === talk.id);
  const data = actionsOf(cardOf(form)).find((a) => a.type === 'Action.Submit')?.data as Record<
    string,
    unknown
  >;
  await send(
    activity({
      value: {
        ...data,
        company,
        contact: `${company.toLowerCase().replace(/\W/g, '')}@example.com`,
        need: 'Co-investment',
      },
      replyToId: form?.activity.id,
    }),
  );
  const card = await connector.waitFor(
    (c) => c.conversation === DESK_CHANNEL && c.method === 'POST' && json(c).includes(company),
    'the desk card',
  );
  const id = /MDG-\d{6}/.exec(json(card))?.[0] ?? '';
  await drained(id);
  return { id, card };
}
const staff = (value: Record<string, unknown>, who = STAFF, channel = DESK_CHANNEL) =>
  send(activity({ from: who, conversation: inChannel(channel), value }));

describe('Teams through botbuilder CloudAdapter (emulator mode)', () => {
  it('captures the desk channels when the bot is added to them, and welcomes nobody there', async () => {
    for (const channel of [DESK_CHANNEL, JBIC_CHANNEL]) {
      const res = await send(
        activity({
          type: 'conversationUpdate',
          conversation: { id: channel, conversationType: 'channel' },
          membersAdded: [{ id: '28:bot' }],
        }),
      );
      expect(res.status).toBe(200);
    }
    // Kept on disk: a store opened on the same file (as after a restart) knows the channel.
    const refs = await createReferenceStore(join(dir, 'data/teams-references.journal'));
    expect((await refs.get(DESK_CHANNEL))?.serviceUrl).toBe(connector.serviceUrl);
    // The turn is over when the request is answered: anything it posted is already recorded.
    expect(to(DESK_CHANNEL)).toEqual([]);
  });

  it('welcomes a person who installs it in a personal chat, once', async () => {
    const chat = { id: 'a:welcome-chat', conversationType: 'personal' };
    await send(activity({ type: 'installationUpdate', action: 'add', conversation: chat }));
    await send(
      activity({ type: 'conversationUpdate', conversation: chat, membersAdded: [{ id: '28:bot' }] }),
    );
    expect(to('a:welcome-chat').map((c) => textOf(cardOf(c)))).toEqual([
      expect.stringMatching(/^Hello, I'm Madoguchi/),
    ]);
  });

  it('answers with the card alone, in the language of the question', async () => {
    const a = activity({
      text: '<at>Madoguchi</at> What is the SME Growth Support Fund?',
      entities: [
        { type: 'mention', mentioned: { id: '28:bot', name: 'Madoguchi' }, text: '<at>Madoguchi</at>' },
      ],
    });
    expect((await send(a)).status).toBe(200);
    const replies = connector.calls.filter((c) => c.replyTo === a.id);
    expect(replies).toHaveLength(1);
    const reply = replies[0] as ConnectorCall;
    expect(reply.activity.text).toBeUndefined();
    expect(String(reply.activity.summary)).toContain('SME Growth Support Fund');
    expect(textOf(cardOf(reply))).toContain('SME Growth Support Fund');
    expect(textOf(cardOf(reply))).toContain('Promotion of Global Alliances');
    expect(buttonTitles(cardOf(reply))).toEqual(
      expect.arrayContaining(['Helpful', 'Not helpful', expect.stringMatching(/^Talk to SME Support/)]),
    );
    const ja = activity({ text: '日中温泉シンポジウムはいつですか' });
    await send(ja);
    const jaReply = connector.calls.find((c) => c.replyTo === ja.id);
    expect(textOf(cardOf(jaReply))).toContain('2013年10月31日');
    expect(buttonTitles(cardOf(jaReply))).toContain('役に立った');
  });

  it('replies once when Teams redelivers the same activity', async () => {
    const a = activity({ text: 'What is SBIC?' });
    await send(a);
    await send(a);
    expect(connector.calls.filter((c) => c.replyTo === a.id)).toHaveLength(1);
  });

  it('runs a handoff: one ticket for two clicks, the form replaced, the desk card once, the requester told without private details', async () => {
    await send(activity({ text: 'We would like co-investment from the SME Growth Support Fund' }));
    const talk = activity({ value: { madoguchi: { k: 'talk', desk: 'sme-support-japan' } } });
    await send(talk);
    const form = connector.calls.find((c) => c.replyTo === talk.id);
    expect(json(form as ConnectorCall)).toContain('Input.Text');
    const data = dataOf(cardOf(form), 'Send request');
    const click = () =>
      activity({
        value: {
          ...data,
          company: 'Acme',
          contact: 'acme_sales@example.com',
          need: 'Investment from the fund',
        },
        replyToId: form?.activity.id,
      });
    await send(click());
    await send(click()); // a second click on the same form: the same request
    const replaced = connector.calls.filter((c) => c.method === 'PUT' && c.replyTo === form?.activity.id);
    expect(replaced.length).toBeGreaterThanOrEqual(1);
    expect(textOf(cardOf(replaced[0]))).toMatch(/^Sent to .+ as MDG-\d{6}\./);
    expect(actionsOf(cardOf(replaced[0]))).toEqual([]);
    const card = await connector.waitFor(
      (c) => c.conversation === DESK_CHANNEL && c.method === 'POST',
      'the desk card',
    );
    const id = /MDG-\d{6}/.exec(json(card))?.[0] ?? '';
    const ticket = await drained(id);
    expect(to(DESK_CHANNEL).filter((c) => c.method === 'POST')).toHaveLength(1);
    expect([...(await onDisk()).values()].filter((t) => t.packet.details.company === 'Acme')).toHaveLength(1);
    expect(richTexts(cardOf(card))).toContain('acme_sales@example.com');
    expect(textOf(cardOf(card))).toContain('Tanaka');
    expect((ticket.refs.teamsCard as { activityId: string }).activityId).toBe(card.activity.id);
    const told = to(CHAT).find((c) => textOf(cardOf(c)).includes(`has your request ${id}`));
    expect(told && json(told)).not.toContain('acme_sales@example.com');
  });

  it('says refusals only to the person who clicked, in a 1:1 chat, never in the desk channel', async () => {
    const { id } = await openTicket('Refusal Co');
    const before = to(DESK_CHANNEL).length;
    await staff({ madoguchi: { k: 'act', a: 'claim', ticket: id } }, STRANGER);
    await staff({ madoguchi: { k: 'act', a: 'reassign', ticket: id }, desk: '', note: '' });
    expect(to(DESK_CHANNEL).length).toBe(before);
    const opened = connector.calls.filter((c) => c.conversation === '(create)');
    expect(opened.at(-2)?.activity).toMatchObject({
      isGroup: false,
      members: [{ id: STRANGER.id }],
      tenantId: 'tenant-1',
    });
    expect(to(`a:1on1-${STRANGER.id}`).map((c) => textOf(cardOf(c)))).toEqual([
      expect.stringMatching(/^Only .+ staff and admins can do that\.$/),
    ]);
    expect(to(`a:1on1-${STAFF.id}`).map((c) => textOf(cardOf(c)))).toEqual([
      'There is no such desk; choose one from the list.',
    ]);
    expect((await onDisk()).get(id)?.status).toBe('open');
  });

  it('claims, relays a staff reply from the card’s thread, resolves with a note and offers Reopen', async () => {
    const { id, card } = await openTicket('Worked Co');
    await staff({ madoguchi: { k: 'act', a: 'claim', ticket: id } });
    const claimed = await connector.waitFor(
      (c) =>
        c.method === 'PUT' &&
        c.replyTo === card.activity.id &&
        richTexts(cardOf(c)).includes('Claimed by Aiko Sato'),
      'the claimed card',
    );
    expect(buttonTitles(cardOf(claimed))).not.toContain('Claim');
    await connector.waitFor(
      (c) => c.conversation === CHAT && textOf(cardOf(c)).includes(`${id}: someone`),
      'the requester told',
    );
    // A staff reply in the card's thread (mentioning the bot) goes to the company.
    await send(
      activity({
        from: STAFF,
        conversation: inChannel(DESK_CHANNEL, String(card.activity.id)),
        text: '<at>Madoguchi</at> Could you send us your latest accounts?',
        entities: [
          { type: 'mention', mentioned: { id: '28:bot', name: 'Madoguchi' }, text: '<at>Madoguchi</at>' },
        ],
      }),
    );
    await connector.waitFor(
      (c) =>
        c.conversation === CHAT && richTexts(cardOf(c)).includes('Could you send us your latest accounts?'),
      'the relayed reply',
    );
    await staff({
      madoguchi: { k: 'act', a: 'resolve', ticket: id },
      note: 'Meeting booked_for **Monday**',
      desk: '',
    });
    await connector.waitFor(
      (c) => c.conversation === CHAT && richTexts(cardOf(c)).includes('Meeting booked_for **Monday**'),
      'the resolution note',
    );
    const resolved = await connector.waitFor(
      (c) =>
        c.method === 'PUT' && c.replyTo === card.activity.id && buttonTitles(cardOf(c)).includes('Reopen'),
      'the resolved card',
    );
    expect(richTexts(cardOf(resolved))).toEqual(
      expect.arrayContaining(['Resolved by Aiko Sato', 'Meeting booked_for **Monday**']),
    );
  });

  it('updates the old desk’s card after a reassignment to say where the ticket went, with nothing to click', async () => {
    const { id, card } = await openTicket('Moved Co');
    await staff({ madoguchi: { k: 'act', a: 'reassign', ticket: id }, desk: 'jbic' });
    const stale = await connector.waitFor(
      (c) =>
        c.method === 'PUT' &&
        c.replyTo === card.activity.id &&
        /Moved to .+ by Aiko Sato/.test(richTexts(cardOf(c)).join('\n')),
      'the stale card updated',
    );
    expect(actionsOf(cardOf(stale))).toEqual([]);
    const fresh = await connector.waitFor(
      (c) => c.conversation === JBIC_CHANNEL && c.method === 'POST' && json(c).includes('Moved Co'),
      'the new desk card',
    );
    expect(buttonTitles(cardOf(fresh))).toContain('Claim');
    const ticket = await drained(id);
    expect(ticket.refs.teamsCard).toEqual({ conversation: JBIC_CHANNEL, activityId: fresh.activity.id });
  });

  it('retries a desk card after 429 and 502 from the connector, posting it once it succeeds', async () => {
    connector.failNext(
      { status: 429, retryAfter: 1, conversation: DESK_CHANNEL },
      { status: 502, conversation: DESK_CHANNEL },
    );
    const talk = activity({
      value: {
        madoguchi: { k: 'handoff', desk: 'sme-support-japan', lang: 'en', key: 'form-retry-1' },
        company: 'Retry Co',
        contact: 'r@example.com',
        need: 'x',
      },
    });
    await send(talk);
    const posted = () => to(DESK_CHANNEL).filter((c) => c.method === 'POST' && json(c).includes('Retry Co'));
    await until(() => posted().length >= 3, 'three attempts', 15_000);
    const id = /MDG-\d{6}/.exec(json(posted()[2] as ConnectorCall))?.[0] ?? '';
    const ticket = await drained(id);
    expect(posted()).toHaveLength(3);
    expect(ticket.outbox.find((d) => d.audience === 'desk' && d.channel === 'teams')?.status).toBe(
      'delivered',
    );
  }, 20_000);

  it('answers every invoke with 200 and a body, and ignores its own activities', async () => {
    const task = await send(activity({ type: 'invoke', name: 'task/fetch', value: { data: {} } }));
    expect(task.status).toBe(200);
    expect(await task.json()).toMatchObject({ task: { type: 'message' } });
    const other = await send(activity({ type: 'invoke', name: 'composeExtension/query', value: {} }));
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({});
    const execute = await send(
      activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        from: STRANGER,
        conversation: inChannel(DESK_CHANNEL),
        value: {
          action: {
            type: 'Action.Execute',
            data: { madoguchi: { k: 'act', a: 'claim', ticket: 'MDG-999999' } },
          },
        },
      }),
    );
    expect(execute.status).toBe(200);
    expect(await execute.json()).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'There is no request MDG-999999.',
    });
    const before = connector.calls.length;
    const own = activity({ from: { id: '28:bot', name: 'Madoguchi' }, text: 'What is SBIC?' });
    expect((await send(own)).status).toBe(200);
    expect(connector.calls.length).toBe(before);
  });

  it('answers malformed requests with 400 and keeps serving', async () => {
    expect((await fetch(`${app.url}/api/messages`, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await send({ type: 'message', text: 'hi' })).status).toBe(400);
    expect((await send({ ...activity({ text: 'hi' }), serviceUrl: 'javascript:alert(1)' })).status).toBe(400);
    expect((await send(activity({ text: 'hello' }))).status).toBe(200);
  });

  it('keeps the reply to a 100 KB message under Teams’ message limit', async () => {
    const a = activity({
      text: `<at>Someone</at> **bold** [link](http://evil.example) ${'What is SBIC? '.repeat(7500)}`,
    });
    await send(a);
    const reply = connector.calls.find((c) => c.replyTo === a.id);
    expect(JSON.stringify(reply?.activity).length).toBeLessThan(28_000);
    expect(json(reply as ConnectorCall)).not.toContain('evil.example');
  });
});
