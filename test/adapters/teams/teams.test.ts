import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceStore } from '../../../src/adapters/teams/references.js';
import { loadConfig } from '../../../src/config.js';
import { type RunningServer, startServer } from '../../../src/server/app.js';
import { copyContent, repoRoot, until } from '../../helpers.js';
import { type FakeSlack, startFakeSlack } from '../slack/fake-slack.js';
import { type FakeConnector, startFakeConnector } from './fake-connector.js';

const DESK_CHANNEL = '19:fund@thread.tacv2';
const CHAT = 'a:personal-chat-1';
let dir: string;
let connector: FakeConnector;
let slack: FakeSlack;
let server: RunningServer;
let n = 0;

beforeAll(async () => {
  dir = await copyContent('madoguchi-teams-');
  const desks = join(dir, 'knowledge/desks.yml');
  await writeFile(
    desks,
    (await readFile(desks, 'utf8'))
      .replace(
        'staff: [web:sme-support-japan-staff, cli:sme-support-japan-staff]',
        'staff: [web:sme-support-japan-staff, teams:STAFF-AAD]',
      )
      .replace(/(id: sme-support-japan[\s\S]*?notify: )\{\}/, `$1{ teams_conversation: "${DESK_CHANNEL}" }`)
      .replace('staff: [web:jbic-staff, cli:jbic-staff]', 'staff: [web:jbic-staff, slack:USTAFF]')
      .replace(/(id: jbic\n[\s\S]*?notify: )\{\}/, '$1{ slack_channel: C0JBIC }'),
  );
  connector = await startFakeConnector();
  slack = await startFakeSlack();
  const config = loadConfig({
    PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'secret',
    SLACK_API_URL: slack.url,
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(dir, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  server = await startServer({ config, logger: pino({ level: 'silent' }) });
  await server.channelsReady();
});
afterAll(async () => {
  await server?.stop();
  await connector?.close();
  await slack?.close();
  await rm(dir, { recursive: true, force: true });
});

function activity(fields: Record<string, unknown>) {
  return {
    type: 'message',
    id: `act-${++n}`,
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: '29:requester', name: 'Tanaka', aadObjectId: 'REQ-AAD' },
    recipient: { id: '28:bot', name: 'Madoguchi' },
    conversation: { id: CHAT, conversationType: 'personal' },
    ...fields,
  };
}
const send = (body: unknown) =>
  fetch(`${server.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const cardsTo = (conversation: string) => connector.calls.filter((c) => c.conversation === conversation);
const text = (c: { activity: Record<string, unknown> }) => JSON.stringify(c.activity);

describe('Teams through botbuilder CloudAdapter (emulator mode)', () => {
  it('captures the desk channel when the bot is added to it', async () => {
    const res = await send(
      activity({
        type: 'conversationUpdate',
        conversation: { id: DESK_CHANNEL, conversationType: 'channel' },
        membersAdded: [{ id: '28:bot' }],
      }),
    );
    expect(res.status).toBe(200);
    // Kept on disk: a store opened on the same file (as after a restart) knows the channel.
    const refs = await createReferenceStore(join(dir, 'data/teams-references.journal'));
    expect(refs.get(DESK_CHANNEL)?.serviceUrl).toBe(connector.serviceUrl);
  });

  it('answers in the same conversation with an Adaptive Card, in the language of the question', async () => {
    const a = activity({
      text: '<at>Madoguchi</at> What is the SME Growth Support Fund?',
      entities: [
        { type: 'mention', mentioned: { id: '28:bot', name: 'Madoguchi' }, text: '<at>Madoguchi</at>' },
      ],
    });
    expect((await send(a)).status).toBe(200);
    const reply = await until(() => cardsTo(CHAT).find((c) => c.replyTo === a.id), 'the reply');
    const card = (
      reply.activity.attachments as Array<{
        contentType: string;
        content: { body: Array<{ text: string }>; actions: Array<{ title: string }> };
      }>
    )[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card?.content.body[0]?.text).toContain('SME Growth Support Fund');
    expect(JSON.stringify(card?.content.body)).toContain('Promotion of Global Alliances');
    expect(card?.content.actions.map((x) => x.title)).toEqual(
      expect.arrayContaining(['Helpful', 'Not helpful', expect.stringMatching(/^Talk to SME Support/)]),
    );
    const ja = activity({ text: '日中温泉シンポジウムはいつですか' });
    await send(ja);
    expect(
      text(await until(() => cardsTo(CHAT).find((c) => c.replyTo === ja.id), 'the Japanese reply')),
    ).toContain('2013年10月31日');
  });

  it('replies once when Teams redelivers the same activity', async () => {
    const a = activity({ text: 'What is SBIC?' });
    await send(a);
    await send(a);
    await until(() => cardsTo(CHAT).find((c) => c.replyTo === a.id), 'the reply');
    await new Promise((r) => setTimeout(r, 300));
    expect(cardsTo(CHAT).filter((c) => c.replyTo === a.id)).toHaveLength(1);
  });

  it('runs a handoff: form, ticket, proactive desk card, claim, requester told — without private details', async () => {
    const talk = activity({ value: { madoguchi: 'talk', desk: 'sme-support-japan' } });
    await send(talk);
    const form = await until(() => cardsTo(CHAT).find((c) => c.replyTo === talk.id), 'the form');
    expect(text(form)).toContain('Input.Text');
    const submit = activity({
      value: {
        madoguchi: 'handoff',
        desk: 'sme-support-japan',
        lang: 'en',
        company: 'Acme',
        contact: 'acme@example.com',
        need: 'Investment from the fund',
      },
    });
    await send(submit);
    await send(submit); // redelivered: still one ticket
    const card = await until(() => cardsTo(DESK_CHANNEL).find((c) => c.method === 'POST'), 'the desk card');
    expect(text(card)).toContain('acme@example.com');
    const id = /MDG-\d{6}/.exec(text(card))?.[0] ?? '';
    const told = await until(
      () => cardsTo(CHAT).find((c) => text(c).includes(`has your request ${id}`)),
      'the requester confirmation',
    );
    expect(text(told)).not.toContain('acme@example.com');
    expect(cardsTo(DESK_CHANNEL).filter((c) => c.method === 'POST')).toHaveLength(1);

    const staff = (aad: string, value: Record<string, unknown>) =>
      send(
        activity({
          from: { id: `29:${aad}`, aadObjectId: aad },
          conversation: { id: DESK_CHANNEL, conversationType: 'channel' },
          value,
        }),
      );
    await staff('STRANGER-AAD', { madoguchi: 'claim', ticket: id });
    await until(() => cardsTo(DESK_CHANNEL).find((c) => text(c).includes('may not claim')), 'the refusal');
    await staff('STAFF-AAD', { madoguchi: 'claim', ticket: id });
    const update = await until(
      () => cardsTo(DESK_CHANNEL).find((c) => c.method === 'PUT'),
      'the card update',
    );
    expect(text(update)).toContain('claimed');
    await until(
      () => cardsTo(CHAT).find((c) => text(c).includes('is now working on your request')),
      'the requester update',
    );
    await staff('STAFF-AAD', { madoguchi: 'resolve', ticket: id, note: 'Meeting booked' });
    await until(() => cardsTo(CHAT).find((c) => text(c).includes('Meeting booked')), 'the resolution');
  });

  it('carries a ticket across platforms: opened in Slack, worked in Teams, requester told in Slack', async () => {
    const sign = (body: string) => {
      const ts = Math.floor(Date.now() / 1000);
      return {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': `v0=${createHmac('sha256', 'secret').update(`v0:${ts}:${body}`).digest('hex')}`,
      };
    };
    const view = {
      id: 'VCROSS1',
      callback_id: 'madoguchi_handoff',
      private_metadata: JSON.stringify({
        channel: 'C0SHARED',
        thread: '1700000500.000100',
        desk: 'sme-support-japan',
        lang: 'en',
      }),
      state: {
        values: {
          company: { value: { value: 'Cross Co' } },
          contact: { value: { value: 'x@example.com' } },
          need: { value: { value: 'Co-investment' } },
        },
      },
    };
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: 'USLACK' }, view }))}`;
    await fetch(`${server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) },
      body,
    });
    const card = await until(
      () => cardsTo(DESK_CHANNEL).find((c) => c.method === 'POST' && text(c).includes('Cross Co')),
      'the Teams desk card',
    );
    const id = /MDG-\d{6}/.exec(text(card))?.[0] ?? '';
    await send(
      activity({
        from: { id: '29:staff', aadObjectId: 'STAFF-AAD' },
        conversation: { id: DESK_CHANNEL, conversationType: 'channel' },
        value: { madoguchi: 'claim', ticket: id },
      }),
    );
    await until(
      () =>
        slack
          .of('chat.postMessage')
          .find(
            (c) =>
              c.params.thread_ts === '1700000500.000100' &&
              String(c.params.text).includes('is now working on your request'),
          ),
      'the Slack requester update',
    );
  });

  it('retries a desk card after 429 and 502 from the connector, posting it once', async () => {
    connector.failNext({ status: 429, retryAfter: 1 }, { status: 502 });
    const submit = activity({
      value: {
        madoguchi: 'handoff',
        desk: 'sme-support-japan',
        lang: 'en',
        company: 'Retry Co',
        contact: 'r@example.com',
        need: 'x',
      },
    });
    await send(submit);
    const posted = () =>
      cardsTo(DESK_CHANNEL).filter((c) => c.method === 'POST' && text(c).includes('Retry Co'));
    await until(() => posted().length >= 3, 'three attempts', 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(posted()).toHaveLength(3);
  }, 20_000);

  it('answers malformed requests with 400 and keeps serving', async () => {
    expect((await fetch(`${server.url}/api/messages`, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await send({ type: 'message', text: 'hi' })).status).toBe(400);
    expect((await send({ ...activity({ text: 'hi' }), serviceUrl: 'javascript:alert(1)' })).status).toBe(400);
    expect((await send(activity({ text: 'hello' }))).status).toBe(200);
  });

  it('shows user text as text, never markup or a mention, and keeps cards small for 100 KB', async () => {
    const a = activity({
      text: `<at>Someone</at> **bold** [link](http://evil.example) ${'What is SBIC? '.repeat(7500)}`,
    });
    await send(a);
    const reply = await until(() => cardsTo(CHAT).find((c) => c.replyTo === a.id), 'the reply');
    expect(JSON.stringify(reply.activity).length).toBeLessThan(28_000);
    expect(text(reply)).not.toContain('evil.example');
  });
});

describe('Teams with an app id', () => {
  it('refuses a request without a Bot Framework token with 401, running nothing', async () => {
    const data = await mkdtemp(join(tmpdir(), 'madoguchi-teams-auth-'));
    const authed = await startServer({
      config: loadConfig({
        PORT: '0',
        MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
        MicrosoftAppPassword: 'pw',
        MADOGUCHI_CONTENT_DIR: repoRoot,
        MADOGUCHI_DATA_DIR: data,
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
    });
    const before = connector.calls.length;
    const res = await fetch(`${authed.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity({ text: 'What is SBIC?' })),
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(connector.calls.length).toBe(before);
    await authed.stop();
    await rm(data, { recursive: true, force: true });
  });
});
