import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TicketStoreError } from '../../src/tickets/errors.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import { repoRoot } from '../helpers.js';
import { DESKS, openInput } from './fixtures.js';
import { ticketStoreContract } from './ticket-store.contract.js';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'madoguchi-tickets-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

ticketStoreContract('lowdb', async () => createLowdbTicketStore({ dataDir: await tempDir() }));

const storeError = async (p: Promise<unknown>) => (await p.catch((e: unknown) => e)) as TicketStoreError;

describe('lowdb ticket store: files and processes', () => {
  it('survives SIGKILL at any moment: the file parses and holds every acknowledged ticket', async () => {
    const dataDir = await tempDir();
    const acknowledged = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'test/tickets/fixtures/writer.ts'), dataDir],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let buffer = '';
      let ready = false;
      const readyOrExit = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            if (line === 'ready') {
              ready = true;
              resolve();
            } else if (line.startsWith('MDG-')) acknowledged.add(line);
          }
        });
        child.on('exit', () => resolve());
      });
      await readyOrExit;
      expect(ready).toBe(true);
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 120)));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      const data = JSON.parse(await readFile(join(dataDir, 'tickets.json'), 'utf8')) as {
        tickets: Array<{ id: string }>;
      };
      const ids = new Set(data.tickets.map((t) => t.id));
      for (const id of acknowledged)
        expect(ids.has(id), `${id} acknowledged but missing after kill ${round}`).toBe(true);
      expect(ids.size).toBe(data.tickets.length);
    }
    expect(acknowledged.size).toBeGreaterThan(12);
  }, 120_000);

  it('refuses a second process on the same data file, and takes over a stale lock', async () => {
    const dataDir = await tempDir();
    const first = createLowdbTicketStore({ dataDir });
    await first.open();
    const second = createLowdbTicketStore({ dataDir });
    const error = await storeError(second.open());
    expect(error.code).toBe('STORE_LOCKED');
    expect(error.message).toMatch(new RegExp(`tickets\\.json is in use by process ${process.pid}`));
    await first.close();
    await writeFile(
      join(dataDir, 'tickets.json.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }),
    );
    await second.open();
    await second.close();
  });

  it('refuses to start on a corrupt file and leaves it byte for byte', async () => {
    const dataDir = await tempDir();
    const file = join(dataDir, 'tickets.json');
    await writeFile(file, '{"format":1,"seq":3,"tickets":[{"id":"MDG-0');
    const error = await storeError(createLowdbTicketStore({ dataDir }).open());
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/refusing to start so it is not overwritten/);
    expect(await readFile(file, 'utf8')).toBe('{"format":1,"seq":3,"tickets":[{"id":"MDG-0');
    await writeFile(file, '{"something":"else"}');
    expect((await storeError(createLowdbTicketStore({ dataDir }).open())).code).toBe('STORE_CORRUPT');
  });

  it('says clearly when the data directory cannot be used', async () => {
    const parent = await tempDir();
    await writeFile(join(parent, 'not-a-dir'), 'x');
    const error = await storeError(
      createLowdbTicketStore({ dataDir: join(parent, 'not-a-dir', 'data') }).open(),
    );
    expect(error.code).toBe('STORE_UNREADABLE');
    expect(error.message).toMatch(/cannot create the data directory/);
  });

  it('a failed write changes nothing and the store keeps working', async () => {
    const dataDir = await tempDir();
    const store = createLowdbTicketStore({ dataDir });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    const t = await tickets.open(openInput('w1'));
    // Make the rename target a directory: the write fails (as on a full or read-only disk), as root too.
    await rm(join(dataDir, 'tickets.json'));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dataDir, 'tickets.json'));
    const error = await storeError(tickets.claim(t.id, { user: 'cli:jbic-staff' }));
    expect(error.code).toBe('STORE_WRITE_FAILED');
    expect(error.message).toMatch(/the change was not saved/);
    expect((await store.get(t.id))?.status).toBe('open');
    await rm(join(dataDir, 'tickets.json'), { recursive: true });
    expect((await tickets.claim(t.id, { user: 'cli:jbic-staff' })).status).toBe('claimed');
    await store.close();
  });
});
