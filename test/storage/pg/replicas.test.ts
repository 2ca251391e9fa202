/**
 * Three replicas for real: three server processes (test/pg/replica.ts, the app as src/main.ts starts
 * it) in Slack HTTP mode on one PostgreSQL database, behind a round-robin proxy, posting to one loopback
 * fake Slack Web API. The tests share the cluster and run in order: open, remind, crash, lose the
 * database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import type { Ticket } from '../../../src/tickets/types.js';
import { type FakeSlack, startFakeSlack } from '../../adapters/slack/fake-slack.js';
import { FORM, interaction, SECRET, sign } from '../../adapters/slack/harness.js';
import { copyContent, editDesks, repoRoot, tempDirs, until } from '../../helpers.js';
import { adminQuery, describePg, freshDatabase, server, type TestDatabase } from '../../pg/helpers.js';

/** Short enough that a crashed replica's delivery is taken over within seconds; renewed every third of it. */
const LEASE_MS = 3_000;
const DESK_CHANNEL = 'C0FUND';
const THREAD = '1700000000.000100';
const tempDir = tempDirs('madoguchi-replicas-');

interface Replica {
  child: ChildProcess;
  pid: number;
  url: string;
  /** The last warnings and errors it wrote (pino JSON), shown when a test fails. */
  log: string[];
  exited: Promise<number | null>;
}

describePg('three replicas behind a load balancer', () => {
  let db: TestDatabase;
  let contentDir: string;
  let slack: FakeSlack;
  let proxy: Proxy;
  const replicas: Replica[] = [];
  let n = 0;

  async function startReplica(): Promise<Replica> {
    const log: string[] = [];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/pg/replica.ts', '--lease-ms', String(LEASE_MS), '--probe-ms', '200'],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORT: '0',
          LOG_LEVEL: 'info',
          DATABASE_URL: db.url,
          SLACK_BOT_TOKEN: 'xoxb-test',
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: slack.url,
          MADOGUCHI_CONTENT_DIR: contentDir,
          MADOGUCHI_DATA_DIR: await tempDir(),
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
  }

  /** Runs the periodic pass (reminders, sweeps) on every replica at once; resolves how many ran it. */
  async function periodicEverywhere(): Promise<number> {
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
  }

  /** Submits the handoff modal through the proxy; `ok`, `retry` (told it was not saved) or what else came back. */
  async function submit(key: string): Promise<'ok' | 'retry' | string> {
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
    const res = await fetch(`${proxy.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...sign(body) },
      body,
    });
    const text = await res.text();
    if (res.status === 200 && text === '') return 'ok';
    const need = (JSON.parse(text || '{}') as { errors?: { need?: string } }).errors?.need ?? '';
    if (res.status === 200 && /not saved.*try again/i.test(need)) return 'retry';
    return `HTTP ${res.status} ${text}`;
  }

  const tickets = async (): Promise<Ticket[]> =>
    (await db.pool().query<{ doc: Ticket }>('SELECT doc FROM tickets ORDER BY number')).rows.map(
      (r) => r.doc,
    );

  /** Waits until no delivery is pending anywhere: the queue is empty and every ticket says so. */
  async function drained(ms = 20_000): Promise<Ticket[]> {
    return until(
      async () => {
        const { rows } = await db.pool().query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries');
        if (rows[0]?.n !== 0) return undefined;
        const all = await tickets();
        return all.every((t) => t.outbox.every((d) => d.status !== 'pending')) ? all : undefined;
      },
      'every notification to be delivered',
      ms,
    );
  }

  /** Every Slack notification of every ticket was delivered, and the fake Slack holds it exactly once (these tickets only open and get reminded). */
  function expectEachPostedOnce(all: Ticket[]): void {
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
  }

  /** Each replica's last /readyz answer, shown when a test fails. */
  const lastReadyz = new Map<number, string>();
  const readyz = async (r: Replica) => {
    const res = await fetch(`${r.url}/readyz`);
    lastReadyz.set(r.pid, `${res.status} ${await res.text()}`);
    return res.status;
  };

  beforeAll(async () => {
    if (!server.ok) return;
    db = await freshDatabase();
    contentDir = await copyContent('madoguchi-replicas-content-');
    await editDesks(contentDir, (d) => {
      const fund = d.desks.find((x) => x.id === 'sme-support-japan');
      if (!fund) throw new Error('test desk missing');
      fund.notify = { slack_channel: DESK_CHANNEL };
      fund.lang = 'en';
    });
    slack = await startFakeSlack();
    // Started together: they migrate once under the advisory lock and all come up.
    replicas.push(...(await Promise.all([startReplica(), startReplica(), startReplica()])));
    proxy = await startProxy(() => replicas.map((r) => r.url));
  }, 90_000);

  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const r of replicas)
      process.stderr.write(
        `--- replica ${r.pid}: /readyz ${lastReadyz.get(r.pid) ?? '-'}\n${r.log.slice(-40).join('\n')}\n`,
      );
  });

  afterAll(async () => {
    if (!server.ok) return;
    await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
    await Promise.all(
      replicas.map(async (r) => {
        r.child.kill('SIGTERM');
        await r.exited;
      }),
    );
    await proxy?.close();
    await slack?.close();
  }, 30_000);

  it('gives tickets opened through any replica unique ids, and posts each notification once', async () => {
    const keys = Array.from({ length: 9 }, (_, i) => `open-${i}`);
    const answers = await Promise.all(keys.map(submit));
    expect(answers).toEqual(keys.map(() => 'ok'));
    // Round robin: each replica stored three of them.
    expect(proxy.served(replicas.map((r) => r.url))).toEqual([3, 3, 3]);
    // The same form sent twice at once (a double click) reaches two replicas and is one ticket.
    expect(await Promise.all([submit('twice'), submit('twice')])).toEqual(['ok', 'ok']);
    expect(proxy.served(replicas.map((r) => r.url))).toEqual([4, 4, 3]);

    const all = await drained();
    expect(all.map((t) => t.key).sort()).toEqual([...keys, 'twice'].map((k) => `slack:${k}`).sort());
    const ids = all.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^MDG-\d{6}$/);
    expectEachPostedOnce(all);
    const cards = slack
      .of('chat.postMessage')
      .filter((c) => c.params.channel === DESK_CHANNEL && !c.params.thread_ts);
    expect(cards.map((c) => (c.params.metadata as Meta).event_payload?.ticket).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('sends a reminder once, from the one replica holding the reminders lock', async () => {
    expect(await submit('overdue')).toBe('ok');
    const before = await drained();
    const overdue = before.find((t) => t.key === 'slack:overdue');
    if (!overdue) throw new Error('no overdue ticket');
    // Past its response target: the test's own store writes it, as any replica would.
    const store = createPgTicketStore({ pool: db.pool(), migrate: false });
    await store.open();
    await store.update(overdue.id, (t) => {
      t.dueAt = new Date(Date.now() - 3_600_000).toISOString();
    });
    await store.close();

    // Every replica runs its pass at the same moment, twice; one holds the lock each time (a round
    // where the holder's own timer pass was under way runs on none and is repeated).
    for (let round = 0; round < 2; round++) {
      await until(
        async () => {
          const ran = await periodicEverywhere();
          expect(ran).toBeLessThanOrEqual(1);
          return ran === 1;
        },
        'one replica to run the reminders',
        15_000,
      );
    }
    const all = await drained();
    const reminded = all.find((t) => t.id === overdue.id);
    expect(reminded?.events.filter((e) => e.type === 'reminded')).toHaveLength(1);
    const line = slack.messages.filter(
      (m) => m.channel === DESK_CHANNEL && m.thread_ts && /still unclaimed/.test(m.text ?? ''),
    );
    expect(line).toHaveLength(1);
    expectEachPostedOnce(all);
  });

  it('finishes the deliveries of a replica killed mid-delivery, once its lease expires: none lost, none twice', async () => {
    // The next desk card reaches Slack but its caller never hears back: SIGKILL strikes while it waits.
    slack.failNext('chat.postMessage', { status: 200, hang: true, accept: true, channel: DESK_CHANNEL });
    expect(await submit('crash')).toBe('ok');
    const ticket = await until(
      async () => (await tickets()).find((t) => t.key === 'slack:crash'),
      'the ticket',
    );
    const owner = await until(async () => {
      const held = slack.messages.some(
        (m) => (m.metadata as Meta | undefined)?.event_payload?.ticket === ticket.id,
      );
      const { rows } = await db
        .pool()
        .query<{ lease_owner: string | null }>(
          `SELECT lease_owner FROM deliveries WHERE ticket_id = $1 AND stream = 'desk:slack'`,
          [ticket.id],
        );
      return held ? (rows[0]?.lease_owner ?? undefined) : undefined;
    }, 'the card to be posted and its delivery leased');
    // lease_owner is host:pid:random.
    const pid = Number(owner.split(':').at(-2));
    const doomed = replicas.find((r) => r.pid === pid);
    if (!doomed) throw new Error(`no replica with pid ${pid} (${owner})`);
    // More tickets while it hangs: some land on the doomed replica, whose outbox waits on the hung call.
    const more = Array.from({ length: 4 }, (_, i) => `during-${i}`);
    expect(await Promise.all(more.map(submit))).toEqual(more.map(() => 'ok'));
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    // The proxy sends on to a live replica, as a load balancer does once a backend refuses connections.
    const after = Array.from({ length: 3 }, (_, i) => `after-${i}`);
    expect(await Promise.all(after.map(submit))).toEqual(after.map(() => 'ok'));
    replicas.splice(replicas.indexOf(doomed), 1);

    const all = await drained();
    for (const k of ['crash', ...more, ...after])
      expect(
        all.some((t) => t.key === `slack:${k}`),
        k,
      ).toBe(true);
    expectEachPostedOnce(all);
    const taken = all.find((t) => t.id === ticket.id);
    const card = taken?.outbox.find((d) => d.audience === 'desk' && d.channel === 'slack');
    // Claimed twice, the first claimant's outcome never recorded: the second found the earlier post.
    expect(card).toMatchObject({ status: 'delivered', attempts: 2 });
    const held = slack.messages.filter(
      (m) => (m.metadata as Meta | undefined)?.event_payload?.ticket === ticket.id && !m.thread_ts,
    );
    expect(held.filter((m) => m.channel === DESK_CHANNEL)).toHaveLength(1);
    expect(taken?.refs.slackCard).toEqual({ channel: DESK_CHANNEL, ts: held[0]?.ts });

    // A new replica takes the dead one's place.
    replicas.push(await startReplica());
    for (const r of replicas) expect(await readyz(r)).toBe(200);
  }, 60_000);

  it('loses PostgreSQL under load: every replica 503, requests told to try again, no half-written ticket, then recovers', async () => {
    const outcomes = new Map<string, string[]>();
    let stop = false;
    let next = 0;
    // Three clients, each sending a new form every 100 ms or so, until told to stop.
    const load = Array.from({ length: 3 }, async () => {
      while (!stop) {
        const key = `load-${next++}`;
        outcomes.set(key, [await submit(key)]);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    const count = (what: string) => [...outcomes.values()].filter((o) => o[0] === what).length;
    try {
      await until(() => count('ok') >= 6, 'requests served before the outage', 15_000);
      // The database refuses new connections and drops the open ones: as if the server went away.
      await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        db.name,
      ]);
      for (const r of replicas)
        await until(async () => (await readyz(r)) === 503, `replica ${r.pid} to be not ready`, 15_000);
      const body = (await (await fetch(`${replicas[0]?.url}/readyz`)).json()) as { reasons: string[] };
      expect(body.reasons.join(' ')).toMatch(/PostgreSQL/);
      await until(() => count('retry') >= 6, 'requests told to try again', 15_000);
      await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
      // Usually within a second; a replica whose outbox could not record outcomes stays 503 until its
      // next try, which backs off up to 30 s (each refused outcome in a batch doubles it).
      for (const r of replicas)
        await until(async () => (await readyz(r)) === 200, `replica ${r.pid} to be ready again`, 45_000);
      const served = count('ok');
      await until(() => count('ok') >= served + 6, 'requests served after the outage', 15_000);
    } finally {
      stop = true;
      await Promise.all(load);
      await adminQuery(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    }
    // Nothing else came back: each request was saved, or its sender told it was not.
    const other = [...outcomes].filter(([, o]) => o[0] !== 'ok' && o[0] !== 'retry');
    expect(other).toEqual([]);
    // The people told to try again do, with the same form: each becomes exactly one ticket.
    for (const [key, o] of outcomes) if (o[0] === 'retry') o.push(await submit(key));
    expect([...outcomes.values()].filter((o) => o.at(-1) !== 'ok')).toEqual([]);

    const all = await drained(30_000);
    const loaded = all.filter((t) => t.key.startsWith('slack:load-'));
    expect(loaded.map((t) => t.key).sort()).toEqual([...outcomes.keys()].map((k) => `slack:${k}`).sort());
    // Whole tickets only: each has its creation event and its notifications, all delivered once.
    for (const t of loaded) {
      expect(t.events[0]?.type, t.id).toBe('created');
      expect(t.outbox.filter((d) => d.channel === 'slack').length, t.id).toBe(2);
    }
    expectEachPostedOnce(all);
  }, 120_000);
});

type Meta = { event_payload?: { ticket?: string; delivery?: string } };

interface Proxy {
  url: string;
  /** Requests each upstream answered. */
  served(upstreams: string[]): number[];
  close(): Promise<void>;
}

/**
 * A round-robin HTTP proxy on loopback: each request goes to the next upstream; one that refuses the
 * connection (a dead replica) is skipped, as a load balancer's passive health check does. The body is
 * buffered, so trying the next upstream resends it whole.
 */
async function startProxy(upstreams: () => string[]): Promise<Proxy> {
  let turn = 0;
  const count = new Map<string, number>();
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const targets = upstreams();
      const attempt = (tries: number) => {
        const target = targets[turn++ % targets.length];
        if (!target || tries >= targets.length) {
          res.writeHead(502).end();
          return;
        }
        const { hostname, port } = new URL(target);
        const up = request(
          { hostname, port, path: req.url, method: req.method, headers: req.headers, agent: false },
          (answer) => {
            count.set(target, (count.get(target) ?? 0) + 1);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && !res.headersSent) attempt(tries + 1);
          else res.destroy(error);
        });
        up.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served: (list) => list.map((u) => count.get(u) ?? 0),
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections();
        proxy.close(() => r());
      }),
  };
}
