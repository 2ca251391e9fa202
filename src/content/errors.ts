/** One problem in an admin-edited file, located for the person who has to fix it. */
export interface ContentProblem {
  /** Path relative to the content directory, e.g. `knowledge/jbic-aguascalientes/signing.md`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** Dotted path of the offending field, e.g. `source.date`; empty for whole-file problems. */
  field: string;
  message: string;
}

/** Thrown by `loadContent` with every problem found, never just the first. */
export class ContentError extends Error {
  readonly code = 'CONTENT_INVALID';
  constructor(readonly problems: ContentProblem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in content:\n${problems.map(formatProblem).join('\n')}`,
    );
    this.name = 'ContentError';
  }
}

/** `file:line: field: problem`, the form every admin-facing tool prints. */
export function formatProblem(p: ContentProblem): string {
  return p.field ? `${p.file}:${p.line}: ${p.field}: ${p.message}` : `${p.file}:${p.line}: ${p.message}`;
}

/** Levenshtein distance, for "did you mean" on misspelt keys and ids. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The closest candidate within a small edit distance, if any. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
