import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type DeskId, REQUIRED_LANGS } from '../core/types.js';
import { ContentError, type ContentProblem, suggest } from './errors.js';
import {
  ActsFile,
  CalibrationFile,
  DesksFile,
  IntentsFile,
  KnowledgeFrontMatter,
  LANG_CODE,
  MessagesFile,
  ProgrammeFile,
  QuestionKindsFile,
} from './schema.js';
import type {
  ActExamples,
  Calibration,
  Content,
  Desk,
  DeskDirectory,
  IntentRule,
  KnowledgeEntry,
  Localized,
  Messages,
  Programme,
  QuestionCues,
} from './types.js';
import { parseValidated, type YamlSource } from './yaml-source.js';

export type { ContentProblem } from './errors.js';
export { ContentError, formatProblem } from './errors.js';

const MAX_BODY = 2000;

/** The folders content is read from, relative to the content directory (a copy of them is a whole content tree). */
export const CONTENT_FOLDERS = ['knowledge', 'intents', 'messages', 'models'] as const;

interface RawFile {
  /** Relative to the content directory, with forward slashes. */
  file: string;
  text: string;
}

/**
 * Loads and validates `intents/*.yml`, `knowledge/**\/*.md` and `knowledge/desks.yml` under `dir`.
 * Throws `ContentError` listing every problem, each with its file and line.
 */
export async function loadContent(dir: string): Promise<Content> {
  const problems: ContentProblem[] = [];
  const [knowledgeFiles, programmeFiles, intentFiles, messageFiles] = await Promise.all([
    readTree(dir, 'knowledge', (f) => f.endsWith('.md')),
    readTree(dir, 'knowledge', (f) => /(^|\/)programme\.ya?ml$/.test(f)),
    readTree(dir, 'intents', (f) => f.endsWith('.yml') || f.endsWith('.yaml')),
    readTree(dir, 'messages', (f) => f.endsWith('.yml')),
  ]);
  const [desksFile, calibrationFile] = await Promise.all([
    readOptional(dir, 'knowledge/desks.yml'),
    readOptional(dir, 'models/calibration.json'),
  ]);
  if (!desksFile)
    problems.push({ file: 'knowledge/desks.yml', line: 1, field: '', message: 'file not found' });
  if (knowledgeFiles.length === 0)
    problems.push({ file: 'knowledge', line: 1, field: '', message: 'no knowledge entries (*.md)' });
  if (intentFiles.length === 0)
    problems.push({ file: 'intents', line: 1, field: '', message: 'no intent files (*.yml)' });

  const located = knowledgeFiles.flatMap((f) => parseKnowledge(f, problems) ?? []);
  const programmes = (await Promise.all(programmeFiles.map((f) => parseProgramme(dir, f, problems)))).flatMap(
    (p) => p ?? [],
  );
  const desks = desksFile ? parseDesks(desksFile, problems) : undefined;
  const byKind = (key: string) => intentFiles.filter((f) => new RegExp(`^${key}:`, 'm').test(f.text));
  const actsFiles = byKind('acts');
  const kindsFiles = byKind('kinds');
  const ruleFiles = intentFiles.filter((f) => !actsFiles.includes(f) && !kindsFiles.includes(f));
  const locatedIntents = ruleFiles.flatMap((f) => parseIntents(f, problems));
  const acts = parseActs(actsFiles, problems);
  const questionCues = noQuestionCues();
  for (const f of kindsFiles) {
    const cues = parseQuestionKinds(f, problems);
    questionCues.kinds.push(...cues.kinds);
    questionCues.followUps.push(...cues.followUps);
    questionCues.backReferences.push(...cues.backReferences);
    questionCues.tellMe.push(...cues.tellMe);
    questionCues.askSomeone.push(...cues.askSomeone);
    questionCues.details.push(...cues.details);
    questionCues.synonyms.push(...cues.synonyms);
    questionCues.fillers.push(...cues.fillers);
  }
  const messages = parseMessages(messageFiles, problems);
  const calibration = calibrationFile ? parseCalibration(calibrationFile, problems) : null;
  // Entries that failed validation still exist for cross-references: one bad file gives one problem.
  const entryIds = new Set(
    knowledgeFiles.map((f) => f.file.replace(/^knowledge\//, '').replace(/\.md$/, '')),
  );
  crossCheck(located, locatedIntents, entryIds, problems);
  if (desks) checkReferences(located, locatedIntents, programmes, desks, problems);
  const knowledge = located.map((l) => withProgrammeLink(l.entry, programmes));
  const intents = locatedIntents.map((l) => l.rule);

  if (problems.length > 0 || !desks || !acts) throw new ContentError(problems);
  const hash = createHash('sha256');
  const read = [
    ...knowledgeFiles,
    ...programmeFiles,
    ...intentFiles,
    ...messageFiles,
    ...[desksFile, calibrationFile].filter((f): f is RawFile => f !== undefined),
  ];
  for (const f of read) hash.update(f.file).update('\0').update(f.text).update('\0');
  return {
    intents,
    knowledge,
    programmes: programmes.map((p) => p.programme),
    desks: desks.directory,
    acts,
    questionCues,
    messages,
    calibration,
    version: hash.digest('hex').slice(0, 12),
    loadedAt: new Date().toISOString(),
  };
}

/** An entry's source takes its programme's link, or its note saying why there is none, unless it has its own. */
function withProgrammeLink(
  entry: KnowledgeEntry,
  programmes: Array<{ programme: Programme }>,
): KnowledgeEntry {
  if (entry.source.url || entry.source.urlNote) return entry;
  const source = programmes.find((p) => p.programme.id === entry.scheme)?.programme.source;
  if (source?.url) return { ...entry, source: { ...entry.source, url: source.url } };
  if (source?.url_note) return { ...entry, source: { ...entry.source, urlNote: source.url_note } };
  return entry;
}

async function readTree(dir: string, sub: string, accept: (file: string) => boolean): Promise<RawFile[]> {
  let names: string[];
  try {
    names = (await readdir(join(dir, sub), { recursive: true })) as string[];
  } catch {
    return [];
  }
  const files = names.filter(accept).sort();
  return Promise.all(
    files.map(async (name) => ({
      file: relative(dir, join(dir, sub, name))
        .split(sep)
        .join('/'),
      text: await readFile(join(dir, sub, name), 'utf8'),
    })),
  );
}

async function readOptional(dir: string, file: string): Promise<RawFile | undefined> {
  try {
    return { file, text: await readFile(join(dir, file), 'utf8') };
  } catch {
    return undefined;
  }
}

/** A parsed item with the lines its cross-references are on. */
interface LocatedEntry {
  entry: KnowledgeEntry;
  relatedLines: number[];
  lineOf: YamlSource['lineOf'];
}

interface LocatedIntent {
  rule: IntentRule;
  line: number;
  lineOf: (path: (string | number)[]) => number;
}

function parseKnowledge(raw: RawFile, problems: ContentProblem[]): LocatedEntry | undefined {
  const { file } = raw;
  const lines = raw.text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    problems.push({
      file,
      line: 1,
      field: '',
      message: 'must start with a YAML front matter block ("---" on line 1)',
    });
    return undefined;
  }
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) {
    problems.push({ file, line: 1, field: '', message: 'front matter is not closed (no second "---" line)' });
    return undefined;
  }
  const validated = parseValidated(lines.slice(1, end).join('\n'), file, 2, KnowledgeFrontMatter, problems);
  if (!validated) return undefined;
  const { source } = validated;
  const fm = validated.data;
  const expectedId = file.replace(/^knowledge\//, '').replace(/\.md$/, '');
  let ok = true;
  const fail = (field: string, message: string, line = source.lineOf([field])) => {
    problems.push({ file, line, field, message });
    ok = false;
  };
  const folder = expectedId.split('/')[0] ?? '';
  if (fm.id !== expectedId) fail('id', `must match the file path: expected "${expectedId}", got "${fm.id}"`);
  if (fm.scheme !== folder)
    fail('scheme', `must be the programme folder's name "${folder}", got "${fm.scheme}"`);
  else if (fm.id !== `${fm.scheme}/${fm.topic}`)
    fail('id', `must be "<scheme>/<topic>" = "${fm.scheme}/${fm.topic}"`);

  const body = parseBody(lines, end + 1);
  for (const lang of new Set([...REQUIRED_LANGS, ...Object.keys(body.sections)])) {
    const section = body.sections[lang];
    const line = section?.line ?? end + 1;
    if (!section || section.text.length === 0) {
      fail(`body.${lang}`, `missing or empty "## ${lang}" section`, line);
    } else if (section.text.length > MAX_BODY) {
      fail(`body.${lang}`, `is ${section.text.length} characters; keep it under ${MAX_BODY}`, line);
    } else if (/<[a-z/!][^>]*>|\[[^\]]*\]\([^)]*\)/i.test(section.text)) {
      fail(`body.${lang}`, 'must be plain text: no HTML tags or Markdown links', line);
    }
  }
  for (const heading of body.unknown)
    fail(
      'body',
      `unknown section "${heading.text}" (use "## <language code>": en, ja, es, zh…)`,
      heading.line,
    );
  if (!ok) return undefined;
  const bodies = Object.fromEntries(Object.entries(body.sections).map(([l, v]) => [l, v.text]));
  const entry: KnowledgeEntry = {
    id: fm.id,
    scheme: fm.scheme,
    topic: fm.topic,
    desk: fm.desk,
    answers: fm.answers,
    title: fm.title as Localized,
    body: bodies as Localized,
    questions: fm.questions as Localized<string[]>,
    tags: withRequired(fm.tags),
    source: {
      publisher: fm.source.publisher,
      title: fm.source.title,
      date: fm.source.date,
      url: fm.source.url ?? '',
      ...(fm.source.url_note ? { urlNote: fm.source.url_note } : {}),
    },
    asOf: fm.as_of,
    related: fm.related,
    file,
  };
  return {
    entry,
    relatedLines: fm.related.map((_, i) => source.lineOf(['related', i])),
    lineOf: source.lineOf,
  };
}

/** A per-language list with the required languages present (empty when the file has none). */
function withRequired(lists: Record<string, string[]>): Localized<string[]> {
  return { en: [], ja: [], ...lists };
}

async function parseProgramme(
  dir: string,
  raw: RawFile,
  problems: ContentProblem[],
): Promise<{ programme: Programme; lineOf: YamlSource['lineOf'] } | undefined> {
  const validated = parseValidated(raw.text, raw.file, 1, ProgrammeFile, problems);
  if (!validated) return undefined;
  const { source } = validated;
  const p = validated.data;
  const folder = raw.file.replace(/^knowledge\//, '').replace(/\/programme\.ya?ml$/, '');
  if (p.id !== folder) {
    problems.push({
      file: raw.file,
      line: source.lineOf(['id']),
      field: 'id',
      message: `must be the folder's name: expected "${folder}", got "${p.id}"`,
    });
    return undefined;
  }
  const sourceFile = `knowledge/${folder}/${p.source.file}`;
  const sourceText = await readOptional(dir, sourceFile);
  if (!sourceText) {
    problems.push({
      file: raw.file,
      line: source.lineOf(['source', 'file']),
      field: 'source.file',
      message: `file not found: ${sourceFile}`,
    });
    return undefined;
  }
  return {
    programme: {
      id: p.id,
      name: p.name as Localized,
      aliases: withRequired(p.aliases),
      source: {
        publisher: p.source.publisher,
        title: p.source.title,
        date: p.source.date,
        file: p.source.file,
        ...(p.source.url ? { url: p.source.url } : {}),
        ...(p.source.url_note ? { url_note: p.source.url_note } : {}),
      },
      sourceText: sourceText.text,
      desks: p.desks,
      reviewDays: p.review_days,
      renderings: p.renderings,
      file: raw.file,
    },
    lineOf: source.lineOf,
  };
}

interface Body {
  sections: Record<string, { text: string; line: number }>;
  unknown: Array<{ text: string; line: number }>;
}

/** `## <language code>` sections of an entry's body. */
function parseBody(lines: string[], start: number): Body {
  const body: Body = { sections: {}, unknown: [] };
  let current: { lang: string; line: number; lines: string[] } | undefined;
  const flush = () => {
    if (current) body.sections[current.lang] = { text: current.lines.join('\n').trim(), line: current.line };
  };
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      flush();
      const lang = heading[1] ?? '';
      if (LANG_CODE.test(lang)) current = { lang, line: i + 1, lines: [] };
      else {
        body.unknown.push({ text: line.trim(), line: i + 1 });
        current = undefined;
      }
    } else current?.lines.push(line);
  }
  flush();
  return body;
}

function parseDesks(
  raw: RawFile,
  problems: ContentProblem[],
): { directory: DeskDirectory; lineOf: YamlSource['lineOf'] } | undefined {
  const validated = parseValidated(raw.text, raw.file, 1, DesksFile, problems);
  if (!validated) return undefined;
  const { source } = validated;
  const seen = new Set<DeskId>();
  let ok = true;
  const fail = (path: (string | number)[], message: string) => {
    problems.push({ file: raw.file, line: source.lineOf(path), field: path.join('.'), message });
    ok = false;
  };
  validated.data.desks.forEach((d, i) => {
    if (seen.has(d.id)) fail(['desks', i, 'id'], `duplicate desk "${d.id}"`);
    if (d.staff.length === 0)
      fail(['desks', i, 'staff'], `desk "${d.id}" has no staff: nobody could claim its tickets`);
    seen.add(d.id);
  });
  if (!seen.has(validated.data.triage))
    fail(['triage'], `no desk "${validated.data.triage}" (the triage desk must be one of the desks)`);
  const { admin_channel: admin, digest } = validated.data;
  if (digest && !admin) fail(['digest'], 'the digest needs admin_channel: the channel it is posted in');
  if (!ok) return undefined;
  const desks: Desk[] = validated.data.desks.map((d) => ({
    id: d.id,
    name: d.name as Localized,
    lang: d.lang,
    takes: d.takes as Localized,
    aliases: withRequired(d.aliases),
    descriptions: withRequired(d.descriptions),
    examples: withRequired(d.examples),
    schemes: d.schemes,
    responseTargetHours: d.response_target_hours,
    reminderIntervalHours: d.reminder_interval_hours,
    notify: {
      ...(d.notify.slack_channel ? { slackChannel: d.notify.slack_channel } : {}),
      ...(d.notify.teams_conversation ? { teamsConversation: d.notify.teams_conversation } : {}),
    },
    staff: d.staff,
  }));
  return {
    directory: {
      desks,
      admins: validated.data.admins,
      triage: validated.data.triage,
      ...(admin
        ? {
            adminChannel: {
              ...(admin.slack_channel ? { slackChannel: admin.slack_channel } : {}),
              ...(admin.teams_conversation ? { teamsConversation: admin.teams_conversation } : {}),
              lang: admin.lang,
            },
          }
        : {}),
      ...(digest
        ? { digest: { weekday: digest.weekday, hour: digest.hour, timeZone: digest.timezone } }
        : {}),
    },
    lineOf: source.lineOf,
  };
}

function parseIntents(raw: RawFile, problems: ContentProblem[]): LocatedIntent[] {
  const validated = parseValidated(raw.text, raw.file, 1, IntentsFile, problems);
  if (!validated) return [];
  const { source } = validated;
  return validated.data.intents.map((r, i) => ({
    rule: {
      id: r.id,
      action: r.action,
      ...(r.scheme ? { scheme: r.scheme } : {}),
      ...(r.topic ? { topic: r.topic } : {}),
      ...(r.desk ? { desk: r.desk } : {}),
      ...(r.smalltalk ? { smalltalk: r.smalltalk } : {}),
      priority: r.priority,
      keywords: withRequired(r.keywords),
      patterns: r.patterns,
      examples: withRequired(r.examples),
      file: raw.file,
    },
    line: source.lineOf(['intents', i]),
    lineOf: (path: (string | number)[]) => source.lineOf(['intents', i, ...path]),
  }));
}

function parseActs(files: RawFile[], problems: ContentProblem[]): ActExamples | undefined {
  const [raw, ...extra] = files;
  if (!raw) {
    problems.push({ file: 'intents/acts.yml', line: 1, field: '', message: 'file not found' });
    return undefined;
  }
  for (const f of extra)
    problems.push({
      file: f.file,
      line: 1,
      field: 'acts',
      message: `acts are already defined in ${raw.file}`,
    });
  const validated = parseValidated(raw.text, raw.file, 1, ActsFile, problems);
  if (!validated) return undefined;
  return validated.data.acts as ActExamples;
}

function noQuestionCues(): QuestionCues {
  return {
    kinds: [],
    followUps: [],
    backReferences: [],
    tellMe: [],
    askSomeone: [],
    details: [],
    synonyms: [],
    fillers: [],
  };
}

function parseQuestionKinds(raw: RawFile, problems: ContentProblem[]): QuestionCues {
  const validated = parseValidated(raw.text, raw.file, 1, QuestionKindsFile, problems);
  if (!validated) return noQuestionCues();
  // All of a kind's cues in one alternation: one regular expression a kind to run on each question.
  const compile = (m: Record<string, string[]>): RegExp[] => {
    const all = Object.values(m).flat();
    return all.length === 0 ? [] : [new RegExp(all.map((p) => `(?:${p})`).join('|'), 'iu')];
  };
  return {
    kinds: validated.data.kinds.map((k) => ({ kind: k.kind, patterns: compile(k.patterns) })),
    followUps: compile(validated.data.follow_ups),
    backReferences: compile(validated.data.back_references),
    tellMe: compile(validated.data.tell_me),
    askSomeone: compile(validated.data.ask_someone),
    details: validated.data.details.flatMap((d) =>
      compile(d.patterns).map((pattern) => ({ detail: d.detail, pattern })),
    ),
    synonyms: Object.values(validated.data.synonyms).flat(),
    fillers: Object.values(validated.data.fillers).flat(),
  };
}

/** `messages/<lang>.yml`: English is complete; other languages may leave keys out (English is used). */
function parseMessages(files: RawFile[], problems: ContentProblem[]): Record<string, Messages> {
  const out: Record<string, Messages> = {};
  const lineOf = new Map<string, YamlSource['lineOf']>();
  for (const raw of files) {
    const lang = raw.file.replace(/^messages\//, '').replace(/\.yml$/, '');
    if (!LANG_CODE.test(lang)) {
      problems.push({
        file: raw.file,
        line: 1,
        field: '',
        message: 'name the file by its language code (en.yml, ja.yml, …)',
      });
      continue;
    }
    const validated = parseValidated(raw.text, raw.file, 1, MessagesFile, problems);
    if (!validated) continue;
    out[lang] = validated.data;
    lineOf.set(lang, validated.source.lineOf);
  }
  const en = out.en;
  if (!en) {
    problems.push({
      file: 'messages/en.yml',
      line: 1,
      field: '',
      message: 'file not found (English strings are required)',
    });
    return out;
  }
  const keys = Object.keys(en);
  for (const [lang, messages] of Object.entries(out)) {
    const problem = (key: string, message: string, line = lineOf.get(lang)?.([key]) ?? 1) =>
      problems.push({
        file: `messages/${lang}.yml`,
        line,
        field: key,
        message,
      });
    for (const key of Object.keys(messages)) {
      if (key in en) continue;
      const hint = suggest(key, keys);
      problem(key, `not in messages/en.yml${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    // Other languages may leave a key out (the English string is used); the required ones may not.
    if ((REQUIRED_LANGS as readonly string[]).includes(lang))
      for (const key of keys)
        if (!(key in messages)) problem(key, 'missing (every required language has every key)', 1);
  }
  return out;
}

function parseCalibration(raw: RawFile, problems: ContentProblem[]): Calibration | null {
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch {
    problems.push({
      file: raw.file,
      line: 1,
      field: '',
      message: 'not valid JSON (rewrite it with `eval --fit`)',
    });
    return null;
  }
  const parsed = CalibrationFile.safeParse(value);
  if (!parsed.success) {
    problems.push({
      file: raw.file,
      line: 1,
      field: '',
      message: `not a calibration file: ${parsed.error.issues[0]?.message}`,
    });
    return null;
  }
  return parsed.data;
}

/**
 * References between programmes, desks, entries and intents: every programme and desk named exists,
 * every programme has an overview entry, every entry's folder has a programme file.
 */
function checkReferences(
  knowledge: LocatedEntry[],
  intents: LocatedIntent[],
  programmes: Array<{ programme: Programme; lineOf: YamlSource['lineOf'] }>,
  desks: { directory: DeskDirectory; lineOf: YamlSource['lineOf'] },
  problems: ContentProblem[],
): void {
  const deskIds = desks.directory.desks.map((d) => d.id);
  const schemeIds = programmes.map((p) => p.programme.id);
  const unknown = (kind: string, id: string, known: string[]) => {
    const hint = suggest(id, known);
    return `no ${kind} "${id}"${hint ? ` (did you mean "${hint}"?)` : ` (${kind}s: ${known.join(', ')})`}`;
  };
  const deskRef = (file: string, line: number, field: string, id: string) => {
    if (!deskIds.includes(id)) problems.push({ file, line, field, message: unknown('desk', id, deskIds) });
  };
  const schemeRef = (file: string, line: number, field: string, id: string) => {
    if (!schemeIds.includes(id))
      problems.push({ file, line, field, message: unknown('programme', id, schemeIds) });
  };
  for (const { programme, lineOf } of programmes) {
    programme.desks.forEach((d, i) => {
      deskRef(programme.file, lineOf(['desks', i]), `desks.${i}`, d);
    });
    if (!knowledge.some((l) => l.entry.scheme === programme.id && l.entry.topic === 'overview'))
      problems.push({
        file: programme.file,
        line: 1,
        field: '',
        message: `programme "${programme.id}" has no overview entry (knowledge/${programme.id}/overview.md)`,
      });
  }
  for (const { entry, lineOf } of knowledge) {
    if (!schemeIds.includes(entry.scheme))
      problems.push({
        file: entry.file,
        line: lineOf(['scheme']),
        field: 'scheme',
        message: `${unknown('programme', entry.scheme, schemeIds)}: each programme folder needs a programme.yml`,
      });
    deskRef(entry.file, lineOf(['desk']), 'desk', entry.desk);
  }
  for (const [i, d] of desks.directory.desks.entries())
    for (const [j, s] of d.schemes.entries())
      schemeRef(
        'knowledge/desks.yml',
        desks.lineOf(['desks', i, 'schemes', j]),
        `desks.${i}.schemes.${j}`,
        s,
      );
  for (const { rule, lineOf } of intents) {
    if (rule.desk) deskRef(rule.file, lineOf(['desk']), 'desk', rule.desk);
    if (rule.scheme) schemeRef(rule.file, lineOf(['scheme']), 'scheme', rule.scheme);
  }
}

/** References between files: related entries, intent topics, unique ids. */
function crossCheck(
  knowledge: LocatedEntry[],
  intents: LocatedIntent[],
  ids: Set<string>,
  problems: ContentProblem[],
): void {
  const seenEntries = new Map<string, string>();
  for (const { entry, relatedLines } of knowledge) {
    const other = seenEntries.get(entry.id);
    if (other)
      problems.push({
        file: entry.file,
        line: 2,
        field: 'id',
        message: `duplicate knowledge id "${entry.id}" (also in ${other})`,
      });
    seenEntries.set(entry.id, entry.file);
    entry.related.forEach((id, i) => {
      if (ids.has(id)) return;
      const hint = suggest(id, [...ids]);
      problems.push({
        file: entry.file,
        line: relatedLines[i] ?? 1,
        field: `related.${i}`,
        message: `no knowledge entry "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      });
    });
  }
  const seen = new Map<string, string>();
  for (const { rule, line } of intents) {
    const first = seen.get(rule.id);
    if (first)
      problems.push({
        file: rule.file,
        line,
        field: 'id',
        message: `duplicate intent id "${rule.id}" (also in ${first})`,
      });
    seen.set(rule.id, rule.file);
    if (rule.topic && rule.scheme && !ids.has(`${rule.scheme}/${rule.topic}`)) {
      problems.push({
        file: rule.file,
        line,
        field: 'topic',
        message: `no knowledge entry "${rule.scheme}/${rule.topic}"`,
      });
    }
  }
}
