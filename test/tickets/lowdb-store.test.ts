import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TicketStoreError } from '../../src/tickets/errors.js';
import { createLowdbTicketStore, type LowdbTicketStoreOptions } from '../../src/tickets/lowdb-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { Ticket } from '../../src/tickets/types.js';
import { repoRoot, tempDirs } from '../helpers.js';
import { DESKS, openInput } from './fixtures.js';
import { ticketStoreContract } from './ticket-store.contract.js';

const tempDir = tempDirs('madoguchi-tickets-');

ticketStoreContract('lowdb', async () => createLowdbTicketStore({ dataDir: await tempDir() }));

/** A lowdb store opened on `dataDir`, with the ticket service the bot would use on it. */
async function openStore(dataDir: string, opts: Omit<LowdbTicketStoreOptions, 'dataDir'> = {}) {
  const store = createLowdbTicketStore({ dataDir, ...opts });
  await store.open();
  const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
  return { store, tickets };
}

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
      // The killed child's lock is stale; the files (snapshot + journal, possibly with a torn last
      // line) must open and hold every ticket it acknowledged, once.
      const { store: reader } = await openStore(dataDir);
      const stored = await reader.list();
      await reader.close();
      const ids = new Set(stored.map((t) => t.id));
      for (const id of acknowledged)
        expect(ids.has(id), `${id} acknowledged but missing after kill ${round}`).toBe(true);
      expect(ids.size).toBe(stored.length);
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
    // A lock from another host (a shared data directory) is never taken over silently.
    await writeFile(join(dataDir, 'tickets.json.lock'), JSON.stringify({ pid: 4321, host: 'other-host' }));
    const elsewhere = await storeError(createLowdbTicketStore({ dataDir }).open());
    expect(elsewhere.code).toBe('STORE_LOCKED');
    expect(elsewhere.message).toContain('is locked by process 4321 on other-host');
    expect(elsewhere.message).toContain(`delete ${join(dataDir, 'tickets.json.lock')} if that host is gone`);
  });

  it('takes over an empty or garbled lock file (a start cut short on a full disk leaves one), saying so', async () => {
    for (const left of ['', '{"pid":12', '\0\0\0\0', '{"host":"h"}']) {
      const dataDir = await tempDir();
      const lockFile = join(dataDir, 'tickets.json.lock');
      await writeFile(lockFile, left);
      const warnings: string[] = [];
      const store = createLowdbTicketStore({
        dataDir,
        logger: { warn: (_fields: unknown, message?: string) => void warnings.push(message ?? '') },
      });
      await store.open();
      expect(warnings).toEqual([expect.stringContaining(`${lockFile} is empty or garbled`)]);
      expect(JSON.parse(await readFile(lockFile, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
      await store.close();
      expect(await readdir(dataDir)).not.toContain('tickets.json.lock');
    }
  });

  it('still refuses a lock held by a live process, this one included', async () => {
    const dataDir = await tempDir();
    const lockFile = join(dataDir, 'tickets.json.lock');
    const held = JSON.stringify({ pid: process.pid, host: hostname() });
    await writeFile(lockFile, held);
    const error = await storeError(createLowdbTicketStore({ dataDir }).open());
    expect(error.code).toBe('STORE_LOCKED');
    expect(await readFile(lockFile, 'utf8')).toBe(held);
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
    // A store that did not open leaves no lock (nor its temp file) to block the next start.
    expect(await readdir(dataDir)).toEqual(['tickets.json']);
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

  it('a failed write changes nothing, is cut back, and the store keeps working', async () => {
    const dataDir = await tempDir();
    const { store, tickets } = await openStore(dataDir);
    const t = await tickets.open(openInput('w1'));
    // Put a directory where the journal is: the write fails (as on a full or read-only disk), as root too.
    const journal = join(dataDir, 'tickets.json.journal');
    await rename(journal, `${journal}.aside`);
    await mkdir(journal);
    const error = await storeError(tickets.claim(t.id, { user: 'cli:jbic-staff' }));
    expect(error.code).toBe('STORE_WRITE_FAILED');
    expect(error.message).toContain(journal);
    expect(error.message).toMatch(/the change was not saved/);
    expect((await store.get(t.id))?.status).toBe('open');
    await rm(journal, { recursive: true });
    await rename(`${journal}.aside`, journal);
    expect((await tickets.claim(t.id, { user: 'cli:jbic-staff' })).status).toBe('claimed');
    await store.close();
    const { store: reopened } = await openStore(dataDir);
    expect((await reopened.get(t.id))?.status).toBe('claimed');
    await reopened.close();
  });

  it('drops a torn last journal line (a crash mid-write) and appends cleanly after it', async () => {
    const dataDir = await tempDir();
    const { tickets } = await openStore(dataDir);
    const first = await tickets.open(openInput('torn-1'));
    // Simulate a SIGKILL mid-write: the journal survives, with half a line at its end and no compaction.
    const journal = join(dataDir, 'tickets.json.journal');
    const intact = await readFile(journal, 'utf8');
    await rm(join(dataDir, 'tickets.json.lock'));
    await writeFile(journal, `${intact}{"seq":2,"ticket":{"id":"MDG-0000`);
    const { store: after, tickets: service } = await openStore(dataDir);
    expect((await after.list()).map((t) => t.id)).toEqual([first.id]);
    expect(await readFile(journal, 'utf8')).toBe(intact);
    const second = await service.open(openInput('torn-2'));
    expect(second.id).toBe('MDG-000002');
    await after.close();
  });

  it('refuses to start on a bad line inside the journal, naming the file and line', async () => {
    const dataDir = await tempDir();
    const journal = join(dataDir, 'tickets.json.journal');
    const bad =
      '{"seq":1,"ticket":{"id":"MDG-000001","key":"a"}}\n{"seq":2}\n{"seq":3,"ticket":{"id":"MDG-000003","key":"c"}}\n';
    await writeFile(journal, bad);
    const error = await storeError(createLowdbTicketStore({ dataDir }).open());
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(`${journal}:2: not a ticket record`);
    expect(error.message).toMatch(/refusing to start so it is not overwritten/);
    expect(await readFile(journal, 'utf8')).toBe(bad);
    await writeFile(journal, '{"seq":1,"ticket":{"id":"MDG-000001","key":"a"}}\n{nope\n');
    expect((await storeError(createLowdbTicketStore({ dataDir }).open())).message).toContain(
      `${journal}:2: not valid JSON`,
    );
  });

  it('folds the journal into the snapshot, and a crash between the two loses nothing', async () => {
    const dataDir = await tempDir();
    const journal = join(dataDir, 'tickets.json.journal');
    const { store, tickets } = await openStore(dataDir, { compactEvery: 5 });
    const opened: Ticket[] = [];
    for (let i = 0; i < 12; i++) opened.push(await tickets.open(openInput(`fold-${i}`)));
    await tickets.claim(opened[3]?.id ?? '', { user: 'cli:jbic-staff' });
    const journalLines = (await readFile(journal, 'utf8')).split('\n').filter(Boolean).length;
    expect(journalLines).toBeLessThan(13);
    const snapshot = JSON.parse(await readFile(join(dataDir, 'tickets.json'), 'utf8')) as {
      tickets: unknown[];
    };
    expect(snapshot.tickets.length).toBeGreaterThanOrEqual(5);
    // Crash after the snapshot was written but before the journal was emptied: replay is idempotent.
    const pending = await readFile(journal, 'utf8');
    await store.close();
    expect(await readFile(journal, 'utf8')).toBe('');
    await writeFile(journal, pending);
    const { store: reopened, tickets: service } = await openStore(dataDir);
    const all = await reopened.list();
    expect(all.map((t) => t.id)).toEqual(opened.map((t) => t.id));
    expect(all.find((t) => t.id === opened[3]?.id)?.status).toBe('claimed');
    expect((await service.open(openInput('fold-next'))).id).toBe('MDG-000013');
    await reopened.close();
  });
});
