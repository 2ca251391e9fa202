import type { ContentLang, Lang } from './types.js';

const KANA = /[\u3040-\u30FF\u31F0-\u31FF]/g;
const HAN = /[\u3400-\u4DBF\u4E00-\u9FFF]/g;
const LATIN_WORD = /[a-z\u00C0-\u024F]+/g;
// Characters only simplified Chinese uses (their Japanese forms differ), and Chinese function words.
const ZH_ONLY = /[们这么吗呢协议签书东为时发贸庆经济过还进关对实现]|什么|怎么|哪里|是否|可以吗/;
const ES_WORDS = new Set([
  'que',
  'qué',
  'cuando',
  'cuándo',
  'donde',
  'dónde',
  'quien',
  'quién',
  'como',
  'cómo',
  'el',
  'la',
  'los',
  'las',
  'de',
  'del',
  'con',
  'por',
  'para',
  'una',
  'un',
  'es',
  'son',
  'firmó',
  'firmo',
  'acuerdo',
  'memorando',
  'empresas',
  'japonesas',
  'estado',
  'sobre',
  'cuál',
  'cual',
  'puede',
  'ayuda',
  'información',
  'inversión',
  'y',
  'en',
]);
const EN_HINT = new Set([
  'the',
  'what',
  'when',
  'who',
  'is',
  'was',
  'did',
  'does',
  'and',
  'with',
  'for',
  'about',
  'how',
  'can',
  'of',
  'to',
  'in',
]);

/** The language of a normalised question: kana means Japanese; Han alone means Japanese unless Chinese-only forms appear. */
export function detectLanguage(text: string): Lang {
  const kana = text.match(KANA)?.length ?? 0;
  const han = text.match(HAN)?.length ?? 0;
  if (kana > 0) return 'ja';
  if (han > 0) return ZH_ONLY.test(text) ? 'zh' : han >= 2 ? 'ja' : latinLanguage(text);
  return latinLanguage(text);
}

function latinLanguage(text: string): Lang {
  const words = text.match(LATIN_WORD) ?? [];
  if (words.length === 0) return 'other';
  let es = /[¿¡ñ]/.test(text) ? 2 : 0;
  let en = 0;
  for (const w of words) {
    if (ES_WORDS.has(w)) es++;
    if (EN_HINT.has(w)) en++;
  }
  return es >= 2 && es > en ? 'es' : 'en';
}

/** Replies are in Japanese for Japanese questions, English otherwise. */
export function replyLanguage(lang: Lang): ContentLang {
  return lang === 'ja' ? 'ja' : 'en';
}
