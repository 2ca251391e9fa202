import MiniSearch from 'minisearch';
import { TfIdf } from 'natural/lib/natural/tfidf/index.js';
import type { Content, KnowledgeEntry } from '../src/content/types.js';
import { createEngine } from '../src/core/engine.js';
import { buildSearchIndex } from '../src/core/search-index.js';
import type { Inquiry } from '../src/core/types.js';
import { heapUsedMb, median, type Summary, summarise, timeAlternately, timeEach, timeOnce } from './stats.js';
import { syntheticKnowledge, syntheticQueries } from './synthetic.js';

export interface EngineSizeResult {
  entries: number;
  ours: Summary;
  tfidf: Summary;
  minisearch: Summary;
  /**
   * `ours`: the whole engine, its act model and desk router trained (a first start); `oursCached`: the
   * same with the trained models read from a cache (a restart); `index`: our search index alone, the
   * like-for-like figure against TfIdf's and MiniSearch's indexes.
   */
  buildMs: { ours: number; oursCached?: number; index?: number; tfidf: number; minisearch: number };
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

  // Our index and MiniSearch's first, each built on a heap that holds neither, three times alternately
  // (the median counts): the like-for-like build times.
  const newMini = () =>
    new MiniSearch<{ id: string; title: string; questions: string; tags: string; body: string }>({
      fields: ['title', 'questions', 'tags', 'body'],
      searchOptions: { boost: { title: 3, questions: 2.5, tags: 2 } },
    });
  const addAll = (m: ReturnType<typeof newMini>) =>
    m.addAll(
      entries.map((x) => ({
        id: x.id,
        title: `${x.title.en} ${x.title.ja}`,
        questions: [...x.questions.en, ...x.questions.ja].join(' '),
        tags: [...x.tags.en, ...x.tags.ja].join(' '),
        body: `${x.body.en} ${x.body.ja}`,
      })),
    );
  const indexBuilds: number[] = [];
  const miniBuilds: number[] = [];
  let miniHeap = 0;
  const ourIndex = () => {
    heapUsedMb();
    indexBuilds.push(
      timeOnce(() =>
        buildSearchIndex(entries, {
          synonyms: content.questionCues.synonyms,
          fillers: content.questionCues.fillers,
        }),
      ),
    );
  };
  const theirs = () => {
    const m = newMini();
    const heap = heapUsedMb();
    miniBuilds.push(timeOnce(() => addAll(m)));
    miniHeap = heapUsedMb() - heap;
    return m;
  };
  ourIndex();
  theirs();
  theirs();
  ourIndex();
  ourIndex();
  const mini = theirs(); // the one searched below
  const indexBuild = median(indexBuilds);
  const miniBuild = median(miniBuilds);

  const heap1 = heapUsedMb();
  const tfidf = new TfIdf();
  const tfidfBuild = timeOnce(() => {
    for (const entry of entries) tfidf.addDocument(docText(entry));
  });
  const tfidfHeap = heapUsedMb() - heap1;

  const heap0 = heapUsedMb();
  const models = new Map<string, Uint8Array>();
  const modelCache = {
    read: (k: string) => models.get(k),
    write: (k: string, b: Uint8Array) => models.set(k, b),
  };
  let engine: ReturnType<typeof createEngine> | undefined;
  const oursBuild = timeOnce(() => {
    engine = createEngine({ content, modelCache });
  });
  const oursHeap = heapUsedMb() - heap0;
  const e = engine as ReturnType<typeof createEngine>;
  const oursCachedBuild = timeOnce(() => createEngine({ content, modelCache }));

  // Warm-up each, then measure. natural's TfIdf scores every document per query: fewer rounds at 10k.
  for (const [i, q] of queries.slice(0, 50).entries()) {
    e.respond(inquiry(q, i));
    mini.search(q);
  }
  let i = 0;
  // Ours and MiniSearch query by query, alternately: the two compared see the same machine.
  const [oursMs = [], miniMs = []] = timeAlternately(
    queries,
    [(q) => e.respond(inquiry(q, i++)), (q) => mini.search(q)],
    3,
  );
  const ours = summarise(oursMs);
  const ms = summarise(miniMs);
  const tfidfQueries = size >= 10_000 ? queries.slice(0, 100) : queries;
  const tf = summarise(timeEach(tfidfQueries, (q) => tfidf.tfidfs(q)));
  return {
    entries: size,
    ours,
    tfidf: tf,
    minisearch: ms,
    buildMs: {
      ours: oursBuild,
      oursCached: oursCachedBuild,
      index: indexBuild,
      tfidf: tfidfBuild,
      minisearch: miniBuild,
    },
    heapMb: { ours: oursHeap, tfidf: tfidfHeap, minisearch: miniHeap },
  };
}
