import type { KnowledgeEntry } from '../src/content/types.js';

/** Synthetic entries are spread over these programmes and desks (the real ids, for realistic routing). */
const SCHEME_IDS = ['jbic-aguascalientes', 'meti-global-alliance', 'jetro-chongqing'] as const;
const DESK_IDS = ['jbic', 'jetro-global-alliance', 'sme-support-japan', 'jetro-chongqing'] as const;

/** Deterministic PRNG (mulberry32) so every run benchmarks the same knowledge base. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'ka',
  'ri',
  'to',
  'men',
  'sol',
  'ar',
  'ven',
  'dor',
  'lu',
  'pex',
  'tra',
  'nio',
  'bel',
  'cor',
  'dus',
];
const KANJI = '金融投資支援企業海外展開協力締結覚書事業市場貿易産業政策基金中小銀行製造技術環境観光温泉機構';
const KANA = 'のにをはがでとからまでについてくださいますか';

export interface Vocabulary {
  en: string[];
  ja: string[];
}

export function vocabulary(size: number, rand: () => number): Vocabulary {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const en = new Set<string>();
  while (en.size < size)
    en.add(Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(SYLLABLES)).join(''));
  const ja = new Set<string>();
  while (ja.size < size)
    ja.add(Array.from({ length: 2 + Math.floor(rand() * 2) }, () => pick([...KANJI])).join(''));
  return { en: [...en], ja: [...ja] };
}

function sentence(words: string[], n: number, rand: () => number, sep: string, glue: string[] = []): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(words[Math.floor(rand() * words.length)] as string);
    if (glue.length > 0) parts.push(glue[Math.floor(rand() * glue.length)] as string);
  }
  return parts.join(sep);
}

/** `count` knowledge entries drawn from a synthetic vocabulary, in English and Japanese. */
export function syntheticKnowledge(
  count: number,
  seed = 42,
): { entries: KnowledgeEntry[]; vocab: Vocabulary } {
  const rand = rng(seed);
  const vocab = vocabulary(Math.max(500, count * 3), rand);
  const kana = [...KANA];
  const entries: KnowledgeEntry[] = [];
  for (let i = 0; i < count; i++) {
    const scheme = SCHEME_IDS[i % SCHEME_IDS.length] as string;
    const topic = `topic-${i}`;
    const en = () => sentence(vocab.en, 6 + Math.floor(rand() * 6), rand, ' ');
    const ja = () => sentence(vocab.ja, 4 + Math.floor(rand() * 4), rand, '', kana);
    entries.push({
      id: `${scheme}/${topic}`,
      scheme,
      topic,
      desk: DESK_IDS[i % DESK_IDS.length] as string,
      answers: [],
      title: { en: en(), ja: ja() },
      body: { en: `${en()}. ${en()}. ${en()}.`, ja: `${ja()}。${ja()}。${ja()}。` },
      questions: { en: [en(), en(), en()], ja: [ja(), ja(), ja()] },
      tags: { en: vocab.en.slice(i % 50, (i % 50) + 4), ja: vocab.ja.slice(i % 50, (i % 50) + 4) },
      source: {
        publisher: 'Synthetic',
        title: `Synthetic ${i}`,
        url: 'https://example.org/',
        date: '2015-01-01',
      },
      asOf: '2015-01-01',
      related: [],
      file: `knowledge/${scheme}/${topic}.md`,
    });
  }
  return { entries, vocab };
}

/** Questions a user might ask of the synthetic base: words from one entry's title or questions. */
export function syntheticQueries(entries: KnowledgeEntry[], n: number, seed = 7): string[] {
  const rand = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = entries[Math.floor(rand() * entries.length)] as KnowledgeEntry;
    const ja = rand() < 0.4;
    const q = ja ? (e.questions.ja[0] ?? e.title.ja) : (e.questions.en[0] ?? e.title.en);
    out.push(ja ? `${q}について教えてください` : `what about ${q.split(' ').slice(0, 4).join(' ')}?`);
  }
  return out;
}
