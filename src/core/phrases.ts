import { normalise } from './normalize.js';

const CJK = /[\u3040-\u30FF\u3400-\u9FFF]/;
const WORD = /[a-z0-9\u00C0-\u024F]+/g;
export const wordsOf = (text: string): string[] => text.match(WORD) ?? [];

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
  return {
    find(text) {
      const out: Array<PhraseHit<L>> = [];
      const words = wordsOf(text);
      for (let i = 0; i < words.length; i++)
        for (const k of latin.get(words[i] as string) ?? [])
          if (k.words.every((w, j) => words[i + j] === w)) out.push(k.hit);
      if (CJK.test(text)) for (const h of cjk) if (text.includes(h.phrase)) out.push(h);
      return out;
    },
  };
}
