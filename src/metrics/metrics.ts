import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Content } from '../content/types.js';
import type { Clock } from '../core/types.js';
import type { ReloadOutcome } from '../desk/types.js';
import type { Ticket } from '../tickets/types.js';
import { type Backlog, LabelGuard } from './labels.js';

/** What a turn tells the counters: the fields of a turn record they read (never its ids or text). */
export interface TurnFacts {
  platform: string;
  lang: string;
  action: string;
  confidence: number;
  /** Milliseconds the engine took. */
  ms: number;
}

/** The events of the turn recorder (src/analytics/recorder.ts) the counters read. */
export type MetricsEvent =
  | { type: 'turn'; record: TurnFacts }
  | { type: 'feedback'; rating: string }
  | { type: 'ticket'; desk: string };

/** A delivery attempt's outcome: delivered, failed for good, or to be tried again. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'retry';

export interface MetricsDeps {
  /** The content served now: label values are checked against its desks and languages. */
  content: () => Pick<Content, 'version' | 'desks' | 'messages' | 'knowledge'>;
  /** Pending notifications and when the oldest was queued, read at scrape time. */
  backlog: () => Promise<Backlog>;
  clock: Clock;
  logger: Logger;
}

export interface Metrics {
  readonly registry: Registry;
  /** A turn-recorder event: a turn (inquiries, confidence, duration) or a rating. */
  observe(event: MetricsEvent): void;
  /** A platform event recognised as a redelivery and not handled again. */
  deduplicated(platform: string): void;
  /** A ticket after a committed change: its last event says what happened (opened, first claim, breach). */
  ticketChanged(ticket: Readonly<Ticket>): void;
  delivery(channel: string, outcome: DeliveryOutcome): void;
  contentReloaded(outcome: ReloadOutcome): void;
  /** The exposition: every metric of this app plus the process's default metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

const CONFIDENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];
const TURN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** One minute to a week: a desk's response targets are hours. */
const CLAIM_BUCKETS = [60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 86_400, 172_800, 604_800];

let processRegistry: Registry | undefined;
/**
 * The default process metrics (CPU, memory, event loop, GC) are about the process, not an app: they are
 * collected once per process, in a registry of their own, and merged into every app's exposition. Each
 * `collectDefaultMetrics` call starts observers that are never stopped; tests start many apps in one
 * process, so one set serves them all. Never the global default registry.
 */
function defaultMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one running app, in its own registry. Counters are per process (per
 * replica), as Prometheus expects; the outbox gauges read the shared store, so every replica reports
 * the same backlog. No label holds a user id, a ticket id or free text: every value comes from a closed
 * set or from the content's ids, anything else is `other` (labels.ts).
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const labels = new LabelGuard(deps.content);

  const inquiries = new Counter({
    name: 'madoguchi_inquiries_total',
    help: 'Inquiries answered, by platform, language of the question and what the bot did.',
    labelNames: ['platform', 'lang', 'action'] as const,
    registers,
  });
  const confidence = new Histogram({
    name: 'madoguchi_answer_confidence',
    help: 'Calibrated confidence of the answers given (action answer).',
    buckets: CONFIDENCE_BUCKETS,
    registers,
  });
  const turnDuration = new Histogram({
    name: 'madoguchi_turn_duration_seconds',
    help: 'Time the engine took to decide a reply.',
    buckets: TURN_BUCKETS,
    registers,
  });
  const deduplicated = new Counter({
    name: 'madoguchi_events_deduplicated_total',
    help: 'Platform events recognised as redeliveries (retries) and not handled again.',
    labelNames: ['platform'] as const,
    registers,
  });
  const opened = new Counter({
    name: 'madoguchi_tickets_opened_total',
    help: 'Tickets opened, by desk.',
    labelNames: ['desk'] as const,
    registers,
  });
  const firstClaim = new Histogram({
    name: 'madoguchi_ticket_first_claim_seconds',
    help: "Seconds from a ticket's creation to its first claim, by the desk that claimed it.",
    labelNames: ['desk'] as const,
    buckets: CLAIM_BUCKETS,
    registers,
  });
  const breaches = new Counter({
    name: 'madoguchi_response_target_breaches_total',
    help: "Tickets left unclaimed past their desk's response target (each ticket counted once).",
    labelNames: ['desk'] as const,
    registers,
  });
  const deliveries = new Counter({
    name: 'madoguchi_outbox_deliveries_total',
    help: 'Notification delivery attempts, by channel and result (delivered, retry, failed).',
    labelNames: ['channel', 'result'] as const,
    registers,
  });
  const feedback = new Counter({
    name: 'madoguchi_feedback_total',
    help: 'Ratings of answers (helpful, not_helpful).',
    labelNames: ['rating'] as const,
    registers,
  });
  const reloads = new Counter({
    name: 'madoguchi_content_reloads_total',
    help: 'Content reloads: ok (new content served), unchanged, rejected (the previous content kept).',
    labelNames: ['result'] as const,
    registers,
  });

  // The backlog is read once per scrape for both gauges; a store that cannot be read keeps the last values.
  let backlogRead: Promise<Backlog | undefined> | undefined;
  const readBacklog = () => {
    backlogRead ??= deps
      .backlog()
      .catch((error: unknown) => {
        deps.logger.warn({ reason: (error as Error).message }, 'outbox backlog not read for /metrics');
        return undefined;
      })
      .finally(() => {
        backlogRead = undefined;
      });
    return backlogRead;
  };
  new Gauge({
    name: 'madoguchi_outbox_pending',
    help: 'Notifications waiting to be delivered (all replicas).',
    registers,
    async collect() {
      const b = await readBacklog();
      if (b) this.set(b.pending);
    },
  });
  new Gauge({
    name: 'madoguchi_outbox_oldest_pending_seconds',
    help: 'Age of the oldest notification waiting to be delivered; 0 when none waits.',
    registers,
    async collect() {
      const b = await readBacklog();
      if (!b) return;
      const age = b.oldestAt ? (deps.clock.now().getTime() - Date.parse(b.oldestAt)) / 1000 : 0;
      this.set(Math.max(0, age));
    },
  });

  return {
    registry,
    observe(event) {
      if (event.type === 'turn') {
        const r = event.record;
        const action = labels.action(r.action);
        inquiries.inc({ platform: labels.platform(r.platform), lang: labels.lang(r.lang), action });
        if (action === 'answer' && Number.isFinite(r.confidence)) confidence.observe(r.confidence);
        if (Number.isFinite(r.ms) && r.ms >= 0) turnDuration.observe(r.ms / 1000);
      } else if (event.type === 'feedback') {
        feedback.inc({ rating: labels.rating(event.rating) });
      }
      // `ticket` events are counted from the ticket service (ticketChanged), which sees every ticket.
    },
    deduplicated(platform) {
      deduplicated.inc({ platform: labels.platform(platform) });
    },
    ticketChanged(ticket) {
      const last = ticket.events.at(-1);
      if (!last) return;
      const desk = labels.desk(ticket.desk);
      const isFirst = (type: string) =>
        ticket.events.findIndex((e) => e.type === type) === ticket.events.length - 1;
      if (last.type === 'created') opened.inc({ desk });
      else if (last.type === 'claimed' && isFirst('claimed')) {
        const at = Date.parse(last.at);
        firstClaim.observe({ desk }, Math.max(0, (at - Date.parse(ticket.createdAt)) / 1000));
        // Claimed late before any reminder pass saw it: a breach all the same.
        if (at > Date.parse(ticket.dueAt) && !ticket.events.some((e) => e.type === 'reminded'))
          breaches.inc({ desk });
      } else if (last.type === 'reminded' && isFirst('reminded')) {
        // A reminder is sent only past the response target; the first one marks the breach.
        breaches.inc({ desk });
      }
    },
    delivery(channel, outcome) {
      deliveries.inc({ channel: labels.channel(channel), result: outcome });
    },
    contentReloaded(outcome) {
      reloads.inc({ result: !outcome.ok ? 'rejected' : outcome.changed ? 'ok' : 'unchanged' });
    },
    async scrape() {
      const merged = Registry.merge([registry, defaultMetrics()]);
      return { contentType: registry.contentType, body: await merged.metrics() };
    },
  };
}
