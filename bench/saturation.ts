// The Slack saturation section alone, for profiling and quick comparisons: bare Bolt and our server,
// each warmed up, then measured in alternation (bare, ours, bare, ours, …) as bench/run.ts measures
// them, with the median of the rounds' ratios and each round's CPU per request (this process: both
// servers run in it one at a time; the load generator and the fake Web API are a child process).
// `--only ours` skips bare Bolt: run it under `node --cpu-prof` to profile our server alone.
// `--heap-sample FILE` writes a sampling heap profile of the measured rounds, what was collected
// included: what each request allocates.
//
// `--rate N` offers N requests a second, evenly spaced, instead: CPU per request without a backlog.
//
//   node --import tsx bench/saturation.ts [--rounds 5] [--seconds 10] [--only ours|bare] [--rate N]
//     [--heap-sample FILE]
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import pino from 'pino';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { type LoadResult, type SlackTarget, startBareBolt, startLoadGenerator } from './slack.js';
import { SIGNING_SECRET } from './slack-fixtures.js';

const root = join(import.meta.dirname, '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('rounds') ?? 5);
const seconds = Number(arg('seconds') ?? 10);
const only = arg('only');
/** With `--rate N`: N requests a second, evenly spaced, instead of saturation (CPU per request with no backlog). */
const rate = arg('rate') ? Number(arg('rate')) : undefined;
const heapSample = arg('heap-sample');
const log = (m: string) => process.stderr.write(`${m}\n`);

/**
 * CPU ms (user + system) of each of this process's threads (`name#tid`), from /proc (Linux only; empty
 * elsewhere): the main thread apart from V8's helpers (parallel scavenges, concurrent marking).
 */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}#${tid}`;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
      out.set(name, (out.get(name) ?? 0) + ms);
    }
  } catch {}
  return out;
}

const gen = await startLoadGenerator();
const dir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-sat-'));
const targets: Array<{ name: 'bare' | 'ours'; target: SlackTarget }> = [];
if (only !== 'ours') targets.push({ name: 'bare', target: await startBareBolt(gen.apiUrl) });
if (only !== 'bare') {
  const app = await startApp({
    config: loadConfig({
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: gen.apiUrl,
      MADOGUCHI_DATA_DIR: dir,
      MADOGUCHI_WATCH: 'false',
      MADOGUCHI_CONTENT_DIR: root,
    }),
    logger: pino({ level: 'silent' }),
  });
  await app.channelsReady();
  targets.push({ name: 'ours', target: { url: `${app.url}/slack/events`, stop: () => app.stop() } });
}
for (const { name, target } of targets) {
  const w = await gen.load(target.url, { seconds: 3, connections: 50 });
  await gen.settle();
  log(`warm-up ${name}: ${w.rps.toFixed(0)} req/s`);
}
const inspector = heapSample ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const results: Record<'bare' | 'ours', LoadResult[]> = { bare: [], ours: [] };
// CPU of this process (every thread) per request: steadier than req/s on a shared machine.
const cpu: Record<'bare' | 'ours', number[]> = { bare: [], ours: [] };
for (let i = 0; i < rounds; i++) {
  for (const { name, target } of targets) {
    const c0 = process.cpuUsage();
    const t0 = threadCpu();
    const r = rate
      ? await gen.fixedRate(target.url, { seconds, rate })
      : await gen.load(target.url, { seconds, connections: 50 });
    await gen.settle();
    const c = process.cpuUsage(c0);
    const us = (c.user + c.system) / (r.rps * seconds);
    const threads = [...threadCpu()]
      .map(([n, ms]) => [n, ((ms - (t0.get(n) ?? 0)) * 1000) / (r.rps * seconds)] as const)
      .filter(([, v]) => v >= 10)
      .map(([n, v]) => `${n} ${v.toFixed(0)}`)
      .join(', ');
    results[name].push(r);
    cpu[name].push(us);
    log(
      `round ${i + 1} ${name}: ${r.rps.toFixed(0)} req/s, ${us.toFixed(0)} µs CPU/request, ack p50 ${r.p50} p99 ${r.p99}, errors ${r.errors + r.non2xx}; µs/request by thread: ${threads}`,
    );
  }
}
if (inspector && heapSample) {
  const { profile } = await inspector.post('HeapProfiler.stopSampling');
  await writeFile(heapSample, JSON.stringify(profile));
  inspector.disconnect();
}
for (const { target } of targets) await target.stop();
await gen.stop();
await rm(dir, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const rps = (rs: LoadResult[]) => rs.map((r) => r.rps);
const summary = {
  bare: rps(results.bare),
  ours: rps(results.ours),
  medianBare: results.bare.length ? median(rps(results.bare)) : undefined,
  medianOurs: results.ours.length ? median(rps(results.ours)) : undefined,
  cpuUsPerRequest: {
    bare: cpu.bare.length ? Math.round(median(cpu.bare)) : undefined,
    ours: cpu.ours.length ? Math.round(median(cpu.ours)) : undefined,
  },
  medianRatio:
    results.bare.length && results.ours.length
      ? median(results.ours.map((r, i) => r.rps / (results.bare[i]?.rps ?? Number.NaN)))
      : undefined,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(0);
