/**
 * vitest globalSetup: one real PostgreSQL server for the whole run (Debian's package, version 15 on
 * these machines), on a temporary data directory with only a Unix socket in a temporary directory
 * (listen_addresses = ''), so nothing else can reach it and nothing is left behind. PostgreSQL
 * refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user and the temporary
 * directories are given to it. Durability is off (fsync, full_page_writes, synchronous_commit): the
 * data is thrown away at the end.
 *
 * Each test file makes its own databases on it (test/pg/helpers.ts). When the server cannot be
 * started: with CI set the run fails here, loudly; otherwise the PostgreSQL tests are skipped and the
 * reason is printed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

/** What test files get through `inject('pg')`. */
export type PgServer =
  | {
      ok: true;
      /** The directory holding the server's socket: the `host` of a URL. */
      socketDir: string;
      port: number;
      /** The superuser (trust authentication over the socket). */
      user: string;
      /** A role that must log in with this password (scram-sha-256), for tests of refused logins. */
      passwordRole: { user: string; password: string };
    }
  | { ok: false; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgServer;
  }
}

const run = promisify(execFile);
const PORT = 5432;
const PASSWORD_ROLE = { user: 'madoguchi_pw', password: 'Corr3ct-H0rse-test' };

/** Debian's binaries: PG_BIN when set, else version 15, else the newest installed. */
function binDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(join(root, '15/bin/initdb'))) return join(root, '15/bin');
  return undefined;
}

async function newestBinDir(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions
    .filter((v) => existsSync(join(root, v, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : undefined;
}

interface Started {
  server: PgServer & { ok: true };
  stop: () => Promise<void>;
}

async function start(): Promise<Started> {
  const bin = binDir() ?? (await newestBinDir());
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

  const base = await mkdtemp(join(tmpdir(), 'madoguchi-pg-'));
  const data = join(base, 'data');
  const socketDir = join(base, 'sock');
  const log = join(base, 'server.log');
  await mkdir(socketDir);
  if (owner) for (const dir of [base, socketDir]) await chown(dir, owner.uid, owner.gid);
  const failed = async (step: string, error: unknown) => {
    const e = error as { stderr?: string; message?: string };
    const logText = await readFile(log, 'utf8').catch(() => '');
    await rm(base, { recursive: true, force: true });
    return new Error(
      `${step} failed: ${(e.stderr || e.message || String(error)).trim()}${logText ? `\n${logText.trim().split('\n').slice(-5).join('\n')}` : ''}`,
    );
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
    throw await failed('initdb', error);
  }
  // The password role logs in with scram-sha-256; everyone else is trusted (the socket is ours only).
  const hba = `local all ${PASSWORD_ROLE.user} scram-sha-256\nlocal all all trust\n`;
  await writeFile(join(data, 'pg_hba.conf'), hba);
  if (owner) await chown(join(data, 'pg_hba.conf'), owner.uid, owner.gid);
  const options = [
    "-c listen_addresses=''",
    `-k ${socketDir}`,
    `-p ${PORT}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c synchronous_commit=off',
    '-c max_connections=300',
  ].join(' ');
  try {
    await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start']);
  } catch (error) {
    throw await failed('pg_ctl start', error);
  }
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch((error: unknown) => {
      process.stderr.write(`[pg] could not stop the test PostgreSQL in ${data}: ${String(error)}\n`);
    });
    await rm(base, { recursive: true, force: true });
  };
  try {
    await pg('psql', [
      '-h',
      socketDir,
      '-p',
      String(PORT),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      `CREATE ROLE ${PASSWORD_ROLE.user} LOGIN PASSWORD '${PASSWORD_ROLE.password}'`,
    ]);
  } catch (error) {
    await stop();
    throw await failed('creating the test role', error);
  }
  return {
    server: { ok: true, socketDir, port: PORT, user: 'postgres', passwordRole: PASSWORD_ROLE },
    stop,
  };
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const began = Date.now();
  let started: Started;
  try {
    started = await start();
  } catch (error) {
    const reason = (error as Error).message;
    if (process.env.CI) {
      throw new Error(`PostgreSQL could not be started, and CI runs the PostgreSQL tests: ${reason}`);
    }
    process.stderr.write(
      `\n[pg] PostgreSQL tests SKIPPED: ${reason}\n[pg] (install Debian's postgresql package; with CI set this fails the run)\n\n`,
    );
    project.provide('pg', { ok: false, reason });
    return undefined;
  }
  project.provide('pg', started.server);
  process.stderr.write(
    `[pg] PostgreSQL started for the tests in ${Date.now() - began} ms (${started.server.socketDir})\n`,
  );
  return started.stop;
}
