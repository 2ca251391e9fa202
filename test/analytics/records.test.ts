import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../src/analytics/record.js';
import type { TurnRecord } from '../../src/analytics/types.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { eventBody, type Harness, JSON_TYPE, mention, startHarness } from '../adapters/slack/harness.js';
import { type LocalClient, localClient } from '../adapters/web/client.js';
import { repoRoot, tempDirs, until } from '../helpers.js';
import { describePg, freshDatabase } from '../pg/helpers.js';

const tempDir = tempDirs('madoguchi-records-');

const EMAIL = 'taro.yamada@kuroshio-seimitsu.example';
const PHONE = '090-1234-5678';
const COMPANY = 'Kuroshio Seimitsu Kogyo';
const SESSION = 'recordsSession01';
const OTHER = 'recordsSession02';
const DAY = 86_400_000;

/** A clock the test moves: retention is tested by moving it past the period, not by waiting. */
function movableClock() {
  let now = Date.parse('2026-04-01T09:00:00Z');
  return { clock: { now: () => new Date(now) }, advance: (ms: number) => (now += ms) };
}

async function start(env: Record<string, string>, clock: { now: () => Date }) {
  const dataDir = await tempDir();
  const app = await startApp({
    config: loadConfig({
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: repoRoot,
      MADOGUCHI_DATA_DIR: dataDir,
      MADOGUCHI_WATCH: 'false',
      ...env,
    }),
    logger: pino({ level: 'silent' }),
    clock,
  });
  return { app, dataDir, web: await localClient(app.url) };
}

const json = async (res: Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: await r.json() };
};

/**
 * The scripted conversation, through the local page's API as the page sends it: an answer rated Not
 * helpful, a fallback, a clarify; in a second conversation an answer whose question holds an e-mail
 * address and a phone number, then a handoff whose contact field holds them too.
 */
async function converse(web: LocalClient, advance: (ms: number) => void) {
  const ask = async (session: string, text: string) => {
    advance(1_000);
    const r = await json(web.post('/local/api/ask', { session, text }));
    expect(r.status).toBe(200);
    return r.body.view;
  };
  // Asked first: after an answer about one MOU, it would read as a follow-up about that one.
  expect((await ask(SESSION, 'When was the MOU signed?')).action).toBe('clarify');
  const answered = await ask(SESSION, 'When was the JBIC MOU with Aguascalientes signed?');
  expect(answered.action).toBe('answer');
  const notHelpful = answered.feedback.find((b: { payload: { r: string } }) => b.payload.r === 'not_helpful');
  expect((await json(web.press({ session: SESSION, payload: notHelpful.payload, lang: 'en' }))).status).toBe(
    200,
  );
  expect((await ask(SESSION, "What's the weather in Tokyo?")).action).toBe('fallback');

  const question = `What is the SME Growth Support Fund? Reach me at ${EMAIL} or ${PHONE}`;
  const second = await ask(OTHER, question);
  expect(second.action).toBe('answer');
  expect(second.talk).toBeDefined();
  const form = await json(web.press({ session: OTHER, payload: second.talk.payload, lang: 'en' }));
  expect(form.body.kind).toBe('form');
  const sent = await json(
    web.press({
      session: OTHER,
      payload: form.body.view.submit.payload,
      lang: 'en',
      fields: { company: COMPANY, contact: `${EMAIL} / ＋８１ ９０ １２３４ ５６７８`, need: question },
    }),
  );
  expect(sent.status).toBe(200);
  expect(sent.body.kind).toBe('ticket');
  return { desk: form.body.view.desk as string };
}

/** What must appear in no record: contact details (as typed and as digits), platform ids, the company. */
const FORBIDDEN = [
  EMAIL,
  'kuroshio',
  PHONE,
  '09012345678',
  '1234-5678',
  '５６７８',
  COMPANY,
  'Seimitsu',
  `web:${SESSION}`,
  SESSION,
  OTHER,
];

function expectNoContactDetails(text: string) {
  for (const s of FORBIDDEN) expect(text.toLowerCase()).not.toContain(s.toLowerCase());
}

function expectRecords(records: TurnRecord[], desk: string) {
  expect(records.map((r) => r.action)).toEqual(['clarify', 'answer', 'fallback', 'answer']);
  const [clarify, answer, fallback, handedOff] = records as [TurnRecord, TurnRecord, TurnRecord, TurnRecord];
  expect(answer).toMatchObject({
    platform: 'web',
    lang: 'en',
    entry: 'jbic-aguascalientes/signing',
    closest: { entry: 'jbic-aguascalientes/signing' },
    feedback: 'not_helpful',
    review: ['not-helpful'],
    text: 'When was the JBIC MOU with Aguascalientes signed?',
  });
  expect(answer.ticketDesk).toBeUndefined();
  expect(fallback).toMatchObject({ entry: null, review: ['fallback'], text: "What's the weather in Tokyo?" });
  expect(fallback.feedback).toBeUndefined();
  expect(clarify).toMatchObject({ entry: null, review: ['clarify'], text: 'When was the MOU signed?' });
  expect(handedOff).toMatchObject({
    entry: 'meti-global-alliance/growth-fund',
    ticketDesk: desk,
    review: ['handoff-after-answer'],
    text: 'What is the SME Growth Support Fund? Reach me at [email] or [phone]',
  });
  // Pseudonyms: one per person and per conversation, never the platform's.
  expect(new Set(records.slice(0, 3).map((r) => r.user)).size).toBe(1);
  expect(new Set(records.slice(0, 3).map((r) => r.conversation)).size).toBe(1);
  expect(handedOff.user).not.toBe(answer.user);
  for (const r of records) {
    expect(r.user).toMatch(/^u_[0-9a-f]{20}$/);
    expect(r.conversation).toMatch(/^c_[0-9a-f]{20}$/);
    expect(r.id).toMatch(/^t_[0-9a-f]{20}$/);
    expect(r.ms).toBeGreaterThan(0);
  }
  expect(new Set(records.map((r) => r.id)).size).toBe(4);
  expectNoContactDetails(JSON.stringify(records));
}

describe('turn records through the real server (journal files)', () => {
  it('records every turn, keeps only review texts, scrubbed, and no contact details anywhere; retention deletes them', async () => {
    const { clock, advance } = movableClock();
    const { app, dataDir, web } = await start({}, clock);
    try {
      const { desk } = await converse(web, advance);
      await app.recorder.flush();
      expectRecords(await app.turns.list(), desk);
      // The files the records live in, byte for byte.
      const files = (await readdir(dataDir)).filter((f) => /^(turns|gap-decisions)/.test(f));
      expect(files).toContain('turns.jsonl');
      for (const f of files) expectNoContactDetails(await readFile(join(dataDir, f), 'utf8'));
      // …while the ticket does carry them, for the desk to reply: they did go through this server.
      const tickets = (await readdir(dataDir)).filter((f) => f.startsWith('tickets'));
      const ticketText = (await Promise.all(tickets.map((f) => readFile(join(dataDir, f), 'utf8')))).join('');
      expect(ticketText).toContain(EMAIL);
      expect(ticketText).toContain(COMPANY);

      // 91 days on (the default period is 90): the old records and their texts go, a new one stays.
      advance(91 * DAY);
      expect(
        (await json(web.post('/local/api/ask', { session: SESSION, text: 'Who is JETRO?' }))).status,
      ).toBe(200);
      await app.recorder.flush();
      expect(await app.recorder.prune()).toBe(4);
      const left = await app.turns.list();
      expect(left).toHaveLength(1);
      expect(left[0]?.at).toBe(clock.now().toISOString());
      const file = await readFile(join(dataDir, 'turns.jsonl'), 'utf8');
      for (const text of ['Aguascalientes signed', 'weather in Tokyo', 'MOU signed', 'SME Growth'])
        expect(file).not.toContain(text);
    } finally {
      await app.stop();
    }
  });

  it('keeps recording across a restart, with the same pseudonyms (the key is kept in the data folder)', async () => {
    const { clock, advance } = movableClock();
    const dataDir = await tempDir();
    const env = {
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: repoRoot,
      MADOGUCHI_DATA_DIR: dataDir,
      MADOGUCHI_WATCH: 'false',
    };
    const users: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app: RunningApp = await startApp({
        config: loadConfig(env),
        logger: pino({ level: 'silent' }),
        clock,
      });
      try {
        const web = await localClient(app.url);
        advance(1_000);
        await json(
          web.post('/local/api/ask', { session: SESSION, text: 'What is the SME Growth Support Fund?' }),
        );
        await app.recorder.flush();
        users.push(...(await app.turns.list()).map((r) => r.user));
      } finally {
        await app.stop();
      }
    }
    expect(users).toHaveLength(3);
    expect(new Set(users).size).toBe(1);
  });
});

describe('the pseudonym key from configuration', () => {
  it('is used when MADOGUCHI_PSEUDONYM_KEY is set, and no key file is made', async () => {
    const { clock } = movableClock();
    const { app, dataDir, web } = await start(
      { MADOGUCHI_PSEUDONYM_KEY: 'configured-key-0123456789' },
      clock,
    );
    try {
      await json(web.post('/local/api/ask', { session: SESSION, text: 'Who is JETRO?' }));
      await app.recorder.flush();
      const [r] = await app.turns.list();
      expect(r?.user).toBe(createPseudonymiser('configured-key-0123456789')(`web:${SESSION}`));
      expect(await readdir(dataDir)).not.toContain('pseudonym.key');
    } finally {
      await app.stop();
    }
  });
});

describePg('turn records through the real server (PostgreSQL)', () => {
  it('records the same conversation in the database, with no contact details in any row', async () => {
    const db = await freshDatabase();
    const { clock, advance } = movableClock();
    const { app, web } = await start({ DATABASE_URL: db.url }, clock);
    try {
      const { desk } = await converse(web, advance);
      await app.recorder.flush();
      expectRecords(await app.turns.list(), desk);
      const pool = db.pool();
      for (const table of ['turn_records', 'gap_decisions']) {
        const { rows } = await pool.query(`SELECT row_to_json(t)::text AS row FROM ${table} t`);
        expectNoContactDetails(rows.map((r: { row: string }) => r.row).join('\n'));
      }
      const { rows } = await pool.query('SELECT pseudonym_key FROM analytics_settings');
      expect(rows).toHaveLength(1);
      advance(91 * DAY);
      expect(await app.recorder.prune()).toBe(4);
      expect((await pool.query('SELECT count(*)::int AS n FROM turn_records')).rows[0].n).toBe(0);
    } finally {
      await app.stop();
    }
  });

  it('a turn is answered while its record cannot be written yet (the table is locked), and recorded after', async () => {
    const db = await freshDatabase();
    const { clock } = movableClock();
    const { app, web } = await start({ DATABASE_URL: db.url }, clock);
    const locker = await db.pool().connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE turn_records IN ACCESS EXCLUSIVE MODE');
      const asked = await json(web.post('/local/api/ask', { session: SESSION, text: 'Who is JETRO?' }));
      expect(asked.status).toBe(200);
      // The record's INSERT is there, waiting on the lock, after the person already has the answer.
      let waiting = 0;
      while (waiting === 0) {
        const { rows } = await db
          .pool()
          .query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO turn_records%'",
          );
        waiting = rows[0].n;
      }
      await locker.query('ROLLBACK');
      await app.recorder.flush();
      expect((await app.turns.list()).map((r) => r.action)).toHaveLength(1);
    } finally {
      locker.release();
      await app.stop();
    }
  });
});

describe('turn records from Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('records a Slack turn and its Not helpful, with no Slack user, channel or message id in them', async () => {
    const thread = '1700000090.000100';
    await h.post(
      eventBody(mention('When did JBIC sign the MOU with Aguascalientes?', thread), 'EvRec1'),
      JSON_TYPE,
    );
    const reply = await until(
      () => h.slack.of('chat.postMessage').find((c) => c.params.thread_ts === thread),
      'the answer',
    );
    const rate = JSON.stringify(reply.params.blocks).match(
      /"action_id":"madoguchi_press_rate_1","value":"((?:[^"\\]|\\.)*)"/,
    );
    expect(rate).not.toBeNull();
    const res = await h.interact({
      type: 'block_actions',
      trigger_id: 'trig-rate',
      user: { id: 'UREQ', name: 'tanaka' },
      channel: { id: 'C0SHARED' },
      message: { ts: reply.params.ts ?? '1700000091.000100', thread_ts: thread },
      actions: [
        {
          type: 'button',
          action_id: 'madoguchi_press_rate_1',
          value: JSON.parse(`"${rate?.[1]}"`),
          block_id: 'turn',
          action_ts: '1',
        },
      ],
    });
    expect(res.status).toBe(200);
    const record = await until(async () => {
      await h.server.recorder.flush();
      return (await h.server.turns.list()).find((r) => r.feedback === 'not_helpful');
    }, 'the rated record');
    expect(record).toMatchObject({
      platform: 'slack',
      action: 'answer',
      entry: 'jbic-aguascalientes/signing',
      review: ['not-helpful'],
      text: 'When did JBIC sign the MOU with Aguascalientes?',
    });
    const stored =
      JSON.stringify(await h.server.turns.list()) + (await readFile(join(h.dataDir, 'turns.jsonl'), 'utf8'));
    for (const id of ['UREQ', 'C0SHARED', thread, 'UBOT']) expect(stored).not.toContain(id);
  });
});
