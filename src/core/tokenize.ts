import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { foldDiacritics } from './normalize.js';

// English function words. Question words (who, when, where, why, how) are kept: they carry intent.
const STOPWORDS = new Set(
  (
    'a an the and or but if of at by for with about against between into through during before after above below to ' +
    'from up down in out on off over under again further then once here there all any both each few more most other ' +
    'some such no nor not only own same so than too very s t can will just don should now i me my myself we our ours ' +
    'you your yours he him his she her it its they them their what which whom this that these those am is are was ' +
    'were be been being have has had having do does did doing would could please tell know let us ' +
    'el la los las de del y en un una que por para con se es al lo le les su sus nos mi me te tu este esta esto ' +
    'estos estas ese esa eso esos esas todo toda todos todas muy mas más ya si sí no ni pero o u ' +
    'ha han hay ser sido fue son está están era'
  ).split(' '),
);

const SCRIPT_RUN =
  /[a-z0-9\u00C0-\u024F]+(?:['’.-][a-z0-9\u00C0-\u024F]+)*|[\u3040-\u309F]+|[\u30A0-\u30FF\u31F0-\u31FFー]+|[\u3400-\u4DBF\u4E00-\u9FFF々]+/g;
const SEPARATOR = /['’.-]/;

const stemCache = new Map<string, string>();

/** English stem of a lower-case word (cached: the vocabulary is small and repeats). */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = PorterStemmer.stem(word);
    if (stemCache.size < 50_000) stemCache.set(word, s);
  }
  return s;
}

export interface Token {
  /** What is indexed and matched: an English stem, or a CJK bigram / katakana word. */
  term: string;
  /** The surface word, for Latin tokens (typo correction works on surface words). */
  word?: string;
}

/**
 * Tokens of a normalised text. English: words without stopwords, Porter-stemmed. Japanese and Chinese:
 * overlapping character bigrams of each Han run (as Lucene's CJK analyzer does), a single Han character
 * alone as a unigram, each katakana run whole; runs of hiragana (mostly particles and endings) are
 * skipped but for a few question words.
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  eachToken(text, (term, word) => {
    out.push(word === undefined ? { term } : { term, word });
  });
  return out;
}

/** `tokenize`'s tokens one by one, without an object each (building the index reads millions). */
export function eachToken(text: string, visit: (term: string, word?: string) => void): void {
  for (const run of text.match(SCRIPT_RUN) ?? []) {
    // Each of SCRIPT_RUN's alternatives is one class of characters: the first character tells which.
    const first = run.charCodeAt(0);
    if (first <= 0x24f) {
      if (SEPARATOR.test(run)) for (const raw of run.split(SEPARATOR)) latinToken(raw, visit);
      else latinToken(run, visit);
      continue;
    }
    if (first <= 0x309f && first >= 0x3040) {
      // Hiragana-only words that carry meaning in questions.
      if (run.includes('いつ')) visit('いつ');
      if (run.includes('だれ')) visit('誰');
      continue;
    }
    // A katakana run is a loanword or name: matched whole, not as bigrams, so a long name
    // (アグアスカリエンテス) counts once rather than nine times.
    if ((first >= 0x30a0 && first <= 0x30ff) || (first >= 0x31f0 && first <= 0x31ff)) {
      if (run.length > 1) visit(run);
      continue;
    }
    if (run.length === 1) {
      visit(run);
      continue;
    }
    for (let i = 0; i + 1 < run.length; i++) visit(run.slice(i, i + 2));
  }
}

/** A Latin word as a token: without diacritics, stemmed unless a number; none for a stopword or a letter. */
function latinToken(raw: string, visit: (term: string, word: string) => void): void {
  const word = foldDiacritics(raw);
  const digits = isDigits(word);
  if (word.length < 2 && !digits && !/\d/.test(word)) return;
  if (STOPWORDS.has(word)) return;
  visit(digits ? word : stem(word), word);
}

function isDigits(word: string): boolean {
  if (word.length === 0) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Distinct terms of a text, in first-seen order. */
export function terms(text: string): string[] {
  return [...new Set(tokenize(text).map((t) => t.term))];
}
