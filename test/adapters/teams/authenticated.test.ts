import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import nock from 'nock';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { copyContent, editDesks, until } from '../../helpers.js';
import { type FakeSlack, startFakeSlack } from '../slack/fake-slack.js';
import { richTexts, textOf } from './card-helpers.js';
import { type ConnectorCall, type FakeConnector, startFakeConnector } from './fake-connector.js';

/**
 * `/api/messages` with an app id, end to end through the real CloudAdapter: Microsoft's OpenID metadata,
 * signing keys and token endpoint are played by nock (botbuilder fetches them over HTTPS), tokens are
 * signed with a key of the test's own, and the connector is the loopback fake.
 */
const APP_ID = '00000000-0000-0000-0000-000000000001';
const DESK_CHANNEL = '19:fund@thread.tacv2';
const SECRET = 'test-signing-secret';
const KID = 'test-key-1';
let dir: string;
let connector: FakeConnector;
let slack: FakeSlack;
let app: RunningApp;
let n = 0;
/** Whether Microsoft's key endpoints answer; how often the bot asked them. */
let keysUp = false;
let keyFetches = 0;

const own = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function token(
  claims: Record<string, unknown> = {},
  opts: { header?: Record<string, unknown>; key?: KeyObject; signature?: string } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(opts.header ?? { alg: 'RS256', typ: 'JWT', kid: KID });
  const body = b64({
    iss: 'https://api.botframework.com',
    aud: APP_ID,
    nbf: now - 60,
    exp: now + 3600,
    serviceurl: connector.serviceUrl,
    ...claims,
  });
  const signature =
    opts.signature ??
    sign('RSA-SHA256', Buffer.from(`${head}.${body}`), opts.key ?? own.privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

beforeAll(async () => {
  nock('https://login.botframework.com')
    .persist()
    .get('/v1/.well-known/openidconfiguration')
    .reply(() => {
      keyFetches++;
      return keysUp
        ? [
            200,
            {
              issuer: 'https://api.botframework.com',
              jwks_uri: 'https://login.botframework.com/v1/.well-known/keys',
            },
          ]
        : [500, 'down'];
    })
    .get('/v1/.well-known/keys')
    .reply(() => [
      200,
      {
        keys: [
          { ...own.publicKey.export({ format: 'jwk' }), kid: KID, use: 'sig', endorsements: ['msteams'] },
        ],
      },
    ]);
  // The bot's own token for the connector (MSAL's client-credentials flow).
  const tenant = 'https://login.microsoftonline.com/botframework.com';
  nock('https://login.microsoftonline.com')
    .persist()
    .get(/discovery\/instance/)
    .reply(200, {
      tenant_discovery_endpoint: `${tenant}/v2.0/.well-known/openid-configuration`,
      metadata: [
        {
          preferred_network: 'login.microsoftonline.com',
          preferred_cache: 'login.windows.net',
          aliases: ['login.microsoftonline.com', 'login.windows.net'],
        },
      ],
    })
    .get(/openid-configuration/)
    .reply(200, {
      token_endpoint: `${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
      issuer: 'https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0',
      jwks_uri: `${tenant}/discovery/v2.0/keys`,
    })
    .post(/oauth2\/v2\.0\/token/)
    .reply(200, {
      token_type: 'Bearer',
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: 'outbound-token',
    });

  dir = await copyContent('madoguchi-teams-auth-');
  await editDesks(dir, (d) => {
    const fund = d.desks.find((x) => x.id === 'sme-support-japan');
    if (!fund) throw new Error('test desk missing');
    fund.staff.push('teams:STAFF-AAD');
    fund.notify = { teams_conversation: DESK_CHANNEL };
    fund.lang = 'en';
  });
  connector = await startFakeConnector();
  slack = await startFakeSlack();
  const config = loadConfig({
    PORT: '0',
    MicrosoftAppId: APP_ID,
    MicrosoftAppPassword: 'app-password',
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(dir, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  expect(config.teams.mode).toBe('authenticated');
  app = await startApp({ config, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await app?.stop();
  await connector?.close();
  await slack?.close();
  nock.cleanAll();
  nock.restore();
  await rm(dir, { recursive: true, force: true });
});

function activity(fields: Record<string, unknown> = {}) {
  return {
    type: 'message',
    id: `act-${++n}`,
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: '29:requester', name: 'Tanaka', aadObjectId: 'REQ-AAD' },
    recipient: { id: `28:${APP_ID}`, name: 'Madoguchi' },
    conversation: { id: 'a:chat-1', conversationType: 'personal' },
    text: 'What is SBIC?',
    ...fields,
  };
}
const send = (body: unknown, authorization?: string) =>
  fetch(`${app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
const cardOf = (c: ConnectorCall | undefined) =>
  (c?.activity.attachments as Array<{ content: unknown }> | undefined)?.[0]?.content;

describe('Teams with an app id', () => {
  it('refuses a token that is wrong on its face with 401, before any key fetch, running nothing', async () => {
    const hs256 = (() => {
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: KID });
      const body = b64({
        iss: 'https://api.botframework.com',
        aud: APP_ID,
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      return `${head}.${body}.${createHmac('sha256', 'app-password').update(`${head}.${body}`).digest('base64url')}`;
    })();
    const refused = [
      undefined,
      'Basic abc',
      'Bearer not-a-jwt',
      `Bearer ${token({}, { header: { alg: 'none', typ: 'JWT', kid: KID }, signature: '' })}`,
      `Bearer ${hs256}`,
      `Bearer ${token({ aud: 'someone-else' })}`,
      `Bearer ${token({ iss: 'https://evil.example' })}`,
      `Bearer ${token({ exp: Math.floor(Date.now() / 1000) - 3600 })}`,
    ];
    for (const authorization of refused) {
      const res = await send(activity(), authorization);
      expect(res.status, authorization).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
    expect(keyFetches).toBe(0);
    expect(connector.calls).toEqual([]);
  });

  it('answers 503 with Retry-After, and no internal text, while the signing keys cannot be fetched', async () => {
    const res = await send(activity(), `Bearer ${token()}`);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await res.text();
    expect(body).not.toMatch(/Failed to load|openID|stack|at /);
    expect(keyFetches).toBeGreaterThan(0);
    expect(connector.calls).toEqual([]);
  });

  it('refuses a token the keys do not verify with 401, and serves one they do', async () => {
    keysUp = true;
    const forged = await send(activity(), `Bearer ${token({}, { key: other.privateKey })}`);
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toMatch(/invalid signature|jwt/i);
    const wrongUrl = await send(
      activity(),
      `Bearer ${token({ serviceurl: 'https://smba.elsewhere.example/' })}`,
    );
    expect(wrongUrl.status).toBe(401);
    expect(connector.calls).toEqual([]);

    const a = activity({ text: 'What is SBIC?' });
    expect((await send(a, `Bearer ${token()}`)).status).toBe(200);
    const reply = connector.calls.find((c) => c.replyTo === a.id);
    expect(reply?.authorization).toBe('Bearer outbound-token');
    expect(textOf(cardOf(reply))).toContain('SBIC');
  });

  it('carries a ticket across platforms: opened in Slack, worked in Teams, the requester told in Slack', async () => {
    await send(
      activity({
        type: 'conversationUpdate',
        conversation: { id: DESK_CHANNEL, conversationType: 'channel' },
        membersAdded: [{ id: `28:${APP_ID}` }],
      }),
      `Bearer ${token()}`,
    );
    const signed = (body: string) => {
      const ts = Math.floor(Date.now() / 1000);
      return {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
      };
    };
    const view = {
      id: 'VCROSS1',
      callback_id: 'madoguchi_handoff',
      private_metadata: JSON.stringify({
        k: 'handoff',
        desk: 'sme-support-japan',
        lang: 'en',
        key: 'form-cross-1',
        channel: 'C0SHARED',
        thread: '1700000500.000100',
      }),
      state: {
        values: {
          company: { value: { value: 'Cross Co' } },
          contact: { value: { value: 'x_y@example.com' } },
          need: { value: { value: 'Co-investment' } },
        },
      },
    };
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: 'USLACK' }, view }))}`;
    await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed(body) },
      body,
    });
    const card = await connector.waitFor(
      (c) =>
        c.conversation === DESK_CHANNEL &&
        c.method === 'POST' &&
        JSON.stringify(c.activity).includes('Cross Co'),
      'the Teams desk card',
    );
    expect(richTexts(cardOf(card))).toContain('x_y@example.com');
    const id = /MDG-\d{6}/.exec(JSON.stringify(card.activity))?.[0] ?? '';
    await send(
      activity({
        from: { id: '29:staff', name: 'Aiko Sato', aadObjectId: 'STAFF-AAD' },
        conversation: { id: `${DESK_CHANNEL};messageid=${card.activity.id}`, conversationType: 'channel' },
        value: { madoguchi: { k: 'act', a: 'claim', ticket: id } },
      }),
      `Bearer ${token()}`,
    );
    await until(
      () =>
        slack
          .of('chat.postMessage')
          .find(
            (c) =>
              c.params.thread_ts === '1700000500.000100' &&
              JSON.stringify(c.params).includes('is now working on your request'),
          ),
      'the Slack requester update',
    );
  });
});
