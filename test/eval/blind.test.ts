import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Content } from '../../src/content/types.js';
import { createEngine } from '../../src/core/engine.js';
import { parseCases } from '../../src/eval/cases.js';
import { formatReport, runCases, summarise } from '../../src/eval/run.js';
import { loadConversationCases } from '../conversations/cases.js';
import { realContent } from '../helpers.js';

/**
 * The sets written from the announcements alone, by writers who never saw the knowledge, rules or tests
 * (and outside.yml, the first such set). They are measured, never tuned against: these tests report
 * their figures and hold floors against regressions, a few points under what main measures today.
 * The README and the closing notes give the real numbers.
 */
const SETS = [
  { file: 'blind-frozen.jsonl', cases: 220, floor: 0.9 },
  { file: 'blind-dev.jsonl', cases: 160, floor: 0.93 },
  { file: 'blind-fresh.jsonl', cases: 140, floor: 0.85 },
  { file: 'blind-confirm.jsonl', cases: 150, floor: 0.9 },
  { file: 'blind-confirm3.jsonl', cases: 150, floor: 0.9 },
  { file: 'blind-confirm4.jsonl', cases: 150, floor: 0.92 },
  { file: 'blind-confirm5.jsonl', cases: 150, floor: 0.9 },
  { file: 'blind-confirm6.jsonl', cases: 150, floor: 0.87 },
  { file: 'blind-confirm7.jsonl', cases: 150, floor: 0.92 },
  { file: 'blind-confirm8.jsonl', cases: 150, floor: 0.92 },
  { file: 'blind-confirm9.jsonl', cases: 160, floor: 0.88 },
  { file: 'blind-confirm10.jsonl', cases: 165, floor: 0.87 },
  { file: 'blind-confirm11.jsonl', cases: 160, floor: 0.88 },
  { file: 'blind-confirm12.jsonl', cases: 160, floor: 0.87 },
  { file: 'blind-confirm13.jsonl', cases: 160, floor: 0.9 },
  { file: 'blind-confirm14a.jsonl', cases: 80, floor: 0.9 },
  { file: 'blind-confirm14b.jsonl', cases: 80, floor: 0.88 },
  { file: 'blind-confirm15a.jsonl', cases: 80, floor: 0.88 },
  { file: 'blind-confirm15b.jsonl', cases: 80, floor: 0.84 },
  { file: 'blind-confirm16a.jsonl', cases: 80, floor: 0.88 },
  { file: 'blind-confirm16b.jsonl', cases: 80, floor: 0.84 },
  { file: 'blind-confirm17a.jsonl', cases: 80, floor: 0.84 },
  { file: 'blind-confirm17b.jsonl', cases: 80, floor: 0.84 },
  { file: 'blind-confirm18a.jsonl', cases: 80, floor: 0.84 },
  { file: 'blind-confirm18b.jsonl', cases: 80, floor: 0.84 },
  // Japanese and Chinese only (and one English message): measured once, then tuned on.
  { file: 'blind-dev10.jsonl', cases: 85, floor: 0.85, langs: ['en', 'ja', 'zh'] },
] as const;

let content: Content;
beforeAll(async () => {
  content = await realContent();
});

describe.each(SETS)('blind set $file', (set) => {
  const { file, cases: size, floor } = set;
  const langs: readonly string[] = 'langs' in set ? set.langs : ['en', 'ja', 'es', 'zh'];
  const cases = parseCases(readFileSync(join(import.meta.dirname, file), 'utf8'), file);
  it(`has ${size} cases in ${langs.join(', ')}`, () => {
    expect(cases).toHaveLength(size);
  });
  it(`passes at least ${floor * 100}% and never answers an out-of-scope message with a programme fact`, () => {
    const results = runCases(createEngine({ content }), cases, file);
    const s = summarise(results);
    console.log(formatReport(file, results, s).split('\n\nFailing cases')[0]);
    for (const lang of langs) expect(s.perLang[lang]?.cases ?? 0, lang).toBeGreaterThan(0);
    expect(s.pass / s.cases).toBeGreaterThanOrEqual(floor);
    expect(s.outOfScopeAnswered).toBeLessThanOrEqual(1);
  });
});

describe('outside.yml (the first outside set)', () => {
  it('passes at least 80%', () => {
    const cases = loadConversationCases(import.meta.dirname);
    const results = runCases(createEngine({ content }), cases, 'outside');
    const s = summarise(results);
    console.log(`outside.yml: ${s.pass}/${s.cases}`);
    expect(s.cases).toBeGreaterThanOrEqual(60);
    expect(s.pass / s.cases).toBeGreaterThanOrEqual(0.8);
  });
});
