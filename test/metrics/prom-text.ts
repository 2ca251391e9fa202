/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): it fails on any line that
 * is not a well-formed HELP, TYPE, comment or sample, on a sample of a family with no TYPE before it,
 * on a TYPE or HELP given twice, and on a histogram whose buckets are not cumulative or do not end in
 * `+Inf` equal to `_count`. What it returns lets a test read a sample by name and labels.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
/** A float as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, so prom-client's `Nan` too). */
const VALUE = String.raw`[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)|[nN][aA][nN]`;
const LABEL_VALUE = String.raw`"(?:[^"\\\n]|\\[\\"n])*"`;
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL}=${LABEL_VALUE})(?:,${LABEL}=${LABEL_VALUE})*,?)?\\})? (${VALUE})(?: (-?[0-9]+))?$`,
);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const PAIR = new RegExp(`(${LABEL})=(${LABEL_VALUE})`, 'g');

const labelValue = (quoted: string) =>
  quoted.slice(1, -1).replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

const number = (text: string) =>
  /^nan$/i.test(text)
    ? Number.NaN
    : /inf(inity)?$/i.test(text)
      ? text.startsWith('-')
        ? -Infinity
        : Infinity
      : Number(text);

/** The family a sample belongs to: histograms and summaries add suffixes to the family's name. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(name);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const f = families.get(name.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const where = `line ${i + 1} "${line}"`;
      if (line === '') return;
      const h = HELP.exec(line);
      if (h) {
        const [, name = '', doc = ''] = h;
        if (help.has(name)) throw new Error(`${where}: a second HELP for ${name}`);
        if (families.get(name)?.samples.length) throw new Error(`${where}: HELP after samples of ${name}`);
        help.set(name, doc);
        const f = families.get(name);
        if (f) f.help = doc;
        return;
      }
      const t = TYPE.exec(line);
      if (t) {
        const [, name = '', type = ''] = t;
        if (families.has(name)) throw new Error(`${where}: a second TYPE for ${name}`);
        families.set(name, { name, type: type as Family['type'], help: help.get(name) ?? '', samples: [] });
        return;
      }
      if (line.startsWith('#')) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`${where}: malformed HELP or TYPE line`);
        return;
      }
      const s = SAMPLE.exec(line);
      if (!s) throw new Error(`${where}: not a sample line`);
      const [, name = '', pairs = '', value = ''] = s;
      const labels: Record<string, string> = {};
      for (const m of pairs.matchAll(PAIR)) {
        const key = m[1] as string;
        if (key in labels) throw new Error(`${where}: label ${key} given twice`);
        labels[key] = labelValue(m[2] as string);
      }
      const family = familyOf(name, families);
      if (!family) throw new Error(`${where}: sample of ${name} with no TYPE before it`);
      family.samples.push({ name, labels, value: number(value) });
    });
  for (const f of families.values()) {
    if (!f.help) throw new Error(`${f.name}: no HELP`);
    if (f.type === 'counter') {
      for (const s of f.samples)
        if (!(s.value >= 0)) throw new Error(`${f.name}: a counter below zero (${s.value})`);
    }
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

/** Each label set's buckets rise (le ascending, counts not falling), end in +Inf, and +Inf equals _count. */
function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([number(le), s.value]);
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
    else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else throw new Error(`${f.name}: unexpected sample ${s.name}`);
  }
  for (const [key, { buckets, count, sum }] of series) {
    if (count === undefined || sum === undefined) throw new Error(`${f.name}${key}: no _count or _sum`);
    const last = buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${f.name}${key}: the last bucket is not +Inf`);
    if (last[1] !== count) throw new Error(`${f.name}${key}: +Inf bucket ${last[1]} is not _count ${count}`);
    for (let i = 1; i < buckets.length; i++) {
      const [le, n] = buckets[i] as [number, number];
      const [ple, pn] = buckets[i - 1] as [number, number];
      if (!(le > ple) || n < pn) throw new Error(`${f.name}${key}: buckets not cumulative at le=${le}`);
    }
  }
}

/** The value of the one sample named `name` whose labels include `labels`; 0 when there is none. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const matching = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matching.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} samples`);
  return matching[0]?.value ?? 0;
}

/** Every label value in the exposition. */
export function labelValues(families: Map<string, Family>): string[] {
  return [...families.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
}
