import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Keys of platform events already handled, kept in a small JSON file so a redelivery after a restart
 * is still recognised. Bounded in size and age; writes are atomic (temp file + rename) and serialised.
 */
export interface SeenStore {
  /**
   * True the first time any of `keys` is seen; false if one was seen before. Checks and remembers all
   * keys at once, so two deliveries of one event racing each other get one true between them.
   */
  firstTime(...keys: string[]): Promise<boolean>;
}

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
  try {
    const saved = JSON.parse(await readFile(opts.file, 'utf8')) as Record<string, number>;
    for (const [k, t] of Object.entries(saved)) if (now() - t < ttl) seen.set(k, t);
  } catch {
    // no file yet, or unreadable: start empty (worst case one duplicate reply, never a lost one)
  }
  await mkdir(dirname(opts.file), { recursive: true });
  // Group commit: every key added while a write is under way goes to disk in the next single write,
  // so a burst of events costs a few writes, and each caller still waits until its key is on disk.
  let writing: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const write = async () => {
    const tmp = `${opts.file}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(seen)));
    await rename(tmp, opts.file);
  };
  const persist = (): Promise<void> => {
    if (!writing) {
      writing = write()
        .catch(() => undefined)
        .finally(() => {
          writing = undefined;
        });
      return writing;
    }
    next ??= writing.then(() => {
      next = undefined;
      return persist();
    });
    return next;
  };
  return {
    async firstTime(...keys) {
      const fresh = keys.every((key) => {
        const t = seen.get(key);
        return t === undefined || now() - t >= ttl;
      });
      for (const key of keys) seen.set(key, now());
      if (!fresh) return false;
      while (seen.size > max) seen.delete(seen.keys().next().value as string);
      await persist();
      return true;
    },
  };
}
