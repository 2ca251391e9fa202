import { describe, expect, it } from 'vitest';
import { excerpt, oneLine } from '../../src/present/text.js';

/** What `oneLine` means: the whole text collapsed and trimmed, then cut. */
const reference = (text: string, max: number) => excerpt(text.replace(/\s+/g, ' ').trim(), max).text;

/** A deterministic generator (mulberry32), so a failure names a case that can be run again. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('oneLine', () => {
  it('collapses only the head it needs, with the same result as collapsing the whole text', () => {
    const pieces = ['word', ' ', '  ', '\n', '\n\n\n', '\t', '\u3000', '。', '日本語', 'x', '          '];
    const next = random(42);
    for (let i = 0; i < 3_000; i++) {
      const parts: string[] = [];
      const n = Math.floor(next() * 400);
      for (let j = 0; j < n; j++) parts.push(pieces[Math.floor(next() * pieces.length)] as string);
      const text = parts.join('');
      const max = [1, 2, 10, 140, 200][i % 5] as number;
      expect([i, oneLine(text, max)]).toEqual([i, reference(text, max)]);
    }
  });

  it('keeps a long text within the limit and a short one whole', () => {
    const long = `${'A sentence about the fund. '.repeat(200)}\n\nEnd.`;
    expect(oneLine(long, 200)).toBe(reference(long, 200));
    expect(oneLine(long, 200).length).toBeLessThanOrEqual(200);
    expect(oneLine('  two\n\nlines  ', 200)).toBe('two lines');
  });
});
