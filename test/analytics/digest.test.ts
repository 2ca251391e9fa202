import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { loadContent } from '../../src/content/load.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { type ApiCall, type FakeSlack, startFakeSlack } from '../adapters/slack/fake-slack.js';
import { copyContent, until } from '../helpers.js';
import {
  ADMIN_SLACK,
  configureDigest,
  DUE,
  expectedTurns,
  HOSTILE,
  journalBulletins,
  literalTexts,
  markupTexts,
  seedTickets,
  seedTurns,
  share,
  WEEK,
  weekRecords,
} from './digest-fixtures.js';

/**
 * The weekly digest end to end on the default stores (journal files): the real server with Slack on
 * (a loopback fake Web API), an injected clock, records and tickets seeded into its data directory.
 */
const MINUTE = 60_000;
let now = DUE - MINUTE;
const clock = { now: () => new Date(now) };
const dirs: string[] = [];
let slack: FakeSlack;

afterAll(async () => {
  await slack?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A content copy with the desk file's digest settings, and its data directory. */
async function contentWith(settings: Parameters<typeof configureDigest>[1]) {
  const dir = await copyContent('madoguchi-digest-');
  dirs.push(dir);
  await configureDigest(dir, settings);
  return { dir, dataDir: join(dir, 'data') };
}

function boot(dir: string, env: Record<string, string> = {}, logger = pino({ level: 'silent' })) {
  return startApp({
    config: loadConfig({
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_API_URL: slack.url,
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: join(dir, 'data'),
      MADOGUCHI_WATCH: 'false',
      ...env,
    }),
    logger,
    clock,
  });
}

const postsTo = (channel: string): ApiCall[] =>
  slack.of('chat.postMessage').filter((c) => c.params.channel === channel);

/** Waits until the outbox is done with every delivery of the bulletin (none pending). */
async function settled(dataDir: string, id: string) {
  return until(async () => {
    const b = (await journalBulletins(dataDir)).get(id);
    return b?.outbox.every((d) => d.status !== 'pending') ? b : undefined;
  }, `the outbox to finish with ${id}`);
}

describe('the weekly digest (journal files, Slack)', () => {
  let app: RunningApp;
  let dir: string;
  let dataDir: string;
  const records = weekRecords();
  let tickets: Awaited<ReturnType<typeof seedTickets>>;

  beforeAll(async () => {
    slack = await startFakeSlack();
    ({ dir, dataDir } = await contentWith({
      admin_channel: { slack_channel: ADMIN_SLACK, lang: 'en' },
      digest: { weekday: 'monday', hour: 9, timezone: 'Asia/Tokyo' },
    }));
    const turns = await createJournalTurnStore({ dataDir });
    await seedTurns(turns, records);
    await turns.close();
    const store = createLowdbTicketStore({ dataDir });
    await store.open();
    const content = await loadContent(dir);
    tickets = await seedTickets(store, () => content.desks);
    await store.close();
    app = await boot(dir);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('queues nothing before Monday 09:00 in Tokyo, then the week once however often the check runs', async () => {
    for (let i = 0; i < 3; i++) expect(await app.periodic()).toBe(true);
    expect((await journalBulletins(dataDir)).size).toBe(0);

    now = DUE + 5 * MINUTE;
    for (let i = 0; i < 4; i++) await app.periodic();
    await Promise.all([app.periodic(), app.periodic(), app.periodic()]);
    const bulletins = await journalBulletins(dataDir);
    expect([...bulletins.keys()]).toEqual([`digest:${WEEK}`]);
    const digest = await settled(dataDir, `digest:${WEEK}`);
    expect(digest.outbox.map((d) => [d.channel, d.status, d.attempts])).toEqual([['slack', 'delivered', 1]]);
    expect(postsTo(ADMIN_SLACK)).toHaveLength(1);
  });

  it("posts the week's numbers in the admins' channel, counted from the seeded records and tickets", () => {
    const post = postsTo(ADMIN_SLACK)[0]?.params ?? {};
    const want = expectedTurns(records);
    expect(want.inquiries).toBe(15);
    const texts = markupTexts(post);
    const fields = texts.filter((t) => t.startsWith('*'));
    expect(fields).toEqual(
      expect.arrayContaining([
        `*Inquiries*\n${want.inquiries}`,
        `*Answered*\n${share(want.answer, want.inquiries)}`,
        `*Asked to clarify*\n${share(want.clarify, want.inquiries)}`,
        `*Fell back*\n${share(want.fallback, want.inquiries)}`,
        `*Handed off*\n${share(want.handoff, want.inquiries)}`,
        `*Helpful / Not helpful*\n${want.helpful} / ${want.notHelpful}`,
        `*Tickets opened*\n${tickets.opened}`,
        `*Response-target breaches*\n${tickets.breaches}`,
      ]),
    );
    const desks = texts.find((t) => t.startsWith('*Tickets by desk*')) ?? '';
    expect(desks.split('\n')).toEqual([
      '*Tickets by desk*',
      `• JBIC (Japan Bank for International Cooperation): ${tickets.jbic.opened} opened, median time to first claim: ${tickets.jbic.median}, ${tickets.jbic.breaches} past the response target`,
      `• SBIC — Global Alliance Promotion Office: ${tickets.sbic.opened} opened, median time to first claim: ${tickets.sbic.median}, ${tickets.sbic.breaches} past the response target`,
    ]);
    // The period in Tokyo time, and the preview line.
    expect(texts).toContain('March 2, 2026 09:00 – March 9, 2026 09:00 (Asia/Tokyo)');
    expect(post.text).toBe(
      `Weekly digest: ${want.inquiries} inquiries, ${want.answer} answered, ${tickets.opened} tickets opened`,
    );
    // Gaps: each with its id and count; the fund deadline asked twice (once before the week).
    expect(texts.some((t) => /^gap-[0-9a-f]{10}: asked 2 times \(en\)/.test(t))).toBe(true);
  });

  it("shows a gap's example as text: <!channel>, a mention or a link in it is never markup", () => {
    const post = postsTo(ADMIN_SLACK)[0]?.params ?? {};
    for (const t of markupTexts(post)) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<@U123>');
      expect(t).not.toContain('<https://');
      expect(t).not.toContain('land permits');
    }
    // In a rich_text quote, which Slack shows literally, exactly as typed.
    expect(literalTexts(post).join('\n').split('\n')).toContain(HOSTILE);
  });

  it("a restart queues nothing more; next week's digest is queued once, for its own week", async () => {
    await app.stop();
    app = await boot(dir);
    for (let i = 0; i < 3; i++) await app.periodic();
    expect([...(await journalBulletins(dataDir)).keys()]).toEqual([`digest:${WEEK}`]);

    now += 7 * 24 * 60 * MINUTE;
    await Promise.all([app.periodic(), app.periodic()]);
    await app.periodic();
    const next = await settled(dataDir, 'digest:2026-W12');
    expect([...(await journalBulletins(dataDir)).keys()]).toEqual([`digest:${WEEK}`, 'digest:2026-W12']);
    expect(next.outbox.map((d) => d.status)).toEqual(['delivered']);
    const posts = postsTo(ADMIN_SLACK);
    expect(posts).toHaveLength(2);
    // Only the record made after the first digest's week ended is in the second one.
    expect(markupTexts(posts[1]?.params ?? {})).toContain('*Inquiries*\n1');
  });
});

describe('without a digest in the desk file', () => {
  it.each([
    ['neither admin_channel nor digest', {}],
    ['admin_channel without digest', { admin_channel: { slack_channel: 'C0OTHER' } }],
  ])('%s: nothing is queued or posted however often the check runs', async (_name, settings) => {
    slack ??= await startFakeSlack();
    const { dir, dataDir } = await contentWith(settings);
    now = DUE + 5 * MINUTE;
    const app = await boot(dir);
    try {
      for (let i = 0; i < 3; i++) expect(await app.periodic()).toBe(true);
      expect((await journalBulletins(dataDir)).size).toBe(0);
      expect(postsTo('C0OTHER')).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});

describe('local mode (no Slack or Teams)', () => {
  it('writes the digest to the log in the channel language, naming gaps without their questions', async () => {
    const { dir, dataDir } = await contentWith({
      admin_channel: { lang: 'ja' },
      digest: { weekday: 'monday', hour: 9, timezone: 'Asia/Tokyo' },
    });
    const turns = await createJournalTurnStore({ dataDir });
    await seedTurns(turns, weekRecords());
    await turns.close();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    now = DUE + 5 * MINUTE;
    const app = await startApp({
      config: loadConfig({
        PORT: '0',
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: dataDir,
        MADOGUCHI_WATCH: 'false',
      }),
      logger,
      clock,
    });
    try {
      await app.periodic();
      const digest = await settled(dataDir, `digest:${WEEK}`);
      expect(digest.outbox.map((d) => [d.channel, d.status])).toEqual([['log', 'delivered']]);
      const line = lines.find((l) => l.bulletin === `digest:${WEEK}` && String(l.msg).includes('\n'));
      const msg = String(line?.msg);
      expect(msg).toMatch(/^Madoguchi 週次ダイジェスト/);
      expect(msg).toContain(`問い合わせ: ${expectedTurns(weekRecords()).inquiries}`);
      expect(msg).toMatch(/gap-[0-9a-f]{10}：2 回（en）/);
      expect(msg).not.toContain('land permits');
      expect(msg).not.toContain('fund deadline');
    } finally {
      await app.stop();
    }
  });
});
