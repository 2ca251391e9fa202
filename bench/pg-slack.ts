// The Slack path on PostgreSQL against lowdb, one replica each, in the same run: saturation req/s
// (measured alternately, after a warm-up of each) and the ack latency at 200 req/s offered.
//
// Alone: node --expose-gc --import tsx bench/pg-slack.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { type RunningApp, startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { markdownTable } from './markdown.js';
import { startBenchPostgres } from './pg.js';
import { type LoadGenerator, type LoadResult, saturateAlternately, startLoadGenerator } from './slack.js';
import { SIGNING_SECRET } from './slack-fixtures.js';
import { median } from './stats.js';

export type PgSlackBench =
  | {
      server: string;
      seconds: number;
      rounds: number;
      /** Saturation (50 connections) of each round, in the order measured. */
      lowdb: LoadResult[];
      pg: LoadResult[];
      /** Mean req/s on PostgreSQL ÷ on lowdb (the floor: 0.8). */
      ratio: number;
      /** The median over rounds of PostgreSQL ÷ lowdb, each round's pair back to back. */
      medianRatio: number;
      /** 200 req/s offered, evenly spaced, `seconds` long, each store once. */
      fixed200: { lowdb: LoadResult; pg: LoadResult };
      /** CPU of this process (both servers, one under load at a time) per request at saturation, µs. */
      cpuPerRequestUs: { lowdb: number; pg: number };
    }
  | { skipped: string };

async function startSlackApp(
  root: string,
  apiUrl: string,
  dataDir: string,
  databaseUrl?: string,
): Promise<RunningApp> {
  const app = await startApp({
    config: loadConfig({
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: apiUrl,
      MADOGUCHI_DATA_DIR: dataDir,
      MADOGUCHI_WATCH: 'false',
      MADOGUCHI_CONTENT_DIR: root,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
    logger: pino({ level: 'silent' }),
  });
  await app.channelsReady();
  return app;
}

/**
 * Two servers in this process on the same content and fake Web API, one on lowdb (its own data
 * directory) and one on PostgreSQL (its own database, a data directory of its own for the rest),
 * each warmed up, then measured at saturation in alternation (lowdb, PostgreSQL, …), then at 200
 * req/s offered.
 */
export async function benchPgSlack(
  gen: LoadGenerator,
  opts: { root: string; seconds: number; rounds: number; warmupSeconds: number },
): Promise<PgSlackBench> {
  const pgServer = await startBenchPostgres();
  if ('skipped' in pgServer) return pgServer;
  const dirs = [
    await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-pgslack-lowdb-')),
    await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-pgslack-pg-')),
  ] as const;
  const apps: RunningApp[] = [];
  try {
    const lowdb = await startSlackApp(opts.root, gen.apiUrl, dirs[0]);
    apps.push(lowdb);
    const onPg = await startSlackApp(
      opts.root,
      gen.apiUrl,
      dirs[1],
      await pgServer.freshDatabase(`bench_slack_${process.pid}`),
    );
    apps.push(onPg);
    const rounds = await saturateAlternately(
      gen,
      { base: `${lowdb.url}/slack/events`, other: `${onPg.url}/slack/events` },
      opts,
    );
    const results = { lowdb: rounds.base, pg: rounds.other };
    const fixed = async (app: RunningApp) => {
      const r = await gen.fixedRate(`${app.url}/slack/events`, { seconds: opts.seconds, rate: 200 });
      await gen.settle();
      return r;
    };
    const fixed200 = { lowdb: await fixed(lowdb), pg: await fixed(onPg) };
    const mean = (rs: LoadResult[]) => rs.reduce((s, r) => s + r.rps, 0) / rs.length;
    return {
      server: pgServer.describe,
      seconds: opts.seconds,
      rounds: opts.rounds,
      ...results,
      ratio: mean(results.pg) / mean(results.lowdb),
      medianRatio: median(results.pg.map((r, i) => r.rps / (results.lowdb[i]?.rps ?? Number.NaN))),
      fixed200,
      cpuPerRequestUs: { lowdb: rounds.cpuPerRequestUs.base, pg: rounds.cpuPerRequestUs.other },
    };
  } finally {
    for (const app of apps) await app.stop();
    await pgServer.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** The RESULTS.md section. */
export function pgSlackSection(b: PgSlackBench | undefined): string[] {
  if (!b) return [];
  if ('skipped' in b) return ['## Slack path on PostgreSQL', '', `Not measured: ${b.skipped}.`, ''];
  const rps = (rs: LoadResult[]) => rs.map((x) => x.rps.toFixed(0)).join(', ');
  const mean = (rs: LoadResult[]) => rs.reduce((s, r) => s + r.rps, 0) / rs.length;
  const errors = (rs: LoadResult[]) => rs.reduce((s, r) => s + r.errors + r.non2xx, 0);
  const f = b.fixed200;
  return [
    '## Slack path on PostgreSQL vs lowdb, one replica',
    '',
    `Signed \`app_mention\` requests into the real server (this process; the load generator and fake Web API in another), one server on lowdb and one on ${b.server}, each with its own data; saturation is 50 connections for ${b.seconds} s, ${b.rounds} rounds alternated after a warm-up of each. PostgreSQL ÷ lowdb at saturation: **${b.ratio.toFixed(2)}** (median of the rounds' ratios ${b.medianRatio.toFixed(2)}; the floor is 0.8).`,
    '',
    ...markdownTable(
      [
        { title: 'store', align: 'left' },
        { title: 'saturation req/s (rounds)', align: 'left' },
        { title: 'mean', align: 'right' },
        { title: 'CPU µs / request', align: 'right' },
        { title: 'ack p50 / p99 at 200 req/s (ms)', align: 'left' },
        { title: 'served at 200 req/s', align: 'right' },
        { title: 'errors + non-2xx', align: 'right' },
      ],
      (['lowdb', 'pg'] as const).map((k) => [
        k === 'pg' ? 'PostgreSQL' : 'lowdb',
        rps(b[k]),
        mean(b[k]).toFixed(0),
        b.cpuPerRequestUs[k].toFixed(0),
        `${f[k].p50} / ${f[k].p99}`,
        f[k].rps.toFixed(0),
        String(errors(b[k]) + f[k].errors + f[k].non2xx),
      ]),
    ),
    '',
    `The ack p99 at 200 req/s on PostgreSQL is ${f.pg.p99} ms (the limit, 50 ms). CPU per request counts this process only (the server under load). PostgreSQL is faster here because it does the writes (dedupe keys, turn records, conversation context) in its own processes, on the machine's other core, where lowdb does them, fsync included, in the server's process; the load generator shares those cores too.`,
    '',
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const quick = process.argv.includes('--quick');
  const gen = await startLoadGenerator();
  const b = await benchPgSlack(gen, {
    root: join(import.meta.dirname, '..'),
    seconds: quick ? 3 : 10,
    rounds: quick ? 2 : 4,
    warmupSeconds: quick ? 1 : 3,
  });
  await gen.stop();
  process.stdout.write(`${pgSlackSection(b).join('\n')}\n${JSON.stringify(b, null, 2)}\n`);
  process.exit(0);
}
