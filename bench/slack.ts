import { request } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import autocannon from 'autocannon';
import { mentionBody, SIGNING_SECRET, signedHeaders } from './slack-fixtures.js';

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

const QUESTIONS = [
  'When was the JBIC MOU with Aguascalientes signed?',
  'What is the SME Growth Support Fund?',
  'JETROと重慶市の覚書について教えてください',
  'Who is the division in charge at METI?',
];

let counter = 0;

/** autocannon against `url` with unique signed app_mention events; `rate` caps requests per second. */
export async function load(
  url: string,
  opts: { seconds: number; connections: number; rate?: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    duration: opts.seconds,
    connections: opts.connections,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    requests: [
      {
        setupRequest: (req) => {
          const n = ++counter;
          const body = mentionBody(n, QUESTIONS[n % QUESTIONS.length] as string);
          return { ...req, method: 'POST', body, headers: signedHeaders(body) };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function post(url: string, body: string): Promise<{ status: number; ms: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: signedHeaders(body), agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
      );
    });
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    req.end(body);
  });
}

/** The largest burst (all sent at once) of which every request is acked 200 within 3 s. */
export async function largestBurst(url: string, sizes = [50, 100, 200, 400, 800, 1600]): Promise<number> {
  let best = 0;
  for (const size of sizes) {
    const results = await Promise.all(
      Array.from({ length: size }, () => {
        const n = ++counter;
        return post(url, mentionBody(n, QUESTIONS[n % QUESTIONS.length] as string));
      }),
    );
    const ok = results.every((r) => r.status === 200 && r.ms < 3000);
    if (!ok) break;
    best = size;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return best;
}
