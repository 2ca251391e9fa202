import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminChannel } from '../content/types.js';
import { type Journal, JournalError, openJournal } from '../storage/journal.js';
import { TicketError, TicketStoreError } from './errors.js';
import type { HolderNotifier, HolderStore, OutboxDelivery } from './outbox.js';
import type { DeliveryResult } from './service-types.js';
import type { Delivery } from './types.js';

/**
 * Bulletins: notices for admins that are about no ticket (the weekly digest). A bulletin holds its own
 * deliveries, one per channel, exactly as a ticket does, so a second outbox over the bulletin store
 * delivers them with the same guarantees (written with the bulletin in one atomic write, retried with
 * back-off, one attempt at a time, leased to one replica on PostgreSQL, each channel independent),
 * without a ticket pretending to be one.
 */
export interface Bulletin<K extends string = string, B = unknown> {
  /** Its idempotency key and id, e.g. `digest:2025-W03`: the same id is never queued twice. */
  id: string;
  kind: K;
  createdAt: string;
  /** Where it goes, as the desk file said when it was queued. */
  to: AdminChannel;
  /** What it says: its kind's data, which each channel renders from the views. */
  body: B;
  /** One delivery per channel, none to an audience: a bulletin is for the admins. */
  outbox: BulletinDelivery[];
  /** Platform handles the notifiers keep (the Slack message's ts). */
  refs: Record<string, unknown>;
}

export type BulletinDelivery = Omit<OutboxDelivery, 'audience'>;

/** Bulletins kept in the data directory (one process) or PostgreSQL (several: pg-bulletins.ts). */
export interface BulletinStore extends HolderStore<Bulletin> {
  open(): Promise<void>;
  close(): Promise<void>;
  /** Stores `bulletin` unless one with its id exists; the same id always gives the stored one. */
  createIfAbsent(bulletin: Bulletin): Promise<{ bulletin: Bulletin; created: boolean }>;
  /** Deletes the bulletins queued before `before` (ISO), whatever became of them; resolves how many went. */
  prune(before: string): Promise<number>;
}

/** How a channel posts bulletins; a channel's `Notifier.bulletins` (absent: it posts none). */
export interface BulletinPoster {
  /** Whether this channel can reach `to` (its platform's id is set there). */
  handles(to: AdminChannel): boolean;
  deliver(bulletin: Bulletin, delivery: BulletinDelivery): Promise<DeliveryResult>;
}

/** A new bulletin's deliveries: one per channel, due now. */
export function bulletinDeliveries(
  id: string,
  channels: Array<Delivery['channel']>,
  now: Date,
): BulletinDelivery[] {
  return channels.map((channel) => ({
    id: `${id}:${channel}`,
    channel,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
  }));
}

/**
 * The bulletin outbox's notifiers: each channel's `bulletins` poster, looked up per attempt, so a
 * channel that mounts late is used from then on.
 */
export function bulletinNotifiers(registry: {
  get(channel: Delivery['channel']): { bulletins?: BulletinPoster } | undefined;
}): { get(channel: Delivery['channel']): HolderNotifier<Bulletin> | undefined } {
  return {
    get(channel) {
      const poster = registry.get(channel)?.bulletins;
      return poster ? { deliver: (bulletin, delivery) => poster.deliver(bulletin, delivery) } : undefined;
    },
  };
}

const isBulletin = (value: unknown): value is Bulletin => {
  const b = value as Partial<Bulletin> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.id === 'string' &&
    typeof b.kind === 'string' &&
    typeof b.createdAt === 'string' &&
    typeof b.to === 'object' &&
    Array.isArray(b.outbox) &&
    typeof b.refs === 'object'
  );
};

/** A journal line: a bulletin as it now is, or the ids pruned. */
type Line = Bulletin | { pruned: string[] };

const parseLine = (value: unknown): Line | string => {
  if (isBulletin(value)) return value;
  const pruned = (value as { pruned?: unknown } | null)?.pruned;
  if (Array.isArray(pruned) && pruned.every((p) => typeof p === 'string')) return { pruned };
  return 'not a bulletin';
};

/**
 * The one-process store: every bulletin in memory, each change one appended (fsynced) journal line
 * holding the whole bulletin, at `<dataDir>/bulletins.journal`. The ticket store's lock on the data
 * directory keeps a second process out. Changes are applied one at a time, each visible only once on
 * disk; a write that fails is a TicketStoreError (STORE_WRITE_FAILED), which the outbox waits out as
 * it does the ticket store's. Bulletins are few (one a week), and the journal is rewritten to the live
 * ones once it holds twice as many lines.
 */
export function createJournalBulletinStore(opts: { dataDir: string }): BulletinStore {
  const file = join(opts.dataDir, 'bulletins.journal');
  const bulletins = new Map<string, Bulletin>();
  let journal: Journal<Line> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const copy = (b: Bulletin): Bulletin => structuredClone(b);
  function opened(): Journal<Line> {
    if (!journal) throw new TicketStoreError('STORE_CLOSED', `the bulletin store (${file}) is not open`);
    return journal;
  }
  /** Runs changes one after another, so a read-modify-write sees the one before it. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  }
  async function write(line: Line): Promise<void> {
    try {
      await opened().append(line);
    } catch (error) {
      if (error instanceof TicketStoreError) throw error;
      throw new TicketStoreError('STORE_WRITE_FAILED', `${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    void opened().compact(bulletins.size, () => [...bulletins.values()], 100);
  }

  return {
    async open() {
      if (journal) return;
      await mkdir(opts.dataDir, { recursive: true });
      try {
        const read = await openJournal<Line>(file, { parse: parseLine });
        for (const line of read.records) {
          if ('pruned' in line) for (const id of line.pruned) bulletins.delete(id);
          else bulletins.set(line.id, line);
        }
        journal = read.journal;
      } catch (error) {
        const code =
          error instanceof JournalError && error.code === 'JOURNAL_CORRUPT'
            ? 'STORE_CORRUPT'
            : 'STORE_UNREADABLE';
        throw new TicketStoreError(code, (error as Error).message, { cause: error });
      }
    },
    async close() {
      const j = journal;
      if (!j) return;
      await queue;
      journal = undefined;
      await j.close();
    },
    createIfAbsent(bulletin) {
      return serial(async () => {
        opened();
        const existing = bulletins.get(bulletin.id);
        if (existing) return { bulletin: copy(existing), created: false };
        const stored = copy(bulletin);
        await write(stored);
        bulletins.set(stored.id, stored);
        return { bulletin: copy(stored), created: true };
      });
    },
    async get(id) {
      opened();
      const b = bulletins.get(id);
      return b ? copy(b) : undefined;
    },
    async list(filter = {}) {
      opened();
      return [...bulletins.values()].filter((b) => !filter.where || filter.where(b)).map(copy);
    },
    update(id, mutate) {
      return serial(async () => {
        opened();
        const current = bulletins.get(id);
        // Not a store failure (the outbox would wait for the store): the bulletin was pruned meanwhile.
        if (!current) throw new TicketError('NOT_FOUND', `No bulletin ${id}.`);
        const draft = copy(current);
        mutate(draft);
        await write(draft);
        bulletins.set(id, draft);
        return copy(draft);
      });
    },
    prune(before) {
      return serial(async () => {
        opened();
        const gone = [...bulletins.values()].filter((b) => b.createdAt < before).map((b) => b.id);
        if (gone.length === 0) return 0;
        await write({ pruned: gone });
        for (const id of gone) bulletins.delete(id);
        return gone.length;
      });
    },
  };
}
