// Turn records: what recording costs the Slack path at saturation (the same server with recording on
// and off, measured alternately in one run), and the journal turn store's open and list at 100,000.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { createJournalTurnStore } from '../src/analytics/journal-store.js';
import { createPseudonymiser, type TurnInput, turnKey } from '../src/analytics/record.js';
import { createTurnRecorder } from '../src/analytics/recorder.js';
import type { TurnRecord } from '../src/analytics/types.js';
import { type RunningApp, startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loadContent } from '../src/content/load.js';
import { createEngine } from '../src/core/engine.js';
import { type LoadGenerator, type LoadResult, saturateAlternately } from './slack.js';
import { SIGNING_SECRET } from './slack-fixtures.js';
import { summarise } from './stats.js';

export interface RecordingResult {
  /** Saturation req/s of each round, recording on and off, in the order measured. */
  on: LoadResult[];
  off: LoadResult[];
  /** Mean req/s with recording on ÷ off (1.00: free; 0.95: the limit). */
  ratio: number;
  /** The median over rounds of on ÷ off, each round's pair measured back to back: robust to a noisy round. */
  medianRatio: number;
  /**
   * CPU time of this process (both servers live in it, one under load at a time; the load generator is
   * a child process) per request served, recording on and off, over all rounds: steadier than req/s,
   * which moves by several percent from one round to the next on a shared machine.
   */
  cpuPerRequestUs: { on: number; off: number };
  /** Records the server with recording on wrote during the run. */
  recorded: number;
  store: { records: number; openMs: number; listAllMs: number; listDayMs: number; listReviewMs: number };
  /** CPU time (main thread and libuv's, so the file writes count) per turn: the engine's, and recording it. */
  cpu: { turns: number; engineUs: number; recordUs: number };
}

async function startSlackApp(
  root: string,
  apiUrl: string,
  dir: string,
  recordTurns: boolean,
): Promise<RunningApp> {
  const app = await startApp({
    config: loadConfig({
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: apiUrl,
      MADOGUCHI_DATA_DIR: dir,
      MADOGUCHI_WATCH: 'false',
      MADOGUCHI_CONTENT_DIR: root,
    }),
    logger: pino({ level: 'silent' }),
    recordTurns,
  });
  await app.channelsReady();
  return app;
}

/**
 * Two servers on the same content and fake Web API, one recording turns and one not, each warmed up,
 * then measured in alternation (off, on, off, on, …) so drift in the machine falls on both alike.
 */
export async function benchRecording(
  gen: LoadGenerator,
  opts: { root: string; seconds: number; rounds: number },
): Promise<RecordingResult> {
  const dirs = [
    await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-rec-on-')),
    await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-rec-off-')),
  ] as const;
  const on = await startSlackApp(opts.root, gen.apiUrl, dirs[0], true);
  const off = await startSlackApp(opts.root, gen.apiUrl, dirs[1], false);
  const rounds = await saturateAlternately(
    gen,
    { base: `${off.url}/slack/events`, other: `${on.url}/slack/events` },
    { seconds: opts.seconds, rounds: opts.rounds, warmupSeconds: 2 },
  );
  const results = { on: rounds.other, off: rounds.base };
  await on.recorder.flush();
  const recorded = (await on.turns.list()).length;
  await on.stop();
  await off.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  const mean = (rs: LoadResult[]) => rs.reduce((s, r) => s + r.rps, 0) / rs.length;
  return {
    ...results,
    ratio: mean(results.on) / mean(results.off),
    medianRatio: median(results.on.map((r, i) => r.rps / (results.off[i]?.rps ?? Number.NaN))),
    cpuPerRequestUs: { on: rounds.cpuPerRequestUs.other, off: rounds.cpuPerRequestUs.base },
    recorded,
    store: await benchTurnStore(100_000),
    cpu: await benchRecordCpu(opts.root, 5_000),
  };
}

/**
 * In one process, without HTTP: the CPU the engine spends on `n` turns, then the CPU recording them
 * takes (records built, subscribers told, written to a journal with fdatasync, as the server does).
 */
async function benchRecordCpu(root: string, n: number): Promise<RecordingResult['cpu']> {
  const content = await loadContent(root);
  const engine = createEngine({ content });
  const questions = [
    'When was the JBIC MOU with Aguascalientes signed?',
    'What is the SME Growth Support Fund?',
    'JETROと重慶市の覚書について教えてください',
    "What's the weather in Tokyo?",
  ];
  const cpuUs = (from: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(from);
    return c.user + c.system;
  };
  const inputs: TurnInput[] = [];
  const e0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const conversation = `slack:C1:${i}`;
    const text = questions[i % questions.length] as string;
    const reply = engine.respond({ text, platform: 'slack', user: { id: `slack:U${i % 50}` }, conversation });
    const last = engine.transcript(conversation).at(-1);
    if (!last) throw new Error('no transcript');
    inputs.push({
      turn: turnKey(conversation, last),
      at: last.at,
      platform: 'slack',
      user: `slack:U${i % 50}`,
      conversation,
      text,
      reply,
      ms: 0.3,
    });
  }
  const engineUs = cpuUs(e0) / n;
  const dataDir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-rec-cpu-'));
  const store = await createJournalTurnStore({ dataDir });
  const recorder = createTurnRecorder({
    store,
    pseudonymise: createPseudonymiser('bench-key'),
    clock: { now: () => new Date() },
    logger: pino({ level: 'silent' }),
    retentionDays: 90,
  });
  let told = 0;
  recorder.subscribe(() => told++);
  const r0 = process.cpuUsage();
  // In bursts of 20, yielding between them, so writes are batched as a busy server's are.
  for (let i = 0; i < n; i += 20) {
    for (const input of inputs.slice(i, i + 20)) recorder.turn(input);
    await new Promise((r) => setImmediate(r));
  }
  await recorder.flush();
  const recordUs = cpuUs(r0) / n;
  if (told !== n || (await store.list()).length !== n) throw new Error('not every turn was recorded');
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  return { turns: n, engineUs, recordUs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A month of `n` records in a journal store: how long it takes to open, and to list all, a day, the reviews. */
async function benchTurnStore(n: number): Promise<RecordingResult['store']> {
  const dataDir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-turns-'));
  const start = Date.parse('2026-03-01T00:00:00Z');
  const step = (30 * 86_400_000) / n;
  const seed = await createJournalTurnStore({ dataDir, sync: false });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const review = i % 5 === 0;
    const r: TurnRecord = {
      id: `t_${i.toString(16).padStart(20, '0')}`,
      at: new Date(start + i * step).toISOString(),
      platform: i % 2 ? 'slack' : 'teams',
      lang: i % 3 ? 'en' : 'ja',
      action: review ? 'fallback' : 'answer',
      intent: review ? null : 'programme_info',
      confidence: 0.8,
      scheme: review ? null : 'jbic-aguascalientes',
      entry: review ? null : 'jbic-aguascalientes/signing',
      desk: 'jbic',
      closest: { entry: 'jbic-aguascalientes/signing', score: 10 },
      user: `u_${(i % 997).toString(16).padStart(20, '0')}`,
      conversation: `c_${i.toString(16).padStart(20, '0')}`,
      ms: 0.5,
      review: review ? ['fallback'] : [],
      ...(review ? { text: `What about the question number ${i % 50}?` } : {}),
    };
    writes.push(seed.add(r));
  }
  await Promise.all(writes);
  await seed.close();
  const t0 = process.hrtime.bigint();
  const store = await createJournalTurnStore({ dataDir });
  const openMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const times = async (fn: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    return summarise(samples).p50;
  };
  const day = { from: '2026-03-10T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z' };
  const result = {
    records: (await store.list()).length,
    openMs,
    listAllMs: await times(() => store.list()),
    listDayMs: await times(() => store.list(day)),
    listReviewMs: await times(() => store.list({ needsReview: true })),
  };
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  return result;
}
