import MiniSearch from 'minisearch';
import { TfIdf } from 'natural/lib/natural/tfidf/index.js';
import type { Content, KnowledgeEntry } from '../src/content/types.js';
import { createEngine } from '../src/core/engine.js';
import type { Inquiry } from '../src/core/types.js';
import { heapUsedMb, type Summary, summarise, timeEach, timeOnce } from './stats.js';
import { syntheticKnowledge, syntheticQueries } from './synthetic.js';

export interface EngineSizeResult {
  entries: number;
  ours: Summary;
  tfidf: Summary;
  minisearch: Summary;
  buildMs: { ours: number; tfidf: number; minisearch: number };
  heapMb: { ours: number; tfidf: number; minisearch: number };
}

const inquiry = (text: string, i: number): Inquiry => ({
  text,
  platform: 'cli',
  user: { id: 'cli:bench' },
  conversation: `bench-${i % 500}`,
});

const docText = (e: KnowledgeEntry) =>
  [
    e.title.en,
    e.title.ja,
    ...e.questions.en,
    ...e.questions.ja,
    ...e.tags.en,
    ...e.tags.ja,
    e.body.en,
    e.body.ja,
  ].join(' ');

/** Time per inquiry over the real content and the conversation test set's utterances. */
export function benchRealContent(content: Content, utterances: string[], rounds: number): Summary {
  const engine = createEngine({ content });
  for (const [i, u] of utterances.entries()) engine.respond(inquiry(u, i)); // warm-up
  let i = 0;
  return summarise(timeEach(utterances, (u) => engine.respond(inquiry(u, i++)), rounds));
}

/** Ours vs natural's TfIdf vs MiniSearch over a synthetic knowledge base of `size` entries. */
export function benchSynthetic(base: Content, size: number, queryCount: number): EngineSizeResult {
  const { entries } = syntheticKnowledge(size);
  const queries = syntheticQueries(entries, queryCount);
  const content: Content = { ...base, knowledge: entries, intents: base.intents };

  const heap0 = heapUsedMb();
  let engine: ReturnType<typeof createEngine> | undefined;
  const oursBuild = timeOnce(() => {
    engine = createEngine({ content });
  });
  const oursHeap = heapUsedMb() - heap0;
  const e = engine as ReturnType<typeof createEngine>;

  const heap1 = heapUsedMb();
  const tfidf = new TfIdf();
  const tfidfBuild = timeOnce(() => {
    for (const entry of entries) tfidf.addDocument(docText(entry));
  });
  const tfidfHeap = heapUsedMb() - heap1;

  const heap2 = heapUsedMb();
  const mini = new MiniSearch<{ id: string; title: string; questions: string; tags: string; body: string }>({
    fields: ['title', 'questions', 'tags', 'body'],
    searchOptions: { boost: { title: 3, questions: 2.5, tags: 2 } },
  });
  const miniBuild = timeOnce(() => {
    mini.addAll(
      entries.map((x) => ({
        id: x.id,
        title: `${x.title.en} ${x.title.ja}`,
        questions: [...x.questions.en, ...x.questions.ja].join(' '),
        tags: [...x.tags.en, ...x.tags.ja].join(' '),
        body: `${x.body.en} ${x.body.ja}`,
      })),
    );
  });
  const miniHeap = heapUsedMb() - heap2;

  // Warm-up each, then measure. natural's TfIdf scores every document per query: fewer rounds at 10k.
  for (const [i, q] of queries.slice(0, 50).entries()) {
    e.respond(inquiry(q, i));
    mini.search(q);
  }
  let i = 0;
  const ours = summarise(timeEach(queries, (q) => e.respond(inquiry(q, i++)), 3));
  const tfidfQueries = size >= 10_000 ? queries.slice(0, 100) : queries;
  const tf = summarise(timeEach(tfidfQueries, (q) => tfidf.tfidfs(q)));
  const ms = summarise(timeEach(queries, (q) => mini.search(q), 3));
  return {
    entries: size,
    ours,
    tfidf: tf,
    minisearch: ms,
    buildMs: { ours: oursBuild, tfidf: tfidfBuild, minisearch: miniBuild },
    heapMb: { ours: oursHeap, tfidf: tfidfHeap, minisearch: miniHeap },
  };
}
