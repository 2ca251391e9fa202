import type { KnowledgeEntry } from '../content/types.js';
import { normalise } from './normalize.js';
import { type Token, tokenize } from './tokenize.js';
import type { QuestionKind, SchemeId } from './types.js';

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

interface Posting {
  docs: Int32Array;
  weights: Float32Array;
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
  // Per field: term frequencies per doc, and lengths.
  const tfs: Array<Record<Field, Map<string, number>>> = [];
  const lengths: Record<Field, number[]> = { title: [], questions: [], tags: [], body: [] };
  const surface = new Map<string, string>(); // surface word -> term, for typo correction
  for (const entry of entries) {
    const fieldTexts: Record<Field, string[]> = {
      title: texts(entry.title),
      questions: texts(entry.questions),
      tags: texts(entry.tags),
      body: texts(entry.body),
    };
    const perField = {} as Record<Field, Map<string, number>>;
    for (const field of FIELDS) {
      const counts = new Map<string, number>();
      let len = 0;
      for (const text of fieldTexts[field]) {
        for (const token of tokenize(normalise(text))) {
          counts.set(token.term, (counts.get(token.term) ?? 0) + 1);
          if (token.word && token.word.length >= 4) surface.set(token.word, token.term);
          len++;
        }
      }
      perField[field] = counts;
      lengths[field].push(len);
    }
    tfs.push(perField);
  }
  const avg = Object.fromEntries(
    FIELDS.map((f) => [f, lengths[f].reduce((a, b) => a + b, 0) / Math.max(1, n) || 1]),
  ) as Record<Field, number>;

  // Document frequency over the union of fields.
  const df = new Map<string, number>();
  for (const perField of tfs) {
    const seen = new Set<string>();
    for (const field of FIELDS) for (const term of perField[field].keys()) seen.add(term);
    for (const term of seen) df.set(term, (df.get(term) ?? 0) + 1);
  }
  const idfOf = new Map<string, number>();
  for (const [term, d] of df) idfOf.set(term, Math.log(1 + (n - d + 0.5) / (d + 0.5)));

  const build = new Map<string, { docs: number[]; weights: number[] }>();
  tfs.forEach((perField, doc) => {
    const pseudo = new Map<string, number>();
    for (const field of FIELDS) {
      const norm = 1 - B + (B * (lengths[field][doc] ?? 0)) / avg[field];
      for (const [term, tf] of perField[field]) {
        pseudo.set(term, (pseudo.get(term) ?? 0) + (FIELD_WEIGHTS[field] * tf) / norm);
      }
    }
    for (const [term, tf] of pseudo) {
      const weight = ((idfOf.get(term) ?? 0) * tf * (K1 + 1)) / (tf + K1);
      let p = build.get(term);
      if (!p) {
        p = { docs: [], weights: [] };
        build.set(term, p);
      }
      p.docs.push(doc);
      p.weights.push(weight);
    }
  });
  const postings = new Map<string, Posting>();
  for (const [term, p] of build)
    postings.set(term, { docs: Int32Array.from(p.docs), weights: Float32Array.from(p.weights) });

  const corrector = buildCorrector(surface);
  const maxIdf = Math.max(1, ...idfOf.values());
  // Alternate questions and titles, normalised without punctuation: an exact hit is authoritative.
  const exactQuestions = new Map<string, number>();
  entries.forEach((entry, doc) => {
    for (const q of [...texts(entry.title), ...texts(entry.questions)]) {
      const key = questionKey(q);
      if (key && !exactQuestions.has(key)) exactQuestions.set(key, doc);
    }
  });
  const scores = new Float64Array(n);
  const matched = new Uint16Array(n);
  const matchedIdf = new Float64Array(n);

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
        if (!postings.has(term)) term = synonyms.get(term)?.find((t) => postings.has(t)) ?? term;
        if (!postings.has(term) && token.word) term = corrector(token.word);
        if (term && postings.has(term)) {
          if (!known.includes(term)) known.push(term);
        } else if (!unknown.includes(token.term)) unknown.push(token.term);
      }
      const touched: number[] = [];
      const add = (doc: number, weight: number, idf: number) => {
        if (matched[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] ?? 0) + weight;
        matched[doc] = (matched[doc] ?? 0) + 1;
        matchedIdf[doc] = (matchedIdf[doc] ?? 0) + idf;
      };
      for (const term of known) {
        const p = postings.get(term) as Posting;
        const idf = idfOf.get(term) ?? 0;
        const alternatives = synonyms.get(term)?.filter((t) => postings.has(t));
        if (!alternatives?.length) {
          for (let i = 0; i < p.docs.length; i++) add(p.docs[i] as number, p.weights[i] as number, idf);
          continue;
        }
        // A word with synonyms: each entry counts the best of the group's words it has, once.
        const best = new Map<number, number>();
        for (const [k, q] of [p, ...alternatives.map((t) => postings.get(t) as Posting)].entries())
          for (let i = 0; i < q.docs.length; i++) {
            const doc = q.docs[i] as number;
            const weight = (q.weights[i] as number) * (k === 0 ? 1 : SYNONYM_WEIGHT);
            best.set(doc, Math.max(best.get(doc) ?? 0, weight));
          }
        for (const [doc, weight] of best) add(doc, weight, idf);
      }
      const knownWeight = known.reduce((sum, t) => sum + (idfOf.get(t) ?? 0), 0);
      // An unknown Han bigram is mostly one that straddles two words (在备, 录上): it weighs little.
      const unknownWeight = unknown.reduce((sum, t) => sum + (HAN_PAIR.test(t) ? UNKNOWN_HAN_PAIR : 1), 0);
      const questionWeight = Math.max(1e-9, knownWeight + unknownWeight * UNKNOWN_WEIGHT * maxIdf);
      // Final scores, then a top-k selection: only the best few become Hit objects.
      const limit = options.limit ?? 5;
      const boost = options.boost ?? 1.5;
      let best = 0;
      for (const doc of touched) {
        const entry = entries[doc] as KnowledgeEntry;
        let score = (scores[doc] as number) * (entry.topic === 'overview' ? OVERVIEW_PRIOR : 1);
        if (options.boostScheme && entry.scheme === options.boostScheme) score *= boost;
        if (options.kinds && options.kinds.length > 0 && entry.answers.length > 0)
          score *= options.kinds.some((k) => entry.answers.includes(k)) ? KIND_MATCH : KIND_MISMATCH;
        scores[doc] = score;
        if (score > best) best = score;
      }
      if (exactDoc !== undefined && (matched[exactDoc] ?? 0) > 0) scores[exactDoc] = best * 1.5;
      const top: number[] = [];
      for (const doc of touched) {
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
      for (const doc of touched) {
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
  return Object.values(field).flatMap((v) => (v === undefined ? [] : v));
}

/** A question reduced to letters and digits, for exact matching against alternate questions. */
export function questionKey(text: string): string {
  return normalise(text).replace(/[^\p{L}\p{N}]+/gu, '');
}
