import { describe, expect, it } from 'vitest';
import { detectLanguage, replyLanguage } from '../../src/core/language.js';
import { normalise } from '../../src/core/normalize.js';

const lang = (s: string) => detectLanguage(normalise(s));

describe('detectLanguage', () => {
  it.each([
    ['When was the MOU signed?', 'en'],
    ['覚書はいつ締結されましたか？', 'ja'],
    ['JBICの覚書', 'ja'],
    ['重慶 温泉', 'ja'],
    ['重庆市政府和JETRO签署了什么协议？', 'zh'],
    ['¿Cuándo firmó JBIC el memorando?', 'es'],
    ['👍', 'other'],
  ])('%s → %s', (text, expected) => {
    expect(lang(text)).toBe(expected);
  });
  it('answers Japanese in Japanese and everything else in English', () => {
    expect(replyLanguage('ja')).toBe('ja');
    expect(replyLanguage('zh')).toBe('en');
    expect(replyLanguage('es')).toBe('en');
  });
});
