import { messageFor } from '../blocks.js';
import { fromSlack } from '../escape.js';
import type { SlackCardRef } from '../notifier.js';
import { postOnce } from '../post.js';
import type { SlackClient } from '../poster.js';
import { type SlackDeps, slackRequest } from './deps.js';

/** The fields of a Slack message event (or app_mention) the bot reads. */
export interface SlackUserMessage {
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
  subtype?: string;
  bot_id?: string;
}

/** Subtypes that are a person writing: a plain message, one also sent to the channel, one with a file. */
const PERSON_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

export interface Delivery {
  eventId: string | undefined;
  /** Slack's retry number when this is a redelivery (the first attempt may have posted). */
  retryNum: number | undefined;
  mentioned: boolean;
  /** The bot's own user id: its mention addresses the bot and is not part of the text. */
  botUserId?: string | undefined;
}

/** How a message ended; logged (at debug) with its event id, so an operator — or a test — sees each turn's end. */
export type MessageOutcome =
  | 'answered'
  | 'relayed'
  | 'duplicate'
  | 'failed'
  | 'refused'
  | 'ignored:bot'
  | 'ignored:subtype'
  | 'ignored:not-addressed'
  | 'ignored:empty';

/**
 * A person's message, from either copy Slack sends (`message` and, when the bot is mentioned,
 * `app_mention`): both copies take the same path, so whichever arrives first does the one right
 * thing — relay a staff reply in a ticket card's thread, or answer a company — and the other is a duplicate.
 * A turn counts as done (on disk) only once its reply is posted or its comment stored: a process that
 * dies before then leaves Slack's retry of the event to be carried out.
 */
export async function handleUserMessage(
  deps: SlackDeps,
  client: SlackClient,
  m: SlackUserMessage,
  delivery: Delivery,
): Promise<MessageOutcome> {
  const outcome = await handle(deps, client, m, delivery);
  deps.logger.debug(
    { event: delivery.eventId, channel: m.channel, ts: m.ts, retry: delivery.retryNum, outcome },
    'slack message',
  );
  return outcome;
}

/**
 * Claims the turn's keys. A seen store that cannot be reached (the database is down) is a failed turn:
 * the person is told to try again; nothing was done, so nothing is doubled.
 */
async function begin(
  deps: SlackDeps,
  client: SlackClient,
  keys: string[],
  req: ReturnType<typeof slackRequest>,
  at: { channel: string; user: string; delivery: Delivery },
): Promise<'begun' | 'duplicate' | 'failed'> {
  try {
    return (await deps.seen.begin(...keys)) ? 'begun' : 'duplicate';
  } catch (error) {
    deps.logger.error({ err: error, event: at.delivery.eventId }, 'slack: could not check for a duplicate');
    await tellPrivately(deps, client, at.channel, at.user, deps.desk.toUserMessage(error, req));
    return 'failed';
  }
}

async function handle(
  deps: SlackDeps,
  client: SlackClient,
  m: SlackUserMessage,
  delivery: Delivery,
): Promise<MessageOutcome> {
  if (m.bot_id || !m.user || m.user === 'USLACKBOT' || m.user === delivery.botUserId) return 'ignored:bot';
  if (!PERSON_SUBTYPES.has(m.subtype)) return 'ignored:subtype';
  const user = m.user;
  const keys = [`msg:${m.channel}:${m.ts}`, ...(delivery.eventId ? [`ev:${delivery.eventId}`] : [])];
  const text = fromSlack(m.text ?? '', delivery.botUserId);
  const inThread = m.thread_ts !== undefined && m.thread_ts !== m.ts;
  if (inThread) {
    const [ticket] = await deps.tickets.list({
      where: (t) => {
        const card = t.refs.slackCard as SlackCardRef | undefined;
        return card?.ts === m.thread_ts && card?.channel === m.channel;
      },
    });
    if (ticket) {
      // A reply in a ticket card's thread is for the company, mention or not; a file alone says nothing to relay.
      if (!text) return 'ignored:empty';
      const req = slackRequest({ id: user }, m.channel, m.thread_ts, `${m.channel}:${m.ts}`);
      const claim = await begin(deps, client, keys, req, { channel: m.channel, user, delivery });
      if (claim !== 'begun') return claim;
      try {
        await deps.desk.comment(req, ticket.id, text);
      } catch (error) {
        await deps.seen.release(...keys);
        await tellPrivately(deps, client, m.channel, user, deps.desk.toUserMessage(error, req));
        return 'refused';
      }
      await deps.seen.done(...keys);
      return 'relayed';
    }
  }
  const direct = m.channel_type === 'im';
  const listening = deps.listen === 'all' && !deps.deskChannels().has(m.channel);
  // Either copy of a mention answers it (the `message` copy carries the mention in its text).
  const mentioned =
    delivery.mentioned ||
    (delivery.botUserId !== undefined &&
      [`<@${delivery.botUserId}>`, `<@${delivery.botUserId}|`].some((t) => (m.text ?? '').includes(t)));
  if (!mentioned && !direct && !listening) return 'ignored:not-addressed';
  // A forwarded or file-only message without words is not a question.
  if (!mentioned && !text) return 'ignored:empty';
  const thread = m.thread_ts ?? m.ts;
  const req = slackRequest({ id: user }, m.channel, thread, `${m.channel}:${m.ts}`);
  const claim = await begin(deps, client, keys, req, { channel: m.channel, user, delivery });
  if (claim !== 'begun') return claim;
  // Let the event loop take (and acknowledge) the requests already waiting before this turn's CPU work:
  // under load Slack's 3-second ack deadline matters more than this reply's few milliseconds.
  await new Promise<void>((resolve) => setImmediate(resolve));
  try {
    const result = await deps.desk.ask(req, text);
    if (result.kind === 'reply')
      await postOnce(
        client,
        {
          channel: m.channel,
          thread_ts: thread,
          ...messageFor(result.view),
          unfurl_links: false,
          unfurl_media: false,
        },
        `reply:${m.channel}:${m.ts}`,
        { checkFirst: delivery.retryNum !== undefined, after: m.ts },
      );
  } catch (error) {
    await deps.seen.release(...keys);
    deps.logger.error({ err: error, event: delivery.eventId }, 'slack reply failed');
    await tellPrivately(deps, client, m.channel, user, deps.desk.toUserMessage(error, req));
    return 'failed';
  }
  await deps.seen.done(...keys);
  return 'answered';
}

/** A notice only the person sees; when even that cannot be posted, the log has it. */
async function tellPrivately(
  deps: SlackDeps,
  client: SlackClient,
  channel: string,
  user: string,
  notice: Parameters<typeof messageFor>[0],
): Promise<void> {
  await client.chat
    .postEphemeral({ channel, user, ...messageFor(notice) })
    .catch((error: unknown) =>
      deps.logger.warn({ err: error, channel }, 'could not tell the person privately'),
    );
}

interface EventArgs<E> {
  event: E;
  body: { event_id?: string };
  client: SlackClient;
  context: { retryNum?: number; botUserId?: string };
}

export function onAppMention(deps: SlackDeps) {
  return ({ event, body, client, context }: EventArgs<SlackUserMessage>) =>
    handleUserMessage(deps, client, event, {
      eventId: body.event_id,
      retryNum: context.retryNum,
      mentioned: true,
      botUserId: context.botUserId,
    });
}

export function onMessage(deps: SlackDeps) {
  return ({ message, body, client, context }: Omit<EventArgs<never>, 'event'> & { message: unknown }) =>
    // A mention is answered by whichever copy comes first; this copy also relays thread replies,
    // answers direct messages, and with SLACK_LISTEN=all every message outside the desks' channels.
    handleUserMessage(deps, client, message as SlackUserMessage, {
      eventId: body.event_id,
      retryNum: context.retryNum,
      mentioned: false,
      botUserId: context.botUserId,
    });
}
