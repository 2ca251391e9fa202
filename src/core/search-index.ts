import type { KnowledgeEntry } from '../content/types.js';
import { normalise } from './normalize.js';
import { eachToken, type Token, tokenize } from './tokenize.js';
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
/** The kinds of question as bits, one a kind; above them an entry's overview bit, then its programme. */
const KIND_BIT = new Map(QUESTION_KINDS.map((k, i) => [k, 1 << i]));
const KIND_BITS = (1 << QUESTION_KINDS.length) - 1;
const OVERVIEW_BIT = 1 << QUESTION_KINDS.length;
const SCHEME_SHIFT = QUESTION_KINDS.length + 1;
/** A term no entry's title or body says (only questions or tags), and one the entries of several programmes say. */
const NONE = -1;
const SEVERAL = -2;
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
  /**
   * A known term of the question is said (in a title or a body) by the entries of one programme only:
   * "the Japan desk", "the fund". Without one, a question that names no programme ("what was the MOU
   * for?") reads the same in every programme whose entries it matches.
   */
  specific: boolean;
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
  // Alternate questions and titles, normalised without punctuation: an exact hit is authoritative.
  const exactQuestions = new Map<string, number>();
  // Each programme's index, in the order first seen.
  const schemeIds = new Map<string, number>();
  for (const e of entries) if (!schemeIds.has(e.scheme)) schemeIds.set(e.scheme, schemeIds.size);
  // The programme whose entries' titles and bodies say each term: its index, SEVERAL, or NONE.
  const termScheme: number[] = [];
  let len = 0; // of the field being read
  const count = (term: string, word?: string) => {
    let id = termIds.get(term);
    if (id === undefined) {
      id = termList.length;
      termIds.set(term, id);
      termList.push(term);
      df.push(0);
      lastDoc.push(-1);
      counts.push(0);
      lastWord.push(undefined);
      termScheme.push(NONE);
    }
    if (counts[id] === 0) fieldTerms.push(id);
    counts[id] = (counts[id] as number) + 1;
    // A word maps to one term: the one seen last for this term needs no second look.
    if (word && word.length >= 4 && lastWord[id] !== word) {
      surface.set(word, term);
      lastWord[id] = word;
    }
    len++;
  };
  for (let doc = 0; doc < n; doc++) {
    const entry = entries[doc] as KnowledgeEntry;
    const scheme = schemeIds.get(entry.scheme) as number;
    for (let f = 0; f < FIELDS.length; f++) {
      const field = FIELDS[f] as Field;
      const says = field === 'title' || field === 'body';
      const start = fieldTerms.length;
      len = 0;
      for (const text of texts(entry[field])) {
        const norm = normalise(text);
        if (field === 'title' || field === 'questions') {
          const key = norm.replace(NOT_TEXT, '');
          if (key && !exactQuestions.has(key)) exactQuestions.set(key, doc);
        }
        eachToken(norm, count);
      }
      for (let i = start; i < fieldTerms.length; i++) {
        const id = fieldTerms[i] as number;
        fieldCounts.push(counts[id] as number);
        counts[id] = 0;
        if (says) {
          const was = termScheme[id] as number;
          termScheme[id] = was === NONE || was === scheme ? scheme : SEVERAL;
        }
        if (lastDoc[id] !== doc) {
          lastDoc[id] = doc;
          df[id] = (df[id] as number) + 1;
        }
      }
      lengths[doc * FIELDS.length + f] = len;
      fieldStart[doc * FIELDS.length + f + 1] = fieldTerms.length;
    }
  }
  const avg = FIELDS.map((_, f) => {
    let total = 0;
    for (let doc = 0; doc < n; doc++) total += lengths[doc * FIELDS.length + f] as number;
    return total / Math.max(1, n) || 1;
  });
  const idfs = Float64Array.from(df, (d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)));

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
  // A query word the index lacks is read as the first word of its synonym group the index has; a word it
  // has also matches the entries of the other words of its group that it has.
  const synonymFor = new Map<string, string>();
  const alternatives = new Map<number, number[]>();
  for (const [term, others] of synonyms) {
    const known = others.filter((t) => termIds.has(t));
    const id = termIds.get(term);
    if (id === undefined) {
      if (known[0] !== undefined) synonymFor.set(term, known[0]);
    } else if (known.length > 0)
      alternatives.set(
        id,
        known.map((t) => termIds.get(t) as number),
      );
  }

  const corrector = buildCorrector(surface);
  let maxIdf = 1;
  for (const idf of idfs) if (idf > maxIdf) maxIdf = idf;
  // What the final scores read of each entry, in arrays: reading the entries' objects for every entry a
  // query touches cost more than the postings themselves at 10,000 entries.
  // One number an entry: its programme, whether it is an overview, and the kinds it answers (bits).
  const about = Int32Array.from(
    entries,
    (e) =>
      ((schemeIds.get(e.scheme) as number) << SCHEME_SHIFT) |
      (e.topic === 'overview' ? OVERVIEW_BIT : 0) |
      kindMask(e.answers),
  );
  // Per-query scratch, left zeroed after each query. Every weight is positive (BM25's IDF with the +1),
  // so an entry's score is 0 exactly when no term of the query has matched it yet.
  const scores = new Float64Array(n);
  const touched = new Int32Array(n);
  const bestWeight = new Float64Array(n);
  const seen = new Uint8Array(n);
  const group = new Int32Array(n);

  /** Whether term `id`'s postings hold `doc` (they are in entry order). */
  const holds = (id: number, doc: number) => {
    let lo = starts[id] as number;
    let hi = (starts[id + 1] as number) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const d = docs[mid] as number;
      if (d === doc) return true;
      if (d < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };

  return {
    size: n,
    idf: (term) => {
      const id = termIds.get(term);
      return id === undefined ? 0 : (idfs[id] as number);
    },
    has: (term) => termIds.has(term),
    search(tokens, options = {}) {
      // An exact alternate question is authoritative, unless the conversation is about another programme.
      let exactDoc = options.exactKey ? exactQuestions.get(options.exactKey) : undefined;
      if (exactDoc !== undefined && options.boostScheme && entries[exactDoc]?.scheme !== options.boostScheme)
        exactDoc = undefined;
      const known: string[] = [];
      const knownIds: number[] = [];
      const unknown: string[] = [];
      for (const token of tokens) {
        if (fillers.has(token.term)) continue;
        let term: string | undefined = token.term;
        let id = termIds.get(term);
        if (id === undefined) {
          const synonym = synonymFor.get(term);
          if (synonym !== undefined) {
            term = synonym;
            id = termIds.get(synonym);
          }
        }
        if (id === undefined && token.word) {
          term = corrector(token.word);
          id = term === undefined ? undefined : termIds.get(term);
        }
        if (term !== undefined && id !== undefined) {
          if (!known.includes(term)) {
            known.push(term);
            knownIds.push(id);
          }
        } else if (!unknown.includes(token.term)) unknown.push(token.term);
      }
      let count = 0;
      let knownWeight = 0;
      for (const id of knownIds) {
        const idf = idfs[id] as number;
        knownWeight += idf;
        const others = alternatives.get(id);
        if (others === undefined) {
          for (let i = starts[id] as number; i < (starts[id + 1] as number); i++) {
            const doc = docs[i] as number;
            const score = scores[doc] as number;
            if (score === 0) touched[count++] = doc;
            scores[doc] = score + (weights[i] as number);
          }
          continue;
        }
        // A word with synonyms: each entry counts the best of the group's words it has, once.
        let members = 0;
        for (let k = 0; k <= others.length; k++) {
          const q = k === 0 ? id : (others[k - 1] as number);
          const factor = k === 0 ? 1 : SYNONYM_WEIGHT;
          for (let i = starts[q] as number; i < (starts[q + 1] as number); i++) {
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
          const score = scores[doc] as number;
          if (score === 0) touched[count++] = doc;
          scores[doc] = score + (bestWeight[doc] as number);
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
      // An exact alternate question among the entries matched goes first, at half again the best score.
      const exact = exactDoc !== undefined && (scores[exactDoc] as number) > 0 ? exactDoc : -1;
      // One pass: each entry's final score (its scratch cleared), the best of them, and the top `limit`
      // of the others by score, earlier entries first among equals.
      let best = 0;
      const top: number[] = [];
      const topScores: number[] = [];
      for (let t = 0; t < count; t++) {
        const doc = touched[t] as number;
        const a = about[doc] as number;
        let score = (scores[doc] as number) * ((a & OVERVIEW_BIT) !== 0 ? OVERVIEW_PRIOR : 1);
        scores[doc] = 0;
        if (a >> SCHEME_SHIFT === boosted) score *= boost;
        const answers = a & KIND_BITS;
        if (kinds !== -1 && answers !== 0) score *= (answers & kinds) !== 0 ? KIND_MATCH : KIND_MISMATCH;
        if (score > best) best = score;
        if (doc === exact) continue;
        if (top.length === limit && score <= (topScores[limit - 1] as number)) continue;
        let i = top.length < limit ? top.length : limit - 1;
        while (i > 0 && (topScores[i - 1] as number) < score) {
          top[i] = top[i - 1] as number;
          topScores[i] = topScores[i - 1] as number;
          i--;
        }
        top[i] = doc;
        topScores[i] = score;
      }
      if (exact !== -1) {
        top.unshift(exact);
        topScores.unshift(best * 1.5);
        if (top.length > limit) {
          top.pop();
          topScores.pop();
        }
      }
      // Only the hits' coverage is worked out: the known terms each holds, in the query's order.
      const hits: Hit[] = top.map((doc, rank) => {
        let terms = 0;
        let idf = 0;
        for (const id of knownIds) {
          if (holds(id, doc) || alternatives.get(id)?.some((o) => holds(o, doc))) {
            terms++;
            idf += idfs[id] as number;
          }
        }
        return {
          entry: entries[doc] as KnowledgeEntry,
          score: topScores[rank] as number,
          coverage: terms / Math.max(1, known.length),
          explained: idf / questionWeight,
        };
      });
      const knownShare = knownWeight / questionWeight;
      return {
        hits,
        known,
        unknown,
        knownShare,
        exact: exactDoc !== undefined,
        specific: schemeIds.size > 1 && knownIds.some((id) => (termScheme[id] as number) >= 0),
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
