import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.js';
import { contentProblems, copyContent, repoRoot } from '../helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A copy of the real content tree with one file changed by `edit`; returns the problems an admin sees. */
async function problemsAfter(file: string, edit: (text: string) => string): Promise<string[]> {
  const dir = await copyContent('madoguchi-content-');
  dirs.push(dir);
  const path = join(dir, file);
  await writeFile(path, edit(await readFile(path, 'utf8').catch(() => '')));
  return contentProblems(dir);
}

const SIGNING = 'knowledge/jbic-aguascalientes/signing.md';
const signingText = await readFile(join(repoRoot, SIGNING), 'utf8');
/** 1-based line of the first line of the signing entry that starts with `prefix`. */
const line = (prefix: string) => signingText.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

describe('loadContent: the real tree', () => {
  it('loads every knowledge entry, intent and desk with no problem', async () => {
    const content = await loadContent(repoRoot);
    expect(content.knowledge.length).toBeGreaterThanOrEqual(40);
    expect(content.programmes.map((p) => p.id).sort()).toEqual([
      'jbic-aguascalientes',
      'jetro-chongqing',
      'meti-global-alliance',
    ]);
    expect(content.desks.desks.map((d) => d.id)).toContain(content.desks.triage);
    for (const e of content.knowledge) {
      for (const lang of ['en', 'ja', 'es', 'zh']) {
        expect(e.body[lang]?.length ?? 0, `${e.id} ${lang}`).toBeGreaterThan(20);
        expect(e.questions[lang]?.length ?? 0, `${e.id} ${lang}`).toBeGreaterThanOrEqual(4);
      }
      expect(e.answers.length, e.id).toBeGreaterThan(0);
    }
    for (const d of content.desks.desks)
      for (const lang of ['en', 'ja', 'es', 'zh'])
        expect(d.examples[lang]?.length ?? 0, `${d.id} ${lang}`).toBeGreaterThanOrEqual(8);
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
      `${SIGNING}:5: desk: no desk "jbik" (did you mean "jbic"?)`,
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
    // The parser notices the unclosed "[" opened in the title where the next line starts.
    const title = line('title:') + 1;
    const opened = signingText.split('\n')[title - 1] ?? '';
    expect(await problemsAfter(SIGNING, (t) => t.replace(opened, opened.replace('en: "', 'en: [')))).toEqual([
      `${SIGNING}:${title + 1}: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]`,
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
  it('a desk that is referenced but missing from desks.yml: every reference, with its line', async () => {
    const problems = await problemsAfter('knowledge/desks.yml', (t) =>
      t.replace(/ {2}- id: sbic[\s\S]*?(?= {2}- id: jetro-chongqing)/, ''),
    );
    const programme = await readFile(join(repoRoot, 'knowledge/meti-global-alliance/programme.yml'), 'utf8');
    const sbicLine =
      programme.split('\n').findIndex((l) => /^\s*- sbic\b|\bsbic\b/.test(l) && l.includes('sbic')) + 1;
    expect(problems).toContain(
      'knowledge/meti-global-alliance/sbic.md:5: desk: no desk "sbic" (did you mean "jbic"?)',
    );
    expect(
      problems.some((p) => p.startsWith(`knowledge/meti-global-alliance/programme.yml:${sbicLine}: desks.`)),
    ).toBe(true);
    expect(
      problems.some((p) => p.startsWith('intents/handoff.yml:') && p.includes('desk: no desk "sbic"')),
    ).toBe(true);
  });
  it('a desk without staff', async () => {
    const desks = await readFile(join(repoRoot, 'knowledge/desks.yml'), 'utf8');
    const at = desks.split('\n').findIndex((l) => l.includes('staff: [web:jbic-staff, cli:jbic-staff]')) + 1;
    const problems = await problemsAfter('knowledge/desks.yml', (t) =>
      t.replace('staff: [web:jbic-staff, cli:jbic-staff]', 'staff: []'),
    );
    expect(problems).toEqual([
      `knowledge/desks.yml:${at}: desks.1.staff: desk "jbic" has no staff: nobody could claim its tickets`,
    ]);
  });
  it('a programme without an overview entry', async () => {
    const dir = await copyContent('madoguchi-content-');
    dirs.push(dir);
    await rm(join(dir, 'knowledge/jetro-chongqing/overview.md'));
    expect(await contentProblems(dir)).toContain(
      'knowledge/jetro-chongqing/programme.yml:1: programme "jetro-chongqing" has no overview entry (knowledge/jetro-chongqing/overview.md)',
    );
  });
  it('reply strings: a misspelt key is placed on its line, a required language lacking a key is refused', async () => {
    const ja = await readFile(join(repoRoot, 'messages/ja.yml'), 'utf8');
    const at = ja.split('\n').findIndex((l) => l.startsWith('clarify:')) + 1;
    expect(await problemsAfter('messages/ja.yml', (t) => t.replace(/^clarify:/m, 'clarfy:'))).toEqual([
      `messages/ja.yml:${at}: clarfy: not in messages/en.yml (did you mean "clarify"?)`,
      'messages/ja.yml:1: clarify: missing (every required language has every key)',
    ]);
    // Spanish may leave a key out: the English string is used.
    expect(await problemsAfter('messages/es.yml', (t) => t.replace(/^clarify:.*$/m, ''))).toEqual([]);
  });
  it('a bad user reference for staff', async () => {
    const desks = await readFile(join(repoRoot, 'knowledge/desks.yml'), 'utf8');
    const at = desks.split('\n').findIndex((l) => l.includes('staff: [web:jbic-staff, cli:jbic-staff]')) + 1;
    const problems = await problemsAfter('knowledge/desks.yml', (t) =>
      t.replace('staff: [web:jbic-staff, cli:jbic-staff]', 'staff: [jbic-staff]'),
    );
    expect(problems).toEqual([
      `knowledge/desks.yml:${at}: desks.1.staff.0: expected <platform>:<id> with platform slack, teams, web or cli, got "jbic-staff"`,
    ]);
  });
  it('collects every problem, across files, not just the first', async () => {
    const dir = await copyContent('madoguchi-content-');
    dirs.push(dir);
    await writeFile(join(dir, 'intents/extra.yml'), 'intents:\n  - id: Bad Id\n    action: answr\n');
    expect(await contentProblems(dir)).toEqual([
      'intents/extra.yml:2: intents.0.id: expected lowercase letters, digits, ".", "_" or "-", got "Bad Id"',
      'intents/extra.yml:3: intents.0.action: expected answer, handoff, smalltalk or fallback, got "answr"',
    ]);
  });
});
