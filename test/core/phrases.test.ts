import { describe, expect, it } from 'vitest';
import { buildPhraseMatcher, withoutPhrase } from '../../src/core/phrases.js';

describe('phrases', () => {
  it('finds Latin phrases as whole words and CJK phrases anywhere', () => {
    const m = buildPhraseMatcher([
      { phrase: 'Ags', label: 'a' },
      { phrase: '重慶', label: 'c' },
    ]);
    expect(m.find('the ags mou').map((h) => h.label)).toEqual(['a']);
    expect(m.find('bags of parts')).toEqual([]);
    expect(m.find('重慶市との覚書').map((h) => h.label)).toEqual(['c']);
  });
  it('takes a phrase out of a text the way it is found: Latin as whole words, CJK anywhere', () => {
    expect(withoutPhrase('the ags mou, not the bags', 'ags')).toBe('the   mou, not the bags');
    expect(withoutPhrase('who signed the jbic aguascalientes mou?', 'jbic aguascalientes')).toBe(
      'who signed the   mou?',
    );
    expect(withoutPhrase('重慶市との覚書は重慶で', '重慶')).toBe(' 市との覚書は で');
    // Characters special in a regular expression are taken literally.
    expect(withoutPhrase('a.b and axb', 'a.b')).toBe('  and axb');
  });
});
