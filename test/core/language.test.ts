import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/core/language.js';
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
    ['重慶市政府與JETRO簽署了什麼協議？', 'zh'],
    ['我们想参加重庆的展会', 'zh'],
    ['ｼﾞｪﾄﾛの担当者につないでください', 'ja'],
    ['ＪＢＩＣ　覚書　署名者', 'ja'],
    ['quisiera hablar con alguien de la oficina japonesa del estado', 'es'],
    ['👍', 'other'],
  ])('%s → %s', (text, expected) => {
    expect(lang(text)).toBe(expected);
  });
});
