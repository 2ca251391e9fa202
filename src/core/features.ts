import { type Token, tokenize } from './tokenize.js';

const MAX_FEATURE_CHARS = 600;

/** Feature ids are hashed into this many buckets (the models' rows). */
export const FEATURE_BUCKETS = 1 << 18;
const MASK = FEATURE_BUCKETS - 1;
const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
const NOT_TEXT = /[^\p{L}\p{N}]+/gu;

/** FNV-1a of `text[from, to)`, continuing from `h`. */
function fnv(text: string, from: number, to: number, h = FNV_OFFSET): number {
  let x = h;
  for (let i = from; i < to; i++) x = Math.imul(x ^ text.charCodeAt(i), FNV_PRIME) >>> 0;
  return x;
}
const WORD_SEED = fnv('w:', 0, 2);

/**
 * The features of a normalised text for the learned classifiers: its word terms (stems, CJK bigrams)
 * and the character 2–4-grams of the text with word boundaries marked. Character n-grams read Japanese
 * and Chinese without a dictionary, and survive typos and inflection (consult / consulting / cosult).
 */
export function textFeatures(norm: string): string[] {
  const { text, words } = prepare(norm);
  const out = new Set<string>();
  for (const w of words) out.add(`w:${w}`);
  for (let n = 2; n <= 4; n++)
    for (let i = 0; i + n <= text.length; i++) {
      const gram = text.slice(i, i + n);
      if (gram.trim().length > 0) out.add(gram);
    }
  return [...out];
}

/** The bucket of one feature of `textFeatures` (for explanations: which features weigh most). */
export function featureId(feature: string): number {
  return (
    (feature.startsWith('w:')
      ? fnv(feature, 2, feature.length, WORD_SEED)
      : fnv(feature, 0, feature.length)) & MASK
  );
}

/** Scratch for `featureIds` (one message at a time). */
let scratch = new Uint32Array(4096);

/** A text's letters and digits with word boundaries marked by spaces, a space at each end. */
const marked = (head: string) => ` ${head.replace(NOT_TEXT, ' ').trim()} `;

/**
 * The distinct buckets of `textFeatures(norm)`, hashed straight from the characters: no string per
 * n-gram and no dictionary lookup, which is most of what reading a message costs. `tokens`, when the
 * caller has them, are `tokenize(norm)`'s.
 */
export function featureIds(norm: string, tokens?: readonly Token[]): Uint32Array {
  const head = norm.length > MAX_FEATURE_CHARS ? norm.slice(0, MAX_FEATURE_CHARS) : norm;
  const text = marked(head);
  // Every term, repeats too: a repeat hashes to the same bucket, and buckets are made distinct below.
  const terms = tokens && head === norm ? tokens : tokenize(head);
  const size = terms.length + 3 * text.length;
  if (scratch.length < size) scratch = new Uint32Array(2 * size);
  const ids = scratch;
  let n = 0;
  for (const t of terms) ids[n++] = fnv(t.term, 0, t.term.length, WORD_SEED) & MASK;
  for (let gram = 2; gram <= 4; gram++)
    for (let i = 0; i + gram <= text.length; i++) {
      // A gram of spaces only is no feature (textFeatures drops it the same way).
      if (gram === 2 && text.charCodeAt(i) === 32 && text.charCodeAt(i + 1) === 32) continue;
      ids[n++] = fnv(text, i, i + gram) & MASK;
    }
  const sorted = ids.subarray(0, n).sort();
  let u = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i] as number;
  return ids.slice(0, u);
}

/** The text with word boundaries marked, and its distinct terms. */
function prepare(norm: string): { text: string; words: string[] } {
  const head = norm.length > MAX_FEATURE_CHARS ? norm.slice(0, MAX_FEATURE_CHARS) : norm;
  return { text: marked(head), words: [...new Set(tokenize(head).map((t) => t.term))] };
}
