import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import {
  acceptQuestion,
  type ContentEditCode,
  ContentEditError,
  type DraftSource,
  draftEntry,
  kbCheckProblems,
  listDrafts,
  questionProblem,
} from '../../src/content/edit.js';
import { loadContent } from '../../src/content/load.js';
import { contentProblems, copyContent } from '../helpers.js';

const ENTRY = 'meti-global-alliance/growth-fund';
const FILE = 'knowledge/meti-global-alliance/growth-fund.md';
let dir: string;

/** Every file under `dir` with its hash: a refusal must leave this unchanged. */
async function tree(root: string): Promise<Record<string, string>> {
  const names = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
  const out: Record<string, string> = {};
  for (const n of names.sort())
    out[n.slice(root.length)] = createHash('sha256')
      .update(await readFile(n))
      .digest('hex');
  return out;
}

/** The growth-fund entry with comments added to its front matter, as an admin might have written them. */
async function withComments(): Promise<string> {
  const path = join(dir, FILE);
  const text = (await readFile(path, 'utf8'))
    .replace('questions:\n', '# Reviewed with SME Support JAPAN, 2026-01.\nquestions:\n')
    .replace(
      '    - "What is the SME Growth Support Fund?"\n',
      '    - "What is the SME Growth Support Fund?"  # the most asked\n',
    )
    .replace(
      '    - "What is the fund that SME Support JAPAN participates in?"\n',
      '    - "What is the fund that SME Support JAPAN participates in?"   # asked in 2025\n',
    )
    .replace('answers: [what]', 'answers: [ what ]');
  await writeFile(path, text);
  return text;
}

beforeEach(async () => {
  dir = await copyContent('madoguchi-edit-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('accepting a question as an alternate question of an entry', () => {
  it('adds it under questions.<lang>, keeping comments, quoting and layout byte for byte; the content passes kb check', async () => {
    const before = await withComments();
    const result = await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'en',
      question: '  Can   a sole proprietor get money from the growth fund? ',
    });
    expect(result).toEqual({
      entry: ENTRY,
      file: FILE,
      lang: 'en',
      question: 'Can a sole proprietor get money from the growth fund?',
    });
    const after = await readFile(join(dir, FILE), 'utf8');
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length + 1);
    const at = b.findIndex((l, i) => l !== a[i]);
    expect(b[at]).toBe('    - "Can a sole proprietor get money from the growth fund?"');
    // Every other line is the original, in order: comments, the padded flow list, quoting, bodies.
    expect([...b.slice(0, at), ...b.slice(at + 1)]).toEqual(a);
    expect(after).toContain('# Reviewed with SME Support JAPAN, 2026-01.');
    expect(after).toContain('"What is the SME Growth Support Fund?"  # the most asked');
    expect(after).toContain('answers: [ what ]');
    expect(after).toContain('participates in?"   # asked in 2025\n    - "Can a sole');
    // It is the last English question, before the Japanese ones.
    expect(b[at + 1]).toBe('  ja:');
    expect(await kbCheckProblems(dir)).toEqual([]);
    const entry = (await loadContent(dir)).knowledge.find((e) => e.id === ENTRY);
    expect(entry?.questions.en.at(-1)).toBe('Can a sole proprietor get money from the growth fund?');
    // Written through a temporary file renamed over it: nothing is left beside it.
    expect(
      (await readdir(join(dir, 'knowledge/meti-global-alliance'))).filter((f) => f.startsWith('.')),
    ).toEqual([]);
  });

  it('follows the quoting of the list it joins, in any language the content has', async () => {
    const path = join(dir, FILE);
    const text = await readFile(path, 'utf8');
    const doc = parseDocument(text.split('---\n')[1] ?? '');
    const ja = (doc.getIn(['questions', 'ja']) as { items: Array<{ value: string }> }).items.map(
      (i) => i.value,
    );
    // The Japanese questions written plain (no quotes).
    let plain = text;
    for (const q of ja) plain = plain.replace(`    - "${q}"\n`, `    - ${q}\n`);
    await writeFile(path, plain);
    await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'ja',
      question: '個人事業主もファンドから出資を受けられますか',
    });
    const after = await readFile(path, 'utf8');
    expect(after).toContain('    - 個人事業主もファンドから出資を受けられますか\n');
    expect(after.split('\n')).toHaveLength(plain.split('\n').length + 1);
    await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'es',
      question: '¿Puede un autónomo recibir dinero del fondo?',
    });
    expect(await readFile(path, 'utf8')).toContain('    - "¿Puede un autónomo recibir dinero del fondo?"\n');
    expect(await kbCheckProblems(dir)).toEqual([]);
  });

  const refusals: Array<[string, ContentEditCode, Partial<Parameters<typeof acceptQuestion>[0]>]> = [
    ['an entry that does not exist', 'UNKNOWN_ENTRY', { entryId: 'meti-global-alliance/no-such-entry' }],
    [
      'a language the content does not have',
      'UNKNOWN_LANG',
      { lang: 'fr', question: 'Le fonds prête-t-il ?' },
    ],
    [
      'a question already of this entry (compared normalised)',
      'ALREADY_THERE',
      { question: 'what is the sme growth support fund' },
    ],
    [
      'a question of another entry (compared normalised)',
      'USED_BY_OTHER',
      { question: 'WHEN was the JBIC Aguascalientes MOU signed' },
    ],
    ['an empty question', 'EMPTY', { question: '  ?! ' }],
    ['a question over 200 characters', 'TOO_LONG', { question: `Can the fund ${'really '.repeat(40)}lend?` }],
    ['HTML markup', 'MARKUP', { question: 'Can the <b>fund</b> lend?' }],
    ['a Markdown link', 'MARKUP', { question: 'Can the [fund](https://example.org) lend?' }],
    ['a link', 'MARKUP', { question: 'Can the fund at https://example.org lend?' }],
    ['a removed contact detail', 'MARKUP', { question: 'Can the fund call me at [phone]?' }],
    ['a mention', 'MENTION', { question: 'Can @alice ask the fund?' }],
    ['a Slack mention', 'MENTION', { question: 'Can <@U012AB3CD> ask the fund?' }],
    [
      'a Japanese question filed as English',
      'WRONG_SCRIPT',
      { question: 'ファンドは個人事業主に出資しますか' },
    ],
  ];
  it.each(refusals)('refuses %s with %s and changes no file', async (_what, code, over) => {
    const before = await tree(dir);
    const error = await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'en',
      question: 'Can a sole proprietor get money from the growth fund?',
      ...over,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentEditError);
    expect((error as ContentEditError).code).toBe(code);
    expect((error as ContentEditError).message.length).toBeGreaterThan(10);
    expect(await tree(dir)).toEqual(before);
  });

  it('names the entry that already has the question', async () => {
    const error = (await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'en',
      question: 'When was the JBIC Aguascalientes MOU signed?',
    }).catch((e: unknown) => e)) as ContentEditError;
    expect(error.details.entry).toBe('jbic-aguascalientes/signing');
    expect(error.message).toContain('jbic-aguascalientes/signing');
  });

  it('refuses when the result would not pass kb check, or the content does not load, listing the problems', async () => {
    const other = join(dir, 'knowledge/jbic-aguascalientes/signing.md');
    const original = await readFile(other, 'utf8');
    // A Spanish body that is English: loads, but kb check refuses it.
    await writeFile(
      other,
      original.replace(
        /## es\n[^\n]*\n/,
        '## es\nJBIC signed the MOU on October 26, 2015 with the state of the other party.\n',
      ),
    );
    let before = await tree(dir);
    const failed = (await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'en',
      question: 'Can a sole proprietor get money from the growth fund?',
    }).catch((e: unknown) => e)) as ContentEditError;
    expect(failed.code).toBe('CHECK_FAILED');
    expect(failed.details.problems).toEqual([expect.stringMatching(/signing\.md:1: body\.es: reads as en/)]);
    expect(await tree(dir)).toEqual(before);
    // A file that does not load at all.
    await writeFile(other, original.replace('scheme: jbic-aguascalientes', 'scheme: [broken'));
    before = await tree(dir);
    const invalid = (await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'en',
      question: 'Can a sole proprietor get money from the growth fund?',
    }).catch((e: unknown) => e)) as ContentEditError;
    expect(invalid.code).toBe('CONTENT_INVALID');
    expect(invalid.details.problems?.[0]).toMatch(/signing\.md/);
    expect(await tree(dir)).toEqual(before);
  });

  it('keeps lines the yaml library would write differently, and refuses when the edit is on such a line', async () => {
    const path = join(dir, FILE);
    const text = await readFile(path, 'utf8');
    // An escape the library would write back as the character itself, on a line the edit does not touch.
    const escaped = text.replace(
      '"What is the SME Growth Support Fund?"',
      '"What is the SME Growth Support Fund\\x3F"',
    );
    await writeFile(path, escaped);
    await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'en',
      question: 'Can a sole proprietor get money from the growth fund?',
    });
    expect(await readFile(path, 'utf8')).toContain('"What is the SME Growth Support Fund\\x3F"');
    // A flow list holding such an escape: the edit rewrites that very line, so it is refused.
    const flow = escaped.replace(/ {2}zh:\n( {4}- .*\n)+/, '  zh: ["SME Growth Support Fund\\x3F"]\n');
    await writeFile(path, flow);
    expect(await contentProblems(dir)).toEqual([]);
    const before = await tree(dir);
    const error = (await acceptQuestion({
      contentDir: dir,
      entryId: ENTRY,
      lang: 'zh',
      question: '个体经营者可以获得基金投资吗？',
    }).catch((e: unknown) => e)) as ContentEditError;
    expect(error.code).toBe('LAYOUT');
    expect(await tree(dir)).toEqual(before);
  });

  it('says why a question cannot be one, for the admin surfaces to check before they send it', () => {
    expect(questionProblem('Is there a deadline?', 'en')).toBeUndefined();
    expect(questionProblem('締め切りはありますか', 'ja')).toBeUndefined();
    expect(questionProblem('申请有截止日期吗', 'zh')).toBeUndefined();
    expect(questionProblem('申請の締め切りは', 'zh')?.code).toBe('WRONG_SCRIPT');
    expect(questionProblem('<!channel> deadline?', 'en')?.code).toBe('MENTION');
  });
});

describe('drafting a new entry from a gap', () => {
  const gap: DraftSource = {
    id: 'gap-0123456789',
    count: 5,
    firstSeen: '2026-02-01T10:00:00.000Z',
    lastSeen: '2026-02-20T10:00:00.000Z',
    closest: { entry: ENTRY, score: 3.1 },
    questions: [
      { text: 'Can a sole proprietor get money from the growth fund?', lang: 'en', count: 3 },
      { text: 'Does the fund invest in sole proprietors?', lang: 'en', count: 1 },
      { text: 'What is the SME Growth Support Fund?', lang: 'en', count: 1 },
      { text: '個人事業主もファンドから出資を受けられますか', lang: 'ja', count: 1 },
      { text: 'Call me at [phone]', lang: 'en', count: 1 },
    ],
  };

  it('writes drafts/<programme>/<topic>.md that the loader skips and kb check mentions, then validates once completed and moved', async () => {
    const drafted = await draftEntry({ contentDir: dir, gap, today: '2026-03-01' });
    expect(drafted).toEqual({
      id: 'meti-global-alliance/sole-proprietor-get-money-growth',
      file: 'drafts/meti-global-alliance/sole-proprietor-get-money-growth.md',
      questions: 3,
    });
    const text = await readFile(join(dir, drafted.file), 'utf8');
    const [, front, body] = text.split(/^---$/m);
    const fm = parseDocument(front ?? '').toJS();
    expect(fm).toMatchObject({
      id: drafted.id,
      scheme: 'meti-global-alliance',
      topic: 'sole-proprietor-get-money-growth',
      desk: 'sme-support-japan',
      title: {
        en: 'Can a sole proprietor get money from the growth fund?',
        ja: '個人事業主もファンドから出資を受けられますか',
        es: '',
        zh: '',
      },
      // An existing entry's question and one with a removed phone number are left out.
      questions: {
        en: [
          'Can a sole proprietor get money from the growth fund?',
          'Does the fund invest in sole proprietors?',
        ],
        ja: ['個人事業主もファンドから出資を受けられますか'],
        es: [],
        zh: [],
      },
      source: { publisher: expect.any(String), title: expect.any(String) },
      as_of: '2026-03-01',
      related: [ENTRY],
    });
    expect(front).toContain('# Drafted from knowledge gap gap-0123456789');
    expect(body?.trim().split(/\n+/)).toEqual(['## en', '## ja', '## es', '## zh']);
    // The live content is untouched by an incomplete draft.
    expect(await kbCheckProblems(dir)).toEqual([]);
    expect(await listDrafts(dir)).toEqual([drafted.file]);
    // A second draft of the same gap does not overwrite the first.
    const second = await draftEntry({ contentDir: dir, gap, today: '2026-03-01' });
    expect(second.file).toBe('drafts/meti-global-alliance/sole-proprietor-get-money-growth-2.md');

    // Completed by the admin and moved into knowledge/: then it is content, checked like any entry.
    const doc = parseDocument((await readFile(join(dir, second.file), 'utf8')).split(/^---$/m)[1] ?? '');
    doc.setIn(['title', 'es'], 'Si un empresario individual puede recibir dinero del fondo');
    doc.setIn(['title', 'zh'], '个体经营者能否获得基金投资');
    doc.setIn(['questions', 'es'], ['¿Puede un autónomo recibir dinero del fondo?']);
    doc.setIn(['questions', 'zh'], ['个体经营者可以获得基金投资吗？']);
    const bodies = [
      '## en\nThe announcement does not say whether sole proprietors can receive investment from the fund; SME Support JAPAN can confirm.',
      '## ja\n発表には、個人事業主がファンドから出資を受けられるかどうかは書かれていません。中小機構にご確認ください。',
      '## es\nEl anuncio no dice si un empresario individual puede recibir inversión del fondo; SME Support JAPAN puede confirmarlo.',
      '## zh\n公告没有说明个体经营者能否获得该基金的投资，请向中小机构确认。',
    ];
    await writeFile(join(dir, second.file), `---\n${doc.toString()}---\n${bodies.join('\n\n')}\n`);
    await rename(join(dir, second.file), join(dir, `knowledge/${second.id}.md`));
    expect(await kbCheckProblems(dir)).toEqual([]);
    expect((await loadContent(dir)).knowledge.some((e) => e.id === second.id)).toBe(true);
    // The first draft, moved as it is, is refused by the check, naming what is missing.
    await rename(join(dir, drafted.file), join(dir, `knowledge/${drafted.id}.md`));
    const problems = (await kbCheckProblems(dir)).map((p) => `${p.field}: ${p.message}`);
    expect(problems).toEqual([
      'title.es: must not be empty, got ""',
      'title.zh: must not be empty, got ""',
      'questions.es: needs at least one question',
      'questions.zh: needs at least one question',
    ]);
  });

  it('refuses an unknown programme or desk, and needs a programme when the gap has no closest entry', async () => {
    const before = await tree(dir);
    for (const [opts, code] of [
      [{ programme: 'no-such-programme' }, 'UNKNOWN_PROGRAMME'],
      [{ desk: 'no-such-desk' }, 'UNKNOWN_DESK'],
      [{ gap: { ...gap, closest: null } }, 'UNKNOWN_PROGRAMME'],
    ] as const) {
      const error = await draftEntry({ contentDir: dir, gap, ...opts }).catch((e: unknown) => e);
      expect((error as ContentEditError).code).toBe(code);
    }
    expect(await tree(dir)).toEqual(before);
    const named = await draftEntry({
      contentDir: dir,
      gap: { ...gap, closest: null },
      programme: 'jetro-chongqing',
    });
    expect(named.file).toMatch(/^drafts\/jetro-chongqing\//);
    expect(await readFile(join(dir, named.file), 'utf8')).toContain('desk: jetro-chongqing');
  });
});
