import { describe, expect, it } from 'vitest';
import { normalise } from '../../src/core/normalize.js';
import { terms } from '../../src/core/tokenize.js';

describe('tokenize', () => {
  it('stems English and drops stopwords but keeps question words', () => {
    expect(terms(normalise('When was the agreement signed?'))).toEqual(['when', 'agreement', 'sign']);
  });
  it('splits Han runs into overlapping bigrams and keeps katakana words whole', () => {
    expect(terms(normalise('アグアスカリエンテス州の知的財産権'))).toEqual([
      'アグアスカリエンテス',
      '州',
      '知的',
      '的財',
      '財産',
      '産権',
    ]);
  });
  it('keeps question words written in hiragana', () => {
    expect(terms(normalise('それはいつですか'))).toContain('いつ');
  });
  it('folds accents so López matches lopez', () => {
    expect(terms(normalise('López'))).toEqual(terms('lopez'));
  });
  it('tokenises Latin words inside Japanese text as English', () => {
    expect(terms(normalise('JETROとChongqingのMOU'))).toEqual(['jetro', 'chongq', 'mou']);
  });
});
