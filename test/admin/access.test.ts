import { request } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startFakeSlack } from '../adapters/slack/fake-slack.js';
import { copyContent, tempDirs } from '../helpers.js';

const TOKEN = 'admin-token-0123456789abcdef';
const logger = pino({ level: 'silent' });
const temp = tempDirs('madoguchi-admin-access-');

let content: string;
let slack: Awaited<ReturnType<typeof startFakeSlack>>;
const apps: RunningApp[] = [];

/** The real server: production with Slack (against a loopback fake Web API), or local mode; with or without the admin token. */
async function boot(mode: 'production' | 'local', token?: string): Promise<RunningApp> {
  const data = await temp();
  const env: Record<string, string> = {
    PORT: '0',
    MADOGUCHI_CONTENT_DIR: content,
    MADOGUCHI_DATA_DIR: join(data, 'data'),
    MADOGUCHI_WATCH: 'false',
    ...(token ? { MADOGUCHI_ADMIN_TOKEN: token } : {}),
    ...(mode === 'production'
      ? {
          NODE_ENV: 'production',
          SLACK_BOT_TOKEN: 'xoxb-test',
          SLACK_SIGNING_SECRET: 'secret',
          SLACK_API_URL: slack.url,
        }
      : {}),
  };
  const app = await startApp({ config: loadConfig(env), logger });
  apps.push(app);
  return app;
}

/** A GET with exactly these headers (fetch would add its own Host and others). */
function get(app: RunningApp, path: string, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: app.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}
const host = (app: RunningApp) => ({ host: `127.0.0.1:${app.port}` });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  content = await copyContent('madoguchi-admin-content-');
  slack = await startFakeSlack();
}, 30_000);
afterAll(async () => {
  for (const app of apps) await app.stop();
  await slack?.close();
});

describe('/admin in production with MADOGUCHI_ADMIN_TOKEN', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await boot('production', TOKEN);
  }, 30_000);

  it('refuses a request without the token, even from loopback, and says what it needs', async () => {
    const res = await get(app, '/admin', host(app));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({
      error: 'this view needs the admin token (Authorization: Bearer …)',
    });
    expect(res.body).not.toContain('<html');
  });

  it.each([
    ['a wrong token', bearer('admin-token-0123456789abcdeX')],
    ['a prefix of the token', bearer(TOKEN.slice(0, -1))],
    ['the token and more', bearer(`${TOKEN}0`)],
    ['the token as Basic', { authorization: `Basic ${TOKEN}` }],
    ['the token in another header', { 'x-admin-token': TOKEN }],
  ])('refuses %s', async (_what, headers) => {
    const res = await get(app, '/admin', { ...host(app), ...headers });
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('<html');
  });

  it('refuses the token in the query string', async () => {
    expect((await get(app, `/admin?token=${TOKEN}`, host(app))).status).toBe(401);
  });

  it('serves the dashboard for the right bearer token, whatever the Host, with a strict CSP and no script', async () => {
    const res = await get(app, '/admin', { host: 'admin.example.com', ...bearer(TOKEN) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<h1>Madoguchi: how the desk is doing</h1>');
    expect(res.body).toContain('id="chart-actions"');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(csp).not.toMatch(/unsafe|script-src|\*/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toMatch(/<script|\son[a-z]+=|style="/i);
  });
});

describe('/admin in production without a token', () => {
  it('is not served at all, not even to a request that brings a token', async () => {
    const app = await boot('production');
    for (const headers of [host(app), { ...host(app), ...bearer(TOKEN) }]) {
      const res = await get(app, '/admin', headers);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ error: 'not found' });
    }
  }, 30_000);
});

describe('/admin in local mode', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await boot('local');
  }, 30_000);

  it('serves the dashboard on loopback without a token', async () => {
    const res = await get(app, '/admin', host(app));
    expect(res.status).toBe(200);
    expect(res.body).toContain('id="summary"');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'/);
  });

  it('refuses a foreign Host (DNS rebinding) and a cross-site request, as the local page does', async () => {
    expect((await get(app, '/admin', { host: 'evil.example' })).status).toBe(403);
    expect((await get(app, '/admin', { ...host(app), origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(app, '/admin', { ...host(app), 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('answers a bad query with every problem, escaped, and no figures', async () => {
    const res = await get(
      app,
      '/admin?from=2025-02-30&to=soon&platform=fax&lang=%3Cb%3E&scheme=nope',
      host(app),
    );
    expect(res.status).toBe(400);
    const problems = [...res.body.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
    expect(problems).toEqual([
      'from: expected a date YYYY-MM-DD, got &quot;2025-02-30&quot;',
      'to: expected a date YYYY-MM-DD, got &quot;soon&quot;',
      'lang: there is no &quot;&lt;b&gt;&quot; to choose',
      'platform: there is no &quot;fax&quot; to choose',
      'scheme: there is no &quot;nope&quot; to choose',
    ]);
    expect(res.body).not.toContain('id="summary"');
    // The form keeps what was typed, so it can be corrected.
    expect(res.body).toContain('name="from" value="2025-02-30"');
  });

  it('refuses a period that ends before it starts or is longer than a year', async () => {
    const back = await get(app, '/admin?from=2025-03-10&to=2025-03-01', host(app));
    expect(back.status).toBe(400);
    expect(back.body).toContain('The period ends before it starts.');
    const long = await get(app, '/admin?from=2023-01-01&to=2025-01-01', host(app));
    expect(long.status).toBe(400);
    expect(long.body).toContain('The period is longer than 366 days.');
  });

  it('writes the page in the language asked for', async () => {
    const res = await get(app, '/admin?ui=ja', host(app));
    expect(res.status).toBe(200);
    expect(res.body).toContain('<html lang="ja">');
    expect(res.body).toContain('<h1>窓口の状況（Madoguchi）</h1>');
  });
});

describe('/admin in local mode with a token', () => {
  it('needs the bearer token there too', async () => {
    const app = await boot('local', TOKEN);
    expect((await get(app, '/admin', host(app))).status).toBe(401);
    expect((await get(app, '/admin', { ...host(app), ...bearer('wrong-token-0123456789abc') })).status).toBe(
      401,
    );
    expect((await get(app, '/admin', { ...host(app), ...bearer(TOKEN) })).status).toBe(200);
  }, 30_000);
});
