import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { type LocalClient, localClient } from './adapters/web/client.js';
import { copyContent, repoRoot } from './helpers.js';

let dir: string;
let server: RunningApp;
let client: LocalClient;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  dir = await copyContent('madoguchi-server-');
  const config = loadConfig({
    PORT: '0',
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(dir, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  server = await startApp({ config, logger });
  client = await localClient(server.url);
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${server.url}${path}`);

describe('the server', () => {
  it('answers /healthz and /readyz with the content and ticket status', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      knowledgeEntries: expect.any(Number),
      channels: expect.arrayContaining(['web']),
    });
  });

  it('serves the local page and rejects bad requests with a JSON error and no stack trace', async () => {
    const page = await get('/');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Madoguchi');
    const headers = { 'content-type': 'application/json', 'x-madoguchi-token': client.token };
    const bad = await fetch(`${server.url}/local/api/ask`, { method: 'POST', headers, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'request body is not valid JSON' });
    const missing = await client.post('/local/api/ask', { session: 'short', text: 1 });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatch(/session/);
    const big = await client.post('/local/api/ask', { session: 'abcdefgh12', text: 'x'.repeat(1_100_000) });
    expect(big.status).toBe(413);
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('never answers 404 on an enabled channel once ready: the Teams emulator route says 503 until it is mounted', async () => {
    const data = await mkdtemp(join(tmpdir(), 'madoguchi-ready-'));
    const config = loadConfig({
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: data,
      MADOGUCHI_WATCH: 'false',
    });
    const app = await startApp({ config, logger });
    try {
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
      const early = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect([400, 503]).toContain(early.status);
      if (early.status === 503) expect(early.headers.get('retry-after')).toBe('1');
      await app.channelsReady();
      const later = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(later.status).toBe(400);
    } finally {
      await app.stop();
      await rm(data, { recursive: true, force: true });
    }
  });

  it('reloads content: a broken file keeps the old answers and readiness reports the rejection', async () => {
    const file = join(dir, 'knowledge/jetro-chongqing/summit.md');
    const original = await readFile(file, 'utf8');
    const question = {
      session: 'reload012345',
      text: 'When was the 5th International Trade in Services Summit held?',
    };
    let failures = 0;
    let stop = false;
    const flow = (async () => {
      let n = 0;
      while (!stop || n < 200) {
        const r = await client.post('/local/api/ask', {
          ...question,
          session: `reload${String(n).padStart(6, '0')}`,
        });
        if (r.status !== 200 || !(await r.json()).view.text.includes('October 30 and 31')) failures++;
        n++;
        if (n >= 200 && stop) break;
      }
      return n;
    })();
    await writeFile(file, original.replace('scheme: jetro-chongqing', 'scheme: chongqing'));
    const rejected = await server.content.reload();
    expect(rejected).toMatchObject({
      ok: false,
      problems: [
        expect.stringMatching(/summit\.md:3: scheme: must be the programme folder.s name "jetro-chongqing"/),
      ],
    });
    const ready = await (await get('/readyz')).json();
    expect(ready.rejected.problems[0]).toMatch(/summit\.md:3: scheme/);
    await writeFile(
      file,
      original.replace(/(## en\n[^\n]*?)October 30 and 31/, '$1October 30 and 31 (two days)'),
    );
    expect(await server.content.reload()).toMatchObject({ ok: true, changed: true });
    stop = true;
    const sent = await flow;
    expect(sent).toBeGreaterThanOrEqual(200);
    expect(failures).toBe(0);
    expect((await (await get('/readyz')).json()).rejected).toBeUndefined();
    const after = await (await client.post('/local/api/ask', question)).json();
    expect(after.view.text).toContain('(two days)');
    await writeFile(file, original);
    await server.content.reload();
  });
});

describe('the process', () => {
  it('starts with `npm start`-style wiring and exits 0 on SIGTERM', async () => {
    const data = await mkdtemp(join(tmpdir(), 'madoguchi-proc-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: '0',
        MADOGUCHI_DATA_DIR: data,
        LOG_LEVEL: 'info',
        MADOGUCHI_WATCH: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    // The first start on an empty data directory trains the models; under a loaded machine that takes a while.
    for (let i = 0; i < 800 && !out.includes('running in local mode'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('running in local mode');
    const url = /"url":"([^"]+)"/.exec(out)?.[1];
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('Madoguchi stopped');
    await rm(data, { recursive: true, force: true });
  }, 60_000);

  it('refuses to start on invalid configuration, listing the problems', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production', PORT: 'x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toContain('PORT:');
    expect(err).not.toMatch(/\n\s+at /);
  }, 30_000);
});
