import { beforeAll, describe, expect, it } from 'vitest';
import type { Content } from '../../src/content/types.js';
import { normalise } from '../../src/core/normalize.js';
import { buildSearchIndex, questionKey, type SearchIndex } from '../../src/core/search-index.js';
import { tokenize } from '../../src/core/tokenize.js';
import { realContent } from '../helpers.js';

let content: Content;
let index: SearchIndex;
beforeAll(async () => {
  content = await realContent();
  index = buildSearchIndex(content.knowledge);
});
const search = (q: string, options = {}) => index.search(tokenize(normalise(q)), options);

describe('search index', () => {
  it('ranks the entry whose title and questions match first', () => {
    expect(search('World Hot Spring City designation').hits[0]?.entry.id).toBe(
      'jetro-chongqing/world-hot-spring-city',
    );
  });
  it('corrects a one-letter typo against the vocabulary', () => {
    const r = search('Aguascalients japan desk');
    expect(r.unknown).toEqual([]);
    expect(r.hits[0]?.entry.id).toBe('jbic-aguascalientes/japan-desk');
  });
  it('boosts the scheme in context', () => {
    const plain = search('who signed');
    const boosted = search('who signed', { boostScheme: 'jetro-chongqing', boost: 3 });
    expect(boosted.hits[0]?.entry.scheme).toBe('jetro-chongqing');
    expect(plain.hits.length).toBeGreaterThan(1);
  });
  it('reports how much of a question it can explain', () => {
    const known = search('When was the JBIC MOU signed?');
    const unknown = search('who won the world cup');
    expect(known.hits[0]?.explained ?? 0).toBeGreaterThan(unknown.hits[0]?.explained ?? 0);
    expect(unknown.unknown).toContain('cup');
  });
  it('matches an alternate question exactly', () => {
    const entry = content.knowledge.find((e) => e.id === 'jetro-chongqing/about-chongqing');
    const q = entry?.questions.ja[0] ?? '';
    const r = index.search(tokenize(normalise(q)), { exactKey: questionKey(q) });
    expect(r.exact).toBe(true);
    expect(r.hits[0]?.entry.id).toBe(entry?.id);
  });
  it('matches a word by its synonym, at the weight the entry has for that synonym', () => {
    const job = (q: string, opts: { synonyms?: string[][] } = {}) =>
      buildSearchIndex(content.knowledge, opts).search(tokenize(normalise(q)));
    const without = job("JETRO's duty in the METI scheme");
    const withSynonyms = job("JETRO's duty in the METI scheme", { synonyms: [['role', 'duty']] });
    const rank = (r: typeof without) =>
      r.hits.findIndex((h) => h.entry.id === 'meti-global-alliance/jetro-coordinator');
    // "duty" is in no entry: without the group it is an unknown word, with it the entry about JETRO's role is found.
    expect(without.unknown).toContain('duti');
    expect(withSynonyms.unknown).not.toContain('duti');
    expect(rank(withSynonyms)).toBeGreaterThanOrEqual(0);
    expect(rank(without) === -1 || rank(withSynonyms) < rank(without)).toBe(true);
    // Each word keeps its own IDF: a group does not make a rare word common.
    const plain = buildSearchIndex(content.knowledge);
    const grouped = buildSearchIndex(content.knowledge, { synonyms: [['署名', '調印', '締結']] });
    expect(grouped.idf('署名')).toBe(plain.idf('署名'));
  });
  it("says whether a question holds a word that only one programme's entries say", () => {
    expect(search('What was the aim of the memorandum?').specific).toBe(false);
    expect(search('Who was the governor of Aguascalientes?').specific).toBe(true);
    expect(search('hot spring symposium').specific).toBe(true);
  });
  it('skips filler words in a question', () => {
    const filled = buildSearchIndex(content.knowledge, { fillers: ['exactly'] });
    const r = filled.search(tokenize(normalise('what exactly did JETRO and Chongqing agree?')));
    expect(r.known).not.toContain('exactli');
    expect(r.unknown).not.toContain('exactli');
    expect(search('what exactly did JETRO and Chongqing agree?').known).toContain('exactli');
  });
});
