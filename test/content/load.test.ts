import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentError, formatProblem, loadContent } from '../../src/content/load.js';
import { DESK_IDS } from '../../src/core/types.js';
import { repoRoot } from '../helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A copy of the real content tree with one file changed by `edit`; returns the problems an admin sees. */
async function problemsAfter(file: string, edit: (text: string) => string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'madoguchi-content-'));
  dirs.push(dir);
  await cp(join(repoRoot, 'knowledge'), join(dir, 'knowledge'), { recursive: true });
  await cp(join(repoRoot, 'intents'), join(dir, 'intents'), { recursive: true });
  const path = join(dir, file);
  await writeFile(path, edit(await readFile(path, 'utf8').catch(() => '')));
  try {
    await loadContent(dir);
  } catch (error) {
    if (error instanceof ContentError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

const SIGNING = 'knowledge/jbic-aguascalientes/signing.md';
const signingText = await readFile(join(repoRoot, SIGNING), 'utf8');
/** 1-based line of the first line of the signing entry that starts with `prefix`. */
const line = (prefix: string) => signingText.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

describe('loadContent: the real tree', () => {
  it('loads every knowledge entry, intent and desk with no problem', async () => {
    const content = await loadContent(repoRoot);
    expect(content.knowledge.length).toBeGreaterThanOrEqual(40);
    expect(content.desks.desks.map((d) => d.id).sort()).toEqual([...DESK_IDS].sort());
    for (const e of content.knowledge) {
      expect(e.body.en.length, e.id).toBeGreaterThan(40);
      expect(e.body.ja.length, e.id).toBeGreaterThan(20);
      expect(e.questions.en.length, e.id).toBeGreaterThanOrEqual(4);
      expect(e.questions.ja.length, e.id).toBeGreaterThanOrEqual(4);
    }
    expect(content.version).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('loadContent: what an admin sees for a bad file', () => {
  it('an impossible date', async () => {
    expect(
      await problemsAfter(SIGNING, (t) => t.replace('  date: 2015-10-26', '  date: 2015-13-40')),
    ).toEqual([`${SIGNING}:${line('  date:')}: source.date: expected a date YYYY-MM-DD, got "2015-13-40"`]);
  });
  it('a misspelt field, with a suggestion', async () => {
    expect(await problemsAfter(SIGNING, (t) => t.replace('as_of:', 'asof:'))).toEqual([
      `${SIGNING}:2: as_of: required`,
      `${SIGNING}:${line('as_of:')}: asof: unknown field (did you mean "as_of"?)`,
    ]);
  });
  it('a missing Japanese body', async () => {
    expect(await problemsAfter(SIGNING, (t) => t.replace(/## ja[\s\S]*$/, ''))).toEqual([
      `${SIGNING}:${line('## en') - 1}: body.ja: missing or empty "## ja" section`,
    ]);
  });
  it('an unknown desk', async () => {
    expect(await problemsAfter(SIGNING, (t) => t.replace('desk: jbic', 'desk: jbik'))).toEqual([
      `${SIGNING}:5: desk: expected a desk id (${DESK_IDS.join(', ')}), got "jbik"`,
    ]);
  });
  it('a related entry that does not exist, with a suggestion', async () => {
    expect(
      await problemsAfter(SIGNING, (t) =>
        t.replace('related: [jbic-aguascalientes/people', 'related: [jbic-aguascalientes/peeple'),
      ),
    ).toEqual([
      `${SIGNING}:${line('related:')}: related.0: no knowledge entry "jbic-aguascalientes/peeple" (did you mean "jbic-aguascalientes/people"?)`,
    ]);
  });
  it('a YAML syntax error, with its line', async () => {
    // The parser notices the unclosed "[" opened on line 7 where the next line starts.
    expect(
      await problemsAfter(SIGNING, (t) => t.replace('  en: "When and between', '  en: [When and between')),
    ).toEqual([
      `${SIGNING}:8: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });
  it('an id that does not match the file', async () => {
    expect(
      await problemsAfter(SIGNING, (t) =>
        t.replace('id: jbic-aguascalientes/signing', 'id: jbic-aguascalientes/signed'),
      ),
    ).toEqual([
      `${SIGNING}:2: id: must match the file path: expected "jbic-aguascalientes/signing", got "jbic-aguascalientes/signed"`,
      `${SIGNING}:2: id: must be "<scheme>/<topic>" = "jbic-aguascalientes/signing"`,
    ]);
  });
  it('a bad regular expression in an intent', async () => {
    const problems = await problemsAfter('intents/handoff.yml', (t) =>
      t.replace('      - "\\\\b(get|be) in touch with\\\\b"', '      - "(unclosed"'),
    );
    expect(problems).toEqual([
      `intents/handoff.yml:15: intents.0.patterns.2: not a valid regular expression, got "(unclosed"`,
    ]);
  });
  it('a desk missing from desks.yml', async () => {
    const problems = await problemsAfter('knowledge/desks.yml', (t) =>
      t.replace(/ {2}- id: sbic[\s\S]*?(?= {2}- id: jetro-chongqing)/, ''),
    );
    expect(problems).toEqual(['knowledge/desks.yml:7: desks: missing desk: sbic']);
  });
  it('a bad user reference for staff', async () => {
    const problems = await problemsAfter('knowledge/desks.yml', (t) =>
      t.replace('staff: [web:jbic-staff, cli:jbic-staff]', 'staff: [jbic-staff]'),
    );
    expect(problems).toEqual([
      'knowledge/desks.yml:26: desks.1.staff.0: expected <platform>:<id> with platform slack, teams, web or cli, got "jbic-staff"',
    ]);
  });
  it('collects every problem, across files, not just the first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'madoguchi-content-'));
    dirs.push(dir);
    await cp(join(repoRoot, 'knowledge'), join(dir, 'knowledge'), { recursive: true });
    await cp(join(repoRoot, 'intents'), join(dir, 'intents'), { recursive: true });
    await writeFile(join(dir, 'intents/extra.yml'), 'intents:\n  - id: Bad Id\n    action: answr\n');
    const error = await loadContent(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).problems.map(formatProblem)).toEqual([
      'intents/extra.yml:2: intents.0.id: expected lowercase letters, digits, ".", "_" or "-", got "Bad Id"',
      'intents/extra.yml:3: intents.0.action: expected answer, handoff, smalltalk or fallback, got "answr"',
    ]);
  });
});
