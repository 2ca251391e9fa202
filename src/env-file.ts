import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as util from 'node:util';

/** The `.env` file cannot be used; the message names the file and line, never a value. */
export class EnvFileError extends Error {
  readonly code = 'ENV_FILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'EnvFileError';
  }
}

const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=(.*)$/;
const QUOTES = new Set(['"', "'", '`']);

/**
 * The first line of `text` that `util.parseEnv` would skip or misread, described without its content;
 * undefined when every line is blank, a comment or `NAME=value`. parseEnv itself never fails: it drops
 * lines without `=` and keeps an unclosed quote as part of the value, so a typo would pass silently.
 */
function envFileProblem(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const value = ASSIGNMENT.exec(line)?.[1]?.trimStart();
    if (value === undefined) return `line ${i + 1}: expected NAME=value`;
    const quote = value[0] ?? '';
    if (!QUOTES.has(quote) || value.indexOf(quote, 1) > 0) continue;
    // A quoted value may span lines up to its closing quote.
    const start = i;
    do i++;
    while (i < lines.length && !(lines[i] ?? '').includes(quote));
    if (i >= lines.length) return `line ${start + 1}: quote is never closed`;
  }
  return undefined;
}

/**
 * Loads `path` (default `.env` in the working directory) into `env`, so the shipped `.env.example`
 * works once copied. Variables already set win, as with `node --env-file` and `process.loadEnvFile`;
 * this parses with Node's own `util.parseEnv` instead of calling loadEnvFile because that writes only
 * to `process.env`. A missing file is normal (`loaded: false`); an unreadable or malformed one throws
 * EnvFileError.
 */
export function loadDotEnv(
  path = '.env',
  env: Record<string, string | undefined> = process.env,
): { loaded: boolean; path: string } {
  const file = resolve(path);
  let text: string;
  try {
    // Editors on Windows may start the file with a byte-order mark.
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { loaded: false, path: file };
    throw new EnvFileError(`${path}: cannot be read (${code ?? 'unknown error'})`);
  }
  const problem = envFileProblem(text);
  if (problem) throw new EnvFileError(`${path} ${problem}`);
  // Node before 20.12 has no parser; say so rather than ignore the file.
  if (typeof util.parseEnv !== 'function') {
    throw new EnvFileError(`${path}: reading it needs Node 20.12 or later; export the variables instead`);
  }
  for (const [key, value] of Object.entries(util.parseEnv(text))) {
    if (env[key] === undefined) env[key] = value;
  }
  return { loaded: true, path: file };
}
