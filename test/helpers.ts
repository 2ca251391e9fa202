import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parse, stringify } from 'yaml';
import { CONTENT_FOLDERS, ContentError, formatProblem, loadContent } from '../src/content/load.js';
import type { Content } from '../src/content/types.js';

export const repoRoot = join(import.meta.dirname, '..');

let cached: Promise<Content> | undefined;
/** The real intents/ and knowledge/ of the repository, loaded once per test file. */
export function realContent(): Promise<Content> {
  cached ??= loadContent(repoRoot);
  return cached;
}

/** A temporary directory holding a copy of the real content tree (every content folder), for tests that change it. */
export async function copyContent(prefix = 'madoguchi-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const sub of CONTENT_FOLDERS)
    await cp(join(repoRoot, sub), join(dir, sub), { recursive: true, force: true }).catch(() => undefined);
  return dir;
}

/** The problems an admin sees when the content in `dir` is loaded, as `file:line: field: problem`; [] when it loads. */
export async function contentProblems(dir: string): Promise<string[]> {
  try {
    await loadContent(dir);
  } catch (error) {
    if (error instanceof ContentError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

/** Makes temporary directories for one test file; they are removed after its last test. */
export function tempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** Polls `fn` (sync or async) until it gives something truthy; fails naming `what` after `ms`. */
export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 8000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The parts of `knowledge/desks.yml` tests change, as data. */
export interface DesksData {
  admins: string[];
  desks: Array<{ id: string; lang?: string; staff: string[]; notify: Record<string, string> }>;
}

/** Edits `knowledge/desks.yml` in a content copy as data (the YAML document's object), not as text. */
export async function editDesks(dir: string, edit: (desks: DesksData) => void): Promise<void> {
  const file = join(dir, 'knowledge/desks.yml');
  const data = parse(await readFile(file, 'utf8')) as DesksData;
  edit(data);
  await writeFile(file, stringify(data));
}
