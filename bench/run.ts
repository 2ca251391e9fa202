// npm run bench: measures the engine, the Slack path, the ticket store and start-up, each against a
// baseline in the same run, and writes bench/RESULTS.md and bench/results.json.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loadContent } from '../src/content/load.js';
import { loadConversationCases } from '../test/conversations/cases.js';
import { benchDashboard, type DashboardResult } from './dashboard.js';
import { benchRealContent, benchSynthetic, type EngineSizeResult } from './engine.js';
import { benchGaps, type GapsBench } from './gaps.js';
import { markdownTable } from './markdown.js';
import {
  benchPgScale,
  benchPgStore,
  type PgScaleBench,
  type PgStoreBench,
  pgScaleSection,
  pgStoreSection,
} from './pg.js';
import { benchPgSlack, type PgSlackBench, pgSlackSection } from './pg-slack.js';
import { benchRecording, type RecordingResult } from './records.js';
import { benchReplicas, type ReplicasBench, replicasSection } from './replicas.js';
import { type LoadResult, startBareBolt, startLoadGenerator } from './slack.js';
import { SIGNING_SECRET } from './slack-fixtures.js';
import { benchStartup } from './startup.js';
import { fmt, ratio } from './stats.js';
import { benchStore, type StoreResult } from './tickets.js';

const root = join(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const log = (m: string) => process.stderr.write(`${m}\n`);

async function main() {
  if (process.argv.includes('--report')) {
    // Re-renders RESULTS.md from the last results.json without measuring again.
    const last: Parameters<typeof report>[0] = JSON.parse(
      await readFile(join(root, 'bench/results.json'), 'utf8'),
    );
    await writeFile(join(root, 'bench/RESULTS.md'), report(last));
    return;
  }
  const content = await loadContent(root);
  const utterances = loadConversationCases(join(root, 'test/conversations')).map((c) => c.text);

  log('engine: conversation set');
  const real = benchRealContent(content, utterances, quick ? 3 : 20);
  const sizes: EngineSizeResult[] = [];
  for (const size of [100, 1_000, 10_000]) {
    log(`engine: synthetic ${size}`);
    sizes.push(benchSynthetic(content, size, quick ? 200 : 1_000));
  }

  log('slack path');
  const gen = await startLoadGenerator();
  const seconds = quick ? 3 : 10;
  const bursts = quick ? [50, 100, 200] : [50, 100, 200, 400, 800, 1600, 3200];
  // Each server is warmed up (JIT, connection pools) before it is measured, and each phase starts once
  // the server has finished the replies of the one before (no Web API call for 0.5 s), so no phase
  // pays for another's backlog.
  const measure = async (url: string) => {
    await gen.load(url, { seconds: quick ? 1 : 3, connections: 50 });
    await gen.settle();
    const fixed = await gen.fixedRate(url, { seconds, rate: 200 });
    await gen.settle();
    const max = await gen.load(url, { seconds, connections: 50 });
    await gen.settle();
    const burst = await gen.largestBurst(url, bursts);
    await gen.settle();
    return { fixed, max, burst };
  };
  const bare = await startBareBolt(gen.apiUrl);
  const { fixed: bareFixed, max: bareMax, burst: burstBare } = await measure(bare.url);
  await bare.stop();
  const dir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-slack-'));
  const ours = await startApp({
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
  await ours.channelsReady(); // the Teams emulator loads after readiness: measure the steady state
  const { fixed: oursFixed, max: oursMax, burst: burstOurs } = await measure(`${ours.url}/slack/events`);
  await ours.stop();
  log('slack path: turn recording on vs off');
  const recording = await benchRecording(gen, { root, seconds, rounds: quick ? 2 : 5 });
  log('slack path: PostgreSQL vs lowdb');
  const pgSlack = await benchPgSlack(gen, {
    root,
    seconds,
    rounds: quick ? 2 : 4,
    warmupSeconds: quick ? 1 : 3,
  });
  log('slack path: 1, 2 and 3 replicas on PostgreSQL');
  const replicas = await benchReplicas(gen, { counts: [1, 2, 3], seconds, warmupSeconds: quick ? 1 : 3 });
  await gen.stop();
  await rm(dir, { recursive: true, force: true });

  log('ticket store');
  const stores: StoreResult[] = [];
  for (const n of [1_000, 10_000]) stores.push(await benchStore(n, quick ? 50 : 1_000, quick ? 5 : 50));

  log('ticket store: PostgreSQL vs lowdb');
  const pgStore = await benchPgStore({
    stored: 1_000,
    ops: quick ? 200 : 1_000,
    warmup: quick ? 20 : 100,
    rounds: quick ? 1 : 3,
    concurrencies: [1, 10, 50],
  });

  log('tickets stored at scale: PostgreSQL vs lowdb');
  const pgScale = await benchPgScale({
    sizes: quick ? [10_000] : [100_000, 1_000_000],
    ops: quick ? 200 : 1_000,
    warmup: quick ? 20 : 100,
    lowdbStored: quick ? 10_000 : 100_000,
    log,
  });

  log('start-up and memory');
  const startup = await benchStartup();

  log('admin dashboard');
  const dashboard = await benchDashboard(root, content, {
    records: quick ? 10_000 : 100_000,
    tickets: quick ? 200 : 2_000,
    rounds: quick ? 3 : 10,
  });

  log('knowledge gaps');
  const gaps = benchGaps(content, quick ? [5_000, 20_000] : undefined);

  const results = {
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    at: new Date().toISOString(),
    quick,
    engine: { conversationSet: real, synthetic: sizes },
    slack: {
      fixed200: { ours: oursFixed, bare: bareFixed },
      saturation: { ours: oursMax, bare: bareMax },
      largestBurst: { ours: burstOurs, bare: burstBare },
    },
    recording,
    pgSlack,
    replicas,
    store: stores,
    pgStore,
    pgScale,
    startup,
    dashboard,
    gaps,
  };
  // A quick run is a smoke test of the harness: it prints, and leaves the recorded results alone.
  if (!quick) {
    await writeFile(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(root, 'bench/RESULTS.md'), report(results));
  }
  process.stdout.write(report(results));
  process.exit(0);
}

function report(r: {
  machine: { cpus: number; cpu?: string | undefined; memoryGb: number; node: string };
  at: string;
  engine: { conversationSet: { p50: number; p99: number; n: number }; synthetic: EngineSizeResult[] };
  slack: {
    fixed200: { ours: LoadResult; bare: LoadResult };
    saturation: { ours: LoadResult; bare: LoadResult };
    largestBurst: { ours: number; bare: number };
  };
  store: StoreResult[];
  pgStore?: PgStoreBench;
  pgScale?: PgScaleBench;
  pgSlack?: PgSlackBench;
  replicas?: ReplicasBench;
  startup: Awaited<ReturnType<typeof benchStartup>>;
  recording?: RecordingResult;
  dashboard?: DashboardResult;
  gaps?: GapsBench;
}): string {
  const e = r.engine;
  const lines = [
    '# Benchmark results',
    '',
    `${r.at} · ${r.machine.cpus} × ${r.machine.cpu ?? 'cpu'} · ${r.machine.memoryGb} GiB · Node ${r.machine.node}. Times in ms; ratios are baseline ÷ ours (>1: we are faster), measured in the same run.`,
    '',
    '## Engine (classify + retrieve + compose), per inquiry',
    '',
    `Conversation test set (${e.conversationSet.n} inquiries over the real knowledge base): p50 ${fmt(e.conversationSet.p50)}, p99 ${fmt(e.conversationSet.p99)}.`,
    '',
    ...markdownTable(
      [
        { title: 'entries', align: 'right' },
        { title: 'ours p50', align: 'right' },
        { title: 'ours p99', align: 'right' },
        { title: 'natural TfIdf p50', align: 'right' },
        { title: 'p99', align: 'right' },
        { title: 'MiniSearch p50', align: 'right' },
        { title: 'p99', align: 'right' },
        { title: 'vs TfIdf (p50)', align: 'right' },
        { title: 'vs MiniSearch (p50)', align: 'right' },
        { title: 'index build ours / TfIdf / MiniSearch', align: 'left' },
        { title: 'engine build: models trained / cached', align: 'left' },
        { title: 'heap MB ours / TfIdf / MiniSearch', align: 'left' },
      ],
      e.synthetic.map((s) => [
        s.entries.toLocaleString('en'),
        fmt(s.ours.p50),
        fmt(s.ours.p99),
        fmt(s.tfidf.p50),
        fmt(s.tfidf.p99),
        fmt(s.minisearch.p50),
        fmt(s.minisearch.p99),
        `${ratio(s.ours.p50, s.tfidf.p50).toFixed(1)}×`,
        `${ratio(s.ours.p50, s.minisearch.p50).toFixed(1)}×`,
        `${s.buildMs.index === undefined ? '–' : fmt(s.buildMs.index)} / ${fmt(s.buildMs.tfidf)} / ${fmt(s.buildMs.minisearch)}`,
        `${fmt(s.buildMs.ours)} / ${s.buildMs.oursCached === undefined ? '–' : fmt(s.buildMs.oursCached)}`,
        `${s.heapMb.ours.toFixed(1)} / ${s.heapMb.tfidf.toFixed(1)} / ${s.heapMb.minisearch.toFixed(1)}`,
      ]),
    ),
    '',
    '## Slack path: signed `app_mention` requests into the real server and Bolt receiver, replies to a loopback fake Web API',
    '',
    ...markdownTable(
      [
        { title: 'load', align: 'left' },
        { title: 'ours req/s', align: 'right' },
        { title: 'bare Bolt req/s', align: 'right' },
        { title: 'ratio', align: 'right' },
        { title: 'ours ack p50 / p99', align: 'left' },
        { title: 'bare ack p50 / p99', align: 'left' },
        { title: 'errors + non-2xx (ours / bare)', align: 'left' },
      ],
      (['fixed200', 'saturation'] as const).map((k) => {
        const { ours, bare } = r.slack[k];
        return [
          k === 'fixed200' ? '200 req/s offered, evenly spaced' : 'saturation (50 connections)',
          ours.rps.toFixed(0),
          bare.rps.toFixed(0),
          (ours.rps / bare.rps).toFixed(2),
          `${ours.p50} / ${ours.p99}`,
          `${bare.p50} / ${bare.p99}`,
          `${ours.errors + ours.non2xx} / ${bare.errors + bare.non2xx}`,
        ];
      }),
    ),
    '',
    `Largest burst acknowledged entirely within 3 s: ours ${r.slack.largestBurst.ours}, bare Bolt ${r.slack.largestBurst.bare} (tried up to 3,200).`,
    '',
    ...recordingSection(r.recording),
    ...pgSlackSection(r.pgSlack),
    ...replicasSection(r.replicas),
    '## Ticket store (lowdb snapshot + append-only journal, fsync per change)',
    '',
    ...markdownTable(
      [
        { title: 'tickets stored', align: 'right' },
        { title: 'create p50 / p99', align: 'left' },
        { title: 'claim p50 / p99', align: 'left' },
        { title: 'baseline: whole-file JSON write p50 / p99', align: 'left' },
        { title: 'create p99 vs baseline', align: 'right' },
        { title: 'fold into snapshot', align: 'right' },
        { title: 'files MB', align: 'right' },
      ],
      r.store.map((s) => [
        s.stored.toLocaleString('en'),
        `${fmt(s.create.p50)} / ${fmt(s.create.p99)}`,
        `${fmt(s.transition.p50)} / ${fmt(s.transition.p99)}`,
        `${fmt(s.rawWrite.p50)} / ${fmt(s.rawWrite.p99)}`,
        `${ratio(s.create.p99, s.rawWrite.p99).toFixed(1)}×`,
        fmt(s.foldMs ?? Number.NaN),
        s.fileMb.toFixed(1),
      ]),
    ),
    '',
    ...pgStoreSection(r.pgStore),
    ...pgScaleSection(r.pgScale),
    '## Start-up and memory',
    '',
    `Process start to \`/readyz\` 200: ${r.startup.readyMs} ms with the trained models kept from an earlier start${r.startup.firstReadyMs ? `, ${r.startup.firstReadyMs} ms for the first start on an empty data directory (trains them)` : ''} (baseline, a bare node:http server started the same way: ${r.startup.bareMs} ms). Resident memory: ${r.startup.rssMbAfterStart.toFixed(0)} MB after start, ${r.startup.rssMbAt5k.toFixed(0)} MB after 5,000 inquiries, ${r.startup.rssMbAt10k.toFixed(0)} MB after 10,000.`,
    '',
    ...dashboardSection(r.dashboard),
    ...gapsSection(r.gaps),
  ];
  return lines.join('\n');
}

/** Turn recording's cost on the Slack path, and the journal turn store at 100,000 records. */
function recordingSection(rec: RecordingResult | undefined): string[] {
  if (!rec) return [];
  const rps = (rs: LoadResult[]) => rs.map((x) => x.rps.toFixed(0)).join(', ');
  const st = rec.store;
  return [
    '## Turn records',
    '',
    `Slack path at saturation (50 connections), the same server with turn recording on and off, measured alternately: on ${rps(rec.on)} req/s, off ${rps(rec.off)} req/s; on ÷ off **${rec.ratio.toFixed(3)}** (median of the rounds' ratios ${rec.medianRatio.toFixed(3)}; the limit is 0.95). ${rec.recorded.toLocaleString('en')} turns recorded.${
      // Results written before this figure existed have none.
      rec.cpuPerRequestUs
        ? ` CPU per request served in those rounds: on ${rec.cpuPerRequestUs.on.toFixed(0)} µs, off ${rec.cpuPerRequestUs.off.toFixed(0)} µs, so recording takes **${((100 * (rec.cpuPerRequestUs.on - rec.cpuPerRequestUs.off)) / rec.cpuPerRequestUs.on).toFixed(1)}%** of a request's CPU (the limit, 5%).`
        : ''
    }`,
    '',
    `CPU per turn in one process (main thread and libuv's, so the file writes count), ${rec.cpu.turns.toLocaleString('en')} turns: the engine ${rec.cpu.engineUs.toFixed(0)} µs, recording the turn ${rec.cpu.recordUs.toFixed(0)} µs (${((100 * rec.cpu.recordUs) / rec.cpu.engineUs).toFixed(1)}% of the engine alone; the Slack path spends more per turn than the engine, see the req/s above).`,
    '',
    `Journal turn store with ${st.records.toLocaleString('en')} records (a month): open ${fmt(st.openMs)}, list all ${fmt(st.listAllMs)}, one day ${fmt(st.listDayMs)}, those needing review ${fmt(st.listReviewMs)} (p50 of 20).`,
    '',
  ];
}

/** The admin dashboard for a month of turn records through the real server, and its parts. */
function dashboardSection(d: DashboardResult | undefined): string[] {
  if (!d) return [];
  const n = (x: number) => x.toLocaleString('en');
  return [
    '## Admin dashboard',
    '',
    `\`GET /admin\` for a month of ${n(d.records)} turn records (${n(d.reviewed)} kept for review) and ${n(d.tickets)} tickets, through the real server: **p50 ${fmt(d.page.p50)}, p99 ${fmt(d.page.p99)}** (limit 1,000) with its gaps grouped; right after a new question, ${fmt(d.changed.p50)} (p50; the last groups shown, regrouped behind on the gap worker in ${fmt(d.regroup.ms)}); the first page after start ${fmt(d.cold.ms)} (gaps ${d.cold.state}, grouped ${fmt(d.grouping.ms)} later). \`/healthz\` on the same server: p50 ${fmt(d.healthz.p50)}, and at most ${fmt(Math.max(d.grouping.healthzMax, d.regroup.healthzMax))} while gaps were being grouped (the main thread stays free). Page ${n(d.bytes)} bytes.`,
    '',
    `Its parts, each alone (median): reading the month from the store ${fmt(d.parts.list)}, the figures ${fmt(d.parts.figures)}, grouping the gaps on the main thread ${fmt(d.parts.gaps)} (why the page does it on a worker and keeps the groups), the HTML and SVG ${fmt(d.parts.render)}.`,
    '',
  ];
}

/** Knowledge-gap grouping over synthetic turn records kept for review, against comparing all pairs. */
function gapsSection(g: GapsBench | undefined): string[] {
  if (!g) return [];
  const n = (x: number) => x.toLocaleString('en');
  const at = g.ours.find((o) => o.records === g.allPairs.records);
  return [
    '## Knowledge gaps',
    '',
    `Grouping turn records kept for review (\`groupGaps\`, one thread): ${g.ours.map((o) => `${n(o.records)} records ${fmt(o.ms)} (${n(o.gaps)} gaps)`).join(', ')} (limit 10,000 ms at 100,000). Baseline, each question compared with every cluster's first question (no index), ${n(g.allPairs.records)} records: ${fmt(g.allPairs.ms)}${at ? ` (ours ${ratio(at.ms, g.allPairs.ms).toFixed(1)}× faster)` : ''}.`,
    '',
  ];
}

await main();
