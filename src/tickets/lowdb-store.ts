import { mkdir, open as openFile, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { TicketError, TicketStoreError } from './errors.js';
import { formatTicketId, matches, type TicketStore } from './store.js';
import type { Ticket } from './types.js';

interface StoreData {
  format: 1;
  /** Last number used for a ticket id. */
  seq: number;
  tickets: Ticket[];
}

const EMPTY: StoreData = { format: 1, seq: 0, tickets: [] };

/**
 * Tickets in one JSON file (`<dataDir>/tickets.json`) through lowdb. lowdb's JSONFile writes a temp
 * file and renames it over the old one, so a crash leaves the old or the new file, never half of one.
 * Writes are serialised on one promise chain; a change is applied to a copy and committed in memory
 * only after the file is written, so a failed write changes nothing. A lock file keeps a second
 * process off the same data.
 */
export function createLowdbTicketStore(opts: { dataDir: string; fileName?: string }): TicketStore {
  const file = join(opts.dataDir, opts.fileName ?? 'tickets.json');
  const lockFile = `${file}.lock`;
  let db: Low<StoreData> | undefined;
  let byId = new Map<string, Ticket>();
  let byKey = new Map<string, Ticket>();
  let chain: Promise<unknown> = Promise.resolve();
  let locked = false;

  const index = (data: StoreData) => {
    byId = new Map(data.tickets.map((t) => [t.id, t]));
    byKey = new Map(data.tickets.map((t) => [t.key, t]));
  };

  /** Runs `task` after every earlier write; a failure does not block later writes. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  }

  async function persist(next: StoreData): Promise<void> {
    if (!db) throw new TicketStoreError('STORE_CLOSED', `${file}: the ticket store is not open`);
    const previous = db.data;
    db.data = next;
    try {
      await db.write();
    } catch (error) {
      db.data = previous;
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new TicketStoreError(
        'STORE_WRITE_FAILED',
        `${file}: could not write tickets (${reason}); the change was not saved`,
        {
          cause: error,
        },
      );
    }
    index(next);
  }

  async function takeLock(): Promise<void> {
    const mine = JSON.stringify({ pid: process.pid, host: hostname() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await openFile(lockFile, 'wx');
        await handle.writeFile(mine);
        await handle.close();
        locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new TicketStoreError(
            'STORE_UNREADABLE',
            `${file}: cannot create the lock file ${lockFile} (${(error as NodeJS.ErrnoException).code})`,
            {
              cause: error,
            },
          );
        }
        const holder = await readFile(lockFile, 'utf8').then(
          (t) => JSON.parse(t) as { pid?: number; host?: string },
          () => ({}) as { pid?: number; host?: string },
        );
        if (holder.pid && holder.host === hostname() && isAlive(holder.pid)) {
          throw new TicketStoreError(
            'STORE_LOCKED',
            `${file} is in use by process ${holder.pid}; stop it, or give this process its own MADOGUCHI_DATA_DIR`,
          );
        }
        if (holder.pid && holder.host && holder.host !== hostname()) {
          throw new TicketStoreError(
            'STORE_LOCKED',
            `${file} is locked by process ${holder.pid} on ${holder.host}; use PostgreSQL for several hosts`,
          );
        }
        await rm(lockFile, { force: true }); // stale: its process is gone
      }
    }
    throw new TicketStoreError('STORE_LOCKED', `${file}: could not take the lock ${lockFile}`);
  }

  return {
    async open() {
      try {
        await mkdir(opts.dataDir, { recursive: true });
      } catch (error) {
        throw new TicketStoreError(
          'STORE_UNREADABLE',
          `${opts.dataDir}: cannot create the data directory (${(error as NodeJS.ErrnoException).code})`,
          {
            cause: error,
          },
        );
      }
      await takeLock();
      const adapter = new JSONFile<StoreData>(file);
      const low = new Low<StoreData>(adapter, structuredClone(EMPTY));
      try {
        await low.read();
      } catch (error) {
        await this.close();
        const code = error instanceof SyntaxError ? 'STORE_CORRUPT' : 'STORE_UNREADABLE';
        throw new TicketStoreError(
          code,
          `${file}: ${code === 'STORE_CORRUPT' ? 'not valid JSON' : 'cannot be read'} (${(error as Error).message}); refusing to start so it is not overwritten`,
          {
            cause: error,
          },
        );
      }
      const data = low.data as Partial<StoreData> | null;
      if (data?.format !== 1 || !Array.isArray(data.tickets) || typeof data.seq !== 'number') {
        await this.close();
        throw new TicketStoreError(
          'STORE_CORRUPT',
          `${file}: not a Madoguchi ticket file (expected {"format":1,"seq":…,"tickets":[…]}); refusing to start so it is not overwritten`,
        );
      }
      db = low;
      index(low.data);
    },
    async close() {
      await chain;
      db = undefined;
      if (locked) {
        await rm(lockFile, { force: true });
        locked = false;
      }
    },
    createIfAbsent(key, build) {
      return serial(async () => {
        const existing = byKey.get(key);
        if (existing) return { ticket: structuredClone(existing), created: false };
        const data = current();
        const ticket = build(formatTicketId(data.seq + 1));
        await persist({ ...data, seq: data.seq + 1, tickets: [...data.tickets, ticket] });
        return { ticket: structuredClone(ticket), created: true };
      });
    },
    async get(id) {
      const t = byId.get(id);
      return t ? structuredClone(t) : undefined;
    },
    async list(filter = {}) {
      current();
      return [...byId.values()].filter((t) => matches(t, filter)).map((t) => structuredClone(t));
    },
    update(id, mutate) {
      return serial(async () => {
        const data = current();
        const existing = byId.get(id);
        if (!existing) throw new TicketError('NOT_FOUND', `No ticket ${id}.`);
        const draft = structuredClone(existing);
        mutate(draft);
        await persist({ ...data, tickets: data.tickets.map((t) => (t.id === id ? draft : t)) });
        return structuredClone(draft);
      });
    },
  };

  function current(): StoreData {
    if (!db) throw new TicketStoreError('STORE_CLOSED', `${file}: the ticket store is not open`);
    return db.data;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
