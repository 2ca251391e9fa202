// node --expose-gc --import tsx bench/engine-only.ts [--rounds N] [--sizes 1000,10000]: the engine section of
// `npm run bench` alone, repeated, with the median of each figure over the rounds. For profiling, add
// `--cpu-prof --cpu-prof-dir DIR` to node's arguments.
import { join } from 'node:path';
import { loadContent } from '../src/content/load.js';
import { loadConversationCases } from '../test/conversations/cases.js';
import { benchRealContent, benchSynthetic, type EngineSizeResult } from './engine.js';
import { fmt } from './stats.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('--rounds') ?? 3);
const sizes = (arg('--sizes') ?? '1000,10000').split(',').map(Number);
const root = join(import.meta.dirname, '..');
const content = await loadContent(root);
const utterances = loadConversationCases(join(root, 'test/conversations')).map((c) => c.text);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const real: Array<{ p50: number; p99: number }> = [];
const bySize = new Map<number, EngineSizeResult[]>();
for (let r = 0; r < rounds; r++) {
  real.push(benchRealContent(content, utterances, 5));
  for (const size of sizes) {
    const s = benchSynthetic(content, size, 1_000);
    bySize.set(size, [...(bySize.get(size) ?? []), s]);
    process.stderr.write(
      `round ${r + 1} ${size}: ours ${fmt(s.ours.p50)} / ${fmt(s.ours.p99)}, MiniSearch ${fmt(s.minisearch.p50)} / ${fmt(s.minisearch.p99)}, TfIdf ${fmt(s.tfidf.p50)}; build ${JSON.stringify(s.buildMs)}\n`,
    );
  }
}
const out = [
  `conversation set: p50 ${fmt(median(real.map((x) => x.p50)))}, p99 ${fmt(median(real.map((x) => x.p99)))}`,
];
for (const [size, rs] of bySize) {
  const m = (f: (s: EngineSizeResult) => number) => fmt(median(rs.map(f)));
  const builds = Object.keys(rs[0]?.buildMs ?? {}) as Array<keyof EngineSizeResult['buildMs']>;
  out.push(
    `${size}: ours p50 ${m((s) => s.ours.p50)} p99 ${m((s) => s.ours.p99)} | MiniSearch p50 ${m((s) => s.minisearch.p50)} p99 ${m((s) => s.minisearch.p99)} | TfIdf p50 ${m((s) => s.tfidf.p50)} | build ${builds.map((b) => `${b} ${m((s) => s.buildMs[b] ?? Number.NaN)}`).join(', ')}`,
  );
}
process.stdout.write(`medians over ${rounds} rounds\n${out.join('\n')}\n`);
