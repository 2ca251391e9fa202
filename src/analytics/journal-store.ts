import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Journal, JournalError, openJournal } from '../storage/journal.js';
import type { GapDecision, TurnPatch, TurnQuery, TurnRecord, TurnStore } from './types.js';

/** A turn store that also keeps the key turn records are pseudonymised with. */
export interface KeyedTurnStore extends TurnStore {
  /** The pseudonym key kept with the records (made once, on first use), for when configuration sets none. */
  pseudonymKey(): Promise<string>;
}

/** One line of `turns.jsonl`. */
type Op =
  | { op: 'add'; record: TurnRecord }
  | { op: 'patch'; id: string; patch: TurnPatch }
  | { op: 'prune'; before: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Checks a line's shape (not every field: the file is only ever written by this store). */
function parseOp(value: unknown): Op | string {
  if (!isObject(value)) return 'expected an object';
  if (value.op === 'add') {
    const r = value.record;
    if (!isObject(r) || typeof r.id !== 'string' || typeof r.at !== 'string' || !Array.isArray(r.review))
      return 'add: expected a record with id, at and review';
    return value as Op;
  }
  if (value.op === 'patch')
    return typeof value.id === 'string' && isObject(value.patch)
      ? (value as Op)
      : 'patch: expected id and patch';
  if (value.op === 'prune')
    return typeof value.before === 'string' ? (value as Op) : 'prune: expected before';
  return `unknown op ${JSON.stringify(value.op)}`;
}

/** A record as the store hands it out: frozen, so a caller cannot change the store's copy by accident. */
function frozen(r: TurnRecord): TurnRecord {
  if (r.closest) Object.freeze(r.closest);
  Object.freeze(r.review);
  return Object.freeze(r);
}

/** First index in `records` (sorted by `at`) whose `at` is not before `at`. */
function lowerBound(records: readonly TurnRecord[], at: string): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((records[mid] as TurnRecord).at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface JournalTurnStoreOptions {
  dataDir: string;
  /** fdatasync after each write (default true); the bench compares both. */
  sync?: boolean;
  /** A journal shorter than this is never compacted (default 1,000 lines). */
  minCompactLines?: number;
  /**
   * For a process beside the server (`kb gaps`, `kb dismiss`): reads the records without ever writing
   * `turns.jsonl` (only the server's store writes it; opening it for writing would also cut away a
   * line the server is still writing). `add`, `update` and `prune` throw; decisions work as usual.
   */
  readOnly?: boolean;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * Turn records in `<dataDir>/turns.jsonl`, an append-only journal of `add`, `patch` and `prune` lines,
 * read into memory at open: a map by id and an array in `at` order, so `list` over 100,000 records is a
 * binary search and a slice. The file is rewritten with only the live records whenever a prune deleted
 * some (so expired texts leave the disk, not only the index) and when it holds more than twice as
 * many lines as records (patches pile up).
 *
 * Gap decisions are in `<dataDir>/gap-decisions.jsonl`, outside the journal: `kb dismiss` (another
 * process) appends to it while the server runs, and `decisions()` reads the file each time, so each
 * sees the other's. That is safe without a lock because a decision is one line written by one
 * `write(2)` on a file opened with O_APPEND: the kernel puts every such write at the end of the file,
 * whole, so two processes never overwrite or interleave each other's lines, and nothing ever rewrites
 * the file. A reader that catches a line still being written sees it without its newline and skips
 * it until the next read.
 */
export async function createJournalTurnStore(opts: JournalTurnStoreOptions): Promise<KeyedTurnStore> {
  await mkdir(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, 'turns.jsonl');
  const decisionsFile = join(opts.dataDir, 'gap-decisions.jsonl');
  const keyFile = join(opts.dataDir, 'pseudonym.key');
  const minLines = opts.minCompactLines ?? 1_000;
  const journalOpts = { parse: parseOp, sync: opts.sync ?? true };

  let opened: { journal?: Journal<Op>; records: Op[] };
  if (opts.readOnly) opened = { records: await readOps(file) };
  else
    try {
      opened = await openJournal<Op>(file, journalOpts);
    } catch (error) {
      // Records are figures, not tickets: a damaged file is set aside (for a person to look at) rather
      // than keeping the desk from starting.
      if (!(error instanceof JournalError) || error.code !== 'JOURNAL_CORRUPT') throw error;
      const aside = `${file}.corrupt-${Date.now()}`;
      await rename(file, aside);
      opts.logger?.error(
        { file: aside, reason: error.message },
        'turn records unreadable; set aside, starting afresh',
      );
      opened = await openJournal<Op>(file, journalOpts);
    }
  const { journal } = opened;
  const writable = (): Journal<Op> => {
    if (!journal) throw new Error(`${file} is opened read-only here; the server's store writes it`);
    return journal;
  };

  const byId = new Map<string, TurnRecord>();
  /** Every live record in `at` order (ties in the order they were added). */
  let ordered: TurnRecord[] = [];
  let sorted = true;

  const sortIfNeeded = () => {
    if (sorted) return;
    ordered.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)); // stable: ties keep insertion order
    sorted = true;
  };
  const insert = (r: TurnRecord) => {
    const last = ordered.at(-1);
    if (last && r.at < last.at) sorted = false;
    byId.set(r.id, r);
    ordered.push(r);
  };
  const replace = (old: TurnRecord, next: TurnRecord) => {
    byId.set(next.id, next);
    sortIfNeeded();
    for (let i = lowerBound(ordered, old.at); i < ordered.length; i++) {
      if (ordered[i] === old) {
        ordered[i] = next;
        return;
      }
    }
  };
  const applied = (r: TurnRecord, patch: TurnPatch): TurnRecord =>
    frozen({ ...r, ...patch, review: [...(patch.review ?? r.review)] });
  const dropBefore = (before: string): number => {
    sortIfNeeded();
    const n = lowerBound(ordered, before);
    for (let i = 0; i < n; i++) byId.delete((ordered[i] as TurnRecord).id);
    ordered = ordered.slice(n);
    return n;
  };

  for (const op of opened.records) {
    if (op.op === 'add') {
      if (!byId.has(op.record.id)) insert(frozen(op.record));
    } else if (op.op === 'patch') {
      const r = byId.get(op.id);
      if (r) replace(r, applied(r, op.patch));
    } else dropBefore(op.before);
  }
  opened.records.length = 0;

  const live = (): Op[] => {
    sortIfNeeded();
    return ordered.map((record) => ({ op: 'add', record }));
  };
  const compact = () => journal?.compact(byId.size, live, minLines);

  return {
    async add(record) {
      const journal = writable();
      if (byId.has(record.id)) return;
      // A copy: the caller may go on using its object (a seeding loop, a test).
      const r = frozen({
        ...record,
        closest: record.closest ? { ...record.closest } : null,
        review: [...record.review],
      });
      insert(r);
      await journal.append({ op: 'add', record: r });
      void compact();
    },
    async update(id, patch) {
      const journal = writable();
      const r = byId.get(id);
      if (!r) return false;
      replace(r, applied(r, patch));
      await journal.append({ op: 'patch', id, patch });
      void compact();
      return true;
    },
    async get(id) {
      return byId.get(id);
    },
    async list(q: TurnQuery = {}) {
      sortIfNeeded();
      const start = q.from ? lowerBound(ordered, q.from) : 0;
      const end = q.to ? lowerBound(ordered, q.to) : ordered.length;
      const slice = ordered.slice(start, Math.max(start, end));
      return q.needsReview ? slice.filter((r) => r.review.length > 0) : slice;
    },
    async prune(before) {
      const journal = writable();
      const n = dropBefore(before);
      if (n === 0) return 0;
      // The prune line makes the deletion stick even if the rewrite below fails; the rewrite takes the
      // expired records (and their texts) off the disk.
      await journal.append({ op: 'prune', before });
      await journal.rewrite(live());
      return n;
    },
    async decide(decision) {
      const handle = await open(decisionsFile, 'a+', 0o600);
      try {
        // After a line a crashed writer left unfinished, start a new line rather than extend it.
        const { size } = await handle.stat();
        const last = Buffer.alloc(1);
        if (size > 0) await handle.read(last, 0, 1, size - 1);
        const torn = size > 0 && last[0] !== 0x0a;
        await handle.write(`${torn ? '\n' : ''}${JSON.stringify(decision)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    // A line a crashed writer left unfinished does not parse: the next decision starts on a new line.
    decisions: () =>
      readLines(decisionsFile, (d) =>
        isObject(d) && typeof d.gap === 'string' && typeof d.decision === 'string'
          ? (d as unknown as GapDecision)
          : undefined,
      ),
    pseudonymKey: () => keyFromFile(keyFile),
    async close() {
      await journal?.close();
    },
  };
}

/** The ops in `file`, read without opening the journal: the server's store sets a damaged file aside. */
function readOps(file: string): Promise<Op[]> {
  return readLines(file, (value) => {
    const op = parseOp(value);
    return typeof op === 'string' ? undefined : op;
  });
}

/**
 * The values of the complete lines of the JSON-lines `file` that `accept` keeps; [] when there is no
 * file. A line still being written (no newline yet) and a line that does not parse are left out.
 */
async function readLines<T>(file: string, accept: (value: unknown) => T | undefined): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a line still being written
  const out: T[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const kept = accept(value);
    if (kept !== undefined) out.push(kept);
  }
  return out;
}

/**
 * The key in `file`, made (32 random bytes, hex, mode 0600) the first time. `wx` makes the first writer
 * win when two processes (the server and a `kb` command) start together; the other reads its key.
 */
export async function keyFromFile(file: string): Promise<string> {
  const read = async () => (await readFile(file, 'utf8')).trim();
  // A file left empty (a crash between creating and writing it) is written again.
  let flag = 'wx';
  try {
    const key = await read();
    if (key) return key;
    flag = 'w';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32).toString('hex');
  try {
    const handle = await open(file, flag, 0o600);
    try {
      await handle.write(`${key}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read();
    throw error;
  }
}
