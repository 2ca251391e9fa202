import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DeskId } from '../core/types.js';
import { CONTENT_LANGS, DESK_IDS } from '../core/types.js';
import { ContentError, type ContentProblem, suggest } from './errors.js';
import { DesksFile, IntentsFile, KnowledgeFrontMatter } from './schema.js';
import type { Content, Desk, DeskDirectory, IntentRule, KnowledgeEntry } from './types.js';
import { issuesToProblems, parseYaml } from './yaml-source.js';

export type { ContentProblem } from './errors.js';
export { ContentError, formatProblem } from './errors.js';

const MAX_BODY = 2000;

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
  const [knowledgeFiles, intentFiles] = await Promise.all([
    readTree(dir, 'knowledge', (f) => f.endsWith('.md')),
    readTree(dir, 'intents', (f) => f.endsWith('.yml') || f.endsWith('.yaml')),
  ]);
  const desksFile = await readOptional(dir, 'knowledge/desks.yml');
  if (!desksFile)
    problems.push({ file: 'knowledge/desks.yml', line: 1, field: '', message: 'file not found' });
  if (knowledgeFiles.length === 0)
    problems.push({ file: 'knowledge', line: 1, field: '', message: 'no knowledge entries (*.md)' });
  if (intentFiles.length === 0)
    problems.push({ file: 'intents', line: 1, field: '', message: 'no intent files (*.yml)' });

  const located = knowledgeFiles.flatMap((f) => parseKnowledge(f, problems) ?? []);
  const desks = desksFile ? parseDesks(desksFile, problems) : undefined;
  const locatedIntents = intentFiles.flatMap((f) => parseIntents(f, problems));
  // Entries that failed validation still exist for cross-references: one bad file gives one problem.
  const entryIds = new Set(
    knowledgeFiles.map((f) => f.file.replace(/^knowledge\//, '').replace(/\.md$/, '')),
  );
  crossCheck(located, locatedIntents, entryIds, problems);
  const knowledge = located.map((l) => l.entry);
  const intents = locatedIntents.map((l) => l.rule);

  if (problems.length > 0 || !desks) throw new ContentError(problems);
  const hash = createHash('sha256');
  for (const f of [...knowledgeFiles, ...intentFiles, ...(desksFile ? [desksFile] : [])]) {
    hash.update(f.file).update('\0').update(f.text).update('\0');
  }
  return {
    intents,
    knowledge,
    desks,
    version: hash.digest('hex').slice(0, 12),
    loadedAt: new Date().toISOString(),
  };
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
}

interface LocatedIntent {
  rule: IntentRule;
  line: number;
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
  const source = parseYaml(lines.slice(1, end).join('\n'), file, 2, problems);
  if (!source) return undefined;
  const parsed = KnowledgeFrontMatter.safeParse(source.value ?? {});
  if (!parsed.success) {
    issuesToProblems(parsed.error.issues, source, file, problems);
    return undefined;
  }
  const fm = parsed.data;
  const expectedId = file.replace(/^knowledge\//, '').replace(/\.md$/, '');
  let ok = true;
  const fail = (field: string, message: string, line = source.lineOf([field])) => {
    problems.push({ file, line, field, message });
    ok = false;
  };
  if (fm.id !== expectedId) fail('id', `must match the file path: expected "${expectedId}", got "${fm.id}"`);
  if (fm.id !== `${fm.scheme}/${fm.topic}`)
    fail('id', `must be "<scheme>/<topic>" = "${fm.scheme}/${fm.topic}"`);

  const body = parseBody(lines, end + 1);
  for (const lang of CONTENT_LANGS) {
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
    fail('body', `unknown section "${heading.text}" (use "## en" and "## ja")`, heading.line);
  if (!ok) return undefined;
  const entry: KnowledgeEntry = {
    id: fm.id,
    scheme: fm.scheme,
    topic: fm.topic,
    desk: fm.desk,
    title: fm.title,
    body: { en: body.sections.en?.text ?? '', ja: body.sections.ja?.text ?? '' },
    questions: fm.questions,
    tags: fm.tags ?? { en: [], ja: [] },
    source: fm.source,
    asOf: fm.as_of,
    related: fm.related,
    file,
  };
  return { entry, relatedLines: fm.related.map((_, i) => source.lineOf(['related', i])) };
}

interface Body {
  sections: Partial<Record<'en' | 'ja', { text: string; line: number }>>;
  unknown: Array<{ text: string; line: number }>;
}

function parseBody(lines: string[], start: number): Body {
  const body: Body = { sections: {}, unknown: [] };
  let current: { lang: 'en' | 'ja'; line: number; lines: string[] } | undefined;
  const flush = () => {
    if (current) body.sections[current.lang] = { text: current.lines.join('\n').trim(), line: current.line };
  };
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      flush();
      const lang = heading[1]?.toLowerCase();
      if (lang === 'en' || lang === 'ja') current = { lang, line: i + 1, lines: [] };
      else {
        body.unknown.push({ text: line.trim(), line: i + 1 });
        current = undefined;
      }
    } else current?.lines.push(line);
  }
  flush();
  return body;
}

function parseDesks(raw: RawFile, problems: ContentProblem[]): DeskDirectory | undefined {
  const source = parseYaml(raw.text, raw.file, 1, problems);
  if (!source) return undefined;
  const parsed = DesksFile.safeParse(source.value ?? {});
  if (!parsed.success) {
    issuesToProblems(parsed.error.issues, source, raw.file, problems);
    return undefined;
  }
  const seen = new Set<DeskId>();
  let ok = true;
  parsed.data.desks.forEach((d, i) => {
    if (seen.has(d.id)) {
      problems.push({
        file: raw.file,
        line: source.lineOf(['desks', i, 'id']),
        field: `desks.${i}.id`,
        message: `duplicate desk "${d.id}"`,
      });
      ok = false;
    }
    seen.add(d.id);
  });
  const missing = DESK_IDS.filter((id) => !seen.has(id));
  if (missing.length > 0) {
    problems.push({
      file: raw.file,
      line: source.lineOf(['desks']),
      field: 'desks',
      message: `missing desk${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
    });
    ok = false;
  }
  if (!ok) return undefined;
  const desks: Desk[] = parsed.data.desks.map((d) => ({
    id: d.id,
    name: d.name,
    takes: d.takes,
    schemes: d.schemes,
    responseTargetHours: d.response_target_hours,
    reminderIntervalHours: d.reminder_interval_hours,
    notify: {
      ...(d.notify.slack_channel ? { slackChannel: d.notify.slack_channel } : {}),
      ...(d.notify.teams_conversation ? { teamsConversation: d.notify.teams_conversation } : {}),
    },
    staff: d.staff,
  }));
  return { desks, admins: parsed.data.admins };
}

function parseIntents(raw: RawFile, problems: ContentProblem[]): LocatedIntent[] {
  const source = parseYaml(raw.text, raw.file, 1, problems);
  if (!source) return [];
  const parsed = IntentsFile.safeParse(source.value ?? {});
  if (!parsed.success) {
    issuesToProblems(parsed.error.issues, source, raw.file, problems);
    return [];
  }
  return parsed.data.intents.map((r, i) => ({
    rule: {
      id: r.id,
      action: r.action,
      ...(r.scheme ? { scheme: r.scheme } : {}),
      ...(r.topic ? { topic: r.topic } : {}),
      ...(r.desk ? { desk: r.desk } : {}),
      ...(r.smalltalk ? { smalltalk: r.smalltalk } : {}),
      priority: r.priority,
      keywords: r.keywords,
      patterns: r.patterns,
      examples: r.examples,
      file: raw.file,
    },
    line: source.lineOf(['intents', i]),
  }));
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
