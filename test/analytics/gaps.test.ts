import { describe, expect, it } from 'vitest';
import { gapVocabulary, syntheticGapRecords } from '../../bench/gaps.js';
import {
  findGap,
  GAP_SIMILARITY,
  gapDetails,
  gapId,
  groupGaps,
  questionFeatures,
  questionKey,
} from '../../src/analytics/gaps.js';
import type { GapDecision, ReviewReason, TurnRecord } from '../../src/analytics/types.js';
import { realContent } from '../helpers.js';

const NOW = new Date('2026-03-01T12:00:00Z');
let seq = 0;

/** A record kept for review, asked `daysAgo` before NOW. */
function rec(
  text: string,
  opts: {
    lang?: string;
    daysAgo?: number;
    closest?: string | null;
    score?: number;
    review?: ReviewReason[];
    feedback?: 'helpful' | 'not_helpful';
  } = {},
): TurnRecord {
  seq++;
  const review = opts.review ?? ['fallback'];
  return {
    id: `t_${String(seq).padStart(6, '0')}`,
    at: new Date(NOW.getTime() - (opts.daysAgo ?? 1) * 86_400_000 + seq).toISOString(),
    platform: 'web',
    lang: opts.lang ?? 'en',
    action: review.includes('clarify') ? 'clarify' : 'fallback',
    intent: null,
    confidence: 0.2,
    scheme: null,
    entry: null,
    desk: null,
    closest:
      opts.closest === null
        ? null
        : { entry: opts.closest ?? 'meti-global-alliance/growth-fund', score: opts.score ?? 3 },
    user: `u_${seq}`,
    conversation: `c_${seq}`,
    ms: 0.4,
    review,
    text,
    ...(opts.feedback ? { feedback: opts.feedback } : {}),
  };
}

const group = (records: TurnRecord[], decisions: GapDecision[] = []) =>
  groupGaps(records, { decisions, now: NOW });

describe('knowledge gaps: grouping similar questions', () => {
  it('groups the same question asked with typos, and keeps a different question apart', () => {
    const gaps = group([
      rec('Is there a deadline for applying to the fund?', { daysAgo: 5 }),
      rec('is there a dedline for aplying to the fund', { daysAgo: 4 }),
      rec('Is there a deadline for applying to the fund??', { daysAgo: 3 }),
      rec('Who runs the fund?', { daysAgo: 2 }),
    ]);
    expect(gaps).toHaveLength(2);
    const deadline = gaps.find((g) => g.examples.some((e) => e.includes('dedline')));
    expect(deadline).toMatchObject({ count: 3, langs: ['en'] });
    expect(gaps.find((g) => g !== deadline)).toMatchObject({ count: 1, examples: ['Who runs the fund?'] });
  });

  it('groups a Japanese and an English question the engine maps to the same entry, not two English ones', () => {
    const entry = 'meti-global-alliance/matching-system';
    const gaps = group([
      rec('Can a company in Osaka use the matching system?', { closest: entry, daysAgo: 6 }),
      rec('大阪の会社はマッチングシステムを使えますか', { lang: 'ja', closest: entry, daysAgo: 5 }),
      rec('How many companies joined the matching system last year?', { closest: entry, daysAgo: 4 }),
      rec('can a company in osaka use the matching sytem', { closest: entry, daysAgo: 3 }),
    ]);
    expect(gaps).toHaveLength(2);
    const osaka = gaps.find((g) => g.langs.includes('ja'));
    expect(osaka).toMatchObject({ count: 3, langs: ['en', 'ja'], closest: { entry } });
    expect(osaka?.examples).toContain('大阪の会社はマッチングシステムを使えますか');
    expect(gaps.find((g) => g !== osaka)).toMatchObject({ count: 1, langs: ['en'] });
  });

  it('does not join languages on a closest entry the engine barely matched, nor unrelated ones', () => {
    const gaps = group([
      rec('What is the weather in Chongqing?', { closest: 'jetro-chongqing/about-chongqing', score: 0.2 }),
      rec('重庆的天气怎么样', { lang: 'zh', closest: 'jetro-chongqing/about-chongqing', score: 0.2 }),
      rec('Where can I park?', { closest: 'jetro-chongqing/overview' }),
      rec('駐車場はありますか', { lang: 'ja', closest: 'jbic-aguascalientes/overview' }),
    ]);
    expect(gaps).toHaveLength(4);
    for (const g of gaps) expect(g.langs).toHaveLength(1);
  });

  it('groups Chinese and Japanese typos and variants by their characters', () => {
    const gaps = group([
      rec('基金的申请截止日期是什么时候', { lang: 'zh' }),
      rec('基金的申请截至日期是什么时候', { lang: 'zh' }),
      rec('ファンドの申請期限はいつですか', { lang: 'ja' }),
      rec('ファンドの申請期限はいつまでですか？', { lang: 'ja' }),
    ]);
    // zh and ja share the closest entry, so the two languages' groups are one gap of four.
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ count: 4, langs: ['ja', 'zh'] });
  });

  it('gives a group a stable id: its first question, kept as later questions join it', () => {
    const first = [
      rec('Does the fund invest in restaurants?', { daysAgo: 30, closest: null }),
      rec('Is there parking at JETRO?', { daysAgo: 29, closest: null }),
    ];
    const before = group(first);
    expect(before.map((g) => g.id).sort()).toEqual(
      [
        gapId(questionKey('Does the fund invest in restaurants?')),
        gapId(questionKey('Is there parking at JETRO?')),
      ].sort(),
    );
    const later = [
      ...first,
      rec('does the fund invest in resturants', { daysAgo: 2, closest: null }),
      rec('Does the fund invest in restaurants', { daysAgo: 1, closest: null }),
      rec('is ther parking at jetro', { daysAgo: 1, closest: null }),
    ];
    const after = group(later);
    expect(after.map((g) => g.id).sort()).toEqual(before.map((g) => g.id).sort());
    expect(after.map((g) => g.count).sort()).toEqual([2, 3]);
    // The order records arrive in does not matter: they are read by time.
    expect(group([...later].reverse()).map((g) => g.id)).toEqual(after.map((g) => g.id));
  });

  it('hides a decided gap unless asked for decided ones, and shows its latest decision', () => {
    const records = [
      rec('Does the fund invest in hotels?'),
      rec('Is there a cafeteria at JETRO?', { closest: null }),
    ];
    const [a] = group(records);
    const decisions: GapDecision[] = [
      {
        gap: a?.id ?? '',
        decision: 'drafted',
        at: '2026-02-01T00:00:00Z',
        by: 'u_admin',
        entry: 'drafts/x.md',
      },
      {
        gap: a?.id ?? '',
        decision: 'dismissed',
        at: '2026-02-02T00:00:00Z',
        by: 'u_admin',
        why: 'out of scope',
      },
    ];
    const open = group(records, decisions);
    expect(open.map((g) => g.id)).not.toContain(a?.id);
    expect(open).toHaveLength(1);
    const all = groupGaps(records, { decisions, now: NOW, includeDecided: true });
    expect(all.find((g) => g.id === a?.id)?.decision).toMatchObject({
      decision: 'dismissed',
      why: 'out of scope',
    });
  });

  it('ranks by impact: more questions, Not helpful counted twice, recent ones more', () => {
    const gaps = group([
      // Three old fallbacks.
      rec('How do I contact the Aguascalientes desk by fax?', { daysAgo: 80, closest: null }),
      rec('How do I contact the Aguascalientes desk by fax', { daysAgo: 80, closest: null }),
      rec('how do i contact the aguascalientes desk by fax?', { daysAgo: 80, closest: null }),
      // Two recent Not helpful answers.
      rec('What does the growth fund invest in?', {
        daysAgo: 1,
        review: ['not-helpful'],
        feedback: 'not_helpful',
        closest: null,
      }),
      rec('what does the growth fund invest in', {
        daysAgo: 1,
        review: ['not-helpful'],
        feedback: 'not_helpful',
        closest: null,
      }),
      // One recent fallback.
      rec('Is there a JETRO office in Sapporo?', { daysAgo: 1, closest: null }),
    ]);
    expect(gaps.map((g) => g.examples[0])).toEqual([
      'What does the growth fund invest in?',
      'Is there a JETRO office in Sapporo?',
      'How do I contact the Aguascalientes desk by fax?',
    ]);
    expect(gaps[0]?.reasons).toEqual({ 'not-helpful': 2 });
    expect(gaps[0]?.score).toBeGreaterThan(3.5);
    expect(gaps[2]?.score).toBeLessThan(1);
    expect(groupGaps([], { decisions: [], now: NOW, limit: 1 })).toEqual([]);
  });

  it('reads only records kept for review with a text; reports counts, times, examples and the closest entry', () => {
    const records = [
      rec('Can the fund lend to a sole proprietor?', {
        daysAgo: 9,
        closest: 'meti-global-alliance/fund-usage',
        score: 2.5,
      }),
      rec('can the fund lend to a sole proprietor', {
        daysAgo: 7,
        closest: 'meti-global-alliance/growth-fund',
        score: 4.1,
        review: ['clarify'],
      }),
      rec('Can the fund lend to a sole propietor?', {
        daysAgo: 5,
        closest: 'meti-global-alliance/fund-usage',
        score: 3.2,
      }),
      rec('Can the fund lend to a sole proprietor?', {
        daysAgo: 3,
        closest: 'meti-global-alliance/fund-usage',
        score: 1,
      }),
      withoutText(rec('Can the fund lend to a sole proprietor?')),
      { ...rec('Can the fund lend to a sole proprietor?'), text: '' },
    ];
    const [gap, ...rest] = group(records);
    expect(rest).toEqual([]);
    expect(gap).toMatchObject({
      count: 4,
      langs: ['en'],
      firstSeen: records[0]?.at,
      lastSeen: records[3]?.at,
      reasons: { fallback: 3, clarify: 1 },
      closest: { entry: 'meti-global-alliance/fund-usage', score: 3.2 },
    });
    // Distinct questions (compared normalised), most recent first.
    expect(gap?.examples).toEqual([
      'Can the fund lend to a sole proprietor?',
      'Can the fund lend to a sole propietor?',
    ]);
    const detail = findGap(records, gap?.id ?? '', { decisions: [], now: NOW });
    expect(detail?.questions[0]).toMatchObject({ text: 'Can the fund lend to a sole proprietor?', count: 3 });
    expect(groupGaps(records, { decisions: [], now: NOW, limit: 0 })).toEqual([]);
  });

  it('keeps at most five examples, most recent first', () => {
    const records = ['lisbon', 'madrid', 'paris', 'rome', 'berlin', 'vienna', 'prague'].map((city, i) =>
      rec(`Does the JETRO promotion office network cover ${city}?`, { daysAgo: 20 - i, closest: null }),
    );
    const [gap] = group(records);
    expect(gap?.count).toBe(7);
    expect(gap?.examples).toEqual(
      ['prague', 'vienna', 'berlin', 'rome', 'paris'].map(
        (c) => `Does the JETRO promotion office network cover ${c}?`,
      ),
    );
  });

  it('finds with its index exactly the clusters that comparing every question with every cluster finds', async () => {
    const records = syntheticGapRecords(3_000, gapVocabulary(await realContent())).map((r) => ({
      ...r,
      closest: null,
    }));
    const ours = new Map<string, string>();
    for (const g of gapDetails(records, { decisions: [], now: NOW }))
      for (const q of g.questions) ours.set(questionKey(q.text), g.id);
    const naive = naiveClusters(records);
    expect(ours.size).toBe(naive.size);
    let differ = 0;
    for (const [key, seed] of naive) if (ours.get(key) !== gapId(seed)) differ++;
    expect(differ).toBe(0);
    // The data is not trivial: most clusters have several questions, and some are one-offs.
    expect(new Set(naive.values()).size).toBeLessThan(naive.size * 0.8);
  });
});

/** A record that needs no review: no reasons, no text. */
function withoutText(r: TurnRecord): TurnRecord {
  const { text: _, ...rest } = r;
  return { ...rest, review: [] };
}

/** Leader clustering by brute force, as the module describes it: key → the seed key of its cluster. */
function naiveClusters(records: TurnRecord[]): Map<string, string> {
  const sorted = [...records].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  const reps: Array<{ f: Set<number>; cluster: number }> = [];
  const clusters: Array<{ seed: string; reps: number }> = [];
  const out = new Map<string, string>();
  for (const r of sorted) {
    const key = questionKey(r.text ?? '');
    if (!key || out.has(key)) continue;
    const f = new Set(questionFeatures(key));
    let best = -1;
    let bestSim = 0;
    for (let i = 0; i < reps.length; i++) {
      const rep = reps[i] as { f: Set<number>; cluster: number };
      let o = 0;
      for (const x of f) if (rep.f.has(x)) o++;
      const sim = f.size === 0 ? 0 : o / (f.size + rep.f.size - o);
      const earlier = sim === bestSim && rep.cluster < (reps[best]?.cluster ?? Number.POSITIVE_INFINITY);
      if (sim >= GAP_SIMILARITY - 1e-9 && (sim > bestSim || earlier)) {
        best = i;
        bestSim = sim;
      }
    }
    const rep = reps[best];
    if (!rep) {
      clusters.push({ seed: key, reps: 1 });
      reps.push({ f, cluster: clusters.length - 1 });
      out.set(key, key);
      continue;
    }
    const c = clusters[rep.cluster] as { seed: string; reps: number };
    out.set(key, c.seed);
    if (bestSim < 0.8 && c.reps < 8) {
      c.reps++;
      reps.push({ f, cluster: rep.cluster });
    }
  }
  return out;
}
