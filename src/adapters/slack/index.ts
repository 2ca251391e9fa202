import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { readRaw } from '../../server/http.js';
import { createPgSeenStore } from '../shared/pg-seen-store.js';
import { reportingDuplicates } from '../shared/reporting-seen-store.js';
import { createSeenStore } from '../shared/seen-store.js';
import type { Channel, ChannelDeps, Route } from '../types.js';
import { registerListeners } from './listeners/index.js';
import { createSlackNotifier } from './notifier.js';
import { createSlackPoster, slackClient } from './poster.js';

const MAX_SKEW_SECONDS = 5 * 60;
/** How long stopping waits for turns in flight. */
const STOP_GRACE_MS = 2_000;

/**
 * The Slack channel on the real Bolt app. In HTTP mode Bolt's HTTPReceiver verifies the signature and
 * acknowledges at once (the work runs after the ack); its request listener is mounted on the shared
 * server at `/slack/events`. With SLACK_APP_TOKEN it connects over Socket Mode instead.
 */
export async function createSlackChannel(deps: ChannelDeps): Promise<Channel> {
  const slack = deps.config.slack;
  if (!slack) throw new Error('Slack is not configured');
  const logger = boltLogger(deps);
  const seen = reportingDuplicates(
    deps.pg
      ? createPgSeenStore({ pool: deps.pg, scope: 'slack', logger: deps.logger })
      : await createSeenStore({ file: join(deps.config.dataDir, 'slack-seen.journal') }),
    'slack',
    deps.onDuplicate,
  );
  // Replies look for their earlier post before trying again (post.ts); the client must not retry blindly.
  const clientOptions = {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    retryConfig: { retries: 0 },
  };

  let receiver: HTTPReceiver | SocketModeReceiver;
  if (slack.appToken) {
    receiver = new SocketModeReceiver({ appToken: slack.appToken, logger });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: slack.signingSecret ?? '',
      endpoints: '/slack/events',
      processBeforeResponse: false,
      logger,
      unhandledRequestTimeoutMillis: 2_500,
    });
  }
  // No conversation store: the desk keeps each conversation's context itself (Bolt's would be a second copy per event).
  const app = new App({
    token: slack.botToken,
    receiver,
    logger,
    clientOptions,
    convoStore: false,
    deferInitialization: true,
  });
  // Turns run after the ack; stopping waits a moment for those in flight (a reply being posted), so a
  // deploy does not cut them off. One that does not finish in time is not done: Slack's retry redoes it.
  const inFlight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const turn = next();
    inFlight.add(turn);
    try {
      await turn;
    } finally {
      inFlight.delete(turn);
    }
  });
  // Asked for every message with SLACK_LISTEN=all: made once per content (a reload brings new desks).
  let channels: { desks: unknown; set: ReadonlySet<string> } | undefined;
  const deskChannels = () => {
    const { desks } = deps.content().desks;
    if (channels?.desks !== desks)
      channels = {
        desks,
        set: new Set(desks.flatMap((d) => (d.notify.slackChannel ? [d.notify.slackChannel] : []))),
      };
    return channels.set;
  };
  // Replies go out as JSON through the poster; reads and modals through Bolt's client.
  const poster = createSlackPoster({ token: slack.botToken, apiUrl: slack.apiUrl });
  // The outbox's deliveries give up after 10 s (the outbox retries them); a reply waits for its answer.
  const notifierPoster = createSlackPoster({
    token: slack.botToken,
    apiUrl: slack.apiUrl,
    timeoutMs: 10_000,
  });
  registerListeners(
    app,
    {
      desk: deps.desk,
      tickets: deps.tickets,
      seen,
      listen: slack.listen,
      deskChannels,
      logger: deps.logger.child({ channel: 'slack' }),
    },
    slackClient(app.client, poster),
  );
  app.error(async (error) => {
    deps.logger.error({ err: error }, 'slack listener failed');
  });

  const routes: Route[] = [];
  if (receiver instanceof HTTPReceiver) {
    const http = receiver;
    routes.push({
      method: 'POST',
      path: '/slack/events',
      handle: async (req: IncomingMessage, res: ServerResponse) => {
        if (!req.headers['x-slack-signature']) {
          // Slack's ssl_check comes without a signature; anything else unsigned is refused.
          const body = (await readRaw(req, 64 * 1024)).toString('utf8');
          const ssl = new URLSearchParams(body).get('ssl_check') === '1';
          res.writeHead(ssl ? 200 : 401, { 'content-type': 'application/json' });
          res.end(ssl ? '' : JSON.stringify({ error: 'missing Slack signature' }));
          return;
        }
        // Bolt rejects stale timestamps; a timestamp from the future is refused here too.
        const ts = Number(req.headers['x-slack-request-timestamp']);
        if (!Number.isFinite(ts) || ts - deps.clock.now().getTime() / 1000 > MAX_SKEW_SECONDS) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'request timestamp outside the allowed window' }));
          return;
        }
        http.requestListener(req, res);
      },
    });
  }

  return {
    name: 'slack',
    routes,
    notifier: createSlackNotifier({
      token: slack.botToken,
      ...(slack.apiUrl ? { apiUrl: slack.apiUrl } : {}),
      content: deps.content,
      people: deps.desk.people,
      poster: notifierPoster,
    }),
    async start() {
      await app.init();
      if (receiver instanceof SocketModeReceiver) await receiver.start();
    },
    async stop() {
      if (receiver instanceof SocketModeReceiver) await receiver.stop();
      if (inFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise<void>((ok) => {
            timer = setTimeout(ok, STOP_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      poster.close();
      notifierPoster.close();
      seen.close?.();
    },
  };
}

/**
 * Bolt's and the Web API client's logging through pino. They log each request's body at debug, so a
 * level that is off is checked before the message is put together.
 */
function boltLogger(deps: ChannelDeps): BoltLogger {
  const log = deps.logger.child({ channel: 'slack' });
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...m: unknown[]) => {
      if (log.isLevelEnabled(level)) log[level](m.map(String).join(' '));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
