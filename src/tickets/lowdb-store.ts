import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { Logger } from 'pino';
import { type Journal, JournalError, openJournal } from '../storage/journal.js';
import { TicketError, TicketStoreError } from './errors.js';
import { formatTicketId, matches, type TicketStore } from './store.js';
import type { Ticket } from './types.js';

interface StoreData {
  format: 1;
  /** Last number used for a ticket id. */
  seq: number;
  tickets: Ticket[];
}

/** One journal line: the whole ticket as it now is, and the id sequence after it. */
interface JournalRecord {
  seq: number;
  ticket: Ticket;
}

const EMPTY: StoreData = { format: 1, seq: 0, tickets: [] };

function parseRecord(value: unknown): JournalRecord | string {
  const r = value as Partial<JournalRecord> | null;
  if (typeof r?.seq !== 'number' || typeof r.ticket?.id !== 'string' || typeof r.ticket.key !== 'string') {
    return 'not a ticket record (expected {"seq":…,"ticket":{"id":…,"key":…}})';
  }
  return r as JournalRecord;
}

export interface LowdbTicketStoreOptions {
  dataDir: string;
  fileName?: string;
  /** Fold the journal into the snapshot once it holds this many records, or as many as there are tickets. */
  compactEvery?: number;
  /** fdatasync each journal write (default true). */
  sync?: boolean;
  /** Told when a stale lock file is taken over. */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Tickets in a lowdb JSON snapshot (`<dataDir>/tickets.json`) plus an append-only journal
 * (`tickets.json.journal`) of the tickets changed since. A change appends one line holding the whole
 * ticket, so its cost does not grow with the number of tickets stored (rewriting a 15 MB file for
 * each change did). Once the journal holds as many records as there are tickets (at least
 * `compactEvery`), and at close, the snapshot is rewritten through lowdb (temp file + rename) and the
 * journal emptied; replaying a journal over a snapshot that already holds it gives the same tickets,
 * so a crash between the two loses nothing.
 *
 * Writes are serialised on one promise chain; a change is applied to a copy and committed in memory
 * only once it is on disk, so a failed write changes nothing. A lock file keeps a second process off
 * the same data; one whose process is gone, or that names none (empty or garbled), is taken over.
 */
export function createLowdbTicketStore(opts: LowdbTicketStoreOptions): TicketStore {
  const file = join(opts.dataDir, opts.fileName ?? 'tickets.json');
  const lockFile = `${file}.lock`;
  const journalFile = `${file}.journal`;
  const compactEvery = opts.compactEvery ?? 1_000;
  let db: Low<StoreData> | undefined;
  let journal: Journal<JournalRecord> | undefined;
  let seq = 0;
  const byId = new Map<string, Ticket>();
  const byKey = new Map<string, Ticket>();
  let chain: Promise<unknown> = Promise.resolve();
  let locked = false;

  const remember = (ticket: Ticket) => {
    byId.set(ticket.id, ticket);
    byKey.set(ticket.key, ticket);
  };

  /** Runs `task` after every earlier write; a failure does not block later writes. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  }

  /** Appends the ticket to the journal, then makes it the current one; a failed write changes nothing. */
  async function persist(ticket: Ticket, nextSeq: number): Promise<void> {
    if (!journal) throw new TicketStoreError('STORE_CLOSED', `${file}: the ticket store is not open`);
    try {
      await journal.append({ seq: nextSeq, ticket });
    } catch (error) {
      const reason = error instanceof JournalError ? error.message : String(error);
      throw new TicketStoreError('STORE_WRITE_FAILED', `${reason}; the change was not saved`, {
        cause: error,
      });
    }
    seq = nextSeq;
    remember(ticket);
    if (journal.length >= Math.max(compactEvery, byId.size)) void serial(compact);
  }

  /** Writes every ticket to the snapshot, then empties the journal. A failure keeps the journal. */
  async function compact(): Promise<void> {
    if (!db || !journal || journal.length === 0) return;
    db.data = { format: 1, seq, tickets: [...byId.values()] };
    try {
      await db.write();
      await journal.rewrite([]);
    } catch {
      // Nothing is lost: the journal still holds every change, and the next compaction tries again.
    }
  }

  async function takeLock(): Promise<void> {
    const mine = JSON.stringify({ pid: process.pid, host: hostname() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await createLockFile(lockFile, mine);
        locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new TicketStoreError(
            'STORE_UNREADABLE',
            `${file}: cannot create the lock file ${lockFile} (${(error as NodeJS.ErrnoException).code})`,
            { cause: error },
          );
        }
      }
      // Unreadable now: its holder released it meanwhile, so try again.
      const text = await readFile(lockFile, 'utf8').catch(() => undefined);
      const holder = text === undefined ? undefined : parseHolder(text);
      if (text !== undefined && !holder) {
        opts.logger?.warn(
          { lockFile },
          `${lockFile} is empty or garbled (a start cut short, e.g. on a full disk, leaves one); taking it over as stale`,
        );
      }
      if (holder?.host === hostname() && isAlive(holder.pid)) {
        throw new TicketStoreError(
          'STORE_LOCKED',
          `${file} is in use by process ${holder.pid}; stop it, or give this process its own MADOGUCHI_DATA_DIR`,
        );
      }
      if (holder && holder.host !== hostname()) {
        throw new TicketStoreError(
          'STORE_LOCKED',
          `${file} is locked by process ${holder.pid} on ${holder.host}; one process at a time uses it: stop that one, or delete ${lockFile} if that host is gone`,
        );
      }
      await rm(lockFile, { force: true }); // stale: its process is gone, or it names none
    }
    throw new TicketStoreError('STORE_LOCKED', `${file}: could not take the lock ${lockFile}`);
  }

  async function releaseLock(): Promise<void> {
    if (!locked) return;
    await rm(lockFile, { force: true });
    locked = false;
  }

  /** Reads the snapshot and replays the journal over it. */
  async function load(): Promise<void> {
    const low = new Low<StoreData>(new JSONFile<StoreData>(file), structuredClone(EMPTY));
    try {
      await low.read();
    } catch (error) {
      const code = error instanceof SyntaxError ? 'STORE_CORRUPT' : 'STORE_UNREADABLE';
      throw new TicketStoreError(
        code,
        `${file}: ${code === 'STORE_CORRUPT' ? 'not valid JSON' : 'cannot be read'} (${(error as Error).message}); refusing to start so it is not overwritten`,
        { cause: error },
      );
    }
    const data = low.data as Partial<StoreData> | null;
    if (data?.format !== 1 || !Array.isArray(data.tickets) || typeof data.seq !== 'number') {
      throw new TicketStoreError(
        'STORE_CORRUPT',
        `${file}: not a Madoguchi ticket file (expected {"format":1,"seq":…,"tickets":[…]}); refusing to start so it is not overwritten`,
      );
    }
    let opened: Awaited<ReturnType<typeof openJournal<JournalRecord>>>;
    try {
      opened = await openJournal(journalFile, {
        parse: parseRecord,
        ...(opts.sync === false ? { sync: false } : {}),
      });
    } catch (error) {
      const corrupt = error instanceof JournalError && error.code === 'JOURNAL_CORRUPT';
      throw new TicketStoreError(
        corrupt ? 'STORE_CORRUPT' : 'STORE_UNREADABLE',
        `${(error as Error).message}; refusing to start so it is not overwritten`,
        { cause: error },
      );
    }
    byId.clear();
    byKey.clear();
    for (const t of low.data.tickets) remember(t);
    seq = low.data.seq;
    for (const r of opened.records) {
      remember(r.ticket);
      seq = Math.max(seq, r.seq);
    }
    db = low;
    journal = opened.journal;
  }

  return {
    async open() {
      try {
        await mkdir(opts.dataDir, { recursive: true });
      } catch (error) {
        throw new TicketStoreError(
          'STORE_UNREADABLE',
          `${opts.dataDir}: cannot create the data directory (${(error as NodeJS.ErrnoException).code})`,
          { cause: error },
        );
      }
      await takeLock();
      try {
        await load();
      } catch (error) {
        await releaseLock(); // a store that did not open holds nothing
        throw error;
      }
    },
    async close() {
      await chain;
      if (journal && db) await compact();
      await journal?.close();
      journal = undefined;
      db = undefined;
      await releaseLock();
    },
    createIfAbsent(key, build) {
      return serial(async () => {
        const existing = byKey.get(key);
        if (existing) return { ticket: structuredClone(existing), created: false };
        current();
        const ticket = build(formatTicketId(seq + 1));
        await persist(ticket, seq + 1);
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
    async count(filter = {}) {
      current();
      let n = 0;
      for (const t of byId.values()) if (matches(t, filter)) n++;
      return n;
    },
    update(id, mutate) {
      return serial(async () => {
        current();
        const existing = byId.get(id);
        if (!existing) throw new TicketError('NOT_FOUND', `No ticket ${id}.`);
        const draft = structuredClone(existing);
        mutate(draft);
        await persist(draft, seq);
        return structuredClone(draft);
      });
    },
  };

  function current(): void {
    if (!db) throw new TicketStoreError('STORE_CLOSED', `${file}: the ticket store is not open`);
  }
}

/**
 * Creates `lockFile` holding `content`; fails with EEXIST if it exists. The content goes to a temp
 * file first, hard-linked into place, so the lock file appears whole or not at all: a start cut short
 * (a full disk, a crash) cannot leave an empty lock, which the next start would take for stale even
 * while its holder lives.
 */
async function createLockFile(lockFile: string, content: string): Promise<void> {
  const tmp = `${lockFile}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, content);
    await link(tmp, lockFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!NO_HARD_LINKS.includes(code)) throw error;
    // A file system without hard links: an exclusive create, whose content a crash may cut short.
    await writeFile(lockFile, content, { flag: 'wx' });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** What `link` fails with on a file system that has no hard links (FAT, some network shares). */
const NO_HARD_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'];

/** The process a lock file names, or undefined when it names none (empty or garbled: a write cut short). */
export function parseHolder(text: string): { pid: number; host: string } | undefined {
  try {
    const value = JSON.parse(text) as { pid?: unknown; host?: unknown } | null;
    if (typeof value?.pid === 'number' && typeof value.host === 'string')
      return { pid: value.pid, host: value.host };
  } catch {
    // not JSON: no holder
  }
  return undefined;
}

/** Whether process `pid` on this host is running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
