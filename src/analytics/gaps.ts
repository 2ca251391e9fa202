/**
 * Knowledge gaps: the questions the desk could not answer, or answered badly, grouped so an admin sees
 * one line per thing people keep asking, ranked by impact.
 *
 * How records are grouped, and why it stays fast and stable:
 * - Records with the same normalised text are one unit (most repeats are the same words).
 * - Units are clustered in the order they were first asked (leader clustering): a unit joins the
 *   cluster whose representative it is most like (Jaccard over character 3-grams of its words and the
 *   engine's CJK terms, at least `GAP_SIMILARITY`), else it starts a cluster of its own. Candidates come
 *   from an inverted index over each representative's prefix of rarest features (prefix and positional
 *   filtering: exact for Jaccard, and no all-pairs comparison), so 100,000 records group in a few
 *   seconds (bench/gaps.ts).
 * - Clusters in different languages are one group when their seeds' closest entry is the same: text
 *   similarity cannot see that "申請の締め切りは？" and "application deadline?" are one question, the
 *   engine's retrieval can.
 * - A group's id is a hash of its seed's text (its first question). A question asked later never moves
 *   an earlier one, so a group keeps its id as questions join it; only once every record of the seed's
 *   text has passed the retention period does the group take its next question's id.
 */
import { createHash } from 'node:crypto';
import { questionKey } from '../content/edit.js';
import { tokenize } from '../core/tokenize.js';
import type { Lang } from '../core/types.js';
import type { Gap, GapDecision, ReviewReason, TurnRecord } from './types.js';

export { questionKey };

/** Jaccard similarity of two questions' features from which they are taken as one question. */
export const GAP_SIMILARITY = 0.6;
/** A cluster is compared through at most this many of its questions (its seed and the most unlike ones that joined). */
const MAX_REPRESENTATIVES = 8;
/** A question this like a representative adds nothing to compare against: it is not made one. */
const REPRESENTATIVE_NOVELTY = 0.8;
/** A cluster joins another language's cluster only when the engine's closest entry scored at least this. */
export const CROSS_LANGUAGE_MIN_SCORE = 1;
/** Recency: a question's weight halves every this many days. */
const HALF_LIFE_DAYS = 30;
/** A question rated Not helpful counts this many times. */
const NOT_HELPFUL_WEIGHT = 2;
const EXAMPLES = 5;
const DAY_MS = 86_400_000;

export interface GapOptions {
  /** The admins' decisions (`TurnStore.decisions()`): a decided gap is hidden unless `includeDecided`. */
  decisions: GapDecision[];
  /** Recency is measured from here (default: now). */
  now?: Date;
  includeDecided?: boolean;
  limit?: number;
}

/** One distinct question of a gap, for the admin's accept and draft. */
export interface GapQuestion {
  text: string;
  lang: Lang;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** A gap with every distinct question in it, most asked first (then first asked first). */
export interface GapDetail extends Gap {
  questions: GapQuestion[];
}

/** Records with the same normalised text. */
interface Unit {
  key: string;
  /** Sorted ascending; the order (rarest first) the prefix filter needs. */
  features: Float64Array;
  records: TurnRecord[];
  lang: Lang;
  closest: { entry: string; score: number } | null;
}

interface Cluster {
  seed: Unit;
  units: Unit[];
  /** How many of its units are representatives. */
  reps: number;
}

interface Group {
  id: string;
  clusters: Cluster[];
  langs: Set<Lang>;
}

/** The groups of `records` (only those kept for review, with a text), ranked by impact. */
export function groupGaps(records: TurnRecord[], opts: GapOptions): Gap[] {
  return rank(records, opts).map(({ questions: _, ...gap }) => gap);
}

/** Every group with its distinct questions (decided ones too), ranked by impact; for one gap, `findGap`. */
export function gapDetails(records: TurnRecord[], opts: Omit<GapOptions, 'includeDecided'>): GapDetail[] {
  return rank(records, { ...opts, includeDecided: true });
}

/** The gap `id` among `records`, decided or not, with its questions; undefined when there is none. */
export function findGap(records: TurnRecord[], id: string, opts: Pick<GapOptions, 'decisions' | 'now'>) {
  return gapDetails(records, opts).find((g) => g.id === id);
}

function rank(records: TurnRecord[], opts: GapOptions): GapDetail[] {
  const now = (opts.now ?? new Date()).getTime();
  const latest = new Map<string, GapDecision>();
  for (const d of opts.decisions) {
    const had = latest.get(d.gap);
    if (!had || had.at <= d.at) latest.set(d.gap, d);
  }
  const gaps: GapDetail[] = [];
  for (const group of buildGroups(records)) {
    const decision = latest.get(group.id);
    if (decision && !opts.includeDecided) continue;
    gaps.push(describe(group, now, decision));
  }
  gaps.sort(
    (a, b) =>
      b.score - a.score ||
      b.count - a.count ||
      (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0) ||
      (a.id < b.id ? -1 : 1),
  );
  return opts.limit === undefined ? gaps : gaps.slice(0, Math.max(0, opts.limit));
}

function buildGroups(records: TurnRecord[]): Group[] {
  const units = toUnits(records);
  const clusters = cluster(units);
  return mergeAcrossLanguages(clusters);
}

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
function fnv(text: string, h = FNV_OFFSET): number {
  let x = h;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), FNV_PRIME) >>> 0;
  return x;
}
const TERM_SEED = fnv('t:');
const HAN = /^[\u3400-\u9FFF]+$/;

/**
 * The features a question is compared by: character 3-grams of each word (English and Spanish
 * function words left out, so "what is the…" does not make two questions alike), which survive typos
 * and inflection; for Japanese and Chinese the engine's terms (Han bigrams and their characters,
 * katakana words).
 */
export function questionFeatures(key: string): number[] {
  const out = new Set<number>();
  for (const t of tokenize(key)) {
    if (t.word === undefined) {
      out.add(fnv(t.term, TERM_SEED));
      // A Han bigram's characters too: Chinese word order moves bigrams (基金的申请 / 基金申请的), not characters.
      if (t.term.length === 2 && HAN.test(t.term)) for (const ch of t.term) out.add(fnv(ch, TERM_SEED));
      continue;
    }
    const w = ` ${t.word} `;
    if (w.length <= 4) out.add(fnv(w));
    else for (let i = 0; i + 3 <= w.length; i++) out.add(fnv(w.slice(i, i + 3)));
  }
  return [...out];
}

function toUnits(records: TurnRecord[]): Unit[] {
  const kept = records.filter((r) => r.review.length > 0 && typeof r.text === 'string' && r.text.trim());
  // Oldest first (the stores list in `at` order; sorted here so any array works), ties by id.
  kept.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byText = new Map<string, string>();
  const byKey = new Map<string, { key: string; hashes: number[]; records: TurnRecord[] }>();
  for (const r of kept) {
    const text = r.text as string;
    let key = byText.get(text);
    if (key === undefined) {
      key = questionKey(text);
      byText.set(text, key);
    }
    if (!key) continue;
    let u = byKey.get(key);
    if (!u) {
      u = { key, hashes: questionFeatures(key), records: [] };
      byKey.set(key, u);
    }
    u.records.push(r);
  }
  // Rarest features first: the prefixes that are indexed are then short lists.
  const df = new Map<number, number>();
  for (const u of byKey.values()) for (const h of u.hashes) df.set(h, (df.get(h) ?? 0) + 1);
  const units: Unit[] = [];
  for (const u of byKey.values()) {
    const features = new Float64Array(u.hashes.length);
    u.hashes.forEach((h, i) => {
      // Unique and ordered by (document frequency, hash): exact in a double (df < 2^20, hash < 2^32).
      features[i] = (df.get(h) ?? 0) * 4_294_967_296 + h;
    });
    features.sort();
    const first = u.records[0] as TurnRecord;
    units.push({ key: u.key, features, records: u.records, lang: first.lang, closest: first.closest });
  }
  return units;
}

/**
 * Shared features of `a` from `i` and `b` from `j` (ascending arrays), or less than `need` as soon as
 * `need` cannot be reached.
 */
function overlapFrom(a: Float64Array, i0: number, b: Float64Array, j0: number, need: number): number {
  let i = i0;
  let j = j0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (n + Math.min(a.length - i, b.length - j) < need) return n;
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}

/** How many of a set's first (rarest) features any set with Jaccard ≥ `GAP_SIMILARITY` must share one of. */
const prefixLength = (size: number) => size - Math.ceil(GAP_SIMILARITY * size - 1e-9) + 1;
/** The overlap two sets of these sizes need for Jaccard ≥ `GAP_SIMILARITY`. */
const NEED_RATIO = GAP_SIMILARITY / (1 + GAP_SIMILARITY);
const neededOverlap = (x: number, y: number) => Math.ceil(NEED_RATIO * (x + y) - 1e-9);

/**
 * Leader clustering with an exact prefix-filter index (PPJoin's prefix and positional filters): each
 * unit is compared only with representatives that share one of its rarest features at a position
 * where the threshold can still be reached, and each comparison stops once it cannot.
 */
function cluster(units: Unit[]): Cluster[] {
  const clusters: Cluster[] = [];
  // Representatives are at most the units: dense typed arrays keep the inner loop in cache.
  const repFeatures: Float64Array[] = [];
  const repCluster = new Int32Array(units.length);
  const repSize = new Int32Array(units.length);
  const stamp = new Int32Array(units.length).fill(-1);
  const shared = new Int32Array(units.length);
  const lastI = new Int32Array(units.length);
  const lastJ = new Int32Array(units.length);
  /** Feature → [rep, position, rep, position, …] of the representatives whose prefix holds it. */
  const index = new Map<number, number[]>();
  const addRep = (u: Unit, c: number) => {
    const r = repFeatures.length;
    repFeatures.push(u.features);
    repCluster[r] = c;
    repSize[r] = u.features.length;
    const p = prefixLength(u.features.length);
    for (let i = 0; i < p; i++) {
      const f = u.features[i] as number;
      const list = index.get(f);
      if (list) list.push(r, i);
      else index.set(f, [r, i]);
    }
  };
  const candidates: number[] = [];
  for (let n = 0; n < units.length; n++) {
    const u = units[n] as Unit;
    const x = u.features;
    const size = x.length;
    let best = -1;
    let bestSim = 0;
    candidates.length = 0;
    const p = size > 0 ? prefixLength(size) : 0;
    const minSize = GAP_SIMILARITY * size;
    const maxSize = size / GAP_SIMILARITY;
    for (let i = 0; i < p; i++) {
      const list = index.get(x[i] as number);
      if (!list) continue;
      const restX = size - i - 1;
      for (let k = 0; k < list.length; k += 2) {
        const r = list[k] as number;
        let s = shared[r] as number;
        if (stamp[r] !== n) {
          stamp[r] = n;
          s = 0;
          shared[r] = 0;
        } else if (s < 0) continue;
        const other = repSize[r] as number;
        const j = list[k + 1] as number;
        // Sizes too far apart, or this match and every later feature of the shorter rest, cannot reach the threshold.
        if (
          other < minSize ||
          other > maxSize ||
          s + 1 + Math.min(restX, other - j - 1) < neededOverlap(size, other)
        ) {
          shared[r] = -1;
          continue;
        }
        if (s === 0) candidates.push(r);
        shared[r] = s + 1;
        lastI[r] = i;
        lastJ[r] = j;
      }
    }
    for (const r of candidates) {
      const s = shared[r] as number;
      if (s <= 0) continue;
      const y = repFeatures[r] as Float64Array;
      const need = neededOverlap(size, y.length);
      // Matches before the last prefix match were all counted (both arrays are in one order).
      const o = s + overlapFrom(x, (lastI[r] as number) + 1, y, (lastJ[r] as number) + 1, need - s);
      if (o < need) continue;
      const sim = o / (size + y.length - o);
      if (sim > bestSim || (sim === bestSim && (repCluster[r] as number) < (repCluster[best] as number))) {
        best = r;
        bestSim = sim;
      }
    }
    if (best < 0) {
      clusters.push({ seed: u, units: [u], reps: 1 });
      addRep(u, clusters.length - 1);
      continue;
    }
    const joined = repCluster[best] as number;
    const c = clusters[joined] as Cluster;
    c.units.push(u);
    if (bestSim < REPRESENTATIVE_NOVELTY && c.reps < MAX_REPRESENTATIVES) {
      c.reps++;
      addRep(u, joined);
    }
  }
  return clusters;
}

/**
 * Clusters in another language join the first group (in order of first question) whose seeds had the
 * same closest entry and that has no cluster in their language yet: one question asked in several
 * languages is one gap, two different questions in one language stay two.
 */
function mergeAcrossLanguages(clusters: Cluster[]): Group[] {
  const groups: Group[] = [];
  const byEntry = new Map<string, Group[]>();
  const ids = new Set<string>();
  for (const c of clusters) {
    const closest = c.seed.closest;
    const entry = closest && closest.score >= CROSS_LANGUAGE_MIN_SCORE ? closest.entry : undefined;
    const candidates = entry ? (byEntry.get(entry) ?? []) : [];
    const into = candidates.find((g) => !g.langs.has(c.seed.lang));
    if (into) {
      into.clusters.push(c);
      into.langs.add(c.seed.lang);
      continue;
    }
    let id = gapId(c.seed.key);
    // Two seeds whose hashes meet (rare at 40 bits): the later one is told apart by a suffix.
    for (let n = 2; ids.has(id); n++) id = `${gapId(c.seed.key)}-${n}`;
    ids.add(id);
    const group: Group = { id, clusters: [c], langs: new Set([c.seed.lang]) };
    groups.push(group);
    if (entry) byEntry.set(entry, [...candidates, group]);
  }
  return groups;
}

/** `gap-` and 10 hex characters of the seed question's hash. */
export function gapId(key: string): string {
  return `gap-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

function describe(group: Group, now: number, decision: GapDecision | undefined): GapDetail {
  let count = 0;
  let score = 0;
  let firstSeen = '';
  let lastSeen = '';
  const langCount = new Map<Lang, number>();
  const reasons: Partial<Record<ReviewReason, number>> = {};
  const closest = new Map<string, { n: number; score: number }>();
  const questions: GapQuestion[] = [];
  for (const c of group.clusters)
    for (const u of c.units) {
      let q: GapQuestion | undefined;
      const texts = new Map<string, number>();
      for (const r of u.records) {
        count++;
        const age = Math.max(0, (now - Date.parse(r.at)) / DAY_MS);
        const unhelpful = r.feedback === 'not_helpful' || r.review.includes('not-helpful');
        score += (unhelpful ? NOT_HELPFUL_WEIGHT : 1) * 0.5 ** (age / HALF_LIFE_DAYS);
        if (!firstSeen || r.at < firstSeen) firstSeen = r.at;
        if (r.at > lastSeen) lastSeen = r.at;
        langCount.set(r.lang, (langCount.get(r.lang) ?? 0) + 1);
        for (const why of r.review) reasons[why] = (reasons[why] ?? 0) + 1;
        if (r.closest) {
          const had = closest.get(r.closest.entry) ?? { n: 0, score: 0 };
          closest.set(r.closest.entry, { n: had.n + 1, score: Math.max(had.score, r.closest.score) });
        }
        texts.set(r.text as string, (texts.get(r.text as string) ?? 0) + 1);
        if (!q || r.at >= q.lastSeen)
          q = {
            text: r.text as string,
            lang: r.lang,
            count: 0,
            firstSeen: q?.firstSeen ?? r.at,
            lastSeen: r.at,
          };
      }
      if (!q) continue;
      // The unit's words as most often written (the same question typed the same way), its count all of them.
      const [text] = [...texts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [q.text];
      questions.push({ ...q, text, count: u.records.length });
    }
  const top = [...closest.entries()].sort((a, b) => b[1].n - a[1].n || b[1].score - a[1].score)[0];
  const byRecent = [...questions].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1));
  // Ties go to the question asked first: a typo usually comes after the question written out.
  questions.sort((a, b) => b.count - a.count || (a.firstSeen < b.firstSeen ? -1 : 1));
  return {
    id: group.id,
    count,
    langs: [...langCount.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l),
    firstSeen,
    lastSeen,
    examples: byRecent.slice(0, EXAMPLES).map((q) => q.text),
    reasons,
    closest: top ? { entry: top[0], score: Math.round(top[1].score * 100) / 100 } : null,
    score: Math.round(score * 1000) / 1000,
    ...(decision ? { decision } : {}),
    questions,
  };
}

/** The question to accept from a gap: the most asked one in `lang` when given, else the most asked. */
export function defaultQuestion(gap: GapDetail, lang?: Lang): GapQuestion | undefined {
  return lang ? gap.questions.find((q) => q.lang === lang) : gap.questions[0];
}
