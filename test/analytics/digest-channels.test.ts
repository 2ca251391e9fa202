import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import nock from 'nock';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceStore } from '../../src/adapters/teams/references.js';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type FakeSlack, startFakeSlack } from '../adapters/slack/fake-slack.js';
import { ofType, richTexts } from '../adapters/teams/card-helpers.js';
import { type FakeConnector, startFakeConnector } from '../adapters/teams/fake-connector.js';
import { copyContent, until } from '../helpers.js';
import {
  ADMIN_SLACK,
  ADMIN_TEAMS,
  configureDigest,
  DUE,
  HOSTILE,
  journalBulletins,
  seedTurns,
  WEEK,
  weekRecords,
} from './digest-fixtures.js';

/**
 * The digest to an admins' channel in Slack and one in Teams, each its own delivery: the real server
 * with Slack (loopback fake Web API) and authenticated Teams (loopback fake connector; Microsoft's
 * token endpoint played by nock, as in the Teams tests).
 */
const APP_ID = '00000000-0000-0000-0000-000000000005';
let now = DUE + 5 * 60_000;
const clock = { now: () => new Date(now) };
let dir: string;
let slack: FakeSlack;
let connector: FakeConnector;
let app: RunningApp;

beforeAll(async () => {
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
    .reply(200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: 'outbound' });

  slack = await startFakeSlack();
  connector = await startFakeConnector();
  dir = await copyContent('madoguchi-digest-channels-');
  await configureDigest(dir, {
    admin_channel: { slack_channel: ADMIN_SLACK, teams_conversation: ADMIN_TEAMS, lang: 'en' },
    digest: { weekday: 'monday', hour: 9, timezone: 'Asia/Tokyo' },
  });
  const dataDir = join(dir, 'data');
  const turns = await createJournalTurnStore({ dataDir });
  await seedTurns(turns, weekRecords());
  await turns.close();
  // The bot was added to the admins' Teams channel before: its conversation reference is known.
  const refs = await createReferenceStore(join(dataDir, 'teams-references.journal'));
  await refs.remember({
    serviceUrl: connector.serviceUrl,
    channelId: 'msteams',
    conversation: { id: ADMIN_TEAMS, isGroup: true, conversationType: 'channel' },
    bot: { id: `28:${APP_ID}`, name: 'Madoguchi' },
  } as Parameters<typeof refs.remember>[0]);
  app = await startApp({
    config: loadConfig({
      PORT: '0',
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'app-password',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_API_URL: slack.url,
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: dataDir,
      MADOGUCHI_WATCH: 'false',
    }),
    logger: pino({ level: 'silent' }),
    clock,
  });
});
afterAll(async () => {
  await app?.stop();
  await connector?.close();
  await slack?.close();
  nock.cleanAll();
  nock.restore();
  await rm(dir, { recursive: true, force: true });
});

const deliveries = async () =>
  new Map(
    ((await journalBulletins(join(dir, 'data'))).get(`digest:${WEEK}`)?.outbox ?? []).map((d) => [
      d.channel,
      d,
    ]),
  );

describe("the digest in the admins' Slack and Teams channels", () => {
  it('a failing Teams delivery holds back nothing: Slack is posted while Teams waits for its retry', async () => {
    // The connector answers 502 to the admins' channel: to the first attempt and the three retries
    // botbuilder's client makes within it.
    connector.failNext(...Array.from({ length: 4 }, () => ({ status: 502, conversation: ADMIN_TEAMS })));
    await app.periodic();
    const first = await until(async () => {
      const d = await deliveries();
      return d.get('slack')?.status === 'delivered' && (d.get('teams')?.attempts ?? 0) > 0 ? d : undefined;
    }, 'the Slack delivery done and the Teams one tried');
    expect(first.get('teams')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'the connector returned no activity id for the digest',
    });
    expect(connector.calls.filter((c) => c.conversation === ADMIN_TEAMS)).toHaveLength(4);
    expect(slack.of('chat.postMessage').filter((c) => c.params.channel === ADMIN_SLACK)).toHaveLength(1);
    expect(Date.parse(first.get('teams')?.nextAttemptAt ?? '')).toBeGreaterThan(now);
  });

  it('Teams gets the digest once its connector answers again (after the back-off); Slack is not posted again', async () => {
    // Not before its back-off: the clock has not moved, so nothing more was attempted.
    expect((await deliveries()).get('teams')?.attempts).toBe(1);
    now += 10 * 60_000;
    const teams = await until(async () => {
      const d = (await deliveries()).get('teams');
      return d?.status === 'delivered' ? d : undefined;
    }, 'the Teams delivery');
    expect(teams.attempts).toBe(2);
    const posts = connector.calls.filter(
      (c) => c.method === 'POST' && c.conversation === ADMIN_TEAMS && c.activity.attachments,
    );
    const delivered = posts.at(-1)?.activity as { attachments: Array<{ content: unknown }>; summary: string };
    const card = delivered.attachments[0]?.content;
    expect(delivered.summary).toMatch(/^Weekly digest: \d+ inquiries/);
    // A gap's example is in a TextRun (shown literally), never in a TextBlock (Teams reads those as markdown).
    expect(richTexts(card)).toContain(HOSTILE);
    for (const block of ofType(card, 'TextBlock')) expect(String(block.text)).not.toContain('land permits');
    expect(slack.of('chat.postMessage').filter((c) => c.params.channel === ADMIN_SLACK)).toHaveLength(1);
  });
});
