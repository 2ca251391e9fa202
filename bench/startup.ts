import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartupResult {
  /** With the trained models read from the data directory (every start after the first). */
  readyMs: number;
  /** The first start on an empty data directory, which trains the models. */
  firstReadyMs?: number;
  /** Baseline: a bare node:http server, same way of starting (node --import tsx). */
  bareMs: number;
  rssMbAfterStart: number;
  rssMbAt5k: number;
  rssMbAt10k: number;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function waitFor(url: string, deadline: number, child?: ChildProcess): Promise<void> {
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`the process for ${url} exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A port nothing listens on now (the kernel picks it), for a child process to listen on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as import('node:net').AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function start(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, args, {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
}

const QUESTIONS = [
  'When was the JBIC MOU signed?',
  'What is the SME Growth Support Fund?',
  '重慶市との覚書の署名者は？',
  'hello',
  'What is the weather in Tokyo?',
  'Who signed it?',
];

/** Process start to /readyz 200, and resident memory after start and after 5,000 and 10,000 inquiries. */
export async function benchStartup(): Promise<StartupResult> {
  const data = await mkdtemp(join(tmpdir(), 'madoguchi-bench-start-'));
  const barePort = await freePort();
  const t0 = Date.now();
  const bare = start(
    [
      '--import',
      'tsx',
      '-e',
      `require('node:http').createServer((q,s)=>s.end('ok')).listen(${barePort},'127.0.0.1')`,
    ],
    {},
  );
  await waitFor(`http://127.0.0.1:${barePort}/`, Date.now() + 20_000, bare);
  const bareMs = Date.now() - t0;
  bare.kill('SIGTERM');

  const server = async () => {
    const port = await freePort();
    const began = Date.now();
    const child = start(['--import', 'tsx', 'src/main.ts'], {
      PORT: String(port),
      MADOGUCHI_DATA_DIR: data,
      LOG_LEVEL: 'warn',
      MADOGUCHI_WATCH: 'false',
    });
    await waitFor(`http://127.0.0.1:${port}/readyz`, Date.now() + 30_000, child);
    return { port, child, ms: Date.now() - began };
  };
  // The first start on an empty data directory trains the act model and desk router and keeps them;
  // the second, measured below with the inquiries, reads them back as every later start does.
  const first = await server();
  const firstReadyMs = first.ms;
  const firstExited = new Promise((r) => first.child.on('exit', r));
  first.child.kill('SIGTERM');
  await firstExited;
  const { port, child, ms: readyMs } = await server();
  const pid = child.pid as number;
  const rssMbAfterStart = await rssMb(pid);
  let rssMbAt5k = 0;
  for (let i = 0; i < 10_000; i++) {
    // 500 sessions: conversation memory reaches its bound (8 turns each) by 2,000 inquiries, so any
    // growth between 5,000 and 10,000 would be a leak, not a cache filling up.
    const session = `bench${String(i % 500).padStart(6, '0')}`;
    const res = await fetch(`http://127.0.0.1:${port}/local/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session, text: QUESTIONS[i % QUESTIONS.length] }),
    });
    await res.arrayBuffer();
    if (i === 4_999) rssMbAt5k = await rssMb(pid);
  }
  const rssMbAt10k = await rssMb(pid);
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  await rm(data, { recursive: true, force: true });
  return { readyMs, firstReadyMs, bareMs, rssMbAfterStart, rssMbAt5k, rssMbAt10k };
}
