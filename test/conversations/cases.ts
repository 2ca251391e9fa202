import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Engine } from '../../src/core/engine-types.js';
import type { Reply } from '../../src/core/types.js';
import { ACTIONS, DESK_IDS, SCHEME_IDS } from '../../src/core/types.js';

const Expect = z.strictObject({
  action: z.enum(ACTIONS).optional(),
  scheme: z.enum(SCHEME_IDS).nullable().optional(),
  desk: z.enum(DESK_IDS).nullable().optional(),
  lang: z.enum(['en', 'ja', 'zh', 'es', 'other']).optional(),
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

export type ConversationCase = { file: string; name: string; turns: Array<z.infer<typeof Turn>> };

/** Reads and validates every case file in `dir`; a malformed case names its file and index. */
export function loadCases(dir: string): ConversationCase[] {
  const out: ConversationCase[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const parsed = CaseFile.safeParse(parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    for (const c of parsed.data.cases) {
      out.push({
        file,
        name: c.name,
        turns:
          'turns' in c
            ? c.turns
            : [{ text: c.text, expect: c.expect, ...(c.repeat ? { repeat: c.repeat } : {}) }],
      });
    }
  }
  return out;
}

const LIVE_MARKUP = /<!(channel|here|everyone)>|<@[UW][A-Z0-9]+>|<(https?|mailto):/i;

/** Runs one case in its own conversation; returns what went wrong, empty when it passed. */
export function runCase(engine: Engine, c: ConversationCase, conversation: string): string[] {
  const failures: string[] = [];
  for (const [i, turn] of c.turns.entries()) {
    const text = turn.repeat ? turn.text.repeat(turn.repeat) : turn.text;
    const r = engine.respond({ text, platform: 'cli', user: { id: 'cli:test' }, conversation });
    const e = turn.expect;
    const where = c.turns.length > 1 ? `turn ${i + 1}: ` : '';
    const check = (field: keyof Reply, want: unknown) => {
      if (want !== undefined && r[field] !== want)
        failures.push(`${where}${field} ${JSON.stringify(r[field])}, expected ${JSON.stringify(want)}`);
    };
    check('action', e.action);
    check('scheme', e.scheme);
    check('desk', e.desk);
    check('lang', e.lang);
    if (e.entry && r.entries[0] !== e.entry)
      failures.push(`${where}entry ${r.entries[0]}, expected ${e.entry}`);
    const body = r.text.toLowerCase();
    for (const f of e.facts)
      if (!body.includes(f.toLowerCase())) failures.push(`${where}missing fact ${JSON.stringify(f)}`);
    for (const f of e.not_facts)
      if (body.includes(f.toLowerCase())) failures.push(`${where}must not say ${JSON.stringify(f)}`);
    if (LIVE_MARKUP.test(r.text)) failures.push(`${where}reply contains live markup`);
    const userUrls = text.match(/https?:\/\/[^\s|>]+/g) ?? [];
    for (const u of userUrls)
      if (r.text.includes(u)) failures.push(`${where}reply echoes the user's link ${u}`);
    if (failures.length > 0) {
      failures.push(
        `${where}got ${r.action}/${r.intent}/${r.scheme}/${r.desk} [${r.entries.join(',')}]: ${r.text.slice(0, 120).replace(/\n/g, ' ')}`,
      );
      break;
    }
  }
  return failures;
}
