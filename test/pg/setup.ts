/**
 * vitest globalSetup: one real PostgreSQL server for the whole run (Debian's package, version 15 on
 * these machines), on a temporary data directory with only a Unix socket in a temporary directory
 * (listen_addresses = ''), so nothing else can reach it and nothing is left behind. PostgreSQL
 * refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user and the temporary
 * directories are given to it (test/pg/cluster.ts does all that). Durability is off (fsync,
 * full_page_writes, synchronous_commit): the data is thrown away at the end.
 *
 * Each test file makes its own databases on it (test/pg/helpers.ts). When the server cannot be
 * started: with CI set the run fails here, loudly; otherwise the PostgreSQL tests are skipped and the
 * reason is printed.
 */
import type { TestProject } from 'vitest/node';
import { startCluster } from './cluster.js';

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

const PORT = 5432;
const PASSWORD_ROLE = { user: 'madoguchi_pw', password: 'Corr3ct-H0rse-test' };

interface Started {
  server: PgServer & { ok: true };
  stop: () => Promise<void>;
}

async function start(): Promise<Started> {
  const cluster = await startCluster({
    port: PORT,
    // The password role logs in with scram-sha-256; everyone else is trusted (the socket is ours only).
    hba: `local all ${PASSWORD_ROLE.user} scram-sha-256\nlocal all all trust\n`,
    settings: { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off', max_connections: 300 },
  });
  try {
    await cluster.psql(`CREATE ROLE ${PASSWORD_ROLE.user} LOGIN PASSWORD '${PASSWORD_ROLE.password}'`);
  } catch (error) {
    throw await cluster.fail('creating the test role', error);
  }
  return {
    server: {
      ok: true,
      socketDir: cluster.socketDir,
      port: PORT,
      user: cluster.user,
      passwordRole: PASSWORD_ROLE,
    },
    stop: () => cluster.destroy(),
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
