import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  type Activity,
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  TurnContext,
} from 'botbuilder';
import type { DeskId } from '../../core/types.js';
import type { Rating } from '../../feedback/store.js';
import { HttpError, readJson, sendJson } from '../../server/http.js';
import type { AdapterDeps, ChannelAdapter } from '../../server/types.js';
import { TicketError } from '../../tickets/errors.js';
import { openHandoff } from '../../tickets/handoff.js';
import { requesterMessage } from '../../tickets/messages.js';
import type { DeliveryResult, Notifier } from '../../tickets/service-types.js';
import { createSeenStore } from '../shared/seen-store.js';
import { answerCard, handoffForm, ticketCard } from './cards.js';
import { createReferenceStore } from './references.js';

/** Connector answers that a later attempt may fix. */
const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

/**
 * The Teams channel: botbuilder's CloudAdapter behind `/api/messages`. With an app id every request
 * must carry a valid Bot Framework token (else 401, nothing runs); without one it runs in emulator mode,
 * which the configuration refuses in production.
 */
export async function createTeamsAdapter(deps: AdapterDeps): Promise<ChannelAdapter> {
  const { teams } = deps.config;
  if (!teams.appId) {
    if (deps.config.env === 'production') throw new Error('Teams needs MicrosoftAppId in production');
    deps.logger.warn(
      'Teams runs in EMULATOR MODE: no MicrosoftAppId, requests are not authenticated. Never expose this.',
    );
  }
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: teams.appId ?? '',
    MicrosoftAppPassword: teams.appPassword ?? '',
    MicrosoftAppType: teams.appType,
    MicrosoftAppTenantId: teams.tenantId ?? '',
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    deps.logger.error({ err: error }, 'teams turn failed');
    await context
      .sendActivity('Sorry, something went wrong. Please try again, or ask for a person.')
      .catch(() => undefined);
  };
  const seen = await createSeenStore({ file: join(deps.config.dataDir, 'teams-seen.journal') });
  const references = await createReferenceStore(join(deps.config.dataDir, 'teams-references.journal'));
  const appId = teams.appId ?? '';
  const userOf = (a: Partial<Activity>) => `teams:${a.from?.aadObjectId ?? a.from?.id ?? 'unknown'}`;
  const deskOf = (id: DeskId | string) => deps.desks().desks.find((d) => d.id === id);

  async function answer(context: TurnContext, text: string): Promise<void> {
    const a = context.activity;
    const conversation = `teams:${a.conversation.id}`;
    const engine = deps.engine.current();
    const reply = engine.respond({ text, platform: 'teams', user: { id: userOf(a) }, conversation });
    const desk = (reply.action === 'handoff' ? reply.desk : reply.offerDesk) ?? undefined;
    const attachment = answerCard(
      reply,
      desk ? deskOf(desk) : undefined,
      `${a.conversation.id}:${engine.transcript(conversation).length}`,
    );
    await context.sendActivity({
      type: ActivityTypes.Message,
      text: reply.text.slice(0, 200),
      attachments: [attachment],
    });
  }

  async function onSubmit(context: TurnContext, value: Record<string, unknown>): Promise<void> {
    const a = context.activity;
    const user = userOf(a);
    const act = async (run: () => Promise<unknown>) => {
      try {
        await run();
        deps.kickOutbox();
      } catch (error) {
        if (!(error instanceof TicketError)) throw error;
        await context.sendActivity(error.message);
      }
    };
    switch (value.madoguchi) {
      case 'ask':
        return answer(context, String(value.query ?? ''));
      case 'feedback':
        await deps.feedback.record({
          at: deps.clock.now().toISOString(),
          platform: 'teams',
          user,
          conversation: `teams:${a.conversation.id}`,
          turn: String(value.turn ?? a.replyToId ?? ''),
          rating: (value.rating === 'not_helpful' ? 'not_helpful' : 'helpful') as Rating,
          reply: {
            action: 'answer',
            intent: (value.intent as string) ?? null,
            confidence: Number(value.confidence ?? 0),
            scheme: (value.scheme as never) ?? null,
            entries: (value.entries as string[]) ?? [],
          },
        });
        await context.sendActivity('Thank you for the feedback.');
        return;
      case 'talk': {
        const desk = deskOf(String(value.desk));
        if (!desk) return;
        const turns = deps.engine.current().transcript(`teams:${a.conversation.id}`);
        const question = [...turns].reverse().find((t) => t.reply.action !== 'smalltalk')?.text ?? '';
        await context.sendActivity({
          attachments: [handoffForm(desk, /[\u3040-\u30FF]/.test(question) ? 'ja' : 'en', question)],
        });
        return;
      }
      case 'handoff': {
        const company = String(value.company ?? '').trim();
        const contact = String(value.contact ?? '').trim();
        if (!company || !contact) {
          await context.sendActivity('Please give a company name and a contact.');
          return;
        }
        const reference = TurnContext.getConversationReference(a);
        const ticket = await openHandoff(
          { tickets: deps.tickets, engine: deps.engine.current() },
          {
            key: `teams:${a.id}`,
            desk: String(value.desk) as DeskId,
            requester: {
              platform: 'teams',
              userId: user,
              ...(a.from?.name ? { displayName: a.from.name } : {}),
            },
            origin: { platform: 'teams', conversation: a.conversation.id, reference },
            conversation: `teams:${a.conversation.id}`,
            text: String(value.need ?? ''),
            lang: value.lang === 'ja' ? 'ja' : 'en',
            details: { company, contact, need: String(value.need ?? '') },
            ...(a.id ? { sourceEventId: `teams:${a.id}` } : {}),
          },
        );
        deps.kickOutbox();
        deps.logger.info({ ticket: ticket.id }, 'teams handoff opened');
        return;
      }
      case 'claim':
        return act(() =>
          deps.tickets.claim(String(value.ticket), {
            user,
            ...(a.id ? { sourceEventId: `teams:${a.id}` } : {}),
          }),
        );
      case 'reassign':
        return act(() =>
          deps.tickets.reassign(String(value.ticket), String(value.desk) as DeskId, {
            user,
            ...(a.id ? { sourceEventId: `teams:${a.id}` } : {}),
          }),
        );
      case 'resolve':
        return act(() =>
          deps.tickets.resolve(
            String(value.ticket),
            { user, ...(a.id ? { sourceEventId: `teams:${a.id}` } : {}) },
            value.note ? String(value.note) : undefined,
          ),
        );
      default:
        return;
    }
  }

  async function logic(context: TurnContext): Promise<void> {
    const a = context.activity;
    await references.remember(TurnContext.getConversationReference(a));
    if (a.type !== ActivityTypes.Message) return;
    if (a.id && !(await seen.firstTime(`act:${a.conversation.id}:${a.id}`))) return;
    const value = a.value as Record<string, unknown> | undefined;
    if (value && typeof value === 'object' && typeof value.madoguchi === 'string')
      return onSubmit(context, value);
    const text = TurnContext.removeRecipientMention(a) ?? a.text ?? '';
    const command = text.trim().toLowerCase();
    if (command === 'reload' || command === 'status') {
      if (!deps.tickets.isAdmin(userOf(a))) {
        deps.logger.warn({ user: userOf(a), command }, 'admin command refused');
        await context.sendActivity(`Only admins can use "${command}".`);
        return;
      }
      if (command === 'reload') {
        const o = await deps.reload();
        await context.sendActivity(
          o.ok
            ? `Content ${o.changed ? 'reloaded' : 'unchanged'}: ${o.version}`
            : `Rejected; still serving ${o.keptVersion}: ${o.problems.join('; ')}`,
        );
      } else {
        const s = deps.status();
        await context.sendActivity(
          `Content ${s.contentVersion} (${s.knowledgeEntries} entries) · open tickets ${s.tickets.open} · pending notifications ${s.tickets.pendingDeliveries}`,
        );
      }
      return;
    }
    await answer(context, text);
  }

  const notifier: Notifier = {
    channel: 'teams',
    handles: (ticket, audience) =>
      audience === 'desk'
        ? Boolean(deskOf(ticket.desk)?.notify.teamsConversation)
        : ticket.origin.platform === 'teams',
    async deliver(ticket, delivery): Promise<DeliveryResult> {
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      let refs: Record<string, unknown> | undefined;
      try {
        if (delivery.audience === 'requester') {
          const reference = ticket.origin.reference as Partial<ConversationReference> | undefined;
          if (!reference)
            return { ok: false, permanent: true, error: 'no conversation reference for the requester' };
          await adapter.continueConversationAsync(appId, reference, async (ctx) => {
            await ctx.sendActivity(requesterMessage(ticket, event, deskOf(ticket.desk)));
          });
          return { ok: true };
        }
        const channel = deskOf(ticket.desk)?.notify.teamsConversation;
        const reference = channel ? references.get(channel) : undefined;
        if (!channel || !reference)
          return {
            ok: false,
            error: `no conversation reference yet for ${channel ?? 'the desk'}: add the bot to the channel`,
          };
        const cardRef = ticket.refs.teamsCard as { conversation: string; activityId: string } | undefined;
        await adapter.continueConversationAsync(appId, reference, async (ctx) => {
          const attachment = ticketCard(ticket, deps.desks().desks);
          if (cardRef && cardRef.conversation === channel) {
            await ctx.updateActivity({
              id: cardRef.activityId,
              type: ActivityTypes.Message,
              attachments: [attachment],
            });
          } else {
            const sent = await ctx.sendActivity({ attachments: [attachment] });
            if (sent?.id) refs = { teamsCard: { conversation: channel, activityId: sent.id } };
          }
        });
        return refs ? { ok: true, refs } : { ok: true };
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        const retryAfter = Number(
          (
            error as { response?: { headers?: { get?: (h: string) => string | undefined } } }
          ).response?.headers?.get?.('retry-after'),
        );
        if (status !== undefined && !RETRYABLE.has(status))
          return {
            ok: false,
            permanent: status === 403 || status === 404,
            error: `connector HTTP ${status}`,
          };
        return {
          ok: false,
          ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}),
          error: status ? `connector HTTP ${status}` : (error as Error).message,
        };
      }
    },
  };

  return {
    name: 'teams',
    notifier,
    routes: [
      {
        method: 'POST',
        path: '/api/messages',
        handle: async (req: IncomingMessage, res: ServerResponse) => {
          const body = await readJson(req);
          const a = body as Partial<Activity> | null;
          if (
            !a ||
            typeof a !== 'object' ||
            typeof a.type !== 'string' ||
            typeof a.serviceUrl !== 'string' ||
            !a.conversation?.id ||
            !/^https?:\/\//.test(a.serviceUrl)
          ) {
            throw new HttpError(
              400,
              'not a Bot Framework activity (needs type, serviceUrl and conversation.id)',
            );
          }
          const shim = {
            socket: res.socket,
            status: (code: number) => {
              res.statusCode = code;
            },
            header: (name: string, value: unknown) => res.setHeader(name, String(value)),
            send: (payload: unknown) => {
              if (!res.headersSent && typeof payload === 'object')
                res.setHeader('content-type', 'application/json');
              res.write(typeof payload === 'string' ? payload : JSON.stringify(payload));
            },
            end: () => res.end(),
          };
          try {
            await adapter.process(
              {
                body: body as Record<string, unknown>,
                headers: req.headers as Record<string, string>,
                method: req.method ?? 'POST',
              },
              shim,
              logic,
            );
          } catch (error) {
            deps.logger.warn({ err: error }, 'teams activity rejected');
            if (!res.headersSent) sendJson(res, 400, { error: 'malformed activity' });
          }
        },
      },
    ],
    stop: async () => undefined,
  };
}
