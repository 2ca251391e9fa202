import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createConversationMemory } from '../core/memory.js';
import { type Clock, systemClock } from '../core/types.js';
import { createFeedbackStore } from '../feedback/store.js';
import { createFileModelCache } from '../storage/model-cache.js';
import { createLogNotifier } from '../tickets/log-notifier.js';
import { createLowdbTicketStore } from '../tickets/lowdb-store.js';
import { createOutbox } from '../tickets/outbox.js';
import { createTicketService } from '../tickets/service.js';
import { awaitingStaff } from '../tickets/store.js';
import { createLocalAdapter } from '../web/local.js';
import { type ContentHolder, createContentHolder } from './content-reload.js';
import { createHttpServer, sendJson } from './http.js';
import type { AdapterDeps, ChannelAdapter, Route, ServiceStatus } from './types.js';

export interface RunningServer {
  url: string;
  port: number;
  content: ContentHolder;
  /** Resolves when channels loaded after readiness (the Teams emulator) are mounted. */
  channelsReady(): Promise<void>;
  status(): ServiceStatus;
  /** Stops accepting, finishes requests in flight (up to `graceMs`), stops adapters and the outbox, closes the store. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts everything behind one HTTP server: content and engine, the ticket store and its outbox, and
 * the channels the configuration enables. `/healthz` answers as soon as the server listens; `/readyz`
 * once content is loaded and the ticket store is open.
 */
export async function startServer(deps: {
  config: Config;
  logger: Logger;
  clock?: Clock;
}): Promise<RunningServer> {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now().getTime();
  let phase: 'starting' | 'ready' | 'stopping' = 'starting';
  let routes: Route[] = [];
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
        sendJson(
          res,
          s.ready && phase === 'ready' ? 200 : 503,
          phase === 'ready'
            ? s
            : {
                ...s,
                ready: false,
                reasons: [phase === 'stopping' ? 'shutting down' : (s.reasons[0] ?? 'starting')],
              },
        );
      },
    },
  ];
  routes = base;
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

  const contentDir = resolve(config.contentDir);
  const memory = createConversationMemory({ clock });
  let content: ContentHolder;
  const store = createLowdbTicketStore({ dataDir: resolve(config.dataDir) });
  try {
    content = await createContentHolder({
      dir: contentDir,
      memory,
      clock,
      logger,
      modelCache: createFileModelCache(join(resolve(config.dataDir), 'models'), logger),
    });
    await store.open();
  } catch (error) {
    server.close();
    throw error;
  }

  const feedback = createFeedbackStore(join(resolve(config.dataDir), 'feedback.jsonl'));
  const desks = () => content.current().content.desks;
  const adapters: ChannelAdapter[] = [];
  // The outbox and the service need each other's kick; bind late.
  let kick: () => void = () => undefined;
  // Teams listens with an app id, or in emulator mode outside production.
  const teamsEnabled = Boolean(config.teams.appId) || config.env !== 'production';
  const channels: Array<'log' | 'web' | 'slack' | 'teams'> = ['log'];
  if (config.localMode) channels.push('web');
  if (config.slack) channels.push('slack');
  if (teamsEnabled) channels.push('teams');
  const tickets = createTicketService({ store, desks, clock, logger, channels, onChange: () => kick() });
  const adapterDeps: AdapterDeps = {
    config,
    engine: content,
    tickets,
    kickOutbox: () => kick(),
    desks,
    feedback,
    reload: () => content.reload(),
    status: () => status(),
    clock,
    logger,
  };
  if (config.localMode) adapters.push(createLocalAdapter(adapterDeps));
  // Platform SDKs are loaded only when their channel is on: botbuilder alone takes ~0.6 s to import.
  const createSlackAdapter = async (d: AdapterDeps) =>
    (await import('../adapters/slack/index.js')).createSlackAdapter(d);
  const createTeamsAdapter = async (d: AdapterDeps) =>
    (await import('../adapters/teams/index.js')).createTeamsAdapter(d);
  if (config.slack) adapters.push(await createSlackAdapter(adapterDeps));
  // With an app id Teams is part of readiness; the emulator (local mode) loads after, off the start-up path.
  if (teamsEnabled && config.teams.appId) adapters.push(await createTeamsAdapter(adapterDeps));
  const notifiers = [
    createLogNotifier({ logger, desks }),
    ...adapters.flatMap((a) => (a.notifier ? [a.notifier] : [])),
  ];
  const outbox = createOutbox({ store, notifiers, clock, logger });
  kick = () => {
    outbox.kick().catch((error: unknown) => logger.error({ err: error }, 'outbox pass failed'));
  };
  outbox.start();
  const reminders = setInterval(() => {
    tickets.remind().catch((error: unknown) => logger.error({ err: error }, 'reminder pass failed'));
  }, 60_000);
  reminders.unref();
  if (config.watch) content.watch();
  for (const a of adapters) await a.start?.();

  let counts = { open: 0, pendingDeliveries: 0 };
  const refreshCounts = async () => {
    counts = {
      open: await store.count({ where: awaitingStaff }),
      pendingDeliveries: await outbox.pending(),
    };
  };
  await refreshCounts();
  const countsTimer = setInterval(() => void refreshCounts().catch(() => undefined), 5_000);
  countsTimer.unref();

  status = () => {
    const c = content.current().content;
    const rejected = content.rejected();
    return {
      ready: true,
      reasons: [],
      contentVersion: c.version,
      contentLoadedAt: c.loadedAt,
      knowledgeEntries: c.knowledge.length,
      intents: c.intents.length,
      ...(rejected ? { rejected } : {}),
      tickets: counts,
      channels: adapters.map((a) => a.name),
      uptimeSeconds: Math.round((clock.now().getTime() - started) / 1000),
    };
  };
  routes = [...base, ...adapters.flatMap((a) => a.routes)];
  phase = 'ready';
  const mount = (a: ChannelAdapter) => {
    adapters.push(a);
    if (a.notifier) notifiers.push(a.notifier);
    routes = [...base, ...adapters.flatMap((x) => x.routes)];
    kick();
  };
  const emulator =
    teamsEnabled && !config.teams.appId
      ? createTeamsAdapter(adapterDeps).then(mount, (error: unknown) =>
          logger.error({ err: error }, 'teams emulator failed to start'),
        )
      : Promise.resolve();
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info(
    {
      url,
      channels: adapters.map((a) => a.name),
      localMode: config.localMode,
      content: status().contentVersion,
    },
    'Madoguchi is ready',
  );

  return {
    url,
    port,
    content,
    channelsReady: () => emulator.then(() => undefined),
    status: () => status(),
    async stop(graceMs = 8_000) {
      if (phase === 'stopping') return;
      phase = 'stopping';
      await emulator;
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      clearInterval(reminders);
      clearInterval(countsTimer);
      content.close();
      for (const a of adapters) await a.stop();
      await outbox.stop();
      await store.close();
      logger.info('Madoguchi stopped');
    },
  };
}
