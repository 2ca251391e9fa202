import type { Logger } from 'pino';
import type { Clock } from '../core/types.js';
import { TicketStoreError } from './errors.js';
import type { DeliveryResult } from './service-types.js';
import type { Audience, Delivery, Ticket } from './types.js';

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

/** What the outbox reads and writes of a delivery, whoever holds it. */
export type OutboxDelivery = Pick<
  Delivery,
  'id' | 'channel' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'
> & {
  /** With the channel, the delivery's stream (deliveries of one holder in one stream go in order). */
  audience?: Audience;
};

/**
 * What holds deliveries, written in the same atomic write as the change that queued them: a ticket, or
 * a bulletin (a notice about no ticket, such as the weekly digest: src/tickets/bulletins.ts).
 */
export interface DeliveryHolder {
  id: string;
  outbox: OutboxDelivery[];
  /** Platform handles the notifiers keep (merged from a delivery's `refs`). */
  refs: Record<string, unknown>;
}

/** The part of a holder's store the outbox uses (the TicketStore is one). */
export interface HolderStore<H extends DeliveryHolder> {
  get(id: string): Promise<H | undefined>;
  list(filter?: { where?: (holder: Readonly<H>) => boolean }): Promise<H[]>;
  /** Applies `mutate` to a copy and persists it atomically; a refused write is a TicketStoreError. */
  update(id: string, mutate: (holder: H) => void): Promise<H>;
}

type DeliveryOf<H extends DeliveryHolder> = H['outbox'][number];

/** Delivers one delivery of a holder on its channel (a ticket's Notifier, a channel's bulletin poster). */
export interface HolderNotifier<H extends DeliveryHolder> {
  deliver(holder: H, delivery: DeliveryOf<H>): Promise<DeliveryResult>;
}

/** A delivery attempted whose outcome is not stored yet. */
interface Outcome {
  /** The holder's id (a ticket's, or a bulletin's). */
  ticketId: string;
  result: DeliveryResult;
  at: Date;
  /**
   * With a queue: the attempts the notifier was shown. The outcome is recorded only while the stored
   * delivery is still pending with no more attempts than that (no other replica recorded a later
   * attempt meanwhile), and it then holds `basis + 1` attempts.
   */
  basis?: number;
}

/** A delivery a replica claimed from a shared queue: its lease is this replica's until it expires. */
export interface ClaimedDelivery {
  /** The holder's id (a ticket's, or a bulletin's in a bulletin queue). */
  ticketId: string;
  deliveryId: string;
  /** Claims before this one: more than the stored attempts when an earlier claimant died mid-delivery. */
  priorClaims: number;
}

/**
 * Deliveries shared by several processes (PostgreSQL, src/tickets/pg-outbox.ts): a claimed delivery is
 * leased to the claimant, so no other process attempts it until the lease expires. Only the first
 * pending delivery of each stream can be claimed, so a stream stays in order across processes.
 */
export interface DeliveryQueue {
  /** Leases up to `limit` due deliveries, each the head of its stream and not leased to anyone. */
  claim(now: Date, limit: number): Promise<ClaimedDelivery[]>;
  /** Forgets a claimed delivery whose ticket no longer has it pending (the queue was out of step). */
  drop(deliveryId: string): Promise<void>;
  /** Deliveries pending, for status pages. */
  pending(): Promise<number>;
  /** How long a claim lasts; a delivery still being attempted has its lease renewed well before that. */
  readonly leaseMs?: number;
  /** Extends this process's lease on a delivery it is still attempting (a slow notifier call). */
  renew?(deliveryId: string, now: Date): Promise<void>;
}

/**
 * Delivers the notifications stored with each ticket (or, in a second outbox over the bulletin store,
 * with each bulletin: the same guarantees for a notice about no ticket). A delivery is marked
 * delivered only after its notifier said so; a failure is retried with exponential back-off and
 * jitter (or after the platform's Retry-After), so an outage delays a notification but never loses it.
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
 *
 * With a `queue` (PostgreSQL, several replicas) deliveries are claimed from it with a lease instead:
 * each is attempted by one replica at a time, and one whose claimant died is attempted again by another
 * after the lease, shown to the notifier with `attempts > 0` so it looks for its earlier post first.
 */
export function createOutbox<H extends DeliveryHolder = Ticket>(deps: {
  /** The ticket store, or another store of delivery holders (bulletins). */
  store: HolderStore<H>;
  /** Looked up per attempt: a channel may register its notifier after the outbox starts. */
  notifiers: { get(channel: Delivery['channel']): HolderNotifier<H> | undefined };
  clock: Clock;
  logger?: Logger;
  backoff?: Backoff;
  random?: () => number;
  /**
   * A queue shared with other processes (PostgreSQL): deliveries are claimed from it with a lease
   * instead of read from every ticket, so each is attempted by one process at a time. Without one,
   * this process is the only one delivering (lowdb).
   */
  queue?: DeliveryQueue;
  /** With a queue: deliveries claimed, and attempted concurrently, at a time (default 8). */
  batch?: number;
  /** Told each recorded attempt's result on its channel: delivered, retry (later) or failed (for good). */
  onAttempt?: (channel: Delivery['channel'], result: 'delivered' | 'retry' | 'failed') => void;
}) {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const batch = Math.max(1, deps.batch ?? 8);
  const random = deps.random ?? Math.random;
  const unrecorded = new Map<string, Outcome>();
  let refusal: { reason: string; since: string; count: number; retryAt: number } | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function deliver(ticket: H, delivery: DeliveryOf<H>): Promise<DeliveryResult> {
    const notifier = deps.notifiers.get(delivery.channel);
    if (!notifier) return { ok: false, error: `no notifier for ${delivery.channel} yet` };
    try {
      return await notifier.deliver(ticket, delivery);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  /** Applies an attempt's outcome to its stored delivery; false when it is stale (see Outcome.basis). */
  function apply(t: H, deliveryId: string, { result, at, basis }: Outcome): boolean {
    const d = t.outbox.find((x) => x.id === deliveryId);
    if (!d) return false;
    if (basis === undefined) d.attempts += 1;
    else if (d.status !== 'pending' || d.attempts > basis) return false;
    else d.attempts = basis + 1;
    if (result.ok) {
      d.status = 'delivered';
      d.deliveredAt = at.toISOString();
      delete d.lastError;
      if (result.refs) t.refs = { ...t.refs, ...result.refs };
      return true;
    }
    d.lastError = result.error;
    if (result.permanent || d.attempts >= backoff.maxAttempts) {
      d.status = 'failed';
      return true;
    }
    const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (d.attempts - 1));
    const wait = result.retryAfterMs ?? exp * (0.5 + random() / 2);
    d.nextAttemptAt = new Date(at.getTime() + wait).toISOString();
    return true;
  }

  /**
   * Stores an outcome; resolves with the delivery's status after it, or 'unrecorded' when the store
   * refused the write (the outcome is then kept for the next pass).
   */
  async function record(
    deliveryId: string,
    outcome: Outcome,
  ): Promise<Delivery['status'] | 'unrecorded' | 'stale' | undefined> {
    let stored: H;
    let applied = false;
    try {
      stored = await deps.store.update(outcome.ticketId, (t) => {
        applied = apply(t, deliveryId, outcome);
      });
    } catch (error) {
      if (!(error instanceof TicketStoreError)) throw error;
      unrecorded.set(deliveryId, outcome);
      refused(error);
      return 'unrecorded';
    }
    unrecorded.delete(deliveryId);
    accepted();
    const { result } = outcome;
    if (!applied && outcome.basis !== undefined) {
      // Another replica took it over (this one's lease expired) and recorded its own attempt.
      deps.logger?.warn(
        { ticket: outcome.ticketId, delivery: deliveryId, ok: result.ok },
        'notification outcome not recorded: another replica attempted it after this lease expired',
      );
      return 'stale';
    }
    if (result.ok)
      deps.logger?.debug({ ticket: outcome.ticketId, delivery: deliveryId }, 'notification delivered');
    else
      deps.logger?.warn(
        { ticket: outcome.ticketId, delivery: deliveryId, error: result.error },
        'notification not delivered yet',
      );
    const d = stored.outbox.find((x) => x.id === deliveryId);
    if (d) deps.onAttempt?.(d.channel, d.status === 'pending' ? 'retry' : d.status);
    return d?.status;
  }

  function refused(error: TicketStoreError): void {
    const now = deps.clock.now();
    // Outcomes of one pass refused together (up to a batch in flight when the store went away) are one
    // refusal: only a try after the back-off has run out doubles it.
    if (refusal && now.getTime() < refusal.retryAt) return;
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
    if (deps.queue) return delivered + (await claimedPass(deps.queue));
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

  /**
   * A pass over a shared queue: claims a batch of stream heads, attempts them concurrently, records
   * each outcome (which ends its lease), and claims again while the last batch delivered anything (a
   * delivered head lets the next of its stream go). Stops at a refused write; a delivery whose outcome
   * could not be recorded keeps its lease until it expires.
   */
  async function claimedPass(queue: DeliveryQueue): Promise<number> {
    let delivered = 0;
    for (;;) {
      const claimed = await queue.claim(deps.clock.now(), batch);
      let progress = 0;
      let refusedWrite = false;
      await Promise.all(
        claimed.map(async (c) => {
          const ticket = await deps.store.get(c.ticketId);
          const d = ticket?.outbox.find((x) => x.id === c.deliveryId);
          if (!ticket || !d || d.status !== 'pending') {
            await queue.drop(c.deliveryId);
            return;
          }
          // Claimed before without a recorded outcome: its claimant died mid-delivery, so the notifier
          // is told this is not the first attempt and looks for an earlier post first.
          const presented: DeliveryOf<H> = { ...d, attempts: Math.max(d.attempts, c.priorClaims) };
          // A notifier call that outlasts the lease would let another replica attempt it too: renew it.
          const renewal =
            queue.renew && queue.leaseMs
              ? setInterval(() => {
                  queue.renew?.(c.deliveryId, deps.clock.now()).catch((error: unknown) => {
                    deps.logger?.warn({ err: error, delivery: c.deliveryId }, 'delivery lease not renewed');
                  });
                }, queue.leaseMs / 3)
              : undefined;
          renewal?.unref();
          const result = await deliver(ticket, presented).finally(() => clearInterval(renewal));
          const status = await record(d.id, {
            ticketId: ticket.id,
            result,
            at: deps.clock.now(),
            basis: presented.attempts,
          });
          if (status === 'unrecorded') refusedWrite = true;
          else if (status === 'delivered') {
            delivered++;
            progress++;
          }
        }),
      );
      if (refusedWrite || progress === 0 || claimed.length === 0) return delivered;
    }
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
      if (deps.queue) return deps.queue.pending();
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

const hasPending = (t: Readonly<DeliveryHolder>) => t.outbox.some((d) => d.status === 'pending');

/** A holder's pending deliveries by stream (audience and channel), each in the order queued. */
function streams<H extends DeliveryHolder>(ticket: H): DeliveryOf<H>[][] {
  const byStream = new Map<string, DeliveryOf<H>[]>();
  for (const d of ticket.outbox) {
    if (d.status !== 'pending') continue;
    const key = `${d.audience ?? ''}:${d.channel}`;
    byStream.set(key, [...(byStream.get(key) ?? []), d]);
  }
  return [...byStream.values()];
}
