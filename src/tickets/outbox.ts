import type { Logger } from 'pino';
import type { Clock } from '../core/types.js';
import { TicketStoreError } from './errors.js';
import type { NotifierRegistry } from './notifiers.js';
import type { DeliveryResult } from './service-types.js';
import type { TicketStore } from './store.js';
import type { Delivery, Ticket } from './types.js';

export interface Backoff {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 2_000, maxMs: 10 * 60_000, maxAttempts: 12 };

/** How long the outbox waits before trying a store that refused a write again: 1 s, doubling, at most 30 s. */
function storeRetryDelayMs(refusals: number): number {
  return Math.min(30_000, 1_000 * 2 ** (refusals - 1));
}

export type OutboxHealth = { ok: true } | { ok: false; reason: string; since: string };

/** A delivery attempted whose outcome is not stored yet. */
interface Outcome {
  ticketId: string;
  result: DeliveryResult;
  at: Date;
}

/**
 * Delivers the notifications stored with each ticket. A delivery is marked delivered only after its
 * notifier said so; a failure is retried with exponential back-off and jitter (or after the platform's
 * Retry-After), so an outage delays a notification but never loses it.
 *
 * Each delivery goes on its own: order is kept only within one stream (a ticket's deliveries to one
 * audience on one channel, so a card is posted before it is updated), and a failing stream holds back
 * nothing else. One delivery is never attempted twice at the same time.
 *
 * When the store refuses to record an outcome (a full or read-only disk), the outcome is kept in
 * memory and recorded first once the store takes writes again, instead of asking the notifier again:
 * a posted message is posted once, not on every pass. Meanwhile passes back off (`storeRetryDelayMs`)
 * and `health()` says why. Outcomes still unrecorded when the process exits are lost, so those
 * deliveries are attempted again after a restart.
 */
export function createOutbox(deps: {
  store: TicketStore;
  /** Looked up per attempt: a channel may register its notifier after the outbox starts. */
  notifiers: Pick<NotifierRegistry, 'get'>;
  clock: Clock;
  logger?: Logger;
  backoff?: Backoff;
  random?: () => number;
}) {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  const unrecorded = new Map<string, Outcome>();
  let refusal: { reason: string; since: string; count: number; retryAt: number } | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function deliver(ticket: Ticket, delivery: Delivery): Promise<DeliveryResult> {
    const notifier = deps.notifiers.get(delivery.channel);
    if (!notifier) return { ok: false, error: `no notifier for ${delivery.channel} yet` };
    try {
      return await notifier.deliver(ticket, delivery);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  /** Applies an attempt's outcome to its stored delivery. */
  function apply(t: Ticket, deliveryId: string, { result, at }: Outcome): void {
    const d = t.outbox.find((x) => x.id === deliveryId);
    if (!d) return;
    d.attempts += 1;
    if (result.ok) {
      d.status = 'delivered';
      d.deliveredAt = at.toISOString();
      delete d.lastError;
      if (result.refs) t.refs = { ...t.refs, ...result.refs };
      return;
    }
    d.lastError = result.error;
    if (result.permanent || d.attempts >= backoff.maxAttempts) {
      d.status = 'failed';
      return;
    }
    const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (d.attempts - 1));
    const wait = result.retryAfterMs ?? exp * (0.5 + random() / 2);
    d.nextAttemptAt = new Date(at.getTime() + wait).toISOString();
  }

  /**
   * Stores an outcome; resolves with the delivery's status after it, or 'unrecorded' when the store
   * refused the write (the outcome is then kept for the next pass).
   */
  async function record(
    deliveryId: string,
    outcome: Outcome,
  ): Promise<Delivery['status'] | 'unrecorded' | undefined> {
    let stored: Ticket;
    try {
      stored = await deps.store.update(outcome.ticketId, (t) => apply(t, deliveryId, outcome));
    } catch (error) {
      if (!(error instanceof TicketStoreError)) throw error;
      unrecorded.set(deliveryId, outcome);
      refused(error);
      return 'unrecorded';
    }
    unrecorded.delete(deliveryId);
    accepted();
    const { result } = outcome;
    if (result.ok)
      deps.logger?.debug({ ticket: outcome.ticketId, delivery: deliveryId }, 'notification delivered');
    else
      deps.logger?.warn(
        { ticket: outcome.ticketId, delivery: deliveryId, error: result.error },
        'notification not delivered yet',
      );
    return stored.outbox.find((x) => x.id === deliveryId)?.status;
  }

  function refused(error: TicketStoreError): void {
    const now = deps.clock.now();
    const count = (refusal?.count ?? 0) + 1;
    const reason = `the ticket store refuses writes: ${error.message}`;
    refusal = {
      reason,
      since: refusal?.since ?? now.toISOString(),
      count,
      retryAt: now.getTime() + storeRetryDelayMs(count),
    };
    deps.logger?.error(
      { err: error, unrecorded: unrecorded.size, retryInMs: storeRetryDelayMs(count) },
      `outbox paused: ${reason}`,
    );
  }

  function accepted(): void {
    if (!refusal) return;
    deps.logger?.info({ since: refusal.since }, 'the ticket store takes writes again; outbox resumed');
    refusal = undefined;
  }

  /**
   * One pass: first the outcomes the store refused before, then every due delivery, each stream in
   * order and stopped at its first failure. A pass while the store is backed off does nothing; one
   * that meets a refused write stops there.
   */
  async function pass(): Promise<number> {
    if (refusal && deps.clock.now().getTime() < refusal.retryAt) return 0;
    let delivered = 0;
    for (const [deliveryId, outcome] of unrecorded) {
      const status = await record(deliveryId, outcome);
      if (status === 'unrecorded') return delivered;
      if (status === 'delivered') delivered++;
    }
    const now = deps.clock.now().getTime();
    for (const listed of await deps.store.list({ where: hasPending })) {
      for (const stream of streams(listed)) {
        for (const d of stream) {
          if (Date.parse(d.nextAttemptAt) > now) break;
          const ticket = (await deps.store.get(listed.id)) ?? listed;
          const result = await deliver(ticket, d);
          const status = await record(d.id, { ticketId: ticket.id, result, at: deps.clock.now() });
          if (status === 'unrecorded') return delivered;
          if (status !== 'delivered') break;
          delivered++;
        }
      }
    }
    return delivered;
  }

  /** Delivers what is due now; concurrent calls share one pass and trigger one more after it. */
  function kick(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        total += await pass();
      } while (again);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    kick,
    /** Checks for due deliveries every `intervalMs`. */
    start(intervalMs = 1_000) {
      timer ??= setInterval(() => {
        kick().catch((error: unknown) => deps.logger?.error({ err: error }, 'outbox pass failed'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    /** Deliveries not yet delivered (pending or failed), for status pages. */
    async pending(): Promise<number> {
      return (await deps.store.list({ where: hasPending })).reduce(
        (n, t) => n + t.outbox.filter((d) => d.status === 'pending').length,
        0,
      );
    },
    /** Whether notifications can be recorded; not ok while the store refuses writes, with why and since when. */
    health(): OutboxHealth {
      return refusal ? { ok: false, reason: refusal.reason, since: refusal.since } : { ok: true };
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

const hasPending = (t: Readonly<Ticket>) => t.outbox.some((d) => d.status === 'pending');

/** A ticket's pending deliveries by stream (audience and channel), each in the order queued. */
function streams(ticket: Ticket): Delivery[][] {
  const byStream = new Map<string, Delivery[]>();
  for (const d of ticket.outbox) {
    if (d.status !== 'pending') continue;
    const key = `${d.audience}:${d.channel}`;
    byStream.set(key, [...(byStream.get(key) ?? []), d]);
  }
  return [...byStream.values()];
}
