import { describe, expect, it } from 'vitest';
import type { KnowledgeEntry, Programme } from '../../src/content/types.js';
import { realContent } from '../helpers.js';

/**
 * Faithfulness: every date, personal name and figure an entry states in any language must come from the
 * programme's announcement (its source text), either as written there or as one of the programme's
 * declared renderings. A date may also be written in another format, as long as it is the same day.
 */

const content = await realContent();

/** Entries with an item the source does not support, and why it is tolerated. Empty when all are faithful. */
const KNOWN: Record<string, { items: string[]; reason: string }> = {};

const EN_MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const ES_MONTHS = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];

/** NFKC (full-width digits and brackets to ASCII), no-break spaces to spaces, runs of space collapsed. */
function norm(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u00A0\u202F]/g, ' ')
    .replace(/[ \t]+/g, ' ');
}

const ymd = (y: string, m: number, d: string) =>
  `${y}-${String(m).padStart(2, '0')}-${String(Number(d)).padStart(2, '0')}`;

const DATE_PATTERNS: Array<{ re: RegExp; parse: (m: RegExpExecArray) => string }> = [
  {
    re: new RegExp(`\\b(${EN_MONTHS.join('|')})\\s+(\\d{1,2}),\\s*(\\d{4})\\b`, 'giu'),
    parse: (m) => ymd(m[3] as string, EN_MONTHS.indexOf((m[1] as string).toLowerCase()) + 1, m[2] as string),
  },
  {
    re: new RegExp(`\\b(\\d{1,2})\\s+de\\s+(${ES_MONTHS.join('|')})\\s+de\\s+(\\d{4})\\b`, 'giu'),
    parse: (m) => ymd(m[3] as string, ES_MONTHS.indexOf((m[2] as string).toLowerCase()) + 1, m[1] as string),
  },
  {
    re: /(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日/gu,
    parse: (m) => ymd(m[1] as string, Number(m[2]), m[3] as string),
  },
];

interface Dated {
  text: string;
  date: string;
}

/** Full dates in any of the supported formats, with their Y-M-D. */
function datesIn(text: string): Dated[] {
  const out: Dated[] = [];
  for (const { re, parse } of DATE_PATTERNS)
    for (const m of norm(text).matchAll(re)) out.push({ text: m[0], date: parse(m as RegExpExecArray) });
  return out;
}

/** Bare years 19xx / 20xx. */
function yearsIn(text: string): string[] {
  return [...norm(text).matchAll(/(?<!\d)(?:19|20)\d{2}(?!\d)/g)].map((m) => m[0]);
}

/** Numbers written with digits (a decimal or thousands separator kept inside the number). */
function numbersIn(text: string): string[] {
  return [...norm(text).matchAll(/(?<![\d.,])\d+(?:[.,]\d+)*/g)].map((m) => m[0]);
}

const CAP = "\\p{Lu}\\p{Ll}[\\p{Ll}'’-]*";
const PARTICLES = new Set(['de', 'la', 'del']);
const PARTICLE = `(?:${[...PARTICLES].join('|')})`;
const NAME_RUN = new RegExp(`(?<![\\p{L}\\p{N}])${CAP}(?:\\s+(?:${PARTICLE}\\s+)*${CAP})+(?![\\p{L}])`, 'gu');

/** Runs of two or more capitalised Latin words (lower-case de/la/del allowed between): candidate names. */
function nameRunsIn(text: string): string[] {
  return [...norm(text).matchAll(NAME_RUN)].map((m) => m[0]);
}

interface Support {
  /** The source text and every rendering key and value, normalised, one per line. */
  corpus: string;
  /** Words of the corpus, lower-cased (the source's own words, not names it lacks). */
  words: Set<string>;
  /** Y-M-D of every full date in the source and its renderings. */
  dates: Set<string>;
}

function supportFor(p: Programme): Support {
  const texts = [p.sourceText, ...Object.keys(p.renderings), ...Object.values(p.renderings).flat()];
  const corpus = texts.map(norm).join('\n');
  return {
    corpus,
    words: new Set(wordsOf(corpus)),
    dates: new Set(texts.flatMap((t) => datesIn(t).map((d) => d.date))),
  };
}

/** Lower-cased words, a possessive "'s" dropped. */
function wordsOf(text: string): string[] {
  return (text.match(/[\p{L}'’-]+/gu) ?? []).map((w) => w.toLowerCase().replace(/['’]s$/, ''));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `item` appears in the corpus, not as part of a longer number or word. */
function inCorpus(item: string, s: Support): boolean {
  const edge = /^\d/.test(item) ? '[\\d]' : '[\\p{L}\\p{N}]';
  const re = new RegExp(
    `(?<!${edge}|\\d[.,])${escapeRe(item).replace(/ /g, '\\s+')}(?!${edge}|[.,]\\d)`,
    'u',
  );
  return re.test(s.corpus);
}

/** The items of one body the source does not support, each as `kind: item`. */
function unsupportedIn(body: string, s: Support): string[] {
  const bad: string[] = [];
  let rest = norm(body);
  for (const d of datesIn(body)) {
    if (!inCorpus(d.text, s) && !s.dates.has(d.date)) bad.push(`date: ${d.text} (${d.date})`);
    // a supported date's day, month and year are accounted for; leave them out of the number check
    rest = rest.replace(d.text, ' ');
  }
  for (const y of yearsIn(rest)) if (!inCorpus(y, s)) bad.push(`year: ${y}`);
  for (const n of numbersIn(rest)) if (!inCorpus(n, s)) bad.push(`number: ${n}`);
  for (const run of nameRunsIn(body)) {
    if (inCorpus(run, s)) continue;
    // Words all from the source or its renderings (a sentence opener before an organisation, a name
    // split by a title) are the source's own; a name the source lacks has a word it lacks.
    const foreign = wordsOf(run).filter((w) => !PARTICLES.has(w) && !s.words.has(w));
    if (foreign.length > 0) bad.push(`name: ${run}`);
  }
  return bad;
}

function unsupported(entry: KnowledgeEntry, programme: Programme): string[] {
  const s = supportFor(programme);
  return Object.entries(entry.body).flatMap(([lang, body]) =>
    body ? [...new Set(unsupportedIn(body, s))].map((item) => `${lang}: ${item}`) : [],
  );
}

describe('knowledge is faithful to the announcement', () => {
  it('extracts dates, years, figures and names', () => {
    const text =
      'On October 26, 2015, Mr. Carlos Lozano de la Torre met Hiroshi Watanabe. 2015年10月26日。El 26 de octubre de 2015 hubo 40 personas en los años 1980.';
    expect(datesIn(text).map((d) => d.date)).toEqual(['2015-10-26', '2015-10-26', '2015-10-26']);
    expect(yearsIn(text)).toEqual(['2015', '2015', '2015', '1980']);
    expect(numbersIn('about 1,200.5 and 40')).toEqual(['1,200.5', '40']);
    expect(nameRunsIn(text)).toEqual(['On October', 'Carlos Lozano de la Torre', 'Hiroshi Watanabe']);
  });

  it('flags a date, figure or name the source lacks, and accepts one it has in another format', () => {
    const programme = content.programmes.find((p) => p.id === 'jbic-aguascalientes') as Programme;
    const s = supportFor(programme);
    expect(unsupportedIn('El 26 de octubre de 2015, Hiroshi Watanabe firmó.', s)).toEqual([]);
    expect(unsupportedIn('On October 27, 2015, 75 people met Hiroshi Watanbe.', s)).toEqual([
      'date: October 27, 2015 (2015-10-27)',
      'number: 75',
      'name: Hiroshi Watanbe',
    ]);
  });

  it('finds dates, figures and names to check in the real entries', () => {
    const bodies = content.knowledge.flatMap((e) => Object.values(e.body).filter((b): b is string => !!b));
    expect(bodies.flatMap(datesIn).length).toBeGreaterThan(20);
    expect(bodies.flatMap(numbersIn).length).toBeGreaterThan(50);
    expect(bodies.flatMap(nameRunsIn)).toContain('Hiroshi Watanabe');
  });

  it.each(content.knowledge.map((e) => [e.id, e] as const))('%s', (id, entry) => {
    const programme = content.programmes.find((p) => p.id === entry.scheme);
    expect(programme, `${id}: no programme "${entry.scheme}"`).toBeDefined();
    const bad = unsupported(entry, programme as Programme);
    const known = KNOWN[id];
    if (known) {
      // a known item that is fixed should come off the list
      expect(bad, `${id}: ${known.reason}`).toEqual(known.items);
    } else {
      expect(bad, `${entry.file}: not in the source or its renderings`).toEqual([]);
    }
  });

  it('lists no entry in KNOWN that does not exist', () => {
    const ids = new Set(content.knowledge.map((e) => e.id));
    expect(Object.keys(KNOWN).filter((id) => !ids.has(id))).toEqual([]);
  });
});
