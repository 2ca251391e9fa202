import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createLogNotifier } from './adapters/log.js';
import type { Channel, ChannelDeps, Route } from './adapters/types.js';
import { createAdminRoutes } from './admin/index.js';
import { createDigestScheduler } from './analytics/digest.js';
import { createJournalTurnStore, type KeyedTurnStore } from './analytics/journal-store.js';
import { createPgTurnStore } from './analytics/pg-store.js';
import { createPseudonymiser } from './analytics/record.js';
import { createTurnRecorder, type TurnRecorder } from './analytics/recorder.js';
import type { TurnStore } from './analytics/types.js';
import type { Config } from './config.js';
import { createConversationMemory } from './core/memory.js';
import { type Clock, systemClock } from './core/types.js';
import { createDeskService, type DeskService } from './desk/service.js';
import type { ServiceStatus } from './desk/types.js';
import { createPgFeedbackStore } from './feedback/pg-store.js';
import { createFeedbackStore } from './feedback/store.js';
import { pgBacklog, storeBacklog } from './metrics/backlog.js';
import { createMetrics } from './metrics/metrics.js';
import { metricsRoute } from './metrics/route.js';
import { type ContentHolder, createContentHolder } from './reload.js';
import { createHttpServer, sendJson } from './server/http.js';
import { createFileModelCache } from './storage/model-cache.js';
import { type ContentBus, createContentBus, type ReplicaVersion } from './storage/pg/content-bus.js';
import { createPgContextStore } from './storage/pg/context-store.js';
import { createPgPool } from './storage/pg/pool.js';
import { createPgSingleton, REMINDERS_LOCK_KEY } from './storage/pg/singleton.js';
import {
  type Bulletin,
  type BulletinStore,
  bulletinNotifiers,
  createJournalBulletinStore,
} from './tickets/bulletins.js';
import { TicketStoreError } from './tickets/errors.js';
import { createLowdbTicketStore } from './tickets/lowdb-store.js';
import { createNotifierRegistry } from './tickets/notifiers.js';
import { createOutbox } from './tickets/outbox.js';
import { createPgBulletinStore } from './tickets/pg-bulletins.js';
import { createPgDeliveryQueue } from './tickets/pg-outbox.js';
import { createPgTicketStore } from './tickets/pg-store.js';
import { createTicketService } from './tickets/service.js';
import { AWAITING_STAFF } from './tickets/store.js';

export interface RunningApp {
  url: string;
  port: number;
  content: ContentHolder;
  desk: DeskService;
  /** Turn records (the admins' views read them) and the recorder that writes them (metrics subscribe to it). */
  turns: TurnStore;
  recorder: TurnRecorder;
  /** Resolves when channels loaded after readiness (the Teams emulator) are mounted. */
  channelsReady(): Promise<void>;
  /**
   * Runs the periodic pass now, as its minute timer does (reminders, sweeps, the weekly digest check);
   * resolves false on a replica that does not hold the pass (PostgreSQL: another replica runs it).
   */
  periodic(): Promise<boolean>;
  status(): ServiceStatus;
  /** Stops accepting, finishes requests in flight (up to `graceMs`), stops channels and the outbox, closes the store. */
  stop(graceMs?: number): Promise<void>;
}

/** Platform SDKs are loaded only when their channel is on: botbuilder alone takes ~0.6 s to import. */
const CHANNELS = {
  web: async (d: ChannelDeps) => (await import('./adapters/web/index.js')).createWebChannel(d),
  slack: async (d: ChannelDeps) => (await import('./adapters/slack/index.js')).createSlackChannel(d),
  teams: async (d: ChannelDeps) => (await import('./adapters/teams/index.js')).createTeamsChannel(d),
};

/** The routes of a channel still loading: 503 with Retry-After, so a platform retries instead of failing. */
const LOADING: Record<string, Route[]> = {
  teams: [
    {
      method: 'POST',
      path: '/api/messages',
      handle: (_req, res) => {
        res.setHeader('retry-after', '1');
        sendJson(res, 503, { error: 'the Teams channel is starting; retry in a moment' });
      },
    },
  ],
};

/**
 * Composes the application: content and engine, the ticket store, its service and outbox, the desk
 * service every channel serves, and the channels the configuration enables, behind one HTTP server.
 * `/healthz` answers as soon as the server listens; `/readyz` once content is loaded and the ticket
 * store is open and writable.
 */
export async function startApp(deps: {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** How often the store is probed for readiness (tests shorten it). */
  probeMs?: number;
  /**
   * PostgreSQL: how long a claimed delivery stays this replica's (default 2 min, pg-outbox.ts); a replica
   * that dies holding one lets it go after this long (tests shorten it).
   */
  deliveryLeaseMs?: number;
  /** false: turns are not recorded (the bench measures what recording costs). */
  recordTurns?: boolean;
}): Promise<RunningApp> {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  let phase: 'starting' | 'ready' | 'stopping' = 'starting';
  let inFlight = 0;
  let status: () => ServiceStatus = () => ({
    ready: false,
    reasons: [phase === 'stopping' ? 'shutting down' : 'loading content and opening the ticket store'],
    contentVersion: '',
    contentLoadedAt: '',
    knowledgeEntries: 0,
    intents: 0,
    tickets: { open: 0, pendingDeliveries: 0 },
    channels: [],
    uptimeSeconds: 0,
  });

  const base: Route[] = [
    { method: 'GET', path: '/healthz', handle: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      method: 'GET',
      path: '/readyz',
      handle: (_req, res) => {
        const s = status();
        const ready = s.ready && phase === 'ready';
        sendJson(
          res,
          ready ? 200 : 503,
          phase === 'stopping' ? { ...s, ready: false, reasons: ['shutting down'] } : { ...s, ready },
        );
      },
    },
  ];
  let routes: Route[] = base;
  const server = createHttpServer({ logger, routes: () => routes });
  server.on('request', (_req, res) => {
    inFlight++;
    res.on('close', () => inFlight--);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  for (const notice of config.notices) logger.warn(notice);

  const dataDir = resolve(config.dataDir);
  const memory = createConversationMemory({ clock });
  // One pool for everything shared (tickets, dedupe, references, feedback); the ticket store ends it at stop.
  const pool = config.database ? createPgPool(config.database, { logger }) : undefined;
  const store = pool
    ? createPgTicketStore({ pool, endPoolOnClose: true, logger })
    : createLowdbTicketStore({ dataDir, logger });
  let content: ContentHolder;
  // This app's own registry (never prom-client's global one): counters per process, the outbox gauges
  // read the store at scrape time. Every source below reports to it through a callback.
  const metrics = createMetrics({
    content: () => content.current().content,
    backlog: pool ? pgBacklog(pool) : storeBacklog(store),
    clock,
    logger,
  });
  base.push(metricsRoute({ config, metrics }));
  let bus: ContentBus | undefined;
  let turns: KeyedTurnStore;
  let bulletins: BulletinStore;
  let pseudonymKey: string;
  let replicas: ReplicaVersion[] | undefined;
  try {
    content = await createContentHolder({
      dir: resolve(config.contentDir),
      memory,
      clock,
      logger,
      modelCache: createFileModelCache(join(dataDir, 'models'), logger),
      // Several replicas: a reload here is announced to the others, which reload and validate on their own.
      onReloaded: (version) =>
        void bus?.announce(version).catch((error: unknown) => {
          logger.warn({ err: error }, 'content reload not announced to the other replicas');
        }),
      onOutcome: (outcome) => metrics.contentReloaded(outcome),
    });
    await store.open();
    // After the ticket store: with PostgreSQL it has migrated the database, turn tables included.
    turns = pool ? createPgTurnStore({ pool }) : await createJournalTurnStore({ dataDir, logger });
    pseudonymKey = config.admin.pseudonymKey ?? (await turns.pseudonymKey());
    bulletins = pool ? createPgBulletinStore({ pool }) : createJournalBulletinStore({ dataDir });
    await bulletins.open();
    if (pool && config.database)
      bus = await createContentBus({
        database: config.database,
        pool,
        replica: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
        onAnnounced: (version) => {
          if (version !== content.current().content.version) void content.reload();
        },
        logger,
      });
  } catch (error) {
    server.close();
    throw error;
  }

  const desks = () => content.current().content.desks;
  const notifiers = createNotifierRegistry();
  notifiers.register(createLogNotifier({ logger, content: () => content.current().content }));
  // The outbox is the ticket service's onChange: every committed change is delivered at once.
  let kick: () => void = () => undefined;
  const tickets = createTicketService({
    store,
    desks,
    clock,
    logger,
    notifiers,
    onChange: (ticket) => {
      kick();
      metrics.ticketChanged(ticket);
    },
  });
  // With PostgreSQL the replicas share one queue: each delivery is leased to one of them at a time.
  const lease = deps.deliveryLeaseMs ? { leaseMs: deps.deliveryLeaseMs } : {};
  const outbox = createOutbox({
    store,
    notifiers,
    clock,
    logger,
    ...(pool ? { queue: createPgDeliveryQueue({ pool, ...lease }) } : {}),
    onAttempt: (channel, result) => metrics.delivery(channel, result),
  });
  kick = () => {
    outbox.kick().catch((error: unknown) => logger.error({ err: error }, 'outbox pass failed'));
  };
  // Notices about no ticket (the weekly digest) are delivered by a second outbox over their own store,
  // with the same back-off, leases and per-channel independence, and never wait on a ticket's.
  const bulletinOutbox = createOutbox<Bulletin>({
    store: bulletins,
    notifiers: bulletinNotifiers(notifiers),
    clock,
    logger,
    ...(pool
      ? {
          queue: createPgDeliveryQueue({
            pool,
            table: { name: 'bulletin_deliveries', holder: 'bulletin_id' },
            ...lease,
          }),
        }
      : {}),
    onAttempt: (channel, result) => metrics.delivery(channel, result),
  });
  const digests = createDigestScheduler({
    content: () => content.current().content,
    turns,
    tickets: store,
    bulletins,
    channels: (to) => notifiers.reachingAdmins(to),
    clock,
    retentionDays: config.admin.retentionDays,
    onQueued: () => {
      bulletinOutbox.kick().catch((error: unknown) => logger.error({ err: error }, 'outbox pass failed'));
    },
    logger,
  });
  const checkDigest = () =>
    digests.check().then(
      () => undefined,
      (error: unknown) =>
        logger.error({ err: error }, 'weekly digest check failed; the next pass tries again'),
    );
  // Several replicas: each conversation's context is shared, so a follow-up works on any of them.
  const contexts = pool ? createPgContextStore(pool, { now: () => clock.now().getTime() }) : undefined;
  const recorder = createTurnRecorder({
    store: turns,
    pseudonymise: createPseudonymiser(pseudonymKey),
    clock,
    logger,
    retentionDays: config.admin.retentionDays,
  });
  recorder.subscribe((event) => metrics.observe(event));
  const desk = createDeskService({
    engine: content,
    tickets,
    feedback: pool ? createPgFeedbackStore({ pool }) : createFeedbackStore(join(dataDir, 'feedback.jsonl')),
    reload: () => content.reload(),
    status: () => status(),
    clock,
    logger,
    ...(contexts ? { shared: { memory, store: contexts } } : {}),
    ...(deps.recordTurns === false ? {} : { recorder }),
    // Admins accept a gap's question into the content directory this server watches and reloads.
    gaps: {
      store: turns,
      contentDir: resolve(config.contentDir),
      pseudonymise: (user) => createPseudonymiser(pseudonymKey)(user, 'u'),
    },
  });
  const channelDeps: ChannelDeps = {
    config,
    desk,
    tickets,
    content: () => content.current().content,
    clock,
    logger,
    ...(pool ? { pg: pool } : {}),
    turns,
    onDuplicate: (platform) => metrics.deduplicated(platform),
  };
  // The admins' dashboard: checkAdmin guards it in every mode, so it is a base route, not a channel's.
  const admin = createAdminRoutes({ config, turns, tickets, content: channelDeps.content, clock, logger });
  base.push(...admin.routes);

  const channels: Channel[] = [];
  const loading = new Set<keyof typeof CHANNELS>();
  const mountRoutes = () => {
    routes = [
      ...base,
      ...channels.flatMap((c) => c.routes),
      ...[...loading].flatMap((n) => LOADING[n] ?? []),
    ];
  };
  const mount = (c: Channel) => {
    channels.push(c);
    if (c.notifier) notifiers.register(c.notifier);
  };
  if (config.localMode) mount(await CHANNELS.web(channelDeps));
  if (config.slack) mount(await CHANNELS.slack(channelDeps));
  if (config.teams.mode === 'authenticated') mount(await CHANNELS.teams(channelDeps));
  // The emulator loads after readiness, off the start-up path; its route answers 503 until then.
  if (config.teams.mode === 'emulator') loading.add('teams');
  mountRoutes();

  outbox.start();
  bulletinOutbox.start();
  // With PostgreSQL only the replica holding the reminders' advisory lock sends them.
  const remindersLock = pool
    ? createPgSingleton({ pool, key: REMINDERS_LOCK_KEY, name: 'reminders', logger })
    : undefined;
  // Turn records past the retention period are deleted hourly, on that replica too (prune never rejects).
  let prunedAt = 0;
  const pruneHourly = async () => {
    if (clock.now().getTime() - prunedAt < 3_600_000) return;
    prunedAt = clock.now().getTime();
    await recorder.prune();
  };
  // The same replica sweeps expired conversation contexts and queues the weekly digest.
  const remind = () =>
    remindersLock
      ? remindersLock.run(async () => {
          await contexts?.sweep();
          await pruneHourly();
          await checkDigest();
          return tickets.remind();
        })
      : pruneHourly()
          .then(checkDigest)
          .then(() => tickets.remind());
  const reminders = setInterval(() => {
    remind().catch((error: unknown) => logger.error({ err: error }, 'reminder pass failed'));
  }, 60_000);
  reminders.unref();
  if (config.watch) content.watch();
  for (const c of channels) await c.start?.();

  let counts = { open: 0, pendingDeliveries: 0 };
  /** Set while the ticket store cannot be read (PostgreSQL lost mid-run): /readyz answers 503 with it. */
  let unreachable: string | undefined;
  // Every 5 s: the counts /readyz shows, which also probe the store (the pool reconnects by itself).
  const refreshCounts = async () => {
    try {
      counts = {
        // By the status column: a function would read every ticket stored (on PostgreSQL, every 5 s).
        open: await store.count({ status: AWAITING_STAFF }),
        pendingDeliveries: (await outbox.pending()) + (await bulletinOutbox.pending()),
      };
      unreachable = undefined;
    } catch (error) {
      const reason = error instanceof TicketStoreError ? error.message : 'the ticket store cannot be read';
      if (unreachable === undefined)
        logger.error({ reason }, 'ticket store lost; not ready until it is back');
      unreachable = reason;
      return;
    }
    if (bus) {
      await bus.heartbeat(content.current().content.version).catch(() => undefined);
      replicas = await bus.replicas().catch(() => replicas);
    }
  };
  await refreshCounts();
  const countsTimer = setInterval(() => void refreshCounts(), deps.probeMs ?? 5_000);
  countsTimer.unref();

  status = () => {
    const c = content.current().content;
    const rejected = content.rejected();
    // Not ready while the ticket store refuses writes (a full or read-only disk): no handoff can become
    // a ticket then. The outbox's writes are the probe; it retries with back-off.
    const health = outbox.health();
    const reasons = [...(unreachable ? [unreachable] : []), ...(health.ok ? [] : [health.reason])];
    return {
      ready: reasons.length === 0,
      reasons,
      contentVersion: c.version,
      contentLoadedAt: c.loadedAt,
      knowledgeEntries: c.knowledge.length,
      intents: c.intents.length,
      ...(rejected ? { rejected } : {}),
      tickets: counts,
      channels: channels.map((x) => x.name),
      ...(replicas ? { replicas } : {}),
      uptimeSeconds: Math.round((clock.now().getTime() - started) / 1000),
    };
  };
  phase = 'ready';
  const late = [...loading].map((name) =>
    CHANNELS[name](channelDeps).then(
      (c) => {
        loading.delete(name);
        mount(c);
        mountRoutes();
        kick();
      },
      (error: unknown) => logger.error({ err: error, channel: name }, 'channel failed to start'),
    ),
  );
  const lateReady = Promise.all(late).then(() => undefined);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info(
    {
      url,
      channels: channels.map((c) => c.name),
      localMode: config.localMode,
      content: status().contentVersion,
    },
    'Madoguchi is ready',
  );

  return {
    url,
    port,
    content,
    desk,
    turns,
    recorder,
    channelsReady: () => lateReady,
    periodic: async () => (await remind()) !== false,
    status: () => status(),
    async stop(graceMs = 8_000) {
      if (phase === 'stopping') return;
      phase = 'stopping';
      await lateReady;
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      clearInterval(reminders);
      await remindersLock?.stop();
      clearInterval(countsTimer);
      content.close();
      for (const c of channels) await c.stop();
      await admin.close();
      await outbox.stop();
      await bulletinOutbox.stop();
      await recorder.close();
      await turns.close();
      await bus?.close();
      await bulletins.close();
      await store.close();
      logger.info('Madoguchi stopped');
    },
  };
}
