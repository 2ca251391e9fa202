// The bench's second process: the loopback fake Slack Web API and the load generator (autocannon and
// bursts of signed app_mention requests), driven over IPC by bench/slack.ts.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import type { LoadResult, WorkerRequest } from './slack.js';
import { mentionBody, signedHeaders, startFakeSlackApi } from './slack-fixtures.js';

const QUESTIONS = [
  'When was the JBIC MOU with Aguascalientes signed?',
  'What is the SME Growth Support Fund?',
  'JETROと重慶市の覚書について教えてください',
  'Who is the division in charge at METI?',
];

let counter = 0;

/**
 * A fixed offered load: one request every 1/rate seconds, evenly spaced (open loop), each timed from
 * the moment it was due, so a stalled server is charged for the requests it made wait. (autocannon's
 * `overallRate` sends each second's quota in a burst at the start of the second instead.)
 */
async function fixedRate(url: string, opts: { seconds: number; rate: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(opts.seconds * opts.rate);
  const interval = 1e9 / opts.rate;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const start = process.hrtime.bigint();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + BigInt(Math.round(i * interval));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const n = ++counter;
    const body = mentionBody(n, QUESTIONS[n % QUESTIONS.length] as string);
    inFlight.push(
      new Promise<void>((resolve) => {
        const req = request(url, { method: 'POST', headers: signedHeaders(body), agent }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - due) / 1e6);
            if ((res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(body);
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors, non2xx };
}

/** autocannon against `url` with unique signed app_mention events, as fast as `connections` allow. */
async function load(url: string, opts: { seconds: number; connections: number }): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    duration: opts.seconds,
    connections: opts.connections,
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
async function largestBurst(url: string, sizes = [50, 100, 200, 400, 800, 1600]): Promise<number> {
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

const api = await startFakeSlackApi();

/** Waits until the server under test has finished its replies: no Web API call for half a second. */
async function settle(): Promise<number> {
  let last = -1;
  let quiet = 0;
  while (quiet < 5) {
    await new Promise((r) => setTimeout(r, 100));
    const now = api.calls();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

process.on('message', async (m: { id: number } & WorkerRequest) => {
  try {
    const result =
      m.op === 'fakeApi'
        ? api.url
        : m.op === 'load'
          ? await load(m.url, m.opts)
          : m.op === 'fixedRate'
            ? await fixedRate(m.url, m.opts)
            : m.op === 'settle'
              ? await settle()
              : await largestBurst(m.url, m.sizes);
    process.send?.({ id: m.id, result });
  } catch (error) {
    process.send?.({ id: m.id, error: String(error) });
  }
});
process.on('SIGTERM', () => {
  void api.close().then(() => process.exit(0));
});
