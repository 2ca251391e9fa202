import type { Logger } from 'pino';
import type { Action, Clock } from '../core/types.js';
import type { Rating } from '../feedback/store.js';
import { buildTurnRecord, keptText, type Pseudonymise, type TurnInput } from './record.js';
import type { ReviewReason, TurnPatch, TurnRecord, TurnStore } from './types.js';

/** What a recorder tells its subscribers (the Prometheus counters), as it happens. */
export type RecorderEvent =
  | { type: 'turn'; record: TurnRecord }
  /** `record` when this process still has the rated turn's record at hand. */
  | { type: 'feedback'; rating: Rating; record?: TurnRecord }
  | { type: 'ticket'; desk: string };

export type RecorderListener = (event: RecorderEvent) => void;

export interface TurnRecorder {
  /** Records a turn the engine just replied to. Returns at once: the write happens behind the reply. */
  turn(input: TurnInput): void;
  /** A rating of the turn `turnKey`; a Not helpful keeps `text` (the turn's question, scrubbed here) for review. */
  rated(turnKey: string, rating: Rating, text?: string): void;
  /**
   * A handoff opened a ticket at `desk`; `turnKey` is the conversation's last turn, if it has one. When
   * that turn was an answer (`previousAction`), it goes to review with `text`, scrubbed here.
   */
  ticketOpened(turnKey: string | undefined, desk: string, previousAction?: Action, text?: string): void;
  /** Deletes records older than the retention period; resolves how many went (0 when the store failed). */
  prune(): Promise<number>;
  /** Waits for every write under way. */
  flush(): Promise<void>;
  /** Stops taking records and waits for those under way (the store is the caller's to close). */
  close(): Promise<void>;
  /** Calls `listener` synchronously on every event; returns the unsubscribe. A listener must be cheap. */
  subscribe(listener: RecorderListener): () => void;
}

export interface TurnRecorderDeps {
  store: TurnStore;
  pseudonymise: Pseudonymise;
  clock: Clock;
  logger: Logger;
  retentionDays: number;
}

/** Records this process wrote lately, so a rating or handoff soon after its turn needs no read. */
const RECENT = 2_000;
const DAY_MS = 86_400_000;

/**
 * Turns, ratings and tickets into turn records, off the turn's path: `turn` builds the record (three
 * HMACs, and a scrub when the text is kept), tells the subscribers and starts the write without waiting
 * for it. A write that fails is logged at warn, by its error code only (no text, no id), and never
 * reaches the person. Later changes to one record (its rating, its ticket) are applied in order, after
 * its own write.
 */
export function createTurnRecorder(deps: TurnRecorderDeps): TurnRecorder {
  const { store, pseudonymise, logger } = deps;
  const listeners = new Set<RecorderListener>();
  const pending = new Set<Promise<unknown>>();
  /** The last write of each record still under way: a patch waits for it. */
  const chains = new Map<string, Promise<unknown>>();
  const recent = new Map<string, TurnRecord>();
  let closed = false;

  const emit = (event: RecorderEvent) => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (error) {
        logger.warn({ reason: (error as Error).message }, 'a turn-record listener failed');
      }
    }
  };
  const failed = (op: string) => (error: unknown) => {
    const e = error as { code?: unknown; message?: unknown };
    logger.warn(
      { op, code: typeof e?.code === 'string' ? e.code : undefined },
      `turn record not written (${op}): ${typeof e?.message === 'string' ? e.message.split('\n')[0]?.slice(0, 200) : 'error'}`,
    );
  };
  const remember = (r: TurnRecord) => {
    recent.delete(r.id);
    recent.set(r.id, r);
    if (recent.size > RECENT) recent.delete(recent.keys().next().value as string);
  };
  /** Runs `write` after the record's earlier writes; tracked for `flush`. */
  const after = (id: string, op: string, write: () => Promise<unknown>) => {
    const run = (chains.get(id) ?? Promise.resolve()).then(write).catch(failed(op));
    chains.set(id, run);
    pending.add(run);
    void run.finally(() => {
      pending.delete(run);
      if (chains.get(id) === run) chains.delete(id);
    });
  };
  const current = async (id: string) => recent.get(id) ?? store.get(id);
  /** What a turn kept for review (also) for `reason` gets: the reason, and `text` unless it keeps one. */
  const forReview = (record: TurnRecord, reason: ReviewReason, text: string | undefined): TurnPatch => ({
    review: record.review.includes(reason) ? [...record.review] : [...record.review, reason],
    ...(record.text === undefined && text ? { text: keptText(text) } : {}),
  });
  /** Applies `patch` to the record and to this process's copy of it. */
  const patchRecord = async (record: TurnRecord, patch: TurnPatch) => {
    if (await store.update(record.id, patch)) remember({ ...record, ...patch });
  };

  async function flush() {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  }

  return {
    turn(input) {
      if (closed) return;
      let record: TurnRecord;
      try {
        record = buildTurnRecord(input, pseudonymise);
      } catch (error) {
        failed('build')(error);
        return;
      }
      remember(record);
      emit({ type: 'turn', record });
      after(record.id, 'add', () => store.add(record));
    },
    rated(turnKey, rating, text) {
      const id = pseudonymise(turnKey, 't');
      const known = recent.get(id);
      emit({ type: 'feedback', rating, ...(known ? { record: known } : {}) });
      if (closed) return;
      after(id, 'rate', async () => {
        const record = await current(id);
        if (!record) return;
        // A later Helpful does not take a turn out of review: it was Not helpful to someone once.
        const patch: TurnPatch =
          rating === 'not_helpful'
            ? { feedback: rating, ...forReview(record, 'not-helpful', text) }
            : { feedback: rating };
        await patchRecord(record, patch);
      });
    },
    ticketOpened(turnKey, desk, previousAction, text) {
      emit({ type: 'ticket', desk });
      if (closed || !turnKey) return;
      const id = pseudonymise(turnKey, 't');
      after(id, 'ticket', async () => {
        const record = await current(id);
        if (!record) return;
        const answered = (previousAction ?? record.action) === 'answer';
        const patch: TurnPatch = answered
          ? { ticketDesk: desk, ...forReview(record, 'handoff-after-answer', text) }
          : { ticketDesk: desk };
        await patchRecord(record, patch);
      });
    },
    async prune() {
      const before = new Date(deps.clock.now().getTime() - deps.retentionDays * DAY_MS).toISOString();
      try {
        const n = await store.prune(before);
        for (const [id, r] of recent) if (r.at < before) recent.delete(id);
        if (n > 0) logger.info({ deleted: n, before }, 'turn records past the retention period deleted');
        return n;
      } catch (error) {
        failed('prune')(error);
        return 0;
      }
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
