import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/engine.js';
import { type CaseResult, runCases } from '../../src/eval/run.js';
import { realContent } from '../helpers.js';
import { loadConversationCases } from './cases.js';

const cases = loadConversationCases(import.meta.dirname);

/** Cases that fail today, by name, with the reason. A fixed case must leave this list. */
const KNOWN: Record<string, string> = {
  'chongqing.yml — JETRO full name (en)':
    "JETRO's full name is only in the METI announcement, and the question does not say which programme: the SBIC entry's full-name question wins",
};

describe('conversation cases (test/conversations/*.yml)', () => {
  const results = new Map<string, CaseResult>();
  beforeAll(async () => {
    // One engine, the cases in file order: the turns of a multi-turn case share a session.
    const engine = createEngine({ content: await realContent() });
    for (const r of runCases(engine, cases, 'conversations')) results.set(r.case.id, r);
  });

  it('has at least 150 cases, 60 of them in Japanese', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(cases.filter((c) => /[\u3040-\u30FF\u4E00-\u9FFF]/.test(c.text)).length).toBeGreaterThanOrEqual(
      60,
    );
  });

  it.each(cases.map((c) => [`${c.file} — ${c.name}`, c] as const))('%s', (_name, c) => {
    const r = results.get(c.id);
    if (!r) throw new Error(`${c.id} did not run`);
    const known = KNOWN[`${c.file} — ${c.name}`];
    if (known) {
      expect(r.pass, `known failure (${known}) now passes: remove it from KNOWN`).toBe(false);
      return;
    }
    expect(
      r.problems,
      `${c.text}\n→ ${r.reply.action} ${r.reply.scheme} ${r.reply.desk}: ${r.reply.text.slice(0, 160)}`,
    ).toEqual([]);
  });
});
