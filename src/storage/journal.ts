import { mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An append-only file of JSON lines, the write path of the ticket store and the dedupe stores.
 *
 * Appending costs one small write instead of rewriting a whole file, so it stays fast however much
 * is stored. Appends arriving while a write is under way are committed together in the next single
 * write (group commit), and each caller's promise resolves only once its line is on disk (fdatasync).
 *
 * Crash safety: a line is written with its newline in one write, so a crash can leave at most the
 * last line without its newline. Opening the journal drops such a torn tail (it was never
 * acknowledged) and truncates it away; a bad line anywhere else is corruption, reported as
 * `file:line`. A write that fails (full disk, read-only directory) is cut back before the next
 * write, so a partial line never ends up in the middle of the file.
 */
export interface Journal<T> {
  readonly file: string;
  /** Records in the file: those read at open plus those appended since, or since the last rewrite. */
  readonly length: number;
  /** Appends one record; resolves when it is on disk, rejects with a JournalError if it is not. */
  append(record: T): Promise<void>;
  /** Atomically replaces the whole journal with `records` (temp file + rename), after earlier appends. */
  rewrite(records: T[]): Promise<void>;
  /**
   * For a journal of a bounded map: rewrites it to `records()` once it holds more than twice `live`
   * lines (and more than `minLines`), so the file stays bounded too. At most one such rewrite runs at a
   * time; a failed one keeps the lines as they were, and the next call tries again. Never rejects.
   */
  compact(live: number, records: () => T[], minLines?: number): Promise<void>;
  /** Waits for every write under way. */
  close(): Promise<void>;
}

export type JournalErrorCode = 'JOURNAL_CORRUPT' | 'JOURNAL_UNREADABLE' | 'JOURNAL_WRITE_FAILED';

export class JournalError extends Error {
  constructor(
    readonly code: JournalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JournalError';
  }
}

export interface JournalOptions<T> {
  /** Checks one parsed line; returns the record, or a string saying what is wrong with it. */
  parse: (value: unknown) => T | string;
  /** fdatasync after every write (default true): durable across power loss, not only a crash. */
  sync?: boolean;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const NEWLINE = 0x0a;

export async function openJournal<T>(
  file: string,
  opts: JournalOptions<T>,
): Promise<{ journal: Journal<T>; records: T[] }> {
  const sync = opts.sync ?? true;
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new JournalError('JOURNAL_UNREADABLE', `${file}: cannot be read (${code})`, { cause: error });
    }
    content = Buffer.alloc(0);
  }
  // Everything after the last newline is a torn write from a crash: never acknowledged, dropped.
  let bytes = content.lastIndexOf(NEWLINE) + 1;
  const records: T[] = [];
  let start = 0;
  for (let lineNo = 1; start < bytes; lineNo++) {
    const end = content.indexOf(NEWLINE, start);
    const text = content.toString('utf8', start, end);
    start = end + 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new JournalError(
        'JOURNAL_CORRUPT',
        `${file}:${lineNo}: not valid JSON (${(error as Error).message})`,
      );
    }
    const record = opts.parse(value);
    if (typeof record === 'string') throw new JournalError('JOURNAL_CORRUPT', `${file}:${lineNo}: ${record}`);
    records.push(record);
  }
  if (bytes < content.length) await truncateTo(bytes);

  let length = records.length;
  let compacting: Promise<void> | undefined;
  let tail: Promise<void> = Promise.resolve();
  let batch: Pending[] | undefined;
  /** Set when a write failed part-way: the file must be cut back to `bytes` before the next write. */
  let dirty = false;

  async function truncateTo(size: number) {
    try {
      await truncate(file, size);
    } catch (error) {
      throw new JournalError(
        'JOURNAL_WRITE_FAILED',
        `${file}: cannot remove a torn last line (${(error as NodeJS.ErrnoException).code})`,
        { cause: error },
      );
    }
  }

  async function writeBatch(entries: Pending[]) {
    const data = entries.map((e) => e.line).join('');
    try {
      if (dirty) {
        await truncate(file, bytes);
        dirty = false;
      }
      const handle = await open(file, 'a');
      try {
        dirty = true;
        await handle.write(data);
        if (sync) await handle.datasync();
        dirty = false;
      } finally {
        await handle.close();
      }
    } catch (error) {
      const failure = new JournalError(
        'JOURNAL_WRITE_FAILED',
        `${file}: could not write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        { cause: error },
      );
      for (const e of entries) e.reject(failure);
      return;
    }
    bytes += Buffer.byteLength(data);
    length += entries.length;
    for (const e of entries) e.resolve();
  }

  const journal: Journal<T> = {
    file,
    get length() {
      return length;
    },
    append(record) {
      const line = `${JSON.stringify(record)}\n`;
      return new Promise<void>((resolve, reject) => {
        if (!batch) {
          const next: Pending[] = [];
          batch = next;
          tail = tail.then(() => {
            if (batch === next) batch = undefined;
            return writeBatch(next);
          });
        }
        batch.push({ line, resolve, reject });
      });
    },
    rewrite(next) {
      batch = undefined;
      const run = tail.then(async () => {
        const data = next.map((r) => `${JSON.stringify(r)}\n`).join('');
        const tmp = `${file}.tmp`;
        try {
          const handle = await open(tmp, 'w');
          try {
            await handle.write(data);
            if (sync) await handle.datasync();
          } finally {
            await handle.close();
          }
          await rename(tmp, file);
        } catch (error) {
          throw new JournalError(
            'JOURNAL_WRITE_FAILED',
            `${file}: could not rewrite (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
            { cause: error },
          );
        }
        bytes = Buffer.byteLength(data);
        length = next.length;
        dirty = false;
      });
      tail = run.catch(() => undefined);
      return run;
    },
    compact(live, current, minLines = 0) {
      if (compacting || length <= 2 * Math.max(live, minLines)) return compacting ?? Promise.resolve();
      compacting = journal
        .rewrite(current())
        .catch(() => undefined)
        .finally(() => {
          compacting = undefined;
        });
      return compacting;
    },
    async close() {
      await tail;
    },
  };
  return { journal, records };
}

/**
 * For files that can be rebuilt from what the bot hears next (dedupe keys, conversation references):
 * creates the folder, and starts with an empty journal when the file cannot be read or is corrupt.
 */
export async function openJournalOrStartAfresh<T>(
  file: string,
  opts: JournalOptions<T>,
): Promise<{ journal: Journal<T>; records: T[] }> {
  await mkdir(dirname(file), { recursive: true });
  try {
    return await openJournal(file, opts);
  } catch {
    await rm(file, { recursive: true, force: true });
    return openJournal(file, opts);
  }
}
