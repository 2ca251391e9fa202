import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ACTIONS } from '../../src/core/types.js';
import type { EvalCase } from '../../src/eval/cases.js';

const Expect = z.strictObject({
  action: z.enum(ACTIONS).optional(),
  scheme: z.string().nullable().optional(),
  desk: z.string().nullable().optional(),
  lang: z.string().optional(),
  entry: z.string().optional(),
  facts: z.array(z.string()).default([]),
  not_facts: z.array(z.string()).default([]),
});
const Turn = z.strictObject({
  text: z.string(),
  repeat: z.number().int().positive().optional(),
  expect: Expect,
});
const Case = z.union([
  z.strictObject({
    name: z.string(),
    text: z.string(),
    repeat: z.number().int().positive().optional(),
    expect: Expect,
  }),
  z.strictObject({ name: z.string(), turns: z.array(Turn).min(2) }),
]);
const CaseFile = z.strictObject({ cases: z.array(Case).min(1) });

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Reads the YAML conversation cases of `dir` as evaluation cases (one per turn; the turns of a case
 * share a session), so they run through the same runner as the blind sets. Facts are literal substrings.
 */
export function loadConversationCases(dir: string): Array<EvalCase & { file: string; name: string }> {
  const out: Array<EvalCase & { file: string; name: string }> = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const parsed = CaseFile.safeParse(parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    for (const c of parsed.data.cases) {
      const turns = 'turns' in c ? c.turns : [{ text: c.text, expect: c.expect, repeat: c.repeat }];
      turns.forEach((t, i) => {
        const e = t.expect;
        out.push({
          file,
          name: turns.length > 1 ? `${c.name} (turn ${i + 1})` : c.name,
          id: `${file}:${c.name}:${i + 1}`,
          text: t.repeat ? t.text.repeat(t.repeat) : t.text,
          session: `${file}:${c.name}`,
          expect: [
            {
              action: e.action ? [e.action] : [...ACTIONS],
              ...(e.scheme !== undefined ? { scheme: e.scheme } : {}),
              ...(e.desk !== undefined ? { desk: e.desk } : {}),
              ...(e.lang !== undefined ? { lang: e.lang } : {}),
              ...(e.entry !== undefined ? { entry: e.entry } : {}),
              facts: e.facts.map(literal),
              forbid: e.not_facts.map(literal),
            },
          ],
        });
      });
    }
  }
  return out;
}
