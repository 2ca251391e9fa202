import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Content } from '../../src/content/types.js';
import { inLang } from '../../src/content/types.js';
import type { Clock } from '../../src/core/types.js';
import { type LocalClient, localClient } from '../adapters/web/client.js';
import { copyContent, realContent, tempDirs } from '../helpers.js';

/**
 * The stale line, through the real server: the Chongqing entries are as of 2013-10-31 and reviewed every
 * 365 days, so they turn stale between 2014-10-31 and 2014-11-01. The app's clock is moved across it.
 */
const temp = tempDirs('madoguchi-stale-reply-');
let content: Content;
let dir: string;
let app: RunningApp;
let client: LocalClient;
let now = new Date('2014-10-31T09:00:00Z');
const clock: Clock = { now: () => now };

beforeAll(async () => {
  content = await realContent();
  dir = await copyContent('madoguchi-stale-reply-content-');
  const data = await temp();
  const config = loadConfig({
    PORT: '0',
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(data, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  app = await startApp({ config, logger: pino({ level: 'silent' }), clock });
  client = await localClient(app.url);
});
afterAll(async () => {
  await app?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface AskedView {
  view: { action: string; lang: string; text: string; asOf?: string };
  debug: { entries: string[] };
}
let sessions = 0;
async function ask(text: string): Promise<AskedView> {
  const r = await client.post('/local/api/ask', { session: `stale-session-${sessions++}`, text });
  expect(r.status).toBe(200);
  return (await r.json()) as AskedView;
}

const signing = () => {
  const entry = content.knowledge.find((e) => e.id === 'jetro-chongqing/signing');
  if (!entry) throw new Error('jetro-chongqing/signing is missing');
  return entry;
};
/** What the stale line says, by hand, in each language: date as that language writes it, the programme's first desk. */
const EXPECTED: Record<string, string> = {
  en: 'This is as of October 31, 2013; JETRO — Chongqing cooperation can confirm what applies today.',
  ja: 'この情報は2013年10月31日時点のものです。現在の取り扱いはJETRO（重慶市との協力）にご確認ください。',
  es: 'Esta información es al 31 de octubre de 2013; JETRO — cooperación con Chongqing puede confirmar lo que se aplica hoy.',
  zh: '以上信息截至2013年10月31日；JETRO（与重庆市的合作）可确认目前适用的规定。',
};

describe('answers from a stale entry say so, in the reply language', () => {
  it.each(['en', 'ja', 'es', 'zh'])(
    '%s: no line while within review, one line once past it',
    async (lang) => {
      const question = signing().questions[lang]?.[0];
      if (!question) throw new Error(`no ${lang} question`);
      const body = inLang(signing().body, lang);

      now = new Date('2014-10-31T23:00:00Z');
      const fresh = await ask(question);
      expect(fresh.view).toMatchObject({ action: 'answer', lang });
      expect(fresh.debug.entries[0]).toBe('jetro-chongqing/signing');
      expect(fresh.view.text).toBe(body);
      expect(fresh.view.asOf).toContain('2013');

      now = new Date('2014-11-01T01:00:00Z');
      const stale = await ask(question);
      expect(stale.view).toMatchObject({ action: 'answer', lang });
      expect(stale.view.text).toBe(`${body}\n\n${EXPECTED[lang]}`);
      // The line carries the date; the separate "as of" footer is not repeated.
      expect(stale.view.asOf).toBeUndefined();
      // The desk is named as the reply's language names it.
      const desk = content.desks.desks.find((d) => d.id === 'jetro-chongqing');
      expect(stale.view.text).toContain(desk ? inLang(desk.name, lang) : '?');
    },
  );

  it('only entries past review get it: a JBIC answer (as of 2015-10-26) on the same day has none', async () => {
    now = new Date('2014-11-01T01:00:00Z');
    const r = await ask('When was the JBIC Aguascalientes MOU signed?');
    expect(r.debug.entries[0]).toBe('jbic-aguascalientes/signing');
    expect(r.view.text).not.toMatch(/can confirm what applies today/);
    expect(r.view.asOf).toBe('As of October 26, 2015');

    now = new Date('2016-10-26T00:00:00Z');
    const later = await ask('When was the JBIC Aguascalientes MOU signed?');
    expect(later.view.text).toMatch(
      /\n\nThis is as of October 26, 2015; JBIC \(Japan Bank for International Cooperation\) can confirm what applies today\.$/,
    );
  });

  it('replies that are not answers never get it', async () => {
    now = new Date('2030-01-01T00:00:00Z');
    const fallback = await ask('What is the weather like on Mars tomorrow?');
    expect(fallback.view.action).not.toBe('answer');
    expect(fallback.view.text).not.toMatch(/can confirm what applies today/);
  });
});
