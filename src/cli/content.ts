import { ContentError, formatProblem, loadContent } from '../content/load.js';
import type { Content } from '../content/types.js';
import type { CliIO } from './io.js';

/** The content directory a CLI command reads: MADOGUCHI_CONTENT_DIR, else the working directory. */
export function contentDir(io: CliIO): string {
  return io.env.MADOGUCHI_CONTENT_DIR || io.contentDir;
}

/** Loads content, printing each problem as `file:line: field: problem`; undefined when invalid. */
export async function loadForCli(io: CliIO): Promise<Content | undefined> {
  try {
    return await loadContent(contentDir(io));
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    for (const p of error.problems) io.stderr.write(`${formatProblem(p)}\n`);
    io.stderr.write(
      `${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}; nothing loaded.\n`,
    );
    return undefined;
  }
}
