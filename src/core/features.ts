import { tokenize } from './tokenize.js';

const MAX_FEATURE_CHARS = 600;

/**
 * Features of a normalised text for the learned classifiers: its word terms (stems, CJK bigrams) and
 * the character 2–4-grams of the text with word boundaries marked. Character n-grams read Japanese and
 * Chinese without a dictionary, and survive typos and inflection (consult / consulting / cosult).
 */
export function textFeatures(norm: string): string[] {
  const text = norm.length > MAX_FEATURE_CHARS ? norm.slice(0, MAX_FEATURE_CHARS) : norm;
  const out = new Set<string>();
  for (const t of tokenize(text)) out.add(`w:${t.term}`);
  const s = ` ${text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
  for (let n = 2; n <= 4; n++)
    for (let i = 0; i + n <= s.length; i++) {
      const gram = s.slice(i, i + n);
      if (gram.trim().length > 0) out.add(gram);
    }
  return [...out];
}
