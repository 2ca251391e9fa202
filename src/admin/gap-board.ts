import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { groupGaps } from '../analytics/gaps.js';
import type { Gap, GapDecision, TurnRecord } from '../analytics/types.js';

/** One grouping asked of the worker. */
export interface GapJob {
  id: number;
  records: TurnRecord[];
  decisions: GapDecision[];
  /** ISO time the recency of the groups is measured from. */
  now: string;
  limit: number;
}
export type GapJobResult = { id: number; gaps: Gap[] } | { id: number; error: string };

/** Groups gaps; the board's default runs `groupGaps` on a worker thread. */
export type ComputeGaps = (job: Omit<GapJob, 'id'>) => Promise<Gap[]>;

/** What the page shows: the groups, when they were grouped, and whether newer ones are on the way. */
export interface GapView {
  gaps: Gap[];
  groupedAt: string;
  /** The records changed since: a regrouping is running, the page can reload. */
  pending: boolean;
  /** The last grouping failed (logged); `gaps` are the last ones that did not, if any. */
  failed?: boolean;
}

export interface GapBoard {
  /**
   * The gaps of `records` (the period's, filtered) under `key` (the period and filters): the groups of
   * exactly these records when they are known or come within `waitMs`; else the last groups of this key,
   * marked pending; else undefined (the first view of a period, still being grouped).
   */
  get(
    key: string,
    records: readonly TurnRecord[],
    decisions: GapDecision[],
    now: Date,
  ): Promise<GapView | undefined>;
  close(): Promise<void>;
}

/** Periods remembered, most recently viewed kept. */
const KEYS = 24;

/**
 * A fingerprint of what grouping reads: every record kept for review (id, time, reasons, rating, text
 * length) and the decisions. Records that need no review do not change the groups.
 */
export function gapFingerprint(records: readonly TurnRecord[], decisions: readonly GapDecision[]): string {
  let h = 0x811c9dc5;
  let n = 0;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  };
  for (const r of records) {
    if (r.review.length === 0 || r.text === undefined) continue;
    n++;
    mix(r.id);
    mix(r.at);
    mix(r.review.join());
    mix(r.feedback ?? '-');
    mix(String(r.text.length));
  }
  for (const d of decisions) {
    mix(d.gap);
    mix(d.decision);
    mix(d.at);
  }
  return `${n}:${decisions.length}:${(h >>> 0).toString(36)}`;
}

/** The file URL of tsx's ESM registration API (the `import` entry of `tsx/esm/api`). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = require(manifest) as { exports: Record<string, { import: { default: string } }> };
  const entry = pkg.exports['./esm/api']?.import.default;
  if (!entry) throw new Error('tsx has no ESM registration API (tsx/esm/api)');
  return new URL(entry, pathToFileURL(manifest)).href;
}

/**
 * Runs `groupGaps` on one worker thread, started when first needed and stopped after a minute idle.
 * The worker is TypeScript run through tsx (as the server is); if it cannot start, grouping runs on
 * the main thread, logged once.
 */
export function workerGaps(logger: Pick<Logger, 'warn'>): ComputeGaps & { close(): Promise<void> } {
  let worker: Worker | undefined;
  let broken = false;
  let next = 0;
  let idle: NodeJS.Timeout | undefined;
  const waiting = new Map<number, { ok: (gaps: Gap[]) => void; fail: (e: Error) => void }>();

  const start = (): Worker => {
    const tsx = tsxEsmApi();
    const entry = new URL('./gap-worker.ts', import.meta.url).href;
    const w = new Worker(
      `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
      { eval: true },
    );
    w.unref();
    w.on('message', (m: GapJobResult) => {
      const job = waiting.get(m.id);
      waiting.delete(m.id);
      if ('error' in m) job?.fail(new Error(m.error));
      else job?.ok(m.gaps);
    });
    const gone = (error: Error) => {
      if (worker === w) worker = undefined;
      for (const job of waiting.values()) job.fail(error);
      waiting.clear();
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`the gap worker exited (${code})`)));
    return w;
  };

  const compute = (async (job) => {
    if (broken) return groupGaps(job.records, { ...job, now: new Date(job.now) });
    clearTimeout(idle);
    try {
      worker ??= start();
    } catch (error) {
      broken = true;
      logger.warn({ err: error }, 'gap worker cannot start; grouping gaps on the main thread');
      return groupGaps(job.records, { ...job, now: new Date(job.now) });
    }
    const w = worker;
    const id = ++next;
    try {
      return await new Promise<Gap[]>((ok, fail) => {
        waiting.set(id, { ok, fail });
        w.postMessage({ ...job, id } satisfies GapJob);
      });
    } finally {
      if (waiting.size === 0) {
        idle = setTimeout(() => void w.terminate(), 60_000);
        idle.unref();
      }
    }
  }) as ComputeGaps & { close(): Promise<void> };
  compute.close = async () => {
    clearTimeout(idle);
    await worker?.terminate();
    worker = undefined;
  };
  return compute;
}

/**
 * The dashboard's knowledge gaps, grouped off the main thread and kept per period and filter until the
 * records they came from change. A page waits up to `waitMs` for a regrouping and otherwise shows the
 * last groups (or none yet) while it finishes, so the page stays fast on a month of 100,000 records.
 */
export function createGapBoard(deps: {
  logger: Pick<Logger, 'warn' | 'error'>;
  limit: number;
  waitMs?: number;
  compute?: ComputeGaps;
}): GapBoard {
  const compute = deps.compute ?? workerGaps(deps.logger);
  const waitMs = deps.waitMs ?? 250;
  const done = new Map<string, { fingerprint: string; view: GapView }>();
  const running = new Map<string, { fingerprint: string; result: Promise<GapView> }>();

  const remember = (key: string, fingerprint: string, view: GapView) => {
    done.delete(key);
    done.set(key, { fingerprint, view });
    while (done.size > KEYS) done.delete(done.keys().next().value as string);
  };

  return {
    async get(key, records, decisions, now) {
      const fingerprint = gapFingerprint(records, decisions);
      const known = done.get(key);
      if (known?.fingerprint === fingerprint) {
        remember(key, fingerprint, known.view);
        return known.view;
      }
      let run = running.get(key);
      if (run?.fingerprint !== fingerprint) {
        // Only the records kept for review are sent to the worker: the others cannot form a gap.
        const kept = records.filter((r) => r.review.length > 0 && r.text !== undefined);
        const result = compute({ records: kept, decisions, now: now.toISOString(), limit: deps.limit }).then(
          (gaps) => {
            const view = { gaps, groupedAt: now.toISOString(), pending: false };
            if (running.get(key) === entry) running.delete(key);
            remember(key, fingerprint, view);
            return view;
          },
          (error: unknown) => {
            if (running.get(key) === entry) running.delete(key);
            deps.logger.error({ err: error }, 'grouping knowledge gaps failed');
            throw error;
          },
        );
        const entry = { fingerprint, result };
        running.set(key, entry);
        run = entry;
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((ok) => {
        timer = setTimeout(() => ok(undefined), waitMs);
      });
      const view = await Promise.race([run.result.catch(() => 'failed' as const), late]);
      clearTimeout(timer);
      if (view === 'failed')
        return { ...(known?.view ?? { gaps: [], groupedAt: '' }), pending: false, failed: true };
      if (view) return view;
      return known ? { ...known.view, pending: true } : undefined;
    },
    async close() {
      await (compute as Partial<{ close(): Promise<void> }>).close?.();
    },
  };
}
