// node --import tsx bench/profile-engine.ts SIZE [train|index|build|respond] [OUT.cpuprofile]: builds the engine over
// SIZE synthetic entries (and prints how long each part of the build took), or answers the bench's
// queries many times; with OUT, writes a CPU profile of that part alone (not of loading the content).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { loadContent } from '../src/content/load.js';
import type { Content } from '../src/content/types.js';
import { createEngine } from '../src/core/engine.js';
import { buildIntentRules } from '../src/core/intent-rules.js';
import { buildSearchIndex } from '../src/core/search-index.js';
import { buildReader } from '../src/core/understand.js';
import { timeOnce } from './stats.js';
import { syntheticKnowledge, syntheticQueries } from './synthetic.js';

const size = Number(process.argv[2] ?? 1000);
const part = process.argv[3] ?? 'respond';
const base = await loadContent(join(import.meta.dirname, '..'));
const { entries } = syntheticKnowledge(size);
const content: Content = { ...base, knowledge: entries };
const queries = syntheticQueries(entries, 1_000);
const out = process.argv[4];
const session = new Session();
const profile = async (run: () => void) => {
  if (!out) return run();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  run();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
};

if (part === 'train') {
  // The act model and desk router trained on the real content (what a first start does).
  await profile(() => {
    for (let r = 0; r < 5; r++) {
      const ms = timeOnce(() => buildReader(base));
      process.stdout.write(`real content: act model + desk router ${ms.toFixed(0)} ms\n`);
    }
  });
} else if (part === 'index') {
  await profile(() => {
    for (let r = 0; r < 3; r++) {
      const ms = timeOnce(() =>
        buildSearchIndex(entries, {
          synonyms: content.questionCues.synonyms,
          fillers: content.questionCues.fillers,
        }),
      );
      process.stdout.write(`${size}: index ${ms.toFixed(0)} ms\n`);
    }
  });
} else if (part === 'build') {
  await profile(() => {
    for (let r = 0; r < 3; r++) {
      const index = timeOnce(() =>
        buildSearchIndex(entries, {
          synonyms: content.questionCues.synonyms,
          fillers: content.questionCues.fillers,
        }),
      );
      const rules = timeOnce(() => buildIntentRules(content.intents));
      const reader = timeOnce(() => buildReader(content));
      const engine = timeOnce(() => createEngine({ content }));
      process.stdout.write(
        `${size}: index ${index.toFixed(0)} ms, rules ${rules.toFixed(0)}, reader (act model + desk router) ${reader.toFixed(0)}, whole engine ${engine.toFixed(0)}\n`,
      );
    }
  });
} else {
  const engine = createEngine({ content });
  await profile(() => {
    const start = process.hrtime.bigint();
    let n = 0;
    for (let r = 0; r < 20; r++)
      for (const [i, q] of queries.entries()) {
        engine.respond({
          text: q,
          platform: 'cli',
          user: { id: 'cli:bench' },
          conversation: `bench-${i % 500}`,
        });
        n++;
      }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(`${size}: ${n} inquiries, mean ${(ms / n).toFixed(4)} ms\n`);
  });
}
