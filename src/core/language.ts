import type { Lang } from './types.js';

const HANGUL = /[\uAC00-\uD7AF\u1100-\u11FF]/;
const LATIN_WORD = /[a-z\u00C0-\u024F]+/g;
/**
 * Characters Japanese does not write: simplified forms (们 这 吗 协 议 经 济 贸 庆 …), traditional forms
 * Japanese simplified differently (們 這 嗎 經 濟 關 會 國 …), and Chinese function words (的 是 吗 呢 吧).
 * A text in Han characters with none of them is read as Japanese (kanji-only keywords: 覚書 締結日).
 */
const ZH_CHARS = new Set(
  (
    '们这么吗呢吧啊您谁哪为对与个从让还没签经济关实际团资请发构产业协议贸庆过进现时书东银开问说话该样' +
    '們這麼嗎為對與個從讓還沒簽經濟關實國團體參區發構產業協議貿慶過進現時書東銀開問說話該樣會' +
    '的是了吗也和很都就要给吗么呀嘛'
  ).split(''),
);
// Kanji that Japanese shares with traditional Chinese are removed from the set below at load.
for (const shared of '時書東開問話協議貿慶過進現要和都就也') ZH_CHARS.delete(shared);
/** The same characters as code units (all in the Basic Multilingual Plane), read without a string each. */
const ZH_CODES = new Set([...ZH_CHARS].map((ch) => ch.charCodeAt(0)));

const ES_WORDS = new Set(
  (
    'que qué cuando cuándo donde dónde quien quién quiénes como cómo cual cuál cuales cuáles el la los las del ' +
    'con por para una un unos es son fue está están hay firmó firmo acuerdo memorando empresas empresa japonesas ' +
    'japonesa japonés estado sobre puede pueden podemos ayuda información inversión inversiones y en al lo nos ' +
    'nuestra nuestro nuestros quisiera queremos gustaría necesitamos hola gracias buenos buenas días tiene tienen ' +
    'se más también pero si sí méxico apoyo oficina fondo socio socios gobierno'
  ).split(' '),
);
const EN_WORDS = new Set(
  (
    'the what when who is was did does and with for about how can of to in we our you i my are be have has ' +
    'would could should there this that it they an any which where why please thanks hello'
  ).split(' '),
);

/** The language of a normalised text: `ja`, `zh`, `es`, `en`, or `other` (Korean, symbols only, …). */
export function detectLanguage(text: string): Lang {
  // Kana (U+3040–30FF, 31F0–31FF, half-width FF66–FF9F) and Han (U+3400–4DBF, 4E00–9FFF) characters.
  let kana = 0;
  let han = 0;
  let zh = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x31f0 && c <= 0x31ff) || (c >= 0xff66 && c <= 0xff9f)) kana++;
    else if ((c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff)) {
      han++;
      if (ZH_CODES.has(c)) zh++;
    }
  }
  if (kana >= 2) return 'ja';
  if (han > 0) {
    if (zh > kana) return 'zh';
    if (kana > 0) return 'ja';
    const latin = text.match(LATIN_WORD)?.length ?? 0;
    return latin > han ? latinLanguage(text) : 'ja';
  }
  if (HANGUL.test(text)) return 'other';
  return latinLanguage(text);
}

function latinLanguage(text: string): Lang {
  const words = text.match(LATIN_WORD) ?? [];
  if (words.length === 0) return 'other';
  let es = /[¿¡ñ]/.test(text) ? 2 : 0;
  let en = 0;
  for (const w of words) {
    if (ES_WORDS.has(w)) es++;
    if (EN_WORDS.has(w)) en++;
  }
  if (/[áéíóú]/.test(text)) es++;
  return es >= 2 && es > en ? 'es' : 'en';
}
