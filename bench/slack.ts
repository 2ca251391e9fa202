import { fork } from 'node:child_process';
import { join } from 'node:path';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { SIGNING_SECRET } from './slack-fixtures.js';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface SlackTarget {
  /** `http://127.0.0.1:PORT/slack/events` */
  url: string;
  stop: () => Promise<void>;
}

/** The baseline: a bare Bolt app that only acks and posts a reply, on the same fake Web API. */
export async function startBareBolt(apiUrl: string): Promise<SlackTarget> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events' });
  const app = new App({
    token: 'xoxb-bench',
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: apiUrl },
  });
  app.event('app_mention', async ({ event, say }) => {
    await say({ text: 'ok', thread_ts: event.ts });
  });
  const server = (await app.start(0)) as unknown as import('node:http').Server;
  const address = server.address() as import('node:net').AddressInfo;
  return { url: `http://127.0.0.1:${address.port}/slack/events`, stop: () => app.stop() as Promise<void> };
}

/**
 * The load generator and the fake Slack Web API run in a child process, so the server under test has
 * its event loop (and a core) to itself, as it would behind Slack.
 */
/** Two servers' saturation rounds, measured in alternation, with this process's CPU per request served. */
export interface AlternatedRounds {
  base: LoadResult[];
  other: LoadResult[];
  /**
   * CPU time of this process (the servers under test live in it, one under load at a time; the load
   * generator is a child process) per request served, over all rounds: steadier than req/s, which moves
   * by several percent from one round to the next on a shared machine.
   */
  cpuPerRequestUs: { base: number; other: number };
}

/**
 * Warms up `base` then `other` (`warmupSeconds` each), then `rounds` saturation rounds of `seconds` (50
 * connections), `base` first in each; every round waits for its replies to be posted before the next.
 */
export async function saturateAlternately(
  gen: LoadGenerator,
  urls: { base: string; other: string },
  opts: { seconds: number; rounds: number; warmupSeconds: number },
): Promise<AlternatedRounds> {
  for (const url of [urls.base, urls.other]) {
    await gen.load(url, { seconds: opts.warmupSeconds, connections: 50 });
    await gen.settle();
  }
  const out: AlternatedRounds = { base: [], other: [], cpuPerRequestUs: { base: 0, other: 0 } };
  const cpu = { base: { us: 0, requests: 0 }, other: { us: 0, requests: 0 } };
  for (let i = 0; i < opts.rounds; i++)
    for (const side of ['base', 'other'] as const) {
      const from = process.cpuUsage();
      const r = await gen.load(urls[side], { seconds: opts.seconds, connections: 50 });
      // The replies still being posted belong to this round's requests.
      await gen.settle();
      const used = process.cpuUsage(from);
      cpu[side].us += used.user + used.system;
      cpu[side].requests += r.rps * opts.seconds;
      out[side].push(r);
    }
  out.cpuPerRequestUs = {
    base: cpu.base.us / cpu.base.requests,
    other: cpu.other.us / cpu.other.requests,
  };
  return out;
}

export interface LoadGenerator {
  /** Base URL of the loopback fake Slack Web API the servers under test post to. */
  apiUrl: string;
  /** Closed loop: as many requests as `connections` keep busy (autocannon). */
  load(url: string, opts: { seconds: number; connections: number }): Promise<LoadResult>;
  /** Open loop: `rate` requests per second, evenly spaced, latency counted from when each was due. */
  fixedRate(url: string, opts: { seconds: number; rate: number }): Promise<LoadResult>;
  largestBurst(url: string, sizes: number[]): Promise<number>;
  /** Resolves once the fake Web API has had no call for 0.5 s: the server has worked off its backlog. */
  settle(): Promise<number>;
  stop(): Promise<void>;
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child = fork(join(import.meta.dirname, 'load-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.result);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited (${code})`));
    waiting.clear();
  });
  const call = <T>(request: WorkerRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...request });
    });
  const apiUrl = await call<string>({ op: 'fakeApi' });
  return {
    apiUrl,
    load: (url, opts) => call<LoadResult>({ op: 'load', url, opts }),
    fixedRate: (url, opts) => call<LoadResult>({ op: 'fixedRate', url, opts }),
    largestBurst: (url, sizes) => call<number>({ op: 'burst', url, sizes }),
    settle: () => call<number>({ op: 'settle' }),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export type WorkerRequest =
  | { op: 'fakeApi' }
  | { op: 'load'; url: string; opts: { seconds: number; connections: number } }
  | { op: 'fixedRate'; url: string; opts: { seconds: number; rate: number } }
  | { op: 'burst'; url: string; sizes: number[] }
  | { op: 'settle' };
