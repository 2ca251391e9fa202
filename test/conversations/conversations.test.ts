import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.js';
import { createEngine } from '../../src/core/engine.js';
import type { Engine } from '../../src/core/engine-types.js';
import { loadCases, runCase } from './cases.js';

const root = join(import.meta.dirname, '../..');
const cases = loadCases(import.meta.dirname);

describe('conversation cases (test/conversations/*.yml)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = createEngine({ content: await loadContent(root) });
  });

  it('has at least 150 cases, 60 of them in Japanese', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const japanese = cases.filter((c) => /[\u3040-\u30FF\u4E00-\u9FFF]/.test(c.turns[0]?.text ?? ''));
    expect(japanese.length).toBeGreaterThanOrEqual(60);
  });

  it('passes at least 95% of the cases', () => {
    const failed = cases
      .map((c, i) => ({ c, failures: runCase(engine, c, `case-${i}`) }))
      .filter((r) => r.failures.length > 0);
    const passed = cases.length - failed.length;
    for (const { c, failures } of failed)
      console.log(`✗ ${c.file} — ${c.name}\n    ${failures.join('\n    ')}`);
    console.log(
      `conversations: ${passed}/${cases.length} cases pass (${((100 * passed) / cases.length).toFixed(1)}%)`,
    );
    expect(passed / cases.length).toBeGreaterThanOrEqual(0.95);
  });
});
