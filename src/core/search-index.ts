import type { KnowledgeEntry } from '../content/types.js';
import { normalise } from './normalize.js';
import { type Token, tokenize } from './tokenize.js';
import { QUESTION_KINDS, type QuestionKind, type SchemeId } from './types.js';

/** Field weights for BM25F: a match in a title or an alternate question says more than one in the body. */
export const FIELD_WEIGHTS = { title: 3, questions: 2.5, tags: 2, body: 1 } as const;
type Field = keyof typeof FIELD_WEIGHTS;
const FIELDS = Object.keys(FIELD_WEIGHTS) as Field[];
const K1 = 1.2;
/** How much an unknown query word weighs, as a share of the rarest known term's IDF. */
const UNKNOWN_WEIGHT = 0.6;
/** Share of an unknown word's weight an unknown two-character Han token carries. */
const UNKNOWN_HAN_PAIR = 0.25;
const HAN_PAIR = /^[\u3400-\u9FFF々]{2}$/;
/** An overview entry answers general questions about its programme: it wins near-ties. */
const OVERVIEW_PRIOR = 1.15;
const B = 0.6;
/** A question of a kind (who, when…) prefers the entries that declare they answer that kind. */
const KIND_MATCH = 1.45;
const KIND_MISMATCH = 0.8;
/** A synonym's match counts a little less than the word itself: the entry that uses the person's word wins a tie. */
const SYNONYM_WEIGHT = 0.9;
/** The kinds of question as bits, one a kind. */
const KIND_BIT = new Map(QUESTION_KINDS.map((k, i) => [k, 1 << i]));
const kindMask = (kinds: readonly QuestionKind[]) => kinds.reduce((m, k) => m | (KIND_BIT.get(k) ?? 0), 0);

export interface Hit {
  entry: KnowledgeEntry;
  score: number;
  /** Share of the query's known terms this entry matched (0..1). */
  coverage: number;
  /**
   * IDF-weighted share of the whole question this entry matched, counting unknown words (each weighs
   * like a fairly rare term): "who won the world cup" matches "world" but explains little of it.
   */
  explained: number;
}

export interface SearchResult {
  hits: Hit[];
  /** Query terms found anywhere in the index (after typo correction). */
  known: string[];
  /** Query terms the index has never seen. */
  unknown: string[];
  /**
   * IDF-weighted share of the question the index knows: an unknown word weighs like a fairly rare
   * known one, so "who won the world cup" is mostly unknown although "who" and "world" are known.
   */
  knownShare: number;
  /** The question is, once normalised, one of an entry's alternate questions or its title. */
  exact: boolean;
}

/**
 * An inverted index over knowledge entries with precomputed BM25F term weights per entry, so a
 * query touches only the postings of its own terms.
 */
export interface SearchIndex {
  readonly size: number;
  search(
    tokens: Token[],
    options?: {
      boostScheme?: SchemeId;
      boost?: number;
      limit?: number;
      exactKey?: string;
      /** The kinds of question asked: entries that declare they answer one of them are preferred. */
      kinds?: readonly QuestionKind[];
    },
  ): SearchResult;
  /** Inverse document frequency of a term (0 for unknown terms). */
  idf(term: string): number;
  has(term: string): boolean;
}

/** A term's postings: `docs[from, to)` and their weights in the index's arrays, and the term's IDF. */
interface Posting {
  from: number;
  to: number;
  idf: number;
}

export interface SearchIndexOptions {
  /**
   * Groups of words that mean the same in a question (`synonyms:` in intents/question-kinds.yml): a
   * query word also matches an entry that has another word of its group (at that entry's own weight for
   * it, the best one counting once), so "JETRO's job" meets an entry about JETRO's role. Each term keeps
   * its own IDF. Only words that are one term each (a word, a two-character Han word) take part.
   */
  synonyms?: ReadonlyArray<readonly string[]>;
  /** Words that say nothing of what is asked ("exactly", "actually"): skipped in queries. */
  fillers?: readonly string[];
}

/** Term → the other terms of its synonym group (only words that are one term each take part). */
export function synonymMap(groups: ReadonlyArray<readonly string[]>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const group of groups) {
    const single = [
      ...new Set(
        group
          .map((w) => tokenize(normalise(w)))
          .filter((t) => t.length === 1)
          .map((t) => (t[0] as Token).term),
      ),
    ];
    for (const term of single)
      map.set(term, [...new Set([...(map.get(term) ?? []), ...single.filter((t) => t !== term)])]);
  }
  return map;
}

export function buildSearchIndex(entries: KnowledgeEntry[], opts: SearchIndexOptions = {}): SearchIndex {
  const n = entries.length;
  const synonyms = synonymMap(opts.synonyms ?? []);
  const fillers = new Set((opts.fillers ?? []).flatMap((w) => tokenize(normalise(w)).map((t) => t.term)));
  // Pass 1: each entry's terms, field by field, as term ids with their counts (in the order first seen),
  // the fields' lengths and each term's document frequency.
  const termIds = new Map<string, number>();
  const termList: string[] = [];
  const df: number[] = [];
  const lastDoc: number[] = [];
  const fieldTerms: number[] = []; // per entry and field: term ids...
  const fieldCounts: number[] = []; // ...and how often each occurs in the field
  const fieldStart = new Int32Array(n * FIELDS.length + 1);
  const lengths = new Int32Array(n * FIELDS.length);
  const counts: number[] = [];
  const lastWord: Array<string | undefined> = [];
  const surface = new Map<string, string>(); // surface word -> term, for typo correction
  // Titles and alternate questions normalised, for the exact-question keys below.
  const asked: string[][] = [];
  for (let doc = 0; doc < n; doc++) {
    const entry = entries[doc] as KnowledgeEntry;
    const normalised: string[] = [];
    for (let f = 0; f < FIELDS.length; f++) {
      const field = FIELDS[f] as Field;
      const start = fieldTerms.length;
      let len = 0;
      for (const text of texts(entry[field])) {
        const norm = normalise(text);
        if (field === 'title' || field === 'questions') normalised.push(norm);
        for (const token of tokenize(norm)) {
          let id = termIds.get(token.term);
          if (id === undefined) {
            id = termList.length;
            termIds.set(token.term, id);
            termList.push(token.term);
            df.push(0);
            lastDoc.push(-1);
            counts.push(0);
            lastWord.push(undefined);
          }
          if (counts[id] === 0) fieldTerms.push(id);
          counts[id] = (counts[id] as number) + 1;
          // A word maps to one term: the one seen last for this term needs no second look.
          if (token.word && token.word.length >= 4 && lastWord[id] !== token.word) {
            surface.set(token.word, token.term);
            lastWord[id] = token.word;
          }
          len++;
        }
      }
      for (let i = start; i < fieldTerms.length; i++) {
        const id = fieldTerms[i] as number;
        fieldCounts.push(counts[id] as number);
        counts[id] = 0;
        if (lastDoc[id] !== doc) {
          lastDoc[id] = doc;
          df[id] = (df[id] as number) + 1;
        }
      }
      lengths[doc * FIELDS.length + f] = len;
      fieldStart[doc * FIELDS.length + f + 1] = fieldTerms.length;
    }
    asked.push(normalised);
  }
  const avg = FIELDS.map((_, f) => {
    let total = 0;
    for (let doc = 0; doc < n; doc++) total += lengths[doc * FIELDS.length + f] as number;
    return total / Math.max(1, n) || 1;
  });
  const idfs = Float64Array.from(df, (d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)));
  const idfOf = new Map<string, number>(termList.map((term, id) => [term, idfs[id] as number]));

  // Pass 2: each entry's BM25F weight for each of its terms (the fields' frequencies, weighted and
  // length-normalised, summed), into postings sized by the document frequencies.
  // Every term's postings in two arrays, term after term.
  const starts = new Int32Array(termList.length + 1);
  df.forEach((d, id) => {
    starts[id + 1] = (starts[id] as number) + d;
  });
  const docs = new Int32Array(starts[termList.length] as number);
  const weights = new Float32Array(docs.length);
  const filled = starts.slice(0, termList.length);
  const pseudo = new Float64Array(termList.length);
  const inDoc = new Int32Array(termList.length).fill(-1);
  const docTerms: number[] = [];
  for (let doc = 0; doc < n; doc++) {
    docTerms.length = 0;
    for (let f = 0; f < FIELDS.length; f++) {
      const at = doc * FIELDS.length + f;
      const norm = 1 - B + (B * (lengths[at] as number)) / (avg[f] as number);
      const weight = FIELD_WEIGHTS[FIELDS[f] as Field];
      for (let i = fieldStart[at] as number; i < (fieldStart[at + 1] as number); i++) {
        const id = fieldTerms[i] as number;
        const tf = fieldCounts[i] as number;
        const before = inDoc[id] === doc ? (pseudo[id] as number) : 0;
        if (inDoc[id] !== doc) {
          inDoc[id] = doc;
          docTerms.push(id);
        }
        pseudo[id] = before + (weight * tf) / norm;
      }
    }
    for (const id of docTerms) {
      const tf = pseudo[id] as number;
      const k = filled[id] as number;
      docs[k] = doc;
      weights[k] = ((idfs[id] as number) * tf * (K1 + 1)) / (tf + K1);
      filled[id] = k + 1;
    }
  }
  const postings = new Map<string, Posting>();
  termList.forEach((term, id) => {
    postings.set(term, {
      from: starts[id] as number,
      to: starts[id + 1] as number,
      idf: idfs[id] as number,
    });
  });
  // A query word the index lacks is read as the first word of its synonym group the index has; a word it
  // has also matches the entries of the other words of its group that it has.
  const synonymFor = new Map<string, string>();
  const alternatives = new Map<string, Posting[]>();
  for (const [term, others] of synonyms) {
    const known = others.filter((t) => postings.has(t));
    if (!postings.has(term)) {
      if (known[0] !== undefined) synonymFor.set(term, known[0]);
    } else if (known.length > 0)
      alternatives.set(
        term,
        known.map((t) => postings.get(t) as Posting),
      );
  }

  const corrector = buildCorrector(surface);
  let maxIdf = 1;
  for (const idf of idfs) if (idf > maxIdf) maxIdf = idf;
  // Alternate questions and titles, normalised without punctuation: an exact hit is authoritative.
  const exactQuestions = new Map<string, number>();
  asked.forEach((questions, doc) => {
    for (const q of questions) {
      const key = q.replace(NOT_TEXT, '');
      if (key && !exactQuestions.has(key)) exactQuestions.set(key, doc);
    }
  });
  // What the final scores read of each entry, in arrays: reading the entries' objects for every entry a
  // query touches cost more than the postings themselves at 10,000 entries.
  const prior = Float64Array.from(entries, (e) => (e.topic === 'overview' ? OVERVIEW_PRIOR : 1));
  const schemeIds = new Map<string, number>();
  for (const e of entries) if (!schemeIds.has(e.scheme)) schemeIds.set(e.scheme, schemeIds.size);
  const schemeOf = Int32Array.from(entries, (e) => schemeIds.get(e.scheme) as number);
  const answersOf = Int32Array.from(entries, (e) => kindMask(e.answers));
  // Per-query scratch, left zeroed after each query.
  const scores = new Float64Array(n);
  const matched = new Uint16Array(n);
  const matchedIdf = new Float64Array(n);
  const touched = new Int32Array(n);
  const bestWeight = new Float64Array(n);
  const seen = new Uint8Array(n);
  const group = new Int32Array(n);

  return {
    size: n,
    idf: (term) => idfOf.get(term) ?? 0,
    has: (term) => postings.has(term),
    search(tokens, options = {}) {
      // An exact alternate question is authoritative, unless the conversation is about another programme.
      let exactDoc = options.exactKey ? exactQuestions.get(options.exactKey) : undefined;
      if (exactDoc !== undefined && options.boostScheme && entries[exactDoc]?.scheme !== options.boostScheme)
        exactDoc = undefined;
      const known: string[] = [];
      const unknown: string[] = [];
      for (const token of tokens) {
        if (fillers.has(token.term)) continue;
        let term: string | undefined = token.term;
        if (!postings.has(term)) term = synonymFor.get(term) ?? term;
        if (!postings.has(term) && token.word) term = corrector(token.word);
        if (term && postings.has(term)) {
          if (!known.includes(term)) known.push(term);
        } else if (!unknown.includes(token.term)) unknown.push(token.term);
      }
      let count = 0;
      let knownWeight = 0;
      for (const term of known) {
        const p = postings.get(term) as Posting;
        const idf = p.idf;
        knownWeight += idf;
        const others = alternatives.get(term);
        if (others === undefined) {
          for (let i = p.from; i < p.to; i++) {
            const doc = docs[i] as number;
            if (matched[doc] === 0) touched[count++] = doc;
            scores[doc] = (scores[doc] as number) + (weights[i] as number);
            matched[doc] = (matched[doc] as number) + 1;
            matchedIdf[doc] = (matchedIdf[doc] as number) + idf;
          }
          continue;
        }
        // A word with synonyms: each entry counts the best of the group's words it has, once.
        let members = 0;
        for (let k = 0; k <= others.length; k++) {
          const q = k === 0 ? p : (others[k - 1] as Posting);
          const factor = k === 0 ? 1 : SYNONYM_WEIGHT;
          for (let i = q.from; i < q.to; i++) {
            const doc = docs[i] as number;
            const weight = (weights[i] as number) * factor;
            if (seen[doc] === 0) {
              seen[doc] = 1;
              group[members++] = doc;
              bestWeight[doc] = Math.max(0, weight);
            } else bestWeight[doc] = Math.max(bestWeight[doc] as number, weight);
          }
        }
        for (let j = 0; j < members; j++) {
          const doc = group[j] as number;
          if (matched[doc] === 0) touched[count++] = doc;
          scores[doc] = (scores[doc] as number) + (bestWeight[doc] as number);
          matched[doc] = (matched[doc] as number) + 1;
          matchedIdf[doc] = (matchedIdf[doc] as number) + idf;
          seen[doc] = 0;
          bestWeight[doc] = 0;
        }
      }
      // An unknown Han bigram is mostly one that straddles two words (在备, 录上): it weighs little.
      const unknownWeight = unknown.reduce((sum, t) => sum + (HAN_PAIR.test(t) ? UNKNOWN_HAN_PAIR : 1), 0);
      const questionWeight = Math.max(1e-9, knownWeight + unknownWeight * UNKNOWN_WEIGHT * maxIdf);
      // Final scores, then a top-k selection: only the best few become Hit objects.
      const limit = options.limit ?? 5;
      const boost = options.boost ?? 1.5;
      const boosted = options.boostScheme ? (schemeIds.get(options.boostScheme) ?? -1) : -1;
      const kinds = options.kinds && options.kinds.length > 0 ? kindMask(options.kinds) : -1;
      let best = 0;
      for (let t = 0; t < count; t++) {
        const doc = touched[t] as number;
        let score = (scores[doc] as number) * (prior[doc] as number);
        if (schemeOf[doc] === boosted) score *= boost;
        const answers = answersOf[doc] as number;
        if (kinds !== -1 && answers !== 0) score *= (answers & kinds) !== 0 ? KIND_MATCH : KIND_MISMATCH;
        scores[doc] = score;
        if (score > best) best = score;
      }
      if (exactDoc !== undefined && (matched[exactDoc] ?? 0) > 0) scores[exactDoc] = best * 1.5;
      const top: number[] = [];
      for (let t = 0; t < count; t++) {
        const doc = touched[t] as number;
        const score = scores[doc] as number;
        if (top.length === limit && score <= (scores[top[limit - 1] as number] as number)) continue;
        let i = top.length < limit ? top.length : limit - 1;
        top[i] = doc;
        while (i > 0 && (scores[top[i - 1] as number] as number) < score) {
          top[i] = top[i - 1] as number;
          top[--i] = doc;
        }
      }
      const hits: Hit[] = top.map((doc) => ({
        entry: entries[doc] as KnowledgeEntry,
        score: scores[doc] as number,
        coverage: (matched[doc] as number) / Math.max(1, known.length),
        explained: (matchedIdf[doc] as number) / questionWeight,
      }));
      for (let t = 0; t < count; t++) {
        const doc = touched[t] as number;
        scores[doc] = 0;
        matched[doc] = 0;
        matchedIdf[doc] = 0;
      }
      const knownShare = knownWeight / questionWeight;
      return {
        hits,
        known,
        unknown,
        knownShare,
        exact: exactDoc !== undefined,
      };
    },
  };
}

/**
 * Typo correction by single deletions (SymSpell with edit distance 1, which also covers an adjacent
 * transposition): a surface word of the index matches when the two share a word-with-one-letter-deleted.
 */
function buildCorrector(surface: Map<string, string>): (word: string) => string | undefined {
  const deletes = new Map<string, string>();
  for (const [word, term] of surface) {
    if (!deletes.has(word)) deletes.set(word, term);
    for (let i = 0; i < word.length; i++) {
      const d = word.slice(0, i) + word.slice(i + 1);
      if (!deletes.has(d)) deletes.set(d, term);
    }
  }
  return (word) => {
    if (word.length < 5 || /\d/.test(word)) return undefined;
    const direct = deletes.get(word);
    if (direct) return direct;
    for (let i = 0; i < word.length; i++) {
      const found = deletes.get(word.slice(0, i) + word.slice(i + 1));
      if (found) return found;
    }
    return undefined;
  };
}

/** Every language's text (or texts) of a localized field. */
function texts(field: Partial<Record<string, string | string[]>>): string[] {
  const out: string[] = [];
  for (const v of Object.values(field)) {
    if (typeof v === 'string') out.push(v);
    else if (v !== undefined) out.push(...v);
  }
  return out;
}

const NOT_TEXT = /[^\p{L}\p{N}]+/gu;

/** A question reduced to letters and digits, for exact matching against alternate questions. */
export function questionKey(text: string): string {
  return normalise(text).replace(NOT_TEXT, '');
}
