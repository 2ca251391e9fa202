import { z } from 'zod';
import { ACTIONS } from '../core/types.js';

/** One acceptable outcome of a case: the case passes when any alternative matches. */
export const Alternative = z.strictObject({
  action: z.array(z.enum(ACTIONS)).min(1),
  scheme: z.string().nullable().optional(),
  desk: z.string().nullable().optional(),
  lang: z.string().optional(),
  entry: z.string().optional(),
  /** Case-insensitive regular expressions that must all match the answer or its source titles. */
  facts: z.array(z.string()).optional(),
  /** Regular expressions that must not match. */
  forbid: z.array(z.string()).optional(),
});
export type Alternative = z.infer<typeof Alternative>;

/** One line of an evaluation file: `{"id","text","session"?,"expect":[…]}`. */
export const EvalCase = z.strictObject({
  id: z.string().min(1),
  text: z.string(),
  session: z.union([z.string(), z.number()]).optional(),
  /** Language the case is written in, for per-language figures (else the one the engine detects). */
  lang: z.string().optional(),
  /** Known failure: the case still runs and is reported, with this reason. */
  known: z.string().optional(),
  expect: z.array(Alternative).min(1),
});
export type EvalCase = z.infer<typeof EvalCase>;

/** Parses JSON lines; a bad line throws with its number and what is wrong. */
export function parseCases(text: string, file: string): EvalCase[] {
  const out: EvalCase[] = [];
  const ids = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    const parsed = EvalCase.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}:${i + 1}: ${issue?.path.join('.') || 'case'}: ${issue?.message}`);
    }
    if (ids.has(parsed.data.id)) throw new Error(`${file}:${i + 1}: duplicate id "${parsed.data.id}"`);
    for (const alt of parsed.data.expect)
      for (const r of [...(alt.facts ?? []), ...(alt.forbid ?? [])]) {
        try {
          new RegExp(r, 'iu');
        } catch {
          throw new Error(`${file}:${i + 1}: not a valid regular expression: ${r}`);
        }
      }
    ids.add(parsed.data.id);
    out.push(parsed.data);
  });
  return out;
}
