/**
 * Admins' edits of the knowledge, made from what people asked: a question accepted as an alternate
 * question of an entry, and a new entry drafted from a knowledge gap.
 *
 * An accepted question is written into the entry's front matter through the `yaml` library's document
 * API, so comments, quoting and layout survive; the new content is validated exactly as `kb check`
 * validates it (on a copy of the content directory) before anything is written; the file is replaced
 * atomically (a temporary file renamed over it). Every refusal is a `ContentEditError` with a code, and
 * changes no file.
 *
 * Drafts go to `drafts/<programme>/<topic>.md` at the content root, beside `knowledge/`: the loader
 * never reads that folder, so an incomplete draft cannot break the live content. Once its titles and
 * bodies are written, the admin moves it to `knowledge/<programme>/` where `kb check` validates it.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, parseDocument, Scalar, YAMLSeq } from 'yaml';
import { detectLanguage } from '../core/language.js';
import { normalise } from '../core/normalize.js';
import { tokenize } from '../core/tokenize.js';
import { checkLanguages, checkMessages, ENTRY_LANGS } from './check.js';
import { type ContentProblem, formatProblem } from './errors.js';
import { CONTENT_FOLDERS, ContentError, loadContent } from './load.js';
import type { Content, KnowledgeEntry } from './types.js';

/** The text questions are compared by: normalised (markup, width, case), punctuation gone. */
export function questionKey(text: string): string {
  return normalise(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The folder at the content root drafts are written to (the loader does not read it). */
export const DRAFTS_FOLDER = 'drafts';
/** Longest alternate question accepted: the knowledge's own are well under it. */
export const MAX_QUESTION = 200;

export type ContentEditCode =
  | 'CONTENT_INVALID'
  | 'UNKNOWN_ENTRY'
  | 'UNKNOWN_LANG'
  | 'UNKNOWN_PROGRAMME'
  | 'UNKNOWN_DESK'
  | 'EMPTY'
  | 'TOO_LONG'
  | 'MARKUP'
  | 'MENTION'
  | 'WRONG_SCRIPT'
  | 'ALREADY_THERE'
  | 'USED_BY_OTHER'
  | 'CHECK_FAILED'
  | 'LAYOUT'
  | 'CHANGED';

/** A refused edit: what was wrong, and the file (or entry, or problems) it concerns. Nothing was written. */
export class ContentEditError extends Error {
  constructor(
    readonly code: ContentEditCode,
    message: string,
    readonly details: { entry?: string; file?: string; lang?: string; problems?: string[] } = {},
  ) {
    super(message);
    this.name = 'ContentEditError';
  }
}

/** What `kb check` reports for the content in `dir`: load problems, else the languages and strings checks. */
export async function kbCheckProblems(dir: string): Promise<ContentProblem[]> {
  let content: Content;
  try {
    content = await loadContent(dir);
  } catch (error) {
    if (error instanceof ContentError) return error.problems;
    throw error;
  }
  return [...checkLanguages(content), ...checkMessages(content)];
}

/** The languages the knowledge is written in: the checked ones first, then any other an entry has. */
export function contentLangs(content: Pick<Content, 'knowledge'>): string[] {
  const all = new Set(content.knowledge.flatMap((e) => Object.keys(e.body)));
  return [
    ...ENTRY_LANGS.filter((l) => all.has(l)),
    ...[...all].filter((l) => !ENTRY_LANGS.includes(l as never)).sort(),
  ];
}

const CJK = /[\u3040-\u30FF\u3400-\u9FFF]/;
const KANA = /[\u3040-\u30FF]/;

/**
 * Why `question` cannot be an alternate question in `lang`, or undefined. Questions are shown back to
 * people (suggestions, choices) and read by the engine: one plain line, no markup, no mention, no link
 * and none of the placeholders kept texts have where contact details were.
 */
export function questionProblem(question: string, lang: string): ContentEditError | undefined {
  const q = question.replace(/\s+/g, ' ').trim();
  if (!q || !questionKey(q)) return new ContentEditError('EMPTY', 'The question is empty.');
  if (q.length > MAX_QUESTION)
    return new ContentEditError(
      'TOO_LONG',
      `The question is ${q.length} characters; alternate questions are at most ${MAX_QUESTION}.`,
    );
  if (/(^|[^\w.])@[\w.-]|<@|<!|<at\b|\[mention\]/i.test(q))
    return new ContentEditError('MENTION', 'The question holds a mention; write it without one.');
  if (/<\/?[a-z!][^>]*>|<[#@!]|\[[^\]]*\]\([^)]*\)|https?:\/\/|www\.|`|\[(email|phone|link)\]/i.test(q))
    return new ContentEditError(
      'MARKUP',
      'The question holds markup, a link or a removed contact detail; write it as plain text.',
    );
  const wrong =
    (lang === 'ja' && !KANA.test(q) && !CJK.test(q)) ||
    (lang === 'zh' && (!CJK.test(q) || KANA.test(q))) ||
    ((lang === 'en' || lang === 'es') && CJK.test(q));
  if (wrong)
    return new ContentEditError(
      'WRONG_SCRIPT',
      `The question is not written in ${lang} (detected ${detectLanguage(normalise(q))}).`,
      { lang },
    );
  return undefined;
}

/** The entry that already has `question` (compared normalised) as an alternate question, in any language. */
function usedBy(content: Pick<Content, 'knowledge'>, question: string): KnowledgeEntry | undefined {
  const key = questionKey(question);
  return content.knowledge.find((e) =>
    Object.values(e.questions).some((list) => list?.some((q) => questionKey(q) === key)),
  );
}

async function loadOrRefuse(contentDir: string): Promise<Content> {
  try {
    return await loadContent(contentDir);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    throw new ContentEditError(
      'CONTENT_INVALID',
      `The content does not load (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}); fix it first.`,
      { problems: error.problems.map(formatProblem) },
    );
  }
}

interface FrontMatter {
  /** The file's lines, its line ending, and where the front matter ends (the closing `---`). */
  lines: string[];
  eol: string;
  end: number;
  yaml: string;
}

function splitFrontMatter(text: string, file: string): FrontMatter {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== '---' || end < 0)
    throw new ContentEditError('LAYOUT', `${file} has no front matter block.`, { file });
  return { lines, eol, end, yaml: `${lines.slice(1, end).join('\n')}\n` };
}

/** Ways the yaml library can write a document (no folding; flow lists with and without padding). */
const LAYOUTS = [
  { lineWidth: 0, flowCollectionPadding: false },
  { lineWidth: 0, flowCollectionPadding: true },
] as const;

/**
 * `yaml` (a front matter) with `question` appended to `questions.<lang>`, edited through the document
 * API; the new item's quoting follows its neighbours'. The library writes a whole document, and may
 * respace an unchanged line (a comment's indent, an escape), so only the lines the edit changed are
 * taken from its output and put in place of the same lines of the original: everything else stays
 * byte for byte. Refuses (LAYOUT) when the lines the edit changed were not written as the library
 * writes them, or the result does not read back as the edited document.
 */
function withQuestion(yaml: string, lang: string, question: string, file: string): string {
  const refuse = () =>
    new ContentEditError(
      'LAYOUT',
      `${file}: its front matter cannot be edited without rewriting other lines; add the question by hand.`,
      { file },
    );
  const doc = parseDocument(yaml, { uniqueKeys: true });
  const original = yaml.split('\n');
  // The way of writing that reproduces most of the file's own lines.
  const same = (o: (typeof LAYOUTS)[number]) =>
    doc
      .toString(o)
      .split('\n')
      .filter((l, i) => l === original[i]).length;
  const layout = [...LAYOUTS].sort((a, b) => same(b) - same(a))[0] as (typeof LAYOUTS)[number];
  const before = doc.toString(layout).split('\n');
  const questions = doc.get('questions', true);
  if (!isMap(questions)) throw refuse();
  const list = questions.get(lang, true);
  const scalar = new Scalar(question);
  if (isSeq(list)) {
    const last = list.items.at(-1);
    scalar.type = isScalar(last) && last.type ? last.type : Scalar.QUOTE_DOUBLE;
    list.items.push(scalar);
  } else if (list === undefined) {
    scalar.type = Scalar.QUOTE_DOUBLE;
    const seq = new YAMLSeq();
    seq.items.push(scalar);
    questions.set(lang, seq);
  } else throw refuse();
  const after = doc.toString(layout).split('\n');
  if (before.length !== original.length) throw refuse();
  let head = 0;
  while (head < before.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail])
    tail++;
  const replaced = original.slice(head, original.length - tail);
  if (replaced.some((l, i) => l !== before[head + i])) throw refuse();
  const out = [
    ...original.slice(0, head),
    ...after.slice(head, after.length - tail),
    ...original.slice(original.length - tail),
  ].join('\n');
  if (!isDeepStrictEqual(parseDocument(out, { uniqueKeys: true }).toJS(), doc.toJS())) throw refuse();
  return out;
}

/** Writes `text` to `file` through a temporary file in the same folder (not `*.md`: a watcher's loader skips it), then renames it. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Runs `kb check` on the content with `file` (relative) replaced by `text`, on a temporary copy. */
async function checkWith(contentDir: string, file: string, text: string): Promise<string[]> {
  const copy = await mkdtemp(join(tmpdir(), 'madoguchi-edit-'));
  try {
    for (const sub of CONTENT_FOLDERS)
      await cp(join(contentDir, sub), join(copy, sub), { recursive: true }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    await writeFile(join(copy, file), text);
    return (await kbCheckProblems(copy)).map(formatProblem);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

export interface AcceptedQuestion {
  entry: string;
  /** Relative to the content directory. */
  file: string;
  lang: string;
  question: string;
}

/**
 * Adds `question` to `questions.<lang>` of entry `entryId`, validated as `kb check` validates, written
 * atomically. A running server picks it up by its content watcher or a reload.
 */
export async function acceptQuestion(opts: {
  contentDir: string;
  entryId: string;
  lang: string;
  question: string;
}): Promise<AcceptedQuestion> {
  const { contentDir, entryId, lang } = opts;
  const question = opts.question.replace(/\s+/g, ' ').trim();
  const content = await loadOrRefuse(contentDir);
  const entry = content.knowledge.find((e) => e.id === entryId);
  if (!entry)
    throw new ContentEditError('UNKNOWN_ENTRY', `There is no knowledge entry "${entryId}".`, {
      entry: entryId,
    });
  const langs = contentLangs(content);
  if (!langs.includes(lang))
    throw new ContentEditError(
      'UNKNOWN_LANG',
      `The knowledge is not written in "${lang}" (it is in ${langs.join(', ')}).`,
      { lang },
    );
  const problem = questionProblem(question, lang);
  if (problem) throw problem;
  const other = usedBy(content, question);
  if (other)
    throw other.id === entry.id
      ? new ContentEditError('ALREADY_THERE', `"${entryId}" already has this question.`, { entry: other.id })
      : new ContentEditError(
          'USED_BY_OTHER',
          `This question is already an alternate question of "${other.id}"; one question leads to one entry.`,
          { entry: other.id },
        );
  const path = join(contentDir, entry.file);
  const before = await readFile(path, 'utf8');
  const fm = splitFrontMatter(before, entry.file);
  const yaml = withQuestion(fm.yaml, lang, question, entry.file);
  const after = [fm.lines[0], ...yaml.replace(/\n$/, '').split('\n'), ...fm.lines.slice(fm.end)].join(fm.eol);
  const problems = await checkWith(contentDir, entry.file, after);
  if (problems.length > 0)
    throw new ContentEditError(
      'CHECK_FAILED',
      `With this question the content would not pass kb check (${problems.length} problem${problems.length === 1 ? '' : 's'}).`,
      { entry: entry.id, file: entry.file, problems },
    );
  // Someone else's edit since it was read is not overwritten.
  if ((await readFile(path, 'utf8')) !== before)
    throw new ContentEditError(
      'CHANGED',
      `${entry.file} changed while the question was being added; try again.`,
      {
        file: entry.file,
      },
    );
  await writeAtomically(path, after);
  return { entry: entry.id, file: entry.file, lang, question };
}

/** What a draft is made from: a gap's questions, and the entry the engine thought closest. */
export interface DraftSource {
  id: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  closest: { entry: string; score: number } | null;
  questions: Array<{ text: string; lang: string; count: number }>;
}

export interface DraftedEntry {
  /** `<programme>/<topic>`, the id it takes once moved into knowledge/. */
  id: string;
  /** Relative to the content directory: `drafts/<programme>/<topic>.md`. */
  file: string;
  questions: number;
}

const MAX_DRAFT_QUESTIONS = 10;

/** A topic name from the most asked English question's words (`fund-deadline-osaka`), else the gap's id. */
function topicOf(gap: DraftSource): string {
  const en = gap.questions.find((q) => q.lang === 'en');
  const words = en
    ? tokenize(normalise(en.text))
        .map((t) => t.word ?? '')
        .filter((w) => /^[a-z0-9]+$/.test(w))
    : [];
  const slug = [...new Set(words)].slice(0, 5).join('-');
  return slug.length >= 3 ? slug.slice(0, 60).replace(/-+$/, '') : gap.id;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a new entry file for `gap` in `drafts/`: title (its most asked question in each language),
 * alternate questions grouped by language, an empty body for every language the knowledge has, the
 * desk, the programme's source and `as_of` today, and a comment saying what is left to do.
 */
export async function draftEntry(opts: {
  contentDir: string;
  gap: DraftSource;
  programme?: string;
  desk?: string;
  /** `as_of` (default: today, UTC). */
  today?: string;
}): Promise<DraftedEntry> {
  const { contentDir, gap } = opts;
  const content = await loadOrRefuse(contentDir);
  const closest = content.knowledge.find((e) => e.id === gap.closest?.entry);
  const programmeId = opts.programme ?? closest?.scheme;
  const programme = content.programmes.find((p) => p.id === programmeId);
  if (!programme)
    throw new ContentEditError(
      'UNKNOWN_PROGRAMME',
      programmeId
        ? `There is no programme "${programmeId}" (programmes: ${content.programmes.map((p) => p.id).join(', ')}).`
        : `Say which programme the entry is for (programmes: ${content.programmes.map((p) => p.id).join(', ')}).`,
    );
  const deskId =
    opts.desk ??
    (closest && closest.scheme === programme.id ? closest.desk : undefined) ??
    programme.desks[0];
  if (!deskId || !content.desks.desks.some((d) => d.id === deskId))
    throw new ContentEditError(
      'UNKNOWN_DESK',
      `There is no desk "${deskId ?? ''}" (desks: ${content.desks.desks.map((d) => d.id).join(', ')}).`,
    );
  const base = topicOf(gap);
  let topic = base;
  for (let n = 2; ; n++) {
    const taken =
      content.knowledge.some((e) => e.id === `${programme.id}/${topic}`) ||
      (await exists(join(contentDir, DRAFTS_FOLDER, programme.id, `${topic}.md`)));
    if (!taken) break;
    topic = `${base}-${n}`;
  }
  const langs = contentLangs(content);
  const byLang = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const q of gap.questions) {
    const text = q.text.replace(/\s+/g, ' ').trim();
    const key = questionKey(text);
    // Questions another entry already answers, or that could not be alternate questions, are left out.
    if (!langs.includes(q.lang) || seen.has(key) || questionProblem(text, q.lang) || usedBy(content, text))
      continue;
    seen.add(key);
    const list = byLang.get(q.lang) ?? [];
    if (list.length < MAX_DRAFT_QUESTIONS) byLang.set(q.lang, [...list, text]);
  }
  const s = (text: string) => JSON.stringify(text);
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const related = closest && closest.scheme === programme.id ? [closest.id] : [];
  const lines = [
    '---',
    `# Drafted from knowledge gap ${gap.id} (${gap.count} question${gap.count === 1 ? '' : 's'}, ${gap.firstSeen.slice(0, 10)} to ${gap.lastSeen.slice(0, 10)}).`,
    '# To do: write every title and body, add questions where a language has none, check the source and',
    `# the desk, then move this file to knowledge/${programme.id}/${topic}.md; \`kb check\` validates it there.`,
    `id: ${programme.id}/${topic}`,
    `scheme: ${programme.id}`,
    `topic: ${topic}`,
    `desk: ${deskId}`,
    'answers: []',
    'title:',
    ...langs.map((l) => `  ${l}: ${s(byLang.get(l)?.[0] ?? '')}`),
    'questions:',
    ...langs.flatMap((l) => {
      const list = byLang.get(l) ?? [];
      return list.length > 0 ? [`  ${l}:`, ...list.map((q) => `    - ${s(q)}`)] : [`  ${l}: []`];
    }),
    'source:',
    `  publisher: ${s(programme.source.publisher)}`,
    `  title: ${s(programme.source.title)}`,
    `  date: ${programme.source.date}`,
    `as_of: ${today}`,
    `related: [${related.join(', ')}]`,
    '---',
    ...langs.flatMap((l) => [`## ${l}`, '']),
  ];
  const file = `${DRAFTS_FOLDER}/${programme.id}/${topic}.md`;
  const path = join(contentDir, file);
  await mkdir(dirname(path), { recursive: true });
  await writeAtomically(path, lines.join('\n'));
  return {
    id: `${programme.id}/${topic}`,
    file,
    questions: [...byLang.values()].reduce((n, l) => n + l.length, 0),
  };
}

/** The drafts waiting in `drafts/` (relative paths), for `kb check` to mention. */
export async function listDrafts(contentDir: string): Promise<string[]> {
  try {
    const names = (await readdir(join(contentDir, DRAFTS_FOLDER), { recursive: true })) as string[];
    return names
      .filter((n) => n.endsWith('.md'))
      .map((n) => `${DRAFTS_FOLDER}/${n.split('\\').join('/')}`)
      .sort();
  } catch {
    return [];
  }
}
