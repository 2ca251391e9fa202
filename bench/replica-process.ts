// A server process as the replica tests start one (test/pg/replica.ts: the app as src/main.ts starts it),
// for the benches that need the app in a process of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { until } from '../test/helpers.js';

const root = join(import.meta.dirname, '..');

export interface ReplicaProcess {
  child: ChildProcess;
  pid: number;
  url: string;
}

/** Starts one on `env` (over a quiet local-mode default) with its data in `dataDir`; resolves once ready. */
export async function spawnReplica(env: Record<string, string>, dataDir: string): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/pg/replica.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      LOG_LEVEL: 'warn',
      MADOGUCHI_CONTENT_DIR: root,
      MADOGUCHI_WATCH: 'false',
      ...env,
      MADOGUCHI_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ url: string; pid: number }>((ok, fail) => {
    child.once('message', (m: { type: string; url: string; pid: number }) => ok(m));
    child.once('exit', (code) => fail(new Error(`a replica exited (${code}) before it was ready`)));
  });
  return { child, ...ready };
}

/**
 * Resolves once the replica has nothing left of its start-up to do: the channels loaded after readiness
 * are mounted (the Teams emulator imports botbuilder then, ~0.8 s of CPU) and its outbox has delivered
 * what was queued before it started (/readyz shows no pending delivery). An idle replica is measured after.
 */
export async function settled(r: ReplicaProcess): Promise<void> {
  await new Promise<void>((ok) => {
    const on = (m: { type: string }) => {
      if (m.type !== 'channels') return;
      r.child.off('message', on);
      ok();
    };
    r.child.on('message', on);
    r.child.send({ type: 'channels' });
  });
  await until(
    async () => {
      const s = (await (await fetch(`${r.url}/readyz`)).json()) as {
        tickets?: { pendingDeliveries?: number };
      };
      return s.tickets?.pendingDeliveries === 0;
    },
    'the replica to deliver what was queued before it started',
    120_000,
  );
}

/** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
export async function stopReplica(r: Pick<ReplicaProcess, 'child'>): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise((ok) => r.child.once('exit', ok));
  r.child.kill('SIGTERM');
  const killer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}
