import {
  type Activity,
  ActivityTypes,
  type ConversationParameters,
  type ConversationReference,
  type InvokeResponse,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';
import { DeskError } from '../../desk/errors.js';
import { ADMIN_COMMANDS, type DeskService } from '../../desk/service.js';
import type { DeskRequest, DeskResult } from '../../desk/types.js';
import { stringsFor } from '../../present/strings.js';
import { noticeView } from '../../present/views.js';
import type { TicketService } from '../../tickets/service-types.js';
import type { SeenStore } from '../shared/seen-store.js';
import { cardActivity, cardFor, noticeCard, replyCard, type TeamsCard } from './cards.js';
import type { TeamsCardRef } from './notifier.js';

/** What the bot needs. Tests build it with a real desk service and a seen store in a temporary directory. */
export interface TeamsBotDeps {
  desk: DeskService;
  tickets: Pick<TicketService, 'list'>;
  seen: SeenStore;
  /** Keeps the reference of every conversation the bot hears from (proactive posts, after a restart too). */
  remember?: (reference: Partial<ConversationReference>) => Promise<void>;
  /** The bot's MicrosoftAppId (empty in emulator mode), for opening a 1:1 chat. */
  appId: string;
  /** The desks' Teams conversations: they get ticket cards, not a welcome. */
  deskConversations: () => ReadonlySet<string>;
  logger: Logger;
}

/** The names of the inputs a card submit brings beside its payload. */
const FIELDS = ['company', 'contact', 'need', 'note', 'desk'] as const;
type Fields = Partial<Record<(typeof FIELDS)[number], string>>;

const INVOKE_MESSAGE = 'application/vnd.microsoft.activity.message';
const INVOKE_CARD = 'application/vnd.microsoft.card.adaptive';
/** The audience of the public cloud's connector, for the 1:1 chat a private notice goes to. */
const CONNECTOR_AUDIENCE = 'https://api.botframework.com';

/** A channel thread's conversation id carries `;messageid=<root>`; its channel is the part before. */
export const baseConversation = (id: string) => id.split(';')[0] ?? id;

export const teamsUser = (a: Partial<Activity>) => `teams:${a.from?.aadObjectId ?? a.from?.id ?? 'unknown'}`;

/** A Teams activity as the desk service's request: who, where (with the reference to write back), which event. */
export function teamsRequest(a: Activity): DeskRequest {
  return {
    platform: 'teams',
    user: teamsUser(a),
    ...(a.from?.name ? { name: a.from.name } : {}),
    where: { conversation: a.conversation.id, reference: TurnContext.getConversationReference(a) },
    ...(a.id ? { eventId: a.id } : {}),
  };
}

/** A 1:1 chat is private; a channel or a group chat is not. The Emulator's chats are 1:1. */
export const isPersonal = (a: Partial<Activity>) =>
  a.conversation?.conversationType === 'personal' ||
  (a.conversation?.conversationType === undefined && !a.conversation?.isGroup);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fieldsOf(data: Record<string, unknown>): Fields {
  const out: Fields = {};
  for (const name of FIELDS) {
    const v = data[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** How a turn answers: by posting (a message or Action.Submit), or in the invoke response (Action.Execute). */
type Via = 'message' | 'invoke';
type CardResponse = { statusCode: number; type: string; value: unknown };

/**
 * The Teams bot: maps activities to the desk service and renders what it returns.
 *
 * - A message is a question (answered in the conversation, in a channel in the thread), an admin or
 *   list command (`reload`, `status`, `tickets`, `help`: answered privately), or a staff reply in a
 *   ticket card's thread (relayed to the company).
 * - A card submit (`Action.Submit`: a message with `value`; `Action.Execute`: an `adaptiveCard/action`
 *   invoke) is `desk.press` with the payload under `madoguchi` and the card's inputs. The handoff form's
 *   submit replaces the form with its confirmation, so it cannot be sent twice; its key is the form's.
 * - Refusals and other private notices go only to the person: in a 1:1 chat they are posted there; in a
 *   channel or group chat they go to a 1:1 chat the bot opens with the person (never into the shared
 *   conversation, even when that fails); for `Action.Execute` they are the invoke response's message,
 *   which Teams shows to the person who clicked.
 * - Every invoke gets a 200 with a body. The bot's own activities are ignored. Each activity is
 *   handled once (seen store): it counts as done only after its reply is sent.
 * - Installed in a personal chat, or added to a team or chat: one welcome.
 */
export class MadoguchiTeamsBot extends TeamsActivityHandler {
  constructor(private readonly deps: TeamsBotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.message(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const a = context.activity;
      if (a.membersAdded?.some((m) => m.id === a.recipient?.id)) await this.welcome(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.welcome(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    const a = context.activity;
    if (a.conversation?.id && a.serviceUrl && this.deps.remember)
      await this.deps.remember(TurnContext.getConversationReference(a));
    if (this.isOwn(a)) {
      if (a.type === ActivityTypes.Invoke) await respond(context, { status: 200, body: {} });
      return;
    }
    await super.run(context);
  }

  /** The bot's own messages (an echo, a relayed copy) are never answered. */
  private isOwn(a: Partial<Activity>): boolean {
    const from = a.from?.id;
    if (!from) return false;
    return from === a.recipient?.id || (this.deps.appId !== '' && from === `28:${this.deps.appId}`);
  }

  private keyOf(a: Partial<Activity>): string | undefined {
    return a.id ? `teams:${a.conversation?.id ?? ''}:${a.id}` : undefined;
  }

  /** Runs `work` once per activity; a failure leaves it undone, so the platform's retry is carried out. */
  private async once<T>(a: Partial<Activity>, work: () => Promise<T>, duplicate: T): Promise<T> {
    const key = this.keyOf(a);
    if (key && !(await this.deps.seen.begin(key))) return duplicate;
    let out: T;
    try {
      out = await work();
    } catch (error) {
      if (key) await this.deps.seen.release(key);
      throw error;
    }
    if (key) await this.deps.seen.done(key);
    return out;
  }

  private async message(context: TurnContext): Promise<void> {
    const a = context.activity;
    const req = teamsRequest(a);
    await this.once(
      a,
      async () => {
        try {
          if (isObject(a.value) && 'madoguchi' in a.value) {
            await this.press(context, req, a.value, 'message');
            return;
          }
          await this.text(context, req, (TurnContext.removeRecipientMention(a) ?? a.text ?? '').trim());
        } catch (error) {
          await this.privately(context, noticeCard(this.deps.desk.toUserMessage(error, req)));
        }
      },
      undefined,
    );
  }

  private async text(context: TurnContext, req: DeskRequest, text: string): Promise<void> {
    const a = context.activity;
    const ticket = await this.ticketOfThread(a);
    if (ticket) {
      await this.deps.desk.comment(req, ticket, text);
      return; // the outbox relays it to the company
    }
    const word = text.toLowerCase();
    if (word === 'tickets' || (ADMIN_COMMANDS as readonly string[]).includes(word)) {
      const result =
        word === 'tickets'
          ? await this.deps.desk.myTickets(req)
          : await this.deps.desk.admin(req, word as (typeof ADMIN_COMMANDS)[number], word);
      if (result.kind !== 'ticket') await this.privately(context, cardOf(result));
      return;
    }
    if (word === 'help') return this.privately(context, await this.help(req));
    const result = await this.deps.desk.ask(req, text);
    if (result.kind === 'reply') await context.sendActivity(cardActivity(replyCard(result.view)));
  }

  /** The engine's help, then the commands this person may use. */
  private async help(req: DeskRequest): Promise<TeamsCard> {
    const result = await this.deps.desk.ask(req, 'help');
    if (result.kind !== 'reply') throw new Error(`help answered with ${result.kind}`);
    const commands = ['tickets', 'help', ...(this.deps.desk.isAdmin(req.user) ? ADMIN_COMMANDS : [])];
    const s = stringsFor(this.deps.desk.content(), result.view.lang);
    const line = s.t('commandsHelp', { commands: commands.join(' · ') });
    return replyCard({ ...result.view, text: `${result.view.text}\n\n${line}` });
  }

  /** The ticket whose card a channel thread is under (a staff reply there goes to the company). */
  private async ticketOfThread(a: Activity): Promise<string | undefined> {
    const root = /;messageid=([^;]+)$/.exec(a.conversation.id)?.[1];
    if (!root || isPersonal(a)) return undefined;
    const channel = baseConversation(a.conversation.id);
    const [ticket] = await this.deps.tickets.list({
      where: (t) => {
        const card = t.refs.teamsCard as TeamsCardRef | undefined;
        return card?.conversation === channel && card.activityId === root;
      },
    });
    return ticket?.id;
  }

  /**
   * A card's button. `data` holds the payload under `madoguchi` and the card's inputs beside it.
   * Answers in the invoke response when `via` is `invoke` (Action.Execute).
   */
  private async press(
    context: TurnContext,
    asked: DeskRequest,
    data: Record<string, unknown>,
    via: Via,
  ): Promise<CardResponse | undefined> {
    // A form says what language it is in: its refusals are said in it too.
    const lang =
      isObject(data.madoguchi) && typeof data.madoguchi.lang === 'string' ? data.madoguchi.lang : undefined;
    const req: DeskRequest = lang ? { ...asked, lang } : asked;
    let result: DeskResult;
    try {
      result = await this.deps.desk.press(req, data.madoguchi, fieldsOf(data));
    } catch (error) {
      const notice = this.deps.desk.toUserMessage(error, req);
      if (via === 'invoke') return { statusCode: 200, type: INVOKE_MESSAGE, value: notice.text };
      await this.privately(context, noticeCard(notice));
      return undefined;
    }
    switch (result.kind) {
      case 'ticket': {
        if (!result.view)
          return via === 'invoke' ? { statusCode: 200, type: INVOKE_MESSAGE, value: '' } : undefined;
        // The handoff form becomes its confirmation: nothing left to click twice.
        const confirmation = noticeCard(result.view);
        const replaced = await this.replaceCard(context, confirmation);
        if (via === 'invoke')
          return { statusCode: 200, type: INVOKE_CARD, value: confirmation.attachment.content };
        if (!replaced) await context.sendActivity(cardActivity(confirmation));
        return undefined;
      }
      case 'notice':
        if (result.view.private) {
          if (via === 'invoke') return { statusCode: 200, type: INVOKE_MESSAGE, value: result.view.text };
          await this.privately(context, noticeCard(result.view));
          return undefined;
        }
        await context.sendActivity(cardActivity(noticeCard(result.view)));
        break;
      case 'status':
      case 'tickets':
        await this.privately(context, cardOf(result));
        break;
      default:
        await context.sendActivity(cardActivity(cardOf(result)));
    }
    return via === 'invoke' ? { statusCode: 200, type: INVOKE_MESSAGE, value: '' } : undefined;
  }

  /** Replaces the card the clicked button is on; false when there is none to replace. */
  private async replaceCard(context: TurnContext, card: TeamsCard): Promise<boolean> {
    const id = context.activity.replyToId;
    if (!id) return false;
    try {
      await context.updateActivity({ id, ...cardActivity(card) });
      return true;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'teams: could not replace the card');
      return false;
    }
  }

  /**
   * Shows `card` only to the person of this turn: here in a 1:1 chat, else in a 1:1 chat the bot opens
   * with them. When that cannot be opened (the person has not the app), the notice is logged and not
   * posted: a refusal is never said to a whole channel.
   */
  private async privately(context: TurnContext, card: TeamsCard): Promise<void> {
    const a = context.activity;
    if (isPersonal(a)) {
      await context.sendActivity(cardActivity(card));
      return;
    }
    const tenantId =
      a.conversation.tenantId ?? (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    const params: ConversationParameters = {
      isGroup: false,
      bot: a.recipient,
      members: [a.from],
      ...(tenantId ? { tenantId } : {}),
      channelData: tenantId ? { tenant: { id: tenantId } } : {},
    };
    try {
      await context.adapter.createConversationAsync(
        this.deps.appId,
        a.channelId,
        a.serviceUrl,
        CONNECTOR_AUDIENCE,
        params,
        async (chat) => {
          await chat.sendActivity(cardActivity(card));
        },
      );
    } catch (error) {
      this.deps.logger.warn(
        { err: error, user: teamsUser(a) },
        'teams: could not open a 1:1 chat for a private notice; not posting it in the shared conversation',
      );
    }
  }

  private async welcome(context: TurnContext): Promise<void> {
    const a = context.activity;
    const conversation = baseConversation(a.conversation.id);
    if (this.deps.deskConversations().has(conversation)) return;
    const key = `welcome:${conversation}`;
    if (!(await this.deps.seen.begin(key))) return;
    try {
      const view = noticeView(this.deps.desk.content(), a.locale, 'welcome', {}, false);
      await context.sendActivity(cardActivity(noticeCard(view)));
    } catch (error) {
      await this.deps.seen.release(key);
      throw error;
    }
    await this.deps.seen.done(key);
  }

  /**
   * Every invoke is answered with 200 and a body. `adaptiveCard/action` (Action.Execute) is a card's
   * button; a task module the bot does not offer gets a message saying the button is out of date.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const a = context.activity;
    const req = teamsRequest(a);
    const outOfDate = () => this.deps.desk.toUserMessage(new DeskError('BAD_PAYLOAD'), req).text;
    switch (a.name) {
      case 'adaptiveCard/action': {
        const action = isObject(a.value) && isObject(a.value.action) ? a.value.action : undefined;
        if (action?.type !== 'Action.Execute' || !isObject(action.data))
          return invoke({ statusCode: 200, type: INVOKE_MESSAGE, value: outOfDate() });
        const data = action.data;
        const none: CardResponse = { statusCode: 200, type: INVOKE_MESSAGE, value: '' };
        const body = await this.once(
          a,
          async () => {
            try {
              return (await this.press(context, req, data, 'invoke')) ?? none;
            } catch (error) {
              return {
                statusCode: 200,
                type: INVOKE_MESSAGE,
                value: this.deps.desk.toUserMessage(error, req).text,
              };
            }
          },
          none,
        );
        return invoke(body);
      }
      case 'task/fetch':
      case 'task/submit':
        return { status: 200, body: { task: { type: 'message', value: outOfDate() } } };
      default:
        return { status: 200, body: {} };
    }
  }
}

const invoke = (body: CardResponse): InvokeResponse => ({ status: 200, body });

async function respond(context: TurnContext, response: InvokeResponse): Promise<void> {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: response });
}

/** The card of a result that is a view to show. */
const cardOf = (result: Exclude<DeskResult, { kind: 'ticket' }>): TeamsCard => cardFor(result.view);

/**
 * The last resort of a turn that failed outside the handlers: logged, and the person told (privately:
 * for an invoke in its response, else in the conversation only when it is a 1:1 chat).
 */
export async function onTurnError(
  deps: Pick<TeamsBotDeps, 'desk' | 'logger'>,
  context: TurnContext,
  error: unknown,
): Promise<void> {
  deps.logger.error({ err: error }, 'teams turn failed');
  const a = context.activity;
  const notice = deps.desk.toUserMessage(error, teamsRequest(a));
  try {
    if (a.type === ActivityTypes.Invoke)
      await respond(context, invoke({ statusCode: 200, type: INVOKE_MESSAGE, value: notice.text }));
    else if (a.type === ActivityTypes.Message && isPersonal(a))
      await context.sendActivity(cardActivity(noticeCard(notice)));
  } catch {
    // Nothing more to do: the error is logged.
  }
}
