import type { Platform } from '../../core/types.js';
import type { SeenStore } from './seen-store.js';

/**
 * A seen store that says when it recognised a redelivery: `begin` or `firstTime` answering false is
 * the one place a platform's retry (or an event delivered twice) is turned away. For the metrics; a
 * listener that throws changes nothing for the turn.
 */
export function reportingDuplicates(
  store: SeenStore,
  platform: Platform,
  onDuplicate: ((platform: Platform) => void) | undefined,
): SeenStore {
  if (!onDuplicate) return store;
  const report = (fresh: boolean) => {
    if (!fresh)
      try {
        onDuplicate(platform);
      } catch {
        // a counter must never fail a turn
      }
    return fresh;
  };
  return {
    begin: async (...keys) => report(await store.begin(...keys)),
    firstTime: async (...keys) => report(await store.firstTime(...keys)),
    done: (...keys) => store.done(...keys),
    release: (...keys) => store.release(...keys),
    ...(store.close ? { close: () => store.close?.() } : {}),
  };
}
