import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/core/types.js';
import { type Harness, mention, nextTs, startHarness } from '../adapters/slack/harness.js';
import { type FakeConnector, startFakeConnector } from '../adapters/teams/fake-connector.js';
import { type LocalClient, localClient, raw } from '../adapters/web/client.js';
import { copyContent, until } from '../helpers.js';
import { type Family, labelValues, parsePrometheusText, sampleValue } from './prom-text.js';

/** Every metric the issue names, with its type. */
const NAMED: Record<string, Family['type']> = {
  madoguchi_inquiries_total: 'counter',
  madoguchi_answer_confidence: 'histogram',
  madoguchi_turn_duration_seconds: 'histogram',
  madoguchi_events_deduplicated_total: 'counter',
  madoguchi_tickets_opened_total: 'counter',
  madoguchi_ticket_first_claim_seconds: 'histogram',
  madoguchi_response_target_breaches_total: 'counter',
  madoguchi_outbox_pending: 'gauge',
  madoguchi_outbox_oldest_pending_seconds: 'gauge',
  madoguchi_outbox_deliveries_total: 'counter',
  madoguchi_feedback_total: 'counter',
  madoguchi_content_reloads_total: 'counter',
};

const T0 = Date.parse('2024-05-01T09:00:00Z');

describe('/metrics after a scripted conversation (local mode: the local page and the Teams emulator)', () => {
  let dir: string;
  let app: RunningApp;
  let web: LocalClient;
  let connector: FakeConnector;
  let now = T0;
  const clock: Clock = { now: () => new Date(now) };
  /** Everything the script typed or was given that no label may hold. */
  const secrets: string[] = [];
  let ticketId = '';

  const scrape = async () => {
    const r = await fetch(`${app.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await r.text());
  };
  const json = async (res: Promise<Response>) => {
    const r = await res;
    return { status: r.status, body: await r.json() };
  };
  const ask = (session: string, text: string) => {
    secrets.push(session, `web:${session}`, text);
    return json(web.post('/local/api/ask', { session, text }));
  };
  const teams = (id: string, text: string) =>
    fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id,
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        timestamp: new Date(now).toISOString(),
        from: { id: '29:metrics-requester', name: 'Suzuki', aadObjectId: 'METRICS-REQ-AAD' },
        recipient: { id: '28:bot', name: 'Madoguchi' },
        conversation: { id: 'a:metrics-chat', conversationType: 'personal' },
        text,
      }),
    });

  beforeAll(async () => {
    dir = await copyContent('madoguchi-metrics-');
    connector = await startFakeConnector();
    const config = loadConfig({
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: join(dir, 'data'),
      MADOGUCHI_WATCH: 'false',
    });
    app = await startApp({ config, logger: pino({ level: 'silent' }), clock });
    await app.channelsReady();
    web = await localClient(app.url);
    secrets.push('29:metrics-requester', 'METRICS-REQ-AAD', 'teams:METRICS-REQ-AAD', 'a:metrics-chat');
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exposes exactly the named metrics (and the process defaults), as valid Prometheus text, before any turn', async () => {
    const families = await scrape();
    const ours = [...families.keys()].filter((n) => n.startsWith('madoguchi_')).sort();
    expect(ours).toEqual(Object.keys(NAMED).sort());
    for (const [name, type] of Object.entries(NAMED)) expect(families.get(name)?.type, name).toBe(type);
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(sampleValue(families, 'madoguchi_outbox_pending')).toBe(0);
    expect(sampleValue(families, 'madoguchi_inquiries_total', { platform: 'web' })).toBe(0);
  });

  it('counts the turns, the rating, the ticket and its first claim, a Teams redelivery, the deliveries and a reload', async () => {
    const answer = await ask('metricsAnswer01', 'When did JBIC sign the MOU with Aguascalientes?');
    expect(answer.body.view.action).toBe('answer');
    const fallback = await ask('metricsFallback1', 'What is the weather like on Mars tomorrow?');
    expect(fallback.body.view.action).toBe('fallback');
    const rated = await json(
      web.press({ session: 'metricsAnswer01', payload: answer.body.view.feedback[1].payload, lang: 'en' }),
    );
    expect(rated.body.kind).toBe('notice');

    // A handoff, its form sent: a ticket at the fund's desk.
    const session = 'metricsHandoff01';
    const handoff = await ask(session, 'We would like the SME Growth Support Fund to invest in us');
    expect(handoff.body.view.action).toBe('handoff');
    const form = await json(web.press({ session, payload: handoff.body.view.talk.payload, lang: 'en' }));
    const fields = {
      company: 'Metrics Parts K.K.',
      contact: 'metrics@example.com',
      need: 'Co-investment please',
    };
    secrets.push(...Object.values(fields));
    const sent = await json(
      web.press({ session, payload: form.body.view.submit.payload, lang: 'en', fields }),
    );
    ticketId = sent.body.ticket.id;
    expect(ticketId).toMatch(/^MDG-/);
    secrets.push(ticketId);

    // Claimed ten minutes later by the desk's staff.
    now += 600_000;
    const desk = await json(web.get('/local/api/desk?desk=sme-support-japan&as=web:sme-support-japan-staff'));
    const card = desk.body.tickets.find((t: { card: { id: string } }) => t.card.id === ticketId);
    const claimed = await json(
      web.press({ session, as: 'web:sme-support-japan-staff', payload: card.card.actions.claim.payload }),
    );
    expect(claimed.body.ticket).toEqual({ id: ticketId, status: 'claimed' });
    secrets.push('web:sme-support-japan-staff');

    // Teams delivers one message twice (a retry after a timeout): answered once, the copy turned away.
    expect((await teams('metrics-activity-1', 'What is SBIC?')).status).toBe(200);
    expect((await teams('metrics-activity-1', 'What is SBIC?')).status).toBe(200);
    expect(connector.calls.filter((c) => c.replyTo === 'metrics-activity-1')).toHaveLength(1);
    secrets.push('metrics-activity-1', 'What is SBIC?');

    // Reloads: the same content, a broken file (kept the old), a real change.
    expect(await app.content.reload()).toMatchObject({ ok: true, changed: false });
    const file = join(dir, 'knowledge/jetro-chongqing/summit.md');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('scheme: jetro-chongqing', 'scheme: nowhere'));
    expect(await app.content.reload()).toMatchObject({ ok: false });
    await writeFile(file, `${original}\n`);
    expect(await app.content.reload()).toMatchObject({ ok: true, changed: true });

    // Every notification of the ticket delivered (the local page's inbox and the log): nothing pending.
    const families = await until(async () => {
      const f = await scrape();
      return sampleValue(f, 'madoguchi_outbox_pending') === 0 &&
        sampleValue(f, 'madoguchi_outbox_deliveries_total', { result: 'delivered', channel: 'web' }) >= 2
        ? f
        : undefined;
    }, 'the outbox to drain');

    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
    expect(v('madoguchi_inquiries_total', { platform: 'web', lang: 'en', action: 'answer' })).toBe(1);
    expect(v('madoguchi_inquiries_total', { platform: 'web', lang: 'en', action: 'fallback' })).toBe(1);
    expect(v('madoguchi_inquiries_total', { platform: 'web', lang: 'en', action: 'handoff' })).toBe(1);
    expect(v('madoguchi_inquiries_total', { platform: 'teams', lang: 'en', action: 'answer' })).toBe(1);
    // Answers only: the web one and the Teams one.
    expect(v('madoguchi_answer_confidence_count')).toBe(2);
    expect(v('madoguchi_answer_confidence_sum')).toBeGreaterThanOrEqual(2 * 0.5);
    expect(v('madoguchi_answer_confidence_bucket', { le: '0.4' })).toBe(0);
    expect(v('madoguchi_turn_duration_seconds_count')).toBe(4);
    expect(v('madoguchi_feedback_total', { rating: 'not_helpful' })).toBe(1);
    expect(v('madoguchi_feedback_total', { rating: 'helpful' })).toBe(0);
    expect(v('madoguchi_tickets_opened_total', { desk: 'sme-support-japan' })).toBe(1);
    expect(v('madoguchi_ticket_first_claim_seconds_count', { desk: 'sme-support-japan' })).toBe(1);
    expect(v('madoguchi_ticket_first_claim_seconds_sum', { desk: 'sme-support-japan' })).toBe(600);
    expect(v('madoguchi_ticket_first_claim_seconds_bucket', { desk: 'sme-support-japan', le: '300' })).toBe(
      0,
    );
    expect(v('madoguchi_ticket_first_claim_seconds_bucket', { desk: 'sme-support-japan', le: '900' })).toBe(
      1,
    );
    expect(v('madoguchi_response_target_breaches_total', { desk: 'sme-support-japan' })).toBe(0);
    expect(v('madoguchi_events_deduplicated_total', { platform: 'teams' })).toBe(1);
    expect(v('madoguchi_content_reloads_total', { result: 'unchanged' })).toBe(1);
    expect(v('madoguchi_content_reloads_total', { result: 'rejected' })).toBe(1);
    expect(v('madoguchi_content_reloads_total', { result: 'ok' })).toBe(1);
    expect(v('madoguchi_outbox_deliveries_total', { channel: 'web', result: 'retry' })).toBe(0);
    expect(v('madoguchi_outbox_oldest_pending_seconds')).toBe(0);

    // No label holds an id or a text of the script; every value is from a closed set or the content.
    const values = labelValues(families);
    for (const secret of secrets)
      for (const value of values) {
        expect(value, `label value "${value}"`).not.toBe(secret);
        if (secret.length >= 6) expect(value.includes(secret), `"${value}" holds "${secret}"`).toBe(false);
      }
    const content = app.content.current().content;
    const allowed: Record<string, string[]> = {
      platform: ['slack', 'teams', 'web', 'cli', 'other'],
      lang: ['en', 'ja', 'es', 'zh', 'other'],
      action: ['answer', 'handoff', 'clarify', 'fallback', 'smalltalk', 'other'],
      desk: [...content.desks.desks.map((d) => d.id), 'other'],
      channel: ['slack', 'teams', 'web', 'cli', 'log', 'other'],
      result: ['delivered', 'retry', 'failed', 'ok', 'unchanged', 'rejected'],
      rating: ['helpful', 'not_helpful', 'other'],
    };
    const seen = new Set<string>();
    for (const f of families.values()) {
      if (!f.name.startsWith('madoguchi_')) continue;
      for (const sample of f.samples)
        for (const [label, value] of Object.entries(sample.labels)) {
          seen.add(label);
          if (label === 'le') expect(value).toMatch(/^(\+Inf|\d+(\.\d+)?)$/);
          else expect(allowed[label], `${f.name}{${label}="${value}"}`).toContain(value);
        }
    }
    expect([...seen].sort()).toEqual([
      'action',
      'channel',
      'desk',
      'lang',
      'le',
      'platform',
      'rating',
      'result',
    ]);
  });

  it('serves local mode on loopback only, like the local page: a foreign Host is refused', async () => {
    const r = await raw(app.url, { path: '/metrics', headers: { host: 'evil.example:80' } });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('madoguchi_');
  });
});

describe('/metrics in production (Slack), with the admin token', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { NODE_ENV: 'production', MADOGUCHI_ADMIN_TOKEN: TOKEN } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });
  const get = (headers: Record<string, string> = {}) => fetch(`${h.server.url}/metrics`, { headers });

  it('refuses without the token or with a wrong one, and works with the bearer token', async () => {
    const none = await get();
    expect(none.status).toBe(401);
    const noneBody = await none.text();
    expect(noneBody).toContain('admin token');
    expect(noneBody).not.toContain('madoguchi_');
    expect((await get({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await get({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
    expect((await get({ authorization: TOKEN })).status).toBe(401);
    expect(
      (await get({ authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` })).status,
    ).toBe(401);
    const ok = await get({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(parsePrometheusText(await ok.text()).has('madoguchi_inquiries_total')).toBe(true);
  });

  it("counts Slack's retry of an answered message as deduplicated, and the message once", async () => {
    const ts = nextTs();
    const ev = await h.event(mention('What is SBIC?', ts), 'EvMETRICS1');
    expect(await h.turnEnd(ev)).toBe('answered');
    await h.event(mention('What is SBIC?', ts), ev, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(await h.turnEnd(ev, 2)).toBe('duplicate');
    const r = await get({ authorization: `Bearer ${TOKEN}` });
    const families = parsePrometheusText(await r.text());
    expect(sampleValue(families, 'madoguchi_events_deduplicated_total', { platform: 'slack' })).toBe(1);
    expect(
      sampleValue(families, 'madoguchi_inquiries_total', { platform: 'slack', lang: 'en', action: 'answer' }),
    ).toBe(1);
    for (const value of labelValues(families)) {
      expect(value).not.toMatch(/UREQ|EvMETRICS1|C0SHARED|SBIC\?/);
      expect(value).not.toBe(ts);
    }
  });

  it('is not served at all in production without a token', async () => {
    const dir = await copyContent('madoguchi-metrics-prod-');
    const app = await startApp({
      config: loadConfig({
        NODE_ENV: 'production',
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'secret',
        SLACK_API_URL: h.slack.url,
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: join(dir, 'data'),
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
    });
    try {
      const r = await fetch(`${app.url}/metrics`);
      expect(r.status).toBe(404);
      expect(await r.text()).not.toContain('madoguchi_');
      expect(
        (await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer anything-at-all-here' } }))
          .status,
      ).toBe(404);
    } finally {
      await app.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('/metrics in local mode with a token', () => {
  it('needs the bearer token even from loopback', async () => {
    const dir = await copyContent('madoguchi-metrics-token-');
    const token = 'local-metrics-token-0123456789';
    const app = await startApp({
      config: loadConfig({
        PORT: '0',
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: join(dir, 'data'),
        MADOGUCHI_WATCH: 'false',
        MADOGUCHI_ADMIN_TOKEN: token,
      }),
      logger: pino({ level: 'silent' }),
    });
    try {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
    } finally {
      await app.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
