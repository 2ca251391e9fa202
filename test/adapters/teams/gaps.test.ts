import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { copyContent, editDesks, until } from '../../helpers.js';
import { ofType, richTexts, textOf } from './card-helpers.js';
import { type ConnectorCall, type FakeConnector, startFakeConnector } from './fake-connector.js';

const REQUESTER = { id: '29:requester', name: 'Tanaka', aadObjectId: 'REQ-AAD' };
const ADMIN = { id: '29:admin', name: 'Admin', aadObjectId: 'ADMIN-AAD' };
const HOSTILE = [
  '<at>Everyone</at> **Is** a sole proprietorship eligible for the alliance scheme? {{x}}',
  '*is* a sole proprietorship eligable for the _alliance_ scheme',
];
let dir: string;
let connector: FakeConnector;
let app: RunningApp;
let n = 0;

beforeAll(async () => {
  dir = await copyContent('madoguchi-teams-gaps-');
  await editDesks(dir, (d) => {
    d.admins.push(`teams:${ADMIN.aadObjectId}`);
  });
  connector = await startFakeConnector();
  const config = loadConfig({
    PORT: '0',
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(dir, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  app = await startApp({ config, logger: pino({ level: 'silent' }) });
  await app.channelsReady();
});
afterAll(async () => {
  await app?.stop();
  await connector?.close();
  await rm(dir, { recursive: true, force: true });
});

const message = (from: typeof REQUESTER, text: string, chat: string) => ({
  type: 'message',
  id: `act-gaps-${++n}`,
  channelId: 'msteams',
  serviceUrl: connector.serviceUrl,
  timestamp: new Date().toISOString(),
  from,
  recipient: { id: '28:bot', name: 'Madoguchi' },
  conversation: { id: chat, conversationType: 'personal' },
  text,
});
async function send(from: typeof REQUESTER, text: string, chat: string): Promise<ConnectorCall> {
  const a = message(from, text, chat);
  const res = await fetch(`${app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(a),
  });
  expect(res.status).toBeLessThan(300);
  return until(() => connector.calls.find((c) => c.replyTo === a.id), `the reply to ${a.id}`);
}
const cardOf = (c: ConnectorCall) =>
  (c.activity.attachments as Array<{ content: Record<string, unknown> }>)[0]?.content ?? {};

describe('Teams: gaps', () => {
  it('shows an admin the knowledge gaps in a card, questions as literal text runs; refuses anyone else', async () => {
    for (const [i, text] of HOSTILE.entries()) await send(REQUESTER, text, `a:requester-chat-${i}`);
    const card = await until(async () => {
      const c = cardOf(await send(ADMIN, 'gaps', 'a:admin-chat'));
      return textOf(c).includes('questions: 2 ·') ? c : undefined;
    }, 'the gap with both questions');
    expect(textOf(card)).toMatch(/gap-[0-9a-f]{10}/);
    expect(textOf(card)).toContain('closest entry: meti-global-alliance/overview');
    expect(textOf(card)).toContain('kb accept GAP --entry ID');
    // A person's text only in TextRuns (never markdown), the Teams mention and the {{…}} kept as text.
    const quoted = richTexts(card);
    expect(quoted).toContain(
      '“[mention] **Is** a sole proprietorship eligible for the alliance scheme? {{x}}”',
    );
    expect(quoted).toContain('“*is* a sole proprietorship eligable for the _alliance_ scheme”');
    for (const block of ofType(card, 'TextBlock')) expect(String(block.text)).not.toMatch(/proprietorship/);
    // `{{` would be a template for Teams: the run is split between the two braces.
    const runs = ofType(card, 'TextRun').map((r) => String(r.text));
    expect(runs.some((r) => r.endsWith('{'))).toBe(true);
    expect(runs.every((r) => !r.includes('{{'))).toBe(true);

    const refused = cardOf(await send(REQUESTER, 'gaps', 'a:requester-chat-0'));
    expect(textOf(refused)).toBe('Only admins can use gaps.');
  });
});
