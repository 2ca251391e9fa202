import { normalise } from './normalize.js';

const CJK = /[\u3040-\u30FF\u3400-\u9FFF]/;
const WORD = /[a-z0-9\u00C0-\u024F]+/g;
export const wordsOf = (text: string): string[] => text.match(WORD) ?? [];

/**
 * `text` with every occurrence of a phrase `find` reported in it blanked out: a CJK phrase wherever it
 * is, a Latin one only as whole words ("ags" out of "ags mou", not out of "bags").
 */
export function withoutPhrase(text: string, phrase: string): string {
  if (CJK.test(phrase)) return text.split(phrase).join(' ');
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(
    new RegExp(`(?<![a-z0-9\\u00C0-\\u024F])${escaped}(?![a-z0-9\\u00C0-\\u024F])`, 'gu'),
    ' ',
  );
}
const NONE: never[] = [];

/** A phrase found in a text, with the label it stands for. */
export interface PhraseHit<L> {
  label: L;
  phrase: string;
}

/**
 * Finds known phrases in a normalised text: Latin phrases as runs of whole words (indexed by their
 * first word, so a text is split once whatever the number of phrases), CJK phrases as substrings.
 */
export interface PhraseMatcher<L> {
  find(text: string): Array<PhraseHit<L>>;
}

/** The words of the last text split: the matchers of one message (desks, programmes, rules) share them. */
let lastText: string | undefined;
let lastWords: readonly string[] = [];
function wordsOnce(text: string): readonly string[] {
  if (text !== lastText) {
    lastText = text;
    lastWords = wordsOf(text);
  }
  return lastWords;
}

export function buildPhraseMatcher<L>(phrases: Iterable<{ phrase: string; label: L }>): PhraseMatcher<L> {
  const latin = new Map<string, Array<{ words: string[]; hit: PhraseHit<L> }>>();
  const cjk: Array<PhraseHit<L>> = [];
  for (const { phrase, label } of phrases) {
    const norm = normalise(phrase);
    if (!norm) continue;
    if (CJK.test(norm)) {
      cjk.push({ label, phrase: norm });
      continue;
    }
    const words = wordsOf(norm);
    const first = words[0];
    if (first === undefined) continue;
    const list = latin.get(first) ?? [];
    list.push({ words, hit: { label, phrase: norm } });
    latin.set(first, list);
  }
  // CJK phrases by their first character (code unit), so a text is read once rather than once a phrase.
  const cjkByFirst = new Map<number, number[]>();
  cjk.forEach((h, i) => {
    const first = h.phrase.charCodeAt(0);
    cjkByFirst.set(first, [...(cjkByFirst.get(first) ?? []), i]);
  });
  return {
    find(text) {
      const out: Array<PhraseHit<L>> = [];
      const words = wordsOnce(text);
      for (let i = 0; i < words.length; i++)
        for (const k of latin.get(words[i] as string) ?? NONE)
          if (k.words.every((w, j) => words[i + j] === w)) out.push(k.hit);
      if (cjk.length > 0 && CJK.test(text)) {
        const found: number[] = [];
        for (let at = 0; at < text.length; at++) {
          const starting = cjkByFirst.get(text.charCodeAt(at));
          if (starting === undefined) continue;
          for (const i of starting)
            if (!found.includes(i) && text.startsWith((cjk[i] as PhraseHit<L>).phrase, at)) found.push(i);
        }
        // In the order of the phrases, as each phrase found once.
        for (const i of found.sort((a, b) => a - b)) out.push(cjk[i] as PhraseHit<L>);
      }
      return out;
    },
  };
}
