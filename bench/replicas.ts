// 1, 2 and 3 replicas on one PostgreSQL database behind a round-robin proxy, on this machine: the
// Slack path's saturation throughput through the proxy for each, where the CPU went (replicas,
// PostgreSQL, the proxy, the load generator), and a paper estimate of what one and N replicas serve.
//
// Alone: node --expose-gc --import tsx bench/replicas.ts [--quick]
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startProxy } from '../test/pg/proxy.js';
import { markdownTable } from './markdown.js';
import { cpuSeconds, startBenchPostgres } from './pg.js';
import { type ReplicaProcess, spawnReplica, stopReplica } from './replica-process.js';
import { type LoadGenerator, type LoadResult, startLoadGenerator } from './slack.js';
import { SIGNING_SECRET } from './slack-fixtures.js';

/** CPU used during a measurement, in cores (1.00: one core busy the whole time). */
export interface CpuShare {
  replicas: number;
  postgres: number;
  /** This process: the proxy (none when the replica is hit directly). */
  proxy: number;
  /** The load generator and the fake Slack Web API (one child process). */
  loadGenerator: number;
  /** The whole machine (/proc/stat), everything included. */
  machine: number;
}

export interface ReplicasRow {
  replicas: number;
  /** false: the one replica is hit directly, without the proxy (the proxy's cost, by difference). */
  proxied: boolean;
  load: LoadResult;
  cpu: CpuShare;
  /** CPU ms per request served (the load's requests; its replies, posted during the settle, included). */
  msPerRequest: { replicas: number; postgres: number; machine: number };
}

export interface Estimate {
  /** Measured: one replica hit directly, CPU per request (ms) of the replica and of PostgreSQL. */
  replicaMsPerRequest: number;
  postgresMsPerRequest: number;
  /** Assumed: requests per second one company in a conversation sends (messages, buttons, forms). */
  requestsPerCompanyPerS: number;
  /** Assumed: the share of a core a replica (and PostgreSQL) is run at, at peak: headroom for bursts. */
  targetUtilisation: number;
  /** Companies asking at once one replica serves, on a core of its own. */
  companiesPerReplica: number;
  /** Companies asking at once PostgreSQL serves per core it has, with these requests. */
  companiesPerPostgresCore: number;
}

export type ReplicasBench =
  | { server: string; cores: number; seconds: number; rows: ReplicasRow[]; estimate: Estimate }
  | { skipped: string };

/** Busy and total jiffies of the whole machine. */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((s, x) => s + x, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
}

/** Pid → [ppid, command line] for every process. */
async function processes(): Promise<Map<number, { ppid: number; cmd: string }>> {
  const out = new Map<number, { ppid: number; cmd: string }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      out.set(Number(name), { ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds of each pid in `pids` (0 for one already gone). */
async function cpuOf(pids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of pids) out.set(pid, await cpuSeconds(pid).catch(() => 0));
  return out;
}

/** A replica in a process of its own, its data in a new directory listed in `dirs` (removed at the end). */
async function startReplica(env: Record<string, string>, dirs: string[]): Promise<ReplicaProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'madoguchi-bench-replica-'));
  dirs.push(dataDir);
  return spawnReplica(env, dataDir);
}

// The paper estimate's assumptions (stated in the section).
/** A message every 30 s while a company is in a conversation, plus a button or form every second message. */
const REQUESTS_PER_COMPANY_PER_S = (1 + 0.5) / 30;
/** Run replicas (and PostgreSQL) at half a core at peak: the rest is for bursts and a steady ack p99. */
const TARGET_UTILISATION = 0.5;

/**
 * Starts `max(counts)` replicas on one fresh database (all running throughout: the ones not behind
 * the proxy stay idle) and a round-robin proxy (test/pg/proxy.ts) in this process; then, for one
 * replica hit directly and for each count through the proxy: a warm-up, and saturation (50
 * connections) with the CPU of every process involved.
 */
export async function benchReplicas(
  gen: LoadGenerator,
  opts: { counts: number[]; seconds: number; warmupSeconds: number },
): Promise<ReplicasBench> {
  const pgServer = await startBenchPostgres();
  if ('skipped' in pgServer) return pgServer;
  const dirs: string[] = [];
  const replicas: ReplicaProcess[] = [];
  let active: ReplicaProcess[] = [];
  const proxy = await startProxy(() => active.map((r) => r.url));
  try {
    const databaseUrl = await pgServer.freshDatabase(`bench_replicas_${process.pid}`);
    const env = {
      DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: gen.apiUrl,
    };
    // One first: it migrates; the others find the schema there.
    replicas.push(await startReplica(env, dirs));
    const more = Math.max(...opts.counts) - 1;
    replicas.push(...(await Promise.all(Array.from({ length: more }, () => startReplica(env, dirs)))));

    const { rows: backend } = await pgServer.admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const all = await processes();
    const postmaster = all.get(backend[0]?.pid ?? -1)?.ppid ?? -1;
    const loadGenerator = [...all].find(([, p]) => p.ppid === process.pid && p.cmd.includes('load-worker'));

    const measure = async (n: number, proxied: boolean): Promise<ReplicasRow> => {
      active = replicas.slice(0, n);
      const url = proxied ? `${proxy.url}/slack/events` : `${active[0]?.url}/slack/events`;
      await gen.load(url, { seconds: opts.warmupSeconds, connections: 50 });
      await gen.settle();
      const postgresPids = async () =>
        [...(await processes())]
          .filter(([pid, p]) => pid === postmaster || p.ppid === postmaster)
          .map(([pid]) => pid);
      const pgBefore = await cpuOf(await postgresPids());
      const repBefore = await cpuOf(replicas.map((r) => r.pid));
      const genBefore = loadGenerator ? await cpuSeconds(loadGenerator[0]) : 0;
      const self0 = process.cpuUsage();
      const m0 = await machineTicks();
      const t0 = process.hrtime.bigint();
      const load = await gen.load(url, { seconds: opts.seconds, connections: 50 });
      // The replies still being posted belong to this measurement.
      await gen.settle();
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const m1 = await machineTicks();
      const self = process.cpuUsage(self0);
      const genAfter = loadGenerator ? await cpuSeconds(loadGenerator[0]) : 0;
      const repAfter = await cpuOf(replicas.map((r) => r.pid));
      const pgAfter = await cpuOf(await postgresPids());
      const delta = (a: Map<number, number>, b: Map<number, number>) =>
        [...a].reduce((s, [pid, v]) => s + v - (b.get(pid) ?? 0), 0);
      const cpu = {
        replicas: delta(repAfter, repBefore) / wall,
        postgres: delta(pgAfter, pgBefore) / wall,
        proxy: proxied ? (self.user + self.system) / 1e6 / wall : 0,
        loadGenerator: (genAfter - genBefore) / wall,
        machine: ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length,
      };
      const ms = (cores: number) => (cores * wall * 1000) / (load.rps * opts.seconds);
      return {
        replicas: n,
        proxied,
        load,
        cpu,
        msPerRequest: { replicas: ms(cpu.replicas), postgres: ms(cpu.postgres), machine: ms(cpu.machine) },
      };
    };

    const rows: ReplicasRow[] = [await measure(1, false)];
    for (const n of opts.counts) rows.push(await measure(n, true));
    const direct = rows[0] as ReplicasRow;
    const replicaMs = direct.msPerRequest.replicas;
    const postgresMs = direct.msPerRequest.postgres;
    return {
      server: pgServer.describe,
      cores: cpus().length,
      seconds: opts.seconds,
      rows,
      estimate: {
        replicaMsPerRequest: replicaMs,
        postgresMsPerRequest: postgresMs,
        requestsPerCompanyPerS: REQUESTS_PER_COMPANY_PER_S,
        targetUtilisation: TARGET_UTILISATION,
        companiesPerReplica: (TARGET_UTILISATION * 1000) / replicaMs / REQUESTS_PER_COMPANY_PER_S,
        companiesPerPostgresCore: (TARGET_UTILISATION * 1000) / postgresMs / REQUESTS_PER_COMPANY_PER_S,
      },
    };
  } finally {
    active = [];
    await Promise.all(replicas.map(stopReplica));
    await proxy.close();
    await pgServer.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** The RESULTS.md section. */
export function replicasSection(b: ReplicasBench | undefined): string[] {
  if (!b) return [];
  if ('skipped' in b) return ['## Replicas', '', `Not measured: ${b.skipped}.`, ''];
  const e = b.estimate;
  const c = (x: number) => x.toFixed(2);
  const n = (x: number) => (Math.round(x / 10) * 10).toLocaleString('en');
  const first = b.rows.find((r) => r.proxied && r.replicas === 1);
  const best = b.rows.filter((r) => r.proxied).sort((x, y) => y.load.rps - x.load.rps)[0];
  return [
    `## Replicas on one PostgreSQL database, on this ${b.cores}-core machine`,
    '',
    `Server processes (the app as \`src/main.ts\` starts it, as the replica tests start them) on one database of ${b.server}, behind the tests' round-robin proxy (test/pg/proxy.ts, in the bench process; it opens a new connection to a replica per request), signed \`app_mention\` requests at saturation (50 connections, ${b.seconds} s after a warm-up). CPU in cores (${b.cores} on this machine) over the measurement, by process; every replica runs throughout (the ones not behind the proxy idle) and all are counted. The rows run in the order shown, on one database that fills up as they go.`,
    '',
    ...markdownTable(
      [
        { title: 'replicas', align: 'right' },
        { title: 'via', align: 'left' },
        { title: 'req/s', align: 'right' },
        { title: 'ack p50 / p99 (ms)', align: 'left' },
        { title: 'errors + non-2xx', align: 'right' },
        { title: 'CPU: all replicas', align: 'right' },
        { title: 'PostgreSQL', align: 'right' },
        { title: 'proxy', align: 'right' },
        { title: 'load generator + fake Slack', align: 'right' },
        { title: 'whole machine', align: 'right' },
        { title: 'CPU ms / request: replicas / PostgreSQL / machine', align: 'left' },
      ],
      b.rows.map((r) => [
        String(r.replicas),
        r.proxied ? 'proxy' : 'direct',
        r.load.rps.toFixed(0),
        `${r.load.p50} / ${r.load.p99}`,
        String(r.load.errors + r.load.non2xx),
        c(r.cpu.replicas),
        c(r.cpu.postgres),
        r.proxied ? c(r.cpu.proxy) : '–',
        c(r.cpu.loadGenerator),
        c(r.cpu.machine),
        `${c(r.msPerRequest.replicas)} / ${c(r.msPerRequest.postgres)} / ${c(r.msPerRequest.machine)}`,
      ]),
    ),
    '',
    `What limits them: the machine. Its ${b.cores} cores are shared by the replicas, PostgreSQL, the proxy and the load generator (with the fake Slack Web API every reply is posted to); the whole machine is busy in every row, so a second or third replica only splits the same CPU${first && best ? ` (through the proxy: ${first.load.rps.toFixed(0)} req/s with one replica, ${best.load.rps.toFixed(0)} at best with ${best.replicas})` : ''}. These rows show that several replicas serve together correctly and what the parts cost, not how they scale: that needs a core per replica, and PostgreSQL and the load on machines of their own.`,
    '',
    `**Paper estimate.** Measured above (one replica, direct): ${e.replicaMsPerRequest.toFixed(2)} ms of a replica's CPU per request (ack, answer, reply posted) and ${e.postgresMsPerRequest.toFixed(2)} ms of PostgreSQL's. Assumed: a company in a conversation sends a message every 30 s and a button or form every second message (${e.requestsPerCompanyPerS.toFixed(3)} requests/s), and replicas and PostgreSQL are run at ${(100 * e.targetUtilisation).toFixed(0)}% of a core at peak (headroom for bursts and a steady ack). Then one replica on a core of its own serves **≈${n(e.companiesPerReplica)} companies asking at once**, N replicas N times that (each on its own core: ≈${n(2 * e.companiesPerReplica)} with 2, ≈${n(3 * e.companiesPerReplica)} with 3), until PostgreSQL's share is the limit, ≈${n(e.companiesPerPostgresCore)} companies per core it has. An agency's peak, say 300 companies asking at once (a deadline or a seminar's follow-up questions; its daily total is far lower), is within one replica's reach; a second replica is for availability (a restart or a crash), not for capacity.`,
    '',
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const quick = process.argv.includes('--quick');
  const gen = await startLoadGenerator();
  const b = await benchReplicas(gen, {
    counts: [1, 2, 3],
    seconds: quick ? 3 : 10,
    warmupSeconds: quick ? 1 : 3,
  });
  await gen.stop();
  process.stdout.write(`${replicasSection(b).join('\n')}\n${JSON.stringify(b, null, 2)}\n`);
  process.exit(0);
}
