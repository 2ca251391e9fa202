// node --import tsx bench/decisions.ts OUT: writes the engine's decision for every blind-set case, every
// conversation case and the synthetic bench queries (1,000 and 10,000 entries), one JSON line each, so
// that a change meant only to make the engine faster can be checked to decide exactly as before
// (`cmp` the files written before and after). OUT.why gets the same lines with the explanation.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContent } from '../src/content/load.js';
import type { Content } from '../src/content/types.js';
import { createEngine } from '../src/core/engine.js';
import type { Reply } from '../src/core/types.js';
import { parseCases } from '../src/eval/cases.js';
import { loadConversationCases } from '../test/conversations/cases.js';
import { syntheticKnowledge, syntheticQueries } from './synthetic.js';

const root = join(import.meta.dirname, '..');
const out = process.argv[2];
if (!out) throw new Error('usage: bench/decisions.ts OUT');
const content = await loadContent(root);
const lines: string[] = [];
const whyLines: string[] = [];

const record = (id: string, r: Reply) => {
  const core = {
    id,
    action: r.action,
    scheme: r.scheme,
    desk: r.desk,
    entries: r.entries,
    confidence: Number(r.confidence.toFixed(6)),
  };
  lines.push(JSON.stringify(core));
  whyLines.push(
    JSON.stringify({
      ...core,
      intent: r.intent,
      lang: r.lang,
      replyLang: r.replyLang,
      offerDesk: r.offerDesk,
      text: r.text,
      suggestions: r.suggestions,
      why: r.why,
    }),
  );
};

const run = (
  c: Content,
  set: string,
  cases: Array<{ id: string; text: string; session?: string | number | undefined }>,
) => {
  const engine = createEngine({ content: c });
  for (const k of cases) {
    const conversation = `${set}:${k.session === undefined ? `case:${k.id}` : `session:${k.session}`}`;
    record(
      `${set}:${k.id}`,
      engine.respond({ text: k.text, platform: 'cli', user: { id: 'cli:eval' }, conversation }),
    );
  }
};

const evalDir = join(root, 'test/eval');
for (const file of readdirSync(evalDir)
  .filter((f) => /^blind-.*\.jsonl$/.test(f))
  .sort())
  run(content, file, parseCases(readFileSync(join(evalDir, file), 'utf8'), file));
run(content, 'outside', loadConversationCases(evalDir));
run(content, 'conversations', loadConversationCases(join(root, 'test/conversations')));
for (const size of [1_000, 10_000]) {
  const { entries } = syntheticKnowledge(size);
  const queries = syntheticQueries(entries, 1_000);
  run(
    { ...content, knowledge: entries },
    `synthetic-${size}`,
    queries.map((text, i) => ({ id: String(i), text, session: `bench-${i % 500}` })),
  );
}
writeFileSync(out, `${lines.join('\n')}\n`);
writeFileSync(`${out}.why`, `${whyLines.join('\n')}\n`);
process.stdout.write(`${lines.length} decisions written to ${out}\n`);
