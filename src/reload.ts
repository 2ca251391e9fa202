import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CONTENT_FOLDERS, ContentError, formatProblem, loadContent } from './content/load.js';
import type { Content } from './content/types.js';
import { createEngine } from './core/engine.js';
import type { Engine, EngineRef } from './core/engine-types.js';
import type { ConversationMemory } from './core/memory.js';
import type { Clock } from './core/types.js';
import type { ModelCache } from './core/understand.js';
import type { ReloadOutcome } from './desk/types.js';

export interface ContentHolder extends EngineRef {
  /** Validates everything and builds a new engine off the request path, then swaps it in; a bad change keeps the old one. */
  reload(): Promise<ReloadOutcome>;
  /** The last rejected change, until a good one replaces it. */
  rejected(): { at: string; problems: string[] } | undefined;
  /** Watches intents/ and knowledge/ and reloads on change (debounced). */
  watch(): void;
  close(): void;
}

/** Loads the first content (throws if it is invalid: there is nothing to fall back to) and holds the serving engine. */
export async function createContentHolder(deps: {
  dir: string;
  memory: ConversationMemory;
  clock: Clock;
  logger: Logger;
  debounceMs?: number;
  modelCache?: ModelCache;
  /** Told after a reload swapped in new content (e.g. to tell the other replicas). */
  onReloaded?: (version: string) => void;
  /** Told every reload's outcome: new content, unchanged, or rejected (the metrics count them). */
  onOutcome?: (outcome: ReloadOutcome) => void;
}): Promise<ContentHolder> {
  const build = (content: Content) =>
    createEngine({
      content,
      memory: deps.memory,
      clock: deps.clock,
      logger: deps.logger,
      ...(deps.modelCache ? { modelCache: deps.modelCache } : {}),
    });
  let engine: Engine = build(await loadContent(deps.dir));
  let rejected: { at: string; problems: string[] } | undefined;
  let inFlight: Promise<ReloadOutcome> | undefined;
  let queued = false;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function reloadOnce(): Promise<ReloadOutcome> {
    try {
      const content = await loadContent(deps.dir);
      if (content.version === engine.content.version) {
        rejected = undefined;
        return { ok: true, version: content.version, changed: false };
      }
      const next = build(content);
      engine = next; // one assignment: every turn sees the old engine or the new one, whole
      rejected = undefined;
      deps.logger.info(
        { version: content.version, entries: content.knowledge.length, intents: content.intents.length },
        'content reloaded',
      );
      deps.onReloaded?.(content.version);
      return { ok: true, version: content.version, changed: true };
    } catch (error) {
      const problems =
        error instanceof ContentError ? error.problems.map(formatProblem) : [(error as Error).message];
      rejected = { at: deps.clock.now().toISOString(), problems };
      for (const p of problems)
        deps.logger.warn({ problem: p }, 'content change rejected; still serving the previous content');
      return { ok: false, problems, keptVersion: engine.content.version };
    }
  }

  function reload(): Promise<ReloadOutcome> {
    if (inFlight) {
      queued = true;
      return inFlight;
    }
    inFlight = (async () => {
      let outcome: ReloadOutcome;
      do {
        queued = false;
        outcome = await reloadOnce();
        deps.onOutcome?.(outcome);
      } while (queued);
      return outcome;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    current: () => engine,
    reload,
    rejected: () => rejected,
    watch() {
      const schedule = () => {
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), deps.debounceMs ?? 200);
      };
      for (const sub of CONTENT_FOLDERS) {
        try {
          const w = watch(join(deps.dir, sub), { recursive: true }, schedule);
          w.on('error', (error) =>
            deps.logger.warn({ err: error, dir: sub }, 'content watcher failed; reload with SIGHUP'),
          );
          watchers.push(w);
        } catch (error) {
          deps.logger.warn({ err: error, dir: sub }, 'cannot watch content; reload with SIGHUP');
        }
      }
    },
    close() {
      clearTimeout(timer);
      for (const w of watchers.splice(0)) w.close();
    },
  };
}
