import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startFakeConnector } from '../adapters/teams/fake-connector.js';
import { localClient } from '../adapters/web/client.js';
import { copyContent, until } from '../helpers.js';
import { describePg, freshDatabase } from '../pg/helpers.js';
import { parsePrometheusText, sampleValue } from './prom-text.js';

describePg('/metrics with DATABASE_URL', () => {
  it('counts per replica, reads the shared backlog, and sees a redelivery on the shared seen store', async () => {
    const db = await freshDatabase();
    const dir = await copyContent('madoguchi-metrics-pg-');
    const connector = await startFakeConnector();
    const config = (data: string) =>
      loadConfig({
        PORT: '0',
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: join(dir, data),
        MADOGUCHI_WATCH: 'false',
        DATABASE_URL: db.url,
      });
    const logger = pino({ level: 'silent' });
    const [a, b] = await Promise.all([
      startApp({ config: config('a'), logger }),
      startApp({ config: config('b'), logger }),
    ]);
    if (!a || !b) throw new Error('no apps');
    try {
      await Promise.all([a.channelsReady(), b.channelsReady()]);
      const scrape = async (url: string) => parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
      const web = await localClient(a.url);
      const session = 'metricsPgSession1';
      const asked = await (
        await web.post('/local/api/ask', {
          session,
          text: 'We would like the SME Growth Support Fund to invest in us',
        })
      ).json();
      const form = await (await web.press({ session, payload: asked.view.talk.payload, lang: 'en' })).json();
      const sent = await web.press({
        session,
        payload: form.view.submit.payload,
        lang: 'en',
        fields: { company: 'PG Parts', contact: 'pg@example.com', need: 'Investment' },
      });
      expect(sent.status).toBe(200);

      // One Teams message delivered to replica a, then redelivered to replica b: b turns it away.
      const activity = {
        type: 'message',
        id: 'metrics-pg-activity',
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: '29:pg-requester', name: 'Mori', aadObjectId: 'PG-REQ' },
        recipient: { id: '28:bot', name: 'Madoguchi' },
        conversation: { id: 'a:pg-chat', conversationType: 'personal' },
        text: 'What is SBIC?',
      };
      for (const app of [a, b])
        await fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity),
        });

      const fa = await until(async () => {
        const f = await scrape(a.url);
        return sampleValue(f, 'madoguchi_outbox_pending') === 0 ? f : undefined;
      }, 'the shared outbox to drain');
      const fb = await scrape(b.url);
      expect(sampleValue(fa, 'madoguchi_tickets_opened_total', { desk: 'sme-support-japan' })).toBe(1);
      // Counters are per replica: b opened nothing, answered nothing, and turned the copy away.
      expect(sampleValue(fb, 'madoguchi_tickets_opened_total', { desk: 'sme-support-japan' })).toBe(0);
      expect(sampleValue(fa, 'madoguchi_inquiries_total', { platform: 'teams', action: 'answer' })).toBe(1);
      expect(sampleValue(fb, 'madoguchi_inquiries_total', { platform: 'teams', action: 'answer' })).toBe(0);
      expect(sampleValue(fa, 'madoguchi_events_deduplicated_total', { platform: 'teams' })).toBe(0);
      expect(sampleValue(fb, 'madoguchi_events_deduplicated_total', { platform: 'teams' })).toBe(1);
      // The backlog gauge is the shared queue's: the same on both.
      expect(sampleValue(fb, 'madoguchi_outbox_pending')).toBe(0);
      expect(sampleValue(fb, 'madoguchi_outbox_oldest_pending_seconds')).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await connector.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
