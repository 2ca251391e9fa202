/**
 * Several replicas for real, for the multi-process tests (test/storage/pg/replicas.test.ts,
 * restart.test.ts): server processes (test/pg/replica.ts, the app as src/main.ts starts it) in Slack
 * HTTP mode on one PostgreSQL database, behind a round-robin proxy (test/pg/proxy.ts), posting to one
 * loopback fake Slack Web API; and what those tests send and check: handoff form submits under load,
 * every notification posted once, whole tickets only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { Ticket } from '../../src/tickets/types.js';
import { type FakeSlack, startFakeSlack } from '../adapters/slack/fake-slack.js';
import { FORM, interaction, SECRET, sign } from '../adapters/slack/harness.js';
import { copyContent, editDesks, repoRoot, until } from '../helpers.js';
import { type RoundRobinProxy, startProxy } from './proxy.js';

/** The channel of the desk every handoff goes to (sme-support-japan, in English). */
export const DESK_CHANNEL = 'C0FUND';
const THREAD = '1700000000.000100';

/** The Slack message metadata the app writes: which ticket and which of its deliveries a post is. */
export type Meta = { event_payload?: { ticket?: string; delivery?: string } };

export interface Replica {
  child: ChildProcess;
  pid: number;
  url: string;
  /** The last warnings and errors it wrote (pino JSON), shown when a test fails. */
  log: string[];
  exited: Promise<number | null>;
}

/** What a handoff submit got back: `ok`, `retry` (told it was not saved, nothing else) or what else came back. */
export type Outcome = 'ok' | 'retry' | string;

export interface FleetOptions {
  /** Every replica's DATABASE_URL. */
  databaseUrl: string;
  /** The test's own pool on the same database, to read tickets and the queue with. */
  pool: pg.Pool;
  /** How many replicas to start, together (they migrate once under the advisory lock). */
  replicas: number;
  /** A claimed delivery's lease (`--lease-ms`), renewed every third of it. */
  leaseMs: number;
}

export interface Fleet {
  slack: FakeSlack;
  proxy: RoundRobinProxy;
  /** The live replicas, in the proxy's order; a test that kills one takes it out. */
  replicas: Replica[];
  /** Starts one more replica (not added to `replicas`). */
  startReplica(): Promise<Replica>;
  /** Submits the handoff modal with the form key `key` through the proxy. */
  submit(key: string): Promise<Outcome>;
  tickets(): Promise<Ticket[]>;
  /** Waits until no delivery is pending anywhere: the queue is empty and every ticket says so. */
  drained(ms?: number): Promise<Ticket[]>;
  /** Every Slack notification of every ticket was delivered, and the fake Slack holds it exactly once. */
  expectEachPostedOnce(all: Ticket[]): void;
  /** Runs the periodic pass (reminders, sweeps) on every replica at once; resolves how many ran it. */
  periodicEverywhere(): Promise<number>;
  /** A replica's /readyz status, its answer kept for `explain`. */
  readyz(r: Replica): Promise<number>;
  /** Writes each replica's last /readyz answer and its last warnings to stderr (a failed test). */
  explain(): void;
  /** Stops every replica (SIGTERM, SIGKILL after 10 s), the proxy and the fake Slack; removes the temporary directories. */
  close(): Promise<void>;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const contentDir = await copyContent('madoguchi-replicas-content-');
  const dirs = [contentDir];
  const closers: Array<() => Promise<void>> = [];
  const fleet = {} as Fleet;
  const replicas: Replica[] = [];
  try {
    await editDesks(contentDir, (d) => {
      const fund = d.desks.find((x) => x.id === 'sme-support-japan');
      if (!fund) throw new Error('test desk missing');
      fund.notify = { slack_channel: DESK_CHANNEL };
      fund.lang = 'en';
    });
    // The words a person sees when a handoff was not saved: all the answer may say then.
    const { errNotSaved } = parse(await readFile(join(contentDir, 'messages/en.yml'), 'utf8')) as {
      errNotSaved: string;
    };
    const slack = await startFakeSlack();
    closers.push(() => slack.close());

    const startReplica = async (): Promise<Replica> => {
      const dataDir = await mkdtemp(join(tmpdir(), 'madoguchi-replicas-'));
      dirs.push(dataDir);
      const log: string[] = [];
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/pg/replica.ts', '--lease-ms', String(opts.leaseMs), '--probe-ms', '200'],
        {
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            PORT: '0',
            LOG_LEVEL: 'info',
            DATABASE_URL: opts.databaseUrl,
            SLACK_BOT_TOKEN: 'xoxb-test',
            SLACK_SIGNING_SECRET: SECRET,
            SLACK_API_URL: slack.url,
            MADOGUCHI_CONTENT_DIR: contentDir,
            MADOGUCHI_DATA_DIR: dataDir,
            MADOGUCHI_WATCH: 'false',
          },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        },
      );
      // Warnings and errors only (and stderr): routine lines would push out the ones that explain a failure.
      const keep = (chunk: Buffer) => {
        const lines = chunk.toString('utf8').split('\n');
        log.push(...lines.filter((l) => l && Number(/"level":(\d+)/.exec(l)?.[1] ?? 50) >= 40));
        log.splice(0, Math.max(0, log.length - 200));
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const ready = await Promise.race([
        new Promise<{ url: string; pid: number }>((r) =>
          child.on('message', (m: { type: string; url: string; pid: number }) => {
            if (m.type === 'ready') r(m);
          }),
        ),
        exited.then((code) => {
          throw new Error(`a replica exited with ${code} before it was ready:\n${log.join('\n')}`);
        }),
      ]);
      return { child, ...ready, log, exited };
    };
    const stopReplica = async (r: Replica) => {
      if (r.child.exitCode !== null || r.child.signalCode !== null) return;
      r.child.kill('SIGTERM');
      const killer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
      await r.exited;
      clearTimeout(killer);
    };
    const started = await Promise.allSettled(Array.from({ length: opts.replicas }, startReplica));
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
    closers.push(() => Promise.all(replicas.map(stopReplica)).then(() => undefined));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const proxy = await startProxy(() => replicas.map((r) => r.url));
    closers.push(() => proxy.close());

    const tickets = async (): Promise<Ticket[]> =>
      (await opts.pool.query<{ doc: Ticket }>('SELECT doc FROM tickets ORDER BY number')).rows.map(
        (r) => r.doc,
      );
    const lastReadyz = new Map<number, string>();
    let n = 0;

    Object.assign(fleet, {
      slack,
      proxy,
      replicas,
      startReplica,
      tickets,
      async submit(key: string): Promise<Outcome> {
        const body = interaction({
          type: 'view_submission',
          user: { id: 'UREQ', name: 'tanaka' },
          view: {
            id: `V-${key}`,
            callback_id: 'madoguchi_handoff',
            private_metadata: JSON.stringify({
              k: 'handoff',
              desk: 'sme-support-japan',
              lang: 'en',
              key,
              channel: 'C0SHARED',
              thread: THREAD,
            }),
            state: {
              values: {
                company: { value: { value: 'Acme Parts' } },
                contact: { value: { value: 'acme@example.com' } },
                need: { value: { value: `Investment from the fund (${key})` } },
              },
            },
          },
        });
        let res: Response;
        try {
          res = await fetch(`${proxy.url}/slack/events`, {
            method: 'POST',
            headers: { 'content-type': FORM, ...sign(body) },
            body,
          });
        } catch (error) {
          return `no answer: ${String((error as Error).cause ?? error)}`;
        }
        const text = await res.text();
        if (res.status === 200 && text === '') return 'ok';
        // Told it was not saved, in the person's words and nothing more: no stack, no internal message.
        const retry = { response_action: 'errors', errors: { need: errNotSaved } };
        if (res.status === 200 && isDeepStrictEqual(parseJson(text), retry)) return 'retry';
        return `HTTP ${res.status} ${text}`;
      },
      drained(ms = 20_000): Promise<Ticket[]> {
        return until(
          async () => {
            const { rows } = await opts.pool.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM deliveries',
            );
            if (rows[0]?.n !== 0) return undefined;
            const all = await tickets();
            return all.every((t) => t.outbox.every((d) => d.status !== 'pending')) ? all : undefined;
          },
          'every notification to be delivered',
          ms,
        );
      },
      expectEachPostedOnce(all: Ticket[]): void {
        for (const t of all) {
          for (const d of t.outbox.filter((x) => x.channel === 'slack')) {
            expect(d.status, `${d.id}: ${d.lastError ?? ''}`).toBe('delivered');
            const posts = slack.messages.filter(
              (m) => (m.metadata as Meta | undefined)?.event_payload?.delivery === d.id,
            );
            // Here every one is a message: a card, the company's update, a reminder line under the card.
            expect(posts, d.id).toHaveLength(1);
          }
        }
      },
      async periodicEverywhere(): Promise<number> {
        const ran = await Promise.all(
          replicas.map(
            (r) =>
              new Promise<boolean>((ok, fail) => {
                const id = ++n;
                const listen = (m: { type: string; id: number; ran?: boolean; error?: string }) => {
                  if (m.type !== 'periodic' || m.id !== id) return;
                  r.child.off('message', listen);
                  if (m.error) fail(new Error(m.error));
                  else ok(m.ran === true);
                };
                r.child.on('message', listen);
                r.child.send({ type: 'periodic', id });
              }),
          ),
        );
        return ran.filter(Boolean).length;
      },
      async readyz(r: Replica): Promise<number> {
        const res = await fetch(`${r.url}/readyz`);
        lastReadyz.set(r.pid, `${res.status} ${await res.text()}`);
        return res.status;
      },
      explain(): void {
        for (const r of replicas)
          process.stderr.write(
            `--- replica ${r.pid}: /readyz ${lastReadyz.get(r.pid) ?? '-'}\n${r.log.slice(-40).join('\n')}\n`,
          );
      },
    } satisfies Omit<Fleet, 'close'>);
  } catch (error) {
    await closeAll();
    throw error;
  }
  async function closeAll(): Promise<void> {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
  fleet.close = closeAll;
  return fleet;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export interface Load {
  /** Each form key sent, with what its submits got back (the first, then any retries). */
  outcomes: Map<string, Outcome[]>;
  /** How many first submits got `what` back. */
  count(what: Outcome): number;
  /** Sends `n` more forms at once (on top of the clients), counted with the rest. */
  burst(n: number): void;
  /** Stops the clients and waits for every request they sent. */
  stop(): Promise<void>;
}

/** `clients` clients, each sending a new form (keys `load-0`, `load-1`, …) every `pauseMs` or so. */
export function startLoad(submit: (key: string) => Promise<Outcome>, clients = 3, pauseMs = 100): Load {
  const outcomes = new Map<string, Outcome[]>();
  let stopped = false;
  let next = 0;
  const one = async () => {
    const key = `load-${next++}`;
    outcomes.set(key, [await submit(key)]);
  };
  const running = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  for (let i = 0; i < clients; i++)
    track(
      (async () => {
        while (!stopped) {
          await one();
          await new Promise((r) => setTimeout(r, pauseMs));
        }
      })(),
    );
  return {
    outcomes,
    count: (what) => [...outcomes.values()].filter((o) => o[0] === what).length,
    burst: (n) => {
      for (let i = 0; i < n; i++) track(one());
    },
    async stop() {
      stopped = true;
      while (running.size) await Promise.all(running);
    },
  };
}

/**
 * Runs every replica's periodic pass at once until exactly one of them ran it (the reminders' lock
 * held by one); never more than one.
 */
export async function expectOneRunsReminders(fleet: Fleet, withinMs: number): Promise<void> {
  await until(
    async () => {
      const ran = await fleet.periodicEverywhere();
      expect(ran).toBeLessThanOrEqual(1);
      return ran === 1;
    },
    'one replica to run the reminders',
    withinMs,
  );
}

/**
 * Waits for every replica to report ready again (within `readyMs`), then for the load to be served
 * again: six more forms saved after that point.
 */
export async function expectRecovered(fleet: Fleet, load: Load, readyMs: number): Promise<void> {
  for (const r of fleet.replicas)
    await until(async () => (await fleet.readyz(r)) === 200, `replica ${r.pid} to be ready again`, readyMs);
  const served = load.count('ok');
  await until(() => load.count('ok') >= served + 6, 'requests served after the outage', 15_000);
}

/**
 * After the load: nothing else came back (each request was saved, or its sender told it was not),
 * and the people told to try again do, with the same form, until it is saved.
 */
export async function retryRefused(load: Load, submit: (key: string) => Promise<Outcome>): Promise<void> {
  const other = [...load.outcomes].filter(([, o]) => o[0] !== 'ok' && o[0] !== 'retry');
  expect(other).toEqual([]);
  const refused = [...load.outcomes].filter(([, o]) => o[0] === 'retry');
  // Eight people at a time, each sending their form again.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let next = refused.shift(); next; next = refused.shift()) next[1].push(await submit(next[0]));
    }),
  );
  expect([...load.outcomes].filter(([, o]) => o.at(-1) !== 'ok')).toEqual([]);
}

/**
 * The tickets of the load are exactly one per form key it sent, each whole: its creation event and
 * its two Slack notifications (the desk's card, the company's update).
 */
export function expectWholeTickets(all: Ticket[], load: Load): void {
  const loaded = all.filter((t) => t.key.startsWith('slack:load-'));
  expect(loaded.map((t) => t.key).sort()).toEqual([...load.outcomes.keys()].map((k) => `slack:${k}`).sort());
  const ids = loaded.map((t) => t.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const t of loaded) {
    expect(t.events[0]?.type, t.id).toBe('created');
    expect(t.outbox.filter((d) => d.channel === 'slack').length, t.id).toBe(2);
  }
}
