import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestMessage } from '../../src/adapters/slack/blocks.js';
import { digestCard } from '../../src/adapters/teams/cards.js';
import { type Digest, digestWeek } from '../../src/analytics/digest.js';
import type { DigestSchedule } from '../../src/content/types.js';
import { digestView } from '../../src/present/views.js';
import { ofType, richTexts, textOf } from '../adapters/teams/card-helpers.js';
import { runCli } from '../cli/run.js';
import { contentProblems, copyContent, realContent } from '../helpers.js';
import { HOSTILE, literalTexts, markupTexts } from './digest-fixtures.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the week a digest is for', () => {
  const at = (weekday: DigestSchedule['weekday'], hour: number, timeZone: string): DigestSchedule => ({
    weekday,
    hour,
    timeZone,
  });
  it.each([
    // now, schedule, ISO week, its scheduled time, the previous one (where the period starts)
    [
      '2026-03-08T23:59:00Z',
      at('monday', 9, 'Asia/Tokyo'),
      '2026-W11',
      '2026-03-09T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
    ],
    // Sunday 16:00 UTC is already Monday in Tokyo: the week is the new one, not yet due.
    [
      '2026-03-08T16:00:00Z',
      at('monday', 9, 'Asia/Tokyo'),
      '2026-W11',
      '2026-03-09T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
    ],
    [
      '2020-12-31T12:00:00Z',
      at('thursday', 12, 'UTC'),
      '2020-W53',
      '2020-12-31T12:00:00.000Z',
      '2020-12-24T12:00:00.000Z',
    ],
    [
      '2021-01-03T12:00:00Z',
      at('sunday', 23, 'UTC'),
      '2020-W53',
      '2021-01-03T23:00:00.000Z',
      '2020-12-27T23:00:00.000Z',
    ],
    [
      '2024-12-30T12:00:00Z',
      at('monday', 0, 'UTC'),
      '2025-W01',
      '2024-12-30T00:00:00.000Z',
      '2024-12-23T00:00:00.000Z',
    ],
    // Summer time began on Sunday 30 March: 09:00 is 07:00 UTC now, 08:00 UTC the week before (167 h).
    [
      '2025-03-31T12:00:00Z',
      at('monday', 9, 'Europe/Madrid'),
      '2025-W14',
      '2025-03-31T07:00:00.000Z',
      '2025-03-24T08:00:00.000Z',
    ],
    // 02:00 did not exist that night: the clock went from 02:00 to 03:00, so it is 03:00 (01:00 UTC).
    [
      '2025-03-30T12:00:00Z',
      at('sunday', 2, 'Europe/Madrid'),
      '2025-W13',
      '2025-03-30T01:00:00.000Z',
      '2025-03-23T01:00:00.000Z',
    ],
    // 02:00 came twice when summer time ended: the first one.
    [
      '2025-10-26T12:00:00Z',
      at('sunday', 2, 'Europe/Madrid'),
      '2025-W43',
      '2025-10-26T00:00:00.000Z',
      '2025-10-19T00:00:00.000Z',
    ],
  ])('at %s with %o: %s', (now, schedule, week, due, from) => {
    const w = digestWeek(new Date(now), schedule);
    expect({ week: w.week, at: w.at.toISOString(), from: w.from.toISOString() }).toEqual({
      week,
      at: due,
      from,
    });
  });
});

describe('the desk file: admin_channel and digest', () => {
  /** A content copy whose desk file has `lines` right after its `admins:` line; the problems kb check reports. */
  async function check(lines: string[]) {
    const dir = await copyContent('madoguchi-digest-desks-');
    dirs.push(dir);
    const file = join(dir, 'knowledge/desks.yml');
    const text = await readFile(file, 'utf8');
    const admins = text.split('\n').findIndex((l) => l.startsWith('admins:'));
    const all = text.split('\n');
    all.splice(admins + 1, 0, ...lines);
    await writeFile(file, all.join('\n'));
    const problems = await contentProblems(dir);
    const { code, stderr } = await runCli(['kb', 'check'], {
      env: { MADOGUCHI_CONTENT_DIR: dir },
      contentDir: dir,
    });
    return { problems, code, stderr, line: (n: number) => admins + 2 + n };
  }

  it('a good one loads, with the defaults Monday 09:00 Asia/Tokyo and English', async () => {
    const dir = await copyContent('madoguchi-digest-desks-');
    dirs.push(dir);
    const file = join(dir, 'knowledge/desks.yml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(/^admins: .*$/m, (l) => `${l}\nadmin_channel: { slack_channel: C0ADMINS }\ndigest: {}`),
    );
    expect(await contentProblems(dir)).toEqual([]);
    const { loadContent } = await import('../../src/content/load.js');
    const content = await loadContent(dir);
    expect(content.desks.adminChannel).toEqual({ slackChannel: 'C0ADMINS', lang: 'en' });
    expect(content.desks.digest).toEqual({ weekday: 'monday', hour: 9, timeZone: 'Asia/Tokyo' });
    // The repository's own desk file has neither (its example is a comment): no digest by default.
    const real = await realContent();
    expect(real.desks.adminChannel).toBeUndefined();
    expect(real.desks.digest).toBeUndefined();
  });

  it('kb check refuses bad values, each on its line, and loads nothing', async () => {
    const r = await check([
      'admin_channel:',
      '  slack_channel: "#admins"',
      '  teams_conversation: admins',
      '  lang: Japanese',
      'digest:',
      '  weekday: mon',
      '  hour: 24',
      '  timezone: Tokyo',
    ]);
    const f = 'knowledge/desks.yml';
    expect(r.problems).toEqual([
      `${f}:${r.line(1)}: admin_channel.slack_channel: expected a Slack channel id (C…, G… or D…), got "#admins"`,
      `${f}:${r.line(2)}: admin_channel.teams_conversation: expected a Teams channel conversation id (19:…@thread.tacv2), got "admins"`,
      `${f}:${r.line(3)}: admin_channel.lang: expected a language code, got "Japanese"`,
      `${f}:${r.line(5)}: digest.weekday: expected one of monday, tuesday, wednesday, thursday, friday, saturday, sunday, got "mon"`,
      `${f}:${r.line(6)}: digest.hour: expected an hour from 0 to 23, got 24`,
      `${f}:${r.line(7)}: digest.timezone: expected an IANA time zone (Asia/Tokyo, Europe/Madrid, UTC, …), got "Tokyo"`,
    ]);
    expect(r.code).toBe(1);
    for (const p of r.problems) expect(r.stderr).toContain(p);
  });

  it('kb check refuses a digest with nowhere to go, and a misspelt key with a suggestion', async () => {
    const alone = await check(['digest: { weekday: friday }']);
    expect(alone.problems).toEqual([
      `knowledge/desks.yml:${alone.line(0)}: digest: the digest needs admin_channel: the channel it is posted in`,
    ]);
    const typo = await check(['admin_chanel: { slack_channel: C0ADMINS }']);
    expect(typo.problems).toHaveLength(1);
    expect(typo.problems[0]).toMatch(
      /^knowledge\/desks\.yml:\d+: admin_chanel: .*did you mean "admin_channel"/,
    );
  });
});

describe('the digest view and its renderings', () => {
  const digest: Digest = {
    week: '2026-W11',
    from: '2026-03-02T00:00:00.000Z',
    to: '2026-03-09T00:00:00.000Z',
    timeZone: 'Asia/Tokyo',
    inquiries: 8,
    actions: { answer: 4, clarify: 1, fallback: 2, handoff: 1, smalltalk: 0 },
    feedback: { helpful: 3, notHelpful: 1 },
    tickets: { opened: 1, breaches: 0 },
    desks: [{ desk: 'jbic', opened: 1, medianFirstClaimHours: 1.25, breaches: 0 }],
    gaps: [
      {
        id: 'gap-0123456789',
        count: 2,
        langs: ['en', 'ja'],
        examples: [HOSTILE, '*bold* _it_'],
        closest: 'jbic-aguascalientes/signing',
      },
    ],
  };

  it.each(['en', 'ja', 'es', 'zh'])('%s: every label and line comes from the strings table', async (lang) => {
    const content = await realContent();
    const view = digestView(content, digest, lang);
    expect(view.lang).toBe(lang);
    const shown = [
      view.title,
      view.period,
      view.desksLabel,
      view.gapsLabel,
      view.gapsNote,
      view.summary,
      ...view.facts.flatMap((f) => [f.label, f.value]),
      ...view.desks,
      ...view.gaps.map((g) => g.line),
    ];
    // No key left unresolved, no placeholder left unfilled.
    for (const s of shown) expect(s).not.toMatch(/digest[A-Z]|\{\w+\}/);
    expect(view.desks[0]).toContain(lang === 'en' ? '1.3 h' : '1.3');
    expect(view.gaps[0]?.line).toContain('gap-0123456789');
  });

  it('Slack: the bot text escaped, a gap example only in rich_text, literally', async () => {
    const message = digestMessage(digestView(await realContent(), digest, 'en'));
    for (const t of markupTexts(message)) {
      expect(t).not.toMatch(/<[@!#]|<https?:/);
      expect(t).not.toContain('land permits');
      expect(t).not.toContain('*bold*');
    }
    expect(literalTexts(message)).toEqual([`${HOSTILE}\n*bold* _it_`]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  it('Teams: a gap example only in TextRuns, exactly as typed', async () => {
    const card = digestCard(digestView(await realContent(), digest, 'ja')).attachment.content;
    expect(richTexts(card)).toEqual(expect.arrayContaining([HOSTILE, '*bold* _it_']));
    for (const b of ofType(card, 'TextBlock')) expect(String(b.text)).not.toMatch(/land permits|\*bold\*/);
    expect(textOf(card)).toContain('Madoguchi 週次ダイジェスト');
    expect(JSON.stringify(card).length).toBeLessThan(28_000);
  });
});
