import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.js';
import { overdueDays, staleEntries } from '../../src/content/stale.js';
import { runCli } from '../cli/run.js';
import { copyContent, realContent } from '../helpers.js';

const content = await realContent();
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

const kb = (args: string[], env: Record<string, string> = {}) => runCli(['kb', ...args], { env });

describe('overdueDays', () => {
  it('counts whole UTC days past the review period, 0 up to and on the review day', () => {
    expect(overdueDays('2013-10-31', 365, day('2014-10-31'))).toBe(0);
    expect(overdueDays('2013-10-31', 365, new Date('2014-10-31T23:59:59Z'))).toBe(0);
    expect(overdueDays('2013-10-31', 365, new Date('2014-11-01T00:00:00Z'))).toBe(1);
    expect(overdueDays('2013-10-31', 365, day('2014-12-01'))).toBe(31);
    // 2016 is a leap year: 366 days from 2016-01-01 to 2017-01-01.
    expect(overdueDays('2016-01-01', 365, day('2017-01-01'))).toBe(1);
    expect(overdueDays('2013-10-31', 30, day('2013-10-01'))).toBe(0);
  });
});

describe('staleEntries (real content: entries as of 2013-10-31, 2015-09-29 and 2015-10-26, reviewed every 365 days)', () => {
  const entriesOf = (scheme: string) => content.knowledge.filter((e) => e.scheme === scheme);

  it('lists nothing while every entry is within review', () => {
    expect(staleEntries(content, day('2014-10-31'))).toEqual([]);
  });

  it('lists exactly the entries past review, with file, as_of, period and days overdue, most overdue first', () => {
    const stale = staleEntries(content, day('2016-09-27'));
    // Chongqing (2013-10-31) is long past; METI (2015-09-29) is a day short of 365 (2016 has a 29 February); JBIC is not due.
    const chongqing = entriesOf('jetro-chongqing');
    expect(chongqing.length).toBeGreaterThan(0);
    expect(stale.map((s) => s.id).sort()).toEqual(chongqing.map((e) => e.id).sort());
    expect(stale[0]).toEqual({
      id: stale[0]?.id,
      scheme: 'jetro-chongqing',
      file: `knowledge/${stale[0]?.id}.md`,
      asOf: '2013-10-31',
      reviewDays: 365,
      overdueDays: 1062 - 365,
    });

    const later = staleEntries(content, day('2016-10-01'));
    expect(later.length).toBe(chongqing.length + entriesOf('meti-global-alliance').length);
    expect(later.at(-1)).toMatchObject({ scheme: 'meti-global-alliance', overdueDays: 3 });
    const days = later.map((s) => s.overdueDays);
    expect(days).toEqual([...days].sort((a, b) => b - a));
  });

  it("uses each programme's own review_days", async () => {
    const dir = await copyContent('madoguchi-stale-');
    try {
      const file = join(dir, 'knowledge/jbic-aguascalientes/programme.yml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('review_days: 365', 'review_days: 30'));
      const changed = await loadContent(dir);
      const stale = staleEntries(changed, day('2015-12-01'));
      expect(new Set(stale.map((s) => s.scheme))).toEqual(
        new Set(['jetro-chongqing', 'jbic-aguascalientes']),
      );
      expect(stale.find((s) => s.scheme === 'jbic-aguascalientes')).toMatchObject({
        asOf: '2015-10-26',
        reviewDays: 30,
        overdueDays: 6,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('kb check --stale', () => {
  it('prints one line per entry past review and a count, exit 0', async () => {
    const r = await kb(['check', '--stale', '--on', '2016-10-01']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const expected = staleEntries(content, day('2016-10-01'));
    expect(lines).toHaveLength(expected.length + 1);
    expect(lines).toContain(
      'knowledge/meti-global-alliance/overview.md: as of 2015-09-29, review every 365 days, overdue by 3 days',
    );
    expect(lines.at(-1)).toBe(
      `${expected.length} of ${content.knowledge.length} entries past review on 2016-10-01`,
    );
    expect(r.stdout).not.toContain('jbic-aguascalientes');
  });

  it('says so when nothing is past review; --strict fails only when something is', async () => {
    const none = await kb(['check', '--stale', '--strict', '--on=2014-10-31']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`no entries past review on 2014-10-31 (${content.knowledge.length} entries)\n`);
    const some = await kb(['check', '--stale', '--strict', '--on', '2014-11-01']);
    expect(some.code).toBe(1);
    expect(some.stdout).toContain('overdue by 1 day\n');
  });

  it('--json gives the same list as staleEntries', async () => {
    const r = await kb(['check', '--stale', '--json', '--on', '2016-10-01']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      on: '2016-10-01',
      entries: content.knowledge.length,
      stale: staleEntries(content, day('2016-10-01')),
    });
  });

  it('refuses a bad date with a clear message and no listing', async () => {
    for (const bad of [['--on', '2016-02-30'], ['--on'], ['--on=yesterday']]) {
      const r = await kb(['check', '--stale', ...bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^--on needs a date YYYY-MM-DD, got ".*"\n$/);
    }
  });

  it('still validates first: a broken tree fails before any listing', async () => {
    const dir = await copyContent('madoguchi-kb-stale-');
    try {
      const file = join(dir, 'knowledge/jetro-chongqing/summit.md');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^as_of: .*$/m, 'as_of: 2013-02-30'));
      const r = await kb(['check', '--stale'], { MADOGUCHI_CONTENT_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /knowledge\/jetro-chongqing\/summit\.md:\d+: as_of: expected a date YYYY-MM-DD/,
      );
      expect(r.stdout).not.toContain('past review');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
