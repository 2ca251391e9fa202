import { describe, expect, it } from 'vitest';
import { lowerCasePattern } from '../../src/core/lower-case.js';
import { normalise } from '../../src/core/normalize.js';

describe('lowerCasePattern', () => {
  const who = /\bwho\b|\bqui[eé]n(es)?\b|誰|[a-z]+ desk/iu;

  it('matches what the case-insensitive pattern matches, on normalised text and on any other', () => {
    const p = lowerCasePattern(who);
    expect(p).not.toBe(who);
    const texts = [
      'Who signed it?',
      '¿QUIÉN firmó?',
      '誰が署名',
      'The Japan Desk',
      'whom',
      'ſ who',
      'WHO',
      'ﬁ',
    ];
    for (const text of [...texts, ...texts.map(normalise)]) expect(p.test(text), text).toBe(who.test(text));
  });

  it('reads a text with a letter that folds like another (ſ and s) with the pattern itself', () => {
    const s = /\bsign\b/iu;
    expect(lowerCasePattern(s).test('ſign')).toBe(true);
    expect(lowerCasePattern(s).test('Sign')).toBe(true);
  });

  it('keeps a pattern whose matches case folding could change', () => {
    for (const re of [/[A-Z]+/iu, /\p{Lu}/iu, /\u0041/iu, /[à-ÿ]/iu, /ſ/iu, /who/gi, /who/i])
      expect(lowerCasePattern(re)).toBe(re);
  });
});
