import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { repoRoot } from '../helpers.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI run in-process with fake streams, as `madoguchi ...args` would run: its exit code and what it
 * wrote. `stdin` is its whole input (default none); `contentDir` defaults to the repository's content.
 */
export async function runCli(
  args: string[],
  opts: { env?: Record<string, string>; contentDir?: string; stdin?: string } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const written = { stdout: '', stderr: '' };
  stdout.on('data', (c) => (written.stdout += c));
  stderr.on('data', (c) => (written.stderr += c));
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const code = await main(args, {
    stdin,
    stdout,
    stderr,
    env: opts.env ?? {},
    contentDir: opts.contentDir ?? repoRoot,
  });
  return { code, ...written };
}
