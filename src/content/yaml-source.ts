import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ContentProblem } from './errors.js';
import { suggest } from './errors.js';
import { KNOWN_KEYS } from './schema.js';

const ALL_KEYS = [...new Set(Object.values(KNOWN_KEYS).flat())];

/** A parsed YAML text that can say on which line any path lies. */
export interface YamlSource {
  value: unknown;
  lineOf(path: readonly PropertyKey[]): number;
}

/**
 * Parses YAML, reporting syntax errors as problems. `firstLine` is the file line the text starts on
 * (front matter starts on line 2, after `---`).
 */
export function parseYaml(
  text: string,
  file: string,
  firstLine: number,
  problems: ContentProblem[],
): YamlSource | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const toFileLine = (offset: number) => lineCounter.linePos(offset).line + firstLine - 1;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      problems.push({
        file,
        line: toFileLine(error.pos[0]),
        field: '',
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
      });
    }
    return undefined;
  }
  return {
    value: doc.toJS(),
    lineOf(path) {
      // Walk up to the deepest node that exists: a missing key is reported on its parent's line.
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth) as unknown[], true);
        if (isNode(node) && node.range) return toFileLine(node.range[0]);
      }
      return firstLine;
    },
  };
}

/** Turns zod issues into located problems, with "did you mean" for misspelt keys. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  source: YamlSource,
  file: string,
  problems: ContentProblem[],
): void {
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = suggest(key, ALL_KEYS);
        problems.push({
          file,
          line: source.lineOf([...path, key]),
          field: [...path, key].join('.'),
          message: `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`,
        });
      }
      continue;
    }
    problems.push({
      file,
      line: source.lineOf(path),
      field: path.join('.'),
      message: describe(issue, source, path),
    });
  }
}

function describe(issue: z.core.$ZodIssue, source: YamlSource, path: readonly PropertyKey[]): string {
  const got = valueAt(source.value, path);
  if (issue.code === 'invalid_type' && got === undefined) return 'required';
  const shown = got === undefined || typeof got === 'object' ? '' : `, got ${JSON.stringify(got)}`;
  const message = issue.message.replace(/^Invalid input: /, '');
  return `${message}${shown}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * Parses YAML and validates it with `schema`; syntax errors and schema issues become located problems.
 * Undefined when either failed.
 */
export function parseValidated<S extends z.ZodType>(
  text: string,
  file: string,
  firstLine: number,
  schema: S,
  problems: ContentProblem[],
): { data: z.infer<S>; source: YamlSource } | undefined {
  const source = parseYaml(text, file, firstLine, problems);
  if (!source) return undefined;
  const parsed = schema.safeParse(source.value ?? {});
  if (!parsed.success) {
    issuesToProblems(parsed.error.issues, source, file, problems);
    return undefined;
  }
  return { data: parsed.data, source };
}
