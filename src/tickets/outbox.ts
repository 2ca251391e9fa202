import type { Logger } from 'pino';
import type { Clock } from '../core/types.js';
import type { DeliveryResult, Notifier } from './service-types.js';
import type { TicketStore } from './store.js';
import type { Delivery, Ticket } from './types.js';

export interface Backoff {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 2_000, maxMs: 10 * 60_000, maxAttempts: 12 };

/**
 * Delivers the notifications stored with each ticket. A delivery is marked delivered only after its
 * notifier said so; a failure is retried with exponential back-off and jitter (or after the platform's
 * Retry-After), so an outage delays a notification but never loses it. Deliveries of one ticket go in
 * order, and one delivery is never attempted twice at the same time.
 */
export function createOutbox(deps: {
  store: TicketStore;
  notifiers: Notifier[];
  clock: Clock;
  logger?: Logger;
  backoff?: Backoff;
  random?: () => number;
}) {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  // Looked up per attempt: a channel may register its notifier after the outbox starts.
  const notifierFor = (channel: Delivery['channel']) => deps.notifiers.find((n) => n.channel === channel);
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function attempt(ticket: Ticket, delivery: Delivery): Promise<void> {
    const notifier = notifierFor(delivery.channel);
    let result: DeliveryResult;
    if (!notifier) result = { ok: false, error: `no notifier for ${delivery.channel} yet` };
    else {
      try {
        result = await notifier.deliver(ticket, delivery);
      } catch (error) {
        result = { ok: false, error: (error as Error).message };
      }
    }
    const now = deps.clock.now();
    await deps.store.update(ticket.id, (t) => {
      const d = t.outbox.find((x) => x.id === delivery.id);
      if (!d) return;
      d.attempts += 1;
      if (result.ok) {
        d.status = 'delivered';
        d.deliveredAt = now.toISOString();
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
      d.nextAttemptAt = new Date(now.getTime() + wait).toISOString();
    });
    if (result.ok) deps.logger?.debug({ ticket: ticket.id, delivery: delivery.id }, 'notification delivered');
    else
      deps.logger?.warn(
        { ticket: ticket.id, delivery: delivery.id, error: result.error },
        'notification not delivered yet',
      );
  }

  /** One pass: every due delivery, each ticket's in order, stopping a ticket at its first failure. */
  async function pass(): Promise<number> {
    const now = deps.clock.now().getTime();
    let delivered = 0;
    for (const ticket of await deps.store.list({ where: hasPending })) {
      for (const d of ticket.outbox) {
        if (d.status !== 'pending') continue;
        if (Date.parse(d.nextAttemptAt) > now) break;
        const fresh = (await deps.store.get(ticket.id)) ?? ticket;
        await attempt(fresh, d);
        const after = (await deps.store.get(ticket.id))?.outbox.find((x) => x.id === d.id);
        if (after?.status !== 'delivered') break;
        delivered++;
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
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

const hasPending = (t: Readonly<Ticket>) => t.outbox.some((d) => d.status === 'pending');
