// Knowledge-gap grouping over synthetic turn records: ours (prefix-filtered leader clustering) at
// 5,000 / 10,000 / 100,000 records, against comparing every question with every other at 5,000.
import { join } from 'node:path';
import { GAP_SIMILARITY, groupGaps, questionFeatures, questionKey } from '../src/analytics/gaps.js';
import type { ReviewReason, TurnRecord } from '../src/analytics/types.js';
import type { Content } from '../src/content/types.js';
import { timeOnce } from './stats.js';
import { rng } from './synthetic.js';

export interface GapsResult {
  records: number;
  ms: number;
  gaps: number;
}

export interface GapsBench {
  ours: GapsResult[];
  /** All pairs of distinct questions compared (no index), at the smallest size. */
  allPairs: GapsResult;
}

const REASONS: ReviewReason[] = ['fallback', 'clarify', 'low-confidence', 'not-helpful'];

/** Words of the real knowledge (English words, Japanese Han and katakana runs), most frequent first. */
export function gapVocabulary(content: Pick<Content, 'knowledge'>): { en: string[]; ja: string[] } {
  const count = (texts: string[], re: RegExp) => {
    const n = new Map<string, number>();
    for (const t of texts) for (const w of t.toLowerCase().match(re) ?? []) n.set(w, (n.get(w) ?? 0) + 1);
    return [...n.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  };
  const texts = (lang: string) =>
    content.knowledge.flatMap((e) => [e.body[lang] ?? '', e.title[lang] ?? '', ...(e.questions[lang] ?? [])]);
  return {
    en: count(texts('en'), /[a-z]{3,}/g),
    ja: count(texts('ja'), /[\u4E00-\u9FFF]{2,4}|[\u30A0-\u30FF]{3,}/g),
  };
}

/**
 * `n` records kept for review: questions on 2,000 topics (Zipf-like, so a few are asked often), made of
 * the real knowledge's words (frequent words more often, as in real questions), 70% English and 30%
 * Japanese; 45% asked as first written, 45% with one or two typos, 10% one-off questions; over the
 * 90 days before `now`.
 */
export function syntheticGapRecords(
  n: number,
  vocab: { en: string[]; ja: string[] },
  seed = 13,
  now = Date.parse('2026-03-01T00:00:00Z'),
): TurnRecord[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const word = (xs: string[]) => xs[Math.floor(xs.length * rand() ** 2)] as string;
  const sentence = (ja: boolean) =>
    ja
      ? `${Array.from({ length: 2 + Math.floor(rand() * 3) }, () => `${word(vocab.ja)}${pick(['の', 'は', 'を', 'に', 'で'])}`).join('')}ありますか`
      : `${pick(['what', 'how', 'when', 'who', 'can', 'is there'])} ${Array.from({ length: 3 + Math.floor(rand() * 5) }, () => word(vocab.en)).join(' ')}?`;
  const topics = Array.from({ length: 2_000 }, (_, i) => {
    const ja = rand() < 0.3;
    return { text: sentence(ja), lang: ja ? 'ja' : 'en', entry: `p${i % 3}/entry-${i % 500}` };
  });
  const typo = (t: string) => {
    const chars = [...t];
    for (let k = 0; k < 1 + Math.floor(rand() * 2); k++) {
      const i = Math.floor(rand() * chars.length);
      const op = rand();
      if (op < 0.4) chars.splice(i, 1);
      else if (op < 0.7) chars.splice(i, 0, chars[i] ?? 'a');
      else [chars[i], chars[i + 1]] = [chars[i + 1] ?? '', chars[i] ?? ''];
    }
    return chars.join('');
  };
  const records: TurnRecord[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(now - Math.floor(rand() * 90 * 86_400_000)).toISOString();
    const roll = rand();
    const topic = topics[Math.floor(topics.length * rand() ** 2)] as (typeof topics)[number];
    const oneOff = roll >= 0.9;
    const ja = oneOff ? rand() < 0.3 : topic.lang === 'ja';
    const text = oneOff ? sentence(ja) : roll < 0.45 ? topic.text : typo(topic.text);
    const review = [pick(REASONS)];
    records.push({
      id: `t_${i.toString(16)}`,
      at,
      platform: pick(['slack', 'teams', 'web'] as const),
      lang: ja ? 'ja' : 'en',
      action: review[0] === 'clarify' ? 'clarify' : review[0] === 'fallback' ? 'fallback' : 'answer',
      intent: null,
      confidence: rand(),
      scheme: null,
      entry: null,
      desk: null,
      closest: {
        entry: oneOff ? `p0/entry-${Math.floor(rand() * 500)}` : topic.entry,
        score: 1 + rand() * 5,
      },
      user: `u_${Math.floor(rand() * 5_000)}`,
      conversation: `c_${Math.floor(rand() * 8_000)}`,
      ms: 0.3,
      review,
      text,
      ...(review[0] === 'not-helpful' ? { feedback: 'not_helpful' as const } : {}),
    });
  }
  return records.sort((a, b) => (a.at < b.at ? -1 : 1));
}

/** The naive way: every distinct question against every earlier cluster seed (the baseline's cost). */
function allPairsClusters(records: TurnRecord[]): number {
  const seeds: Array<Set<number>> = [];
  const seen = new Set<string>();
  for (const r of records) {
    const key = questionKey(r.text ?? '');
    if (!key || seen.has(key)) continue;
    seen.add(key);
    const f = new Set(questionFeatures(key));
    let joined = false;
    for (const s of seeds) {
      let o = 0;
      for (const x of f) if (s.has(x)) o++;
      if (o / (f.size + s.size - o) >= GAP_SIMILARITY) {
        joined = true;
        break;
      }
    }
    if (!joined) seeds.push(f);
  }
  return seeds.length;
}

export function benchGaps(
  content: Pick<Content, 'knowledge'>,
  sizes: number[] = [5_000, 10_000, 100_000],
): GapsBench {
  const now = new Date('2026-03-01T00:00:00Z');
  const vocab = gapVocabulary(content);
  const ours = sizes.map((records) => {
    const input = syntheticGapRecords(records, vocab);
    groupGaps(input.slice(0, 2_000), { decisions: [], now }); // warm-up
    let gaps = 0;
    const ms = timeOnce(() => {
      gaps = groupGaps(input, { decisions: [], now }).length;
    });
    return { records, ms, gaps };
  });
  const smallest = Math.min(...sizes);
  const input = syntheticGapRecords(smallest, vocab);
  let gaps = 0;
  const ms = timeOnce(() => {
    gaps = allPairsClusters(input);
  });
  return { ours, allPairs: { records: smallest, ms, gaps } };
}

// `node --import tsx bench/gaps.ts` measures this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadContent } = await import('../src/content/load.js');
  const content = await loadContent(join(import.meta.dirname, '..'));
  const r = benchGaps(content, process.argv.includes('--quick') ? [5_000, 20_000] : undefined);
  for (const o of r.ours)
    process.stdout.write(`ours ${o.records} records: ${o.ms.toFixed(0)} ms, ${o.gaps} gaps\n`);
  process.stdout.write(
    `all pairs ${r.allPairs.records} records: ${r.allPairs.ms.toFixed(0)} ms, ${r.allPairs.gaps} clusters\n`,
  );
}
