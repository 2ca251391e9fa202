import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/engine.js';
import { loadCases, runCase } from '../conversations/cases.js';
import { realContent } from '../helpers.js';

describe('accuracy on questions from outside the project (test/eval/outside.yml)', () => {
  it('gets at least 80% right', async () => {
    const engine = createEngine({ content: await realContent() });
    const cases = loadCases(join(import.meta.dirname));
    const failed = cases
      .map((c, i) => ({ c, f: runCase(engine, c, `outside-${i}`) }))
      .filter((r) => r.f.length > 0);
    for (const { c, f } of failed) console.log(`✗ ${c.name}: ${c.turns[0]?.text}\n    ${f.join('\n    ')}`);
    const accuracy = (cases.length - failed.length) / cases.length;
    console.log(
      `outside questions: ${cases.length - failed.length}/${cases.length} right (${(accuracy * 100).toFixed(1)}%)`,
    );
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(accuracy).toBeGreaterThanOrEqual(0.8);
  });
});
