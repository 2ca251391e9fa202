/**
 * A PostgreSQL cluster of the tests' own (Debian's package, version 15 on these machines): a temporary
 * data directory, only a Unix socket in a temporary directory (listen_addresses = ''), so nothing else
 * can reach it and nothing is left behind. PostgreSQL refuses to run as root: as root, initdb, pg_ctl
 * and psql run as the `postgres` user and the temporary directories are given to it.
 *
 * test/pg/setup.ts starts the one every test file shares; a test that stops and starts a server
 * (test/storage/pg/restart.test.ts) starts one of its own with this module.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's binaries: PG_BIN when set, else version 15, else the newest installed. */
async function binDir(): Promise<string | undefined> {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(join(root, '15/bin/initdb'))) return join(root, '15/bin');
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions
    .filter((v) => existsSync(join(root, v, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : undefined;
}

/** `postgresql://user[:password]@/database?host=<socket dir>&port=…`, as DATABASE_URL would hold it. */
export function socketUrl(
  server: { socketDir: string; port: number },
  database: string,
  user: string,
  password?: string,
): string {
  const auth = `${encodeURIComponent(user)}${password !== undefined ? `:${encodeURIComponent(password)}` : ''}`;
  return `postgresql://${auth}@/${database}?host=${server.socketDir}&port=${server.port}`;
}

export interface ClusterOptions {
  /** The port: only the name of the socket file, since the server listens on no TCP address. */
  port: number;
  /** Names the temporary directory (`madoguchi-pg-` by default). */
  prefix?: string;
  /** `-c name=value` settings given to the server at every start. */
  settings?: Record<string, string | number>;
  /** pg_hba.conf (default: everyone trusted over the socket, which is ours only). */
  hba?: string;
}

export interface Cluster {
  /** The temporary directory holding the data directory, the socket directory and the server log. */
  base: string;
  data: string;
  /** The directory holding the server's socket: the `host` of a URL. */
  socketDir: string;
  /** The server's log (pg_ctl -l), appended to at every start. */
  log: string;
  port: number;
  /** The superuser (trusted over the socket). */
  user: string;
  /** A URL on this server for `database`, as `user` (the superuser by default). */
  url(database: string, user?: string, password?: string): string;
  /** Runs `sql` with psql as the superuser (stopping at the first error). */
  psql(sql: string, database?: string): Promise<void>;
  /** `pg_ctl start` on the same data directory (after `stop`), waiting until it takes connections. */
  start(): Promise<void>;
  /** `pg_ctl stop`, waiting until the server is gone; `immediate` (the default) is a crash. */
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (if it runs) and removes the temporary directories; never throws. */
  destroy(): Promise<void>;
  /** An error for a failed `step`, with the end of the server's log; the cluster is destroyed first. */
  fail(step: string, error: unknown): Promise<Error>;
}

/** initdb and pg_ctl start a new cluster; throws (nothing left behind) when either fails. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const bin = await binDir();
  if (!bin)
    throw new Error('no PostgreSQL binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  const root = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (root) {
    try {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      owner = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      throw new Error(
        'running as root and there is no postgres user to run PostgreSQL as (PostgreSQL refuses root)',
      );
    }
  }
  /** Runs a PostgreSQL program, as postgres when we are root. */
  const pg = (program: string, args: string[]) =>
    root
      ? run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], { timeout: 60_000 })
      : run(join(bin, program), args, { timeout: 60_000 });

  const base = await mkdtemp(join(tmpdir(), opts.prefix ?? 'madoguchi-pg-'));
  const data = join(base, 'data');
  const socketDir = join(base, 'sock');
  const log = join(base, 'server.log');
  await mkdir(socketDir);
  if (owner) for (const dir of [base, socketDir]) await chown(dir, owner.uid, owner.gid);
  const options = [
    "-c listen_addresses=''",
    `-k ${socketDir}`,
    `-p ${opts.port}`,
    ...Object.entries(opts.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`),
  ].join(' ');
  let removed = false;

  const cluster: Cluster = {
    base,
    data,
    socketDir,
    log,
    port: opts.port,
    user: 'postgres',
    url: (database, user, password) =>
      socketUrl({ socketDir, port: opts.port }, database, user ?? 'postgres', password),
    async psql(sql, database = 'postgres') {
      const args = ['-h', socketDir, '-p', String(opts.port), '-U', 'postgres', '-d', database];
      await pg('psql', [...args, '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
    },
    async start() {
      await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start']);
    },
    async stop(mode = 'immediate') {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    async destroy() {
      if (removed) return;
      removed = true;
      // Not running (never started, or stopped by the test) is fine; anything else is said.
      if (existsSync(join(data, 'postmaster.pid')))
        await cluster.stop('immediate').catch((error: unknown) => {
          process.stderr.write(`[pg] could not stop the test PostgreSQL in ${data}: ${String(error)}\n`);
        });
      await rm(base, { recursive: true, force: true });
    },
    async fail(step, error) {
      const e = error as { stderr?: string; message?: string };
      const logText = await readFile(log, 'utf8').catch(() => '');
      await cluster.destroy();
      return new Error(
        `${step} failed: ${(e.stderr || e.message || String(error)).trim()}${logText ? `\n${logText.trim().split('\n').slice(-5).join('\n')}` : ''}`,
      );
    },
  };

  try {
    await pg('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
  } catch (error) {
    throw await cluster.fail('initdb', error);
  }
  if (opts.hba !== undefined) {
    await writeFile(join(data, 'pg_hba.conf'), opts.hba);
    if (owner) await chown(join(data, 'pg_hba.conf'), owner.uid, owner.gid);
  }
  try {
    await cluster.start();
  } catch (error) {
    throw await cluster.fail('pg_ctl start', error);
  }
  return cluster;
}
