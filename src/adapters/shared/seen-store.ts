import { openJournalOrStartAfresh } from '../../storage/journal.js';

/**
 * Keys of platform events already handled, so a redelivery is recognised: after a restart (both
 * stores) and on another replica (the PostgreSQL store, pg-seen-store.ts).
 */
export interface SeenStore {
  /**
   * True the first time any of `keys` is seen; false if one was seen before. Checks and remembers all
   * keys at once, so two deliveries of one event racing each other get one true between them.
   */
  firstTime(...keys: string[]): Promise<boolean>;
  /**
   * Starts a turn: true when no key is done or in progress. The turn counts as done only after
   * `done` (its reply posted, its ticket stored): a process that dies before then leaves no done key
   * behind, so the platform's retry of the same event is carried out (on PostgreSQL once the dead
   * turn's lease has run out).
   */
  begin(...keys: string[]): Promise<boolean>;
  /** Records a begun turn as done, durably. */
  done(...keys: string[]): Promise<void>;
  /** Gives up a begun turn (it failed): a retry may carry it out. Never rejects. */
  release(...keys: string[]): Promise<void>;
  /** Stops background work (the PostgreSQL store's expiry sweep). */
  close?(): void;
}

type SeenRecord = [key: string, at: number];

const parseRecord = (value: unknown): SeenRecord | string =>
  Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number'
    ? (value as SeenRecord)
    : 'not a [key, time] pair';

/**
 * The seen store of the default (lowdb) mode: kept on disk, bounded in size and age. Each new key is
 * appended to a journal (one small group-committed write, not a rewrite of every key), and the journal
 * is rewritten with only the live keys once it holds twice as many lines as there are keys. Turns in
 * progress are kept in memory only: one process owns the file.
 */
export async function createSeenStore(opts: {
  file: string;
  ttlMs?: number;
  max?: number;
  now?: () => number;
}): Promise<SeenStore> {
  const ttl = opts.ttlMs ?? 24 * 3_600_000;
  const max = opts.max ?? 20_000;
  const now = opts.now ?? Date.now;
  const seen = new Map<string, number>();
  // Unreadable: start afresh. The worst case is one duplicate reply to a redelivery, never a lost one.
  const { journal, records } = await openJournalOrStartAfresh(opts.file, { parse: parseRecord });
  for (const [key, at] of records) if (now() - at < ttl) seen.set(key, at);
  const live = (): SeenRecord[] => [...seen];
  await journal.compact(seen.size, live, 1_000);

  const busy = new Set<string>();
  const isDone = (key: string) => {
    const t = seen.get(key);
    return t !== undefined && now() - t < ttl;
  };
  return {
    async begin(...keys) {
      if (keys.some((k) => busy.has(k) || isDone(k))) return false;
      for (const k of keys) busy.add(k);
      return true;
    },
    async done(...keys) {
      const at = now();
      for (const key of keys) {
        busy.delete(key);
        seen.delete(key);
        seen.set(key, at);
      }
      while (seen.size > max) seen.delete(seen.keys().next().value as string);
      const written = Promise.all(keys.map((key) => journal.append([key, at])));
      void journal.compact(seen.size, live, 1_000);
      await written.catch(() => undefined);
    },
    async release(...keys) {
      for (const k of keys) busy.delete(k);
    },
    async firstTime(...keys) {
      const fresh = keys.every((key) => {
        const t = seen.get(key);
        return t === undefined || now() - t >= ttl;
      });
      const at = now();
      for (const key of keys) {
        seen.delete(key); // re-inserted last: the map stays in age order for eviction
        seen.set(key, at);
      }
      if (!fresh) return false;
      while (seen.size > max) seen.delete(seen.keys().next().value as string);
      const written = Promise.all(keys.map((key) => journal.append([key, at])));
      void journal.compact(seen.size, live, 1_000);
      await written.catch(() => undefined); // a lost write means at worst one duplicate reply later
      return true;
    },
  };
}
