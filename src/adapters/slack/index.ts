import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { AdapterDeps, ChannelAdapter, Route } from '../../server/types.js';
import { createSeenStore } from '../shared/seen-store.js';
import {
  registerActionListeners,
  registerCommandListeners,
  registerMessageListeners,
  registerViewListeners,
} from './listeners.js';
import { createSlackNotifier } from './notifier.js';

const MAX_SKEW_SECONDS = 5 * 60;

/**
 * The Slack channel on the real Bolt app. In HTTP mode Bolt's HTTPReceiver verifies the signature and
 * acknowledges at once (the work runs after the ack); its request listener is mounted on the shared
 * server at `/slack/events`. With SLACK_APP_TOKEN it connects over Socket Mode instead.
 */
export async function createSlackAdapter(deps: AdapterDeps): Promise<ChannelAdapter> {
  const slack = deps.config.slack;
  if (!slack) throw new Error('Slack is not configured');
  const logger = boltLogger(deps);
  const seen = await createSeenStore({ file: join(deps.config.dataDir, 'slack-seen.journal') });
  const clientOptions = {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 200 },
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
  const app = new App({ token: slack.botToken, receiver, logger, clientOptions, deferInitialization: true });
  const listenerDeps = { ...deps, seen, listen: slack.listen };
  registerMessageListeners(app, listenerDeps);
  registerActionListeners(app, listenerDeps);
  registerViewListeners(app, listenerDeps);
  registerCommandListeners(app, listenerDeps);
  app.error(async (error) => {
    deps.logger.error({ err: error }, 'slack listener failed');
  });

  const routes: Route[] = [];
  if (receiver instanceof HTTPReceiver) {
    const http = receiver;
    routes.push({
      method: 'POST',
      path: '/slack/events',
      handle: (req: IncomingMessage, res: ServerResponse) => {
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
      desks: deps.desks,
    }),
    async start() {
      await app.init();
      if (receiver instanceof SocketModeReceiver) await receiver.start();
    },
    async stop() {
      if (receiver instanceof SocketModeReceiver) await receiver.stop();
    },
  };
}

function boltLogger(deps: AdapterDeps): BoltLogger {
  const log = deps.logger.child({ channel: 'slack' });
  return {
    debug: (...m: unknown[]) => log.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => log.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => log.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => log.error(m.map(String).join(' ')),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
