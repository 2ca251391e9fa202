import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import { readJson, sendJson } from '../../server/http.js';
import { createPgSeenStore } from '../shared/pg-seen-store.js';
import { reportingDuplicates } from '../shared/reporting-seen-store.js';
import { createSeenStore } from '../shared/seen-store.js';
import type { Channel, ChannelDeps } from '../types.js';
import { authFailureStatus, precheckBotToken } from './auth.js';
import { MadoguchiTeamsBot, onTurnError } from './bot.js';
import { createTeamsNotifier } from './notifier.js';
import { createPgReferenceStore } from './pg-references.js';
import { createReferenceStore } from './references.js';

/** Seconds a channel is asked to wait when Microsoft's signing keys could not be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 30;

/** CloudAdapter with its turn entry point open, so `/api/messages` writes its own HTTP answers. */
class TeamsAdapter extends CloudAdapter {
  run(auth: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(auth, activity, logic);
  }
}

/** The shape every Bot Framework activity has; anything else is refused before botbuilder sees it. */
function asActivity(body: unknown): Activity | undefined {
  const a = body as Partial<Activity> | null;
  if (
    !a ||
    typeof a !== 'object' ||
    typeof a.type !== 'string' ||
    typeof a.serviceUrl !== 'string' ||
    !/^https?:\/\//.test(a.serviceUrl) ||
    typeof a.conversation?.id !== 'string' ||
    !a.conversation.id
  )
    return undefined;
  // As botbuilder's own `process` does: times as Date, their text kept.
  const fixed = a as Activity & Record<string, unknown>;
  if (typeof fixed.timestamp === 'string') {
    fixed.rawTimestamp = fixed.timestamp;
    fixed.timestamp = new Date(fixed.timestamp);
  }
  if (typeof fixed.localTimestamp === 'string') {
    fixed.rawLocalTimestamp = fixed.localTimestamp;
    fixed.localTimestamp = new Date(fixed.localTimestamp);
  }
  return fixed;
}

/**
 * The Teams channel: botbuilder's CloudAdapter behind `/api/messages`, the bot class, and the notifier.
 *
 * `authenticated` (MicrosoftAppId set): every request needs a valid Bot Framework token. A token that
 * is wrong on its face is refused with 401 before any key fetch (`precheckBotToken`); botbuilder then
 * verifies the signature, and its failures are answered 401, or 503 with Retry-After when Microsoft's
 * signing keys could not be fetched — never 500, never botbuilder's message. `emulator` runs without
 * authentication (the configuration allows it only on loopback, with no other platform).
 */
export async function createTeamsChannel(deps: ChannelDeps): Promise<Channel> {
  const teams = deps.config.teams;
  if (teams.mode === 'off') throw new Error('Teams is off: set MicrosoftAppId and MicrosoftAppPassword');
  const log = deps.logger.child({ channel: 'teams' });
  const appId = teams.mode === 'authenticated' ? (teams.appId ?? '') : '';
  if (teams.mode === 'authenticated' && !appId)
    throw new Error('Teams is authenticated but has no MicrosoftAppId');
  // The emulator's lack of authentication is announced once at start, with the other configuration notices.
  const adapter = new TeamsAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: appId,
      MicrosoftAppPassword: teams.mode === 'authenticated' ? (teams.appPassword ?? '') : '',
      MicrosoftAppType: teams.appType,
      MicrosoftAppTenantId: teams.tenantId ?? '',
    }),
  );
  const seen = reportingDuplicates(
    deps.pg
      ? createPgSeenStore({ pool: deps.pg, scope: 'teams', logger: log })
      : await createSeenStore({ file: join(deps.config.dataDir, 'teams-seen.journal') }),
    'teams',
    deps.onDuplicate,
  );
  const references = deps.pg
    ? createPgReferenceStore({ pool: deps.pg })
    : await createReferenceStore(join(deps.config.dataDir, 'teams-references.journal'));
  const deskConversations = () =>
    new Set(
      deps
        .content()
        .desks.desks.flatMap((d) => (d.notify.teamsConversation ? [d.notify.teamsConversation] : [])),
    );
  const bot = new MadoguchiTeamsBot({
    desk: deps.desk,
    tickets: deps.tickets,
    seen,
    remember: (reference) => references.remember(reference),
    appId,
    deskConversations,
    logger: log,
  });
  adapter.onTurnError = (context, error) => onTurnError({ desk: deps.desk, logger: log }, context, error);
  let stopping = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (stopping) {
      res.setHeader('retry-after', '5');
      sendJson(res, 503, { error: 'shutting down' });
      return;
    }
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    if (teams.mode === 'authenticated') {
      const pre = precheckBotToken(authorization, {
        appId,
        ...(teams.tenantId ? { tenantId: teams.tenantId } : {}),
        now: () => deps.clock.now().getTime(),
      });
      if (!pre.ok) {
        log.warn({ reason: pre.reason }, 'teams request refused before verification');
        sendJson(res, 401, { error: 'unauthorized' });
        return;
      }
    }
    const activity = asActivity(await readJson(req));
    if (!activity) {
      sendJson(res, 400, {
        error: 'not a Bot Framework activity (needs type, serviceUrl and conversation.id)',
      });
      return;
    }
    let answer: InvokeResponse | undefined;
    try {
      answer = await adapter.run(authorization, activity, (context) => bot.run(context));
    } catch (error) {
      // Turn errors end in onTurnError; what reaches here is botbuilder refusing the request.
      const status = authFailureStatus(error);
      log.warn({ err: error, status }, 'teams request not authenticated');
      if (status === 503) res.setHeader('retry-after', String(KEYS_RETRY_AFTER_SECONDS));
      sendJson(res, status, {
        error: status === 503 ? 'cannot verify the token now; retry later' : 'unauthorized',
      });
      return;
    }
    if (answer?.body !== undefined) sendJson(res, answer.status ?? 200, answer.body);
    else {
      res.writeHead(answer?.status ?? 200);
      res.end();
    }
  }

  return {
    name: 'teams',
    routes: [{ method: 'POST', path: '/api/messages', handle }],
    notifier: createTeamsNotifier({
      adapter,
      appId,
      references,
      content: deps.content,
      people: deps.desk.people,
    }),
    async stop() {
      stopping = true;
      seen.close?.();
    },
  };
}
