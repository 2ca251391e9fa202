import { ErrorCode, type WebAPICallError, WebClient } from '@slack/web-api';
import type { Content } from '../../content/types.js';
import type { People } from '../../desk/people.js';
import { bulletinView, deskEventLine, ticketCardView, updateView } from '../../present/views.js';
import type { DeliveryResult, Notifier } from '../../tickets/service-types.js';
import type { Ticket } from '../../tickets/types.js';
import { messageFor, ticketMessage, updateMessage } from './blocks.js';
import { escapeMrkdwn } from './escape.js';
import { type SlackPoster, slackClient } from './poster.js';

export interface SlackCardRef {
  channel: string;
  ts: string;
}

/** Slack errors that retrying will not fix. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'missing_scope',
  'msg_too_long',
  'invalid_blocks',
]);

/**
 * Delivers ticket notifications in Slack: the ticket card in the desk's channel (posted once, then
 * updated in place; the card a desk had before a reassignment is updated to say where the ticket went)
 * and status updates in the company's thread. Its client does not retry by itself: the outbox does, and
 * a delivery tried before looks for its earlier post (by metadata) first, so nothing is posted twice.
 */
export function createSlackNotifier(deps: {
  token: string;
  apiUrl?: string;
  content: () => Pick<Content, 'messages' | 'desks' | 'programmes'>;
  people: People;
  /** Posts the cards and updates (the channel's, so it is closed with the channel). */
  poster: SlackPoster;
}): Notifier {
  const client = slackClient(
    new WebClient(deps.token, {
      ...(deps.apiUrl ? { slackApiUrl: deps.apiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 10_000,
    }),
    deps.poster,
  );
  const deskOf = (t: Ticket) => deps.content().desks.desks.find((d) => d.id === t.desk);

  /**
   * The earlier post of a delivery, if an attempt whose outcome was lost landed. Only messages since
   * shortly before the event are read (a thread lists its oldest messages first).
   */
  async function alreadyPosted(
    channel: string,
    thread: string | undefined,
    deliveryId: string,
    since: string,
  ) {
    const oldest = String(Math.max(0, Math.floor(Date.parse(since) / 1000) - 600));
    const res = thread
      ? await client.conversations.replies({
          channel,
          ts: thread,
          oldest,
          include_all_metadata: true,
          limit: 200,
        })
      : await client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 200 });
    return res.messages?.find(
      (m) => (m.metadata?.event_payload as { delivery?: string } | undefined)?.delivery === deliveryId,
    )?.ts;
  }

  return {
    channel: 'slack',
    handles: (ticket, audience) =>
      audience === 'desk' ? Boolean(deskOf(ticket)?.notify.slackChannel) : ticket.origin.platform === 'slack',
    async deliver(ticket, delivery): Promise<DeliveryResult> {
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      const metadata = {
        event_type: 'madoguchi_delivery',
        event_payload: { delivery: delivery.id, ticket: ticket.id },
      };
      const content = deps.content();
      try {
        if (delivery.audience === 'requester') {
          const view = updateView(content, ticket, event);
          if (!view) return { ok: true };
          const channel = ticket.origin.conversation;
          const thread = ticket.origin.thread;
          if (delivery.attempts > 0 && (await alreadyPosted(channel, thread, delivery.id, event.at)))
            return { ok: true };
          await client.chat.postMessage({
            channel,
            ...(thread ? { thread_ts: thread } : {}),
            ...updateMessage(view),
            metadata,
            unfurl_links: false,
            unfurl_media: false,
          });
          return { ok: true };
        }
        const channel = deskOf(ticket)?.notify.slackChannel;
        if (!channel)
          return { ok: false, permanent: true, error: `desk ${ticket.desk} has no Slack channel` };
        // New block ids for every post and update: one per event and attempt (the outbox may deliver two
        // events' updates of one ticket in a row, both rendering its current state).
        const version = `${event.seq}.${delivery.attempts}`;
        const card = ticketMessage(ticketCardView(content, ticket, { nameOf: deps.people.nameOf }), version);
        const ref = ticket.refs.slackCard as SlackCardRef | undefined;
        if (ref && ref.channel === channel) {
          await client.chat.update({ channel, ts: ref.ts, ...card });
          const line = deskEventLine(content, ticket, event);
          if (
            line &&
            !(delivery.attempts > 0 && (await alreadyPosted(channel, ref.ts, delivery.id, event.at)))
          )
            await client.chat.postMessage({ channel, thread_ts: ref.ts, text: escapeMrkdwn(line), metadata });
          return { ok: true };
        }
        if (ref) {
          // The card of the desk the ticket left says where it went, and loses its buttons.
          const before = content.desks.desks.find((d) => d.notify.slackChannel === ref.channel);
          if (before) {
            const moved = ticketMessage(
              ticketCardView(content, ticket, { forDesk: before.id, nameOf: deps.people.nameOf }),
              version,
            );
            await client.chat.update({ channel: ref.channel, ts: ref.ts, ...moved }).catch(() => undefined);
          }
        }
        const earlier =
          delivery.attempts > 0 ? await alreadyPosted(channel, undefined, delivery.id, event.at) : undefined;
        if (earlier) return { ok: true, refs: { slackCard: { channel, ts: earlier } } };
        const posted = await client.chat.postMessage({
          channel,
          ...card,
          metadata,
          unfurl_links: false,
          unfurl_media: false,
        });
        return { ok: true, refs: { slackCard: { channel, ts: posted.ts as string } } };
      } catch (error) {
        return classify(error as WebAPICallError);
      }
    },
    // The weekly digest in the admins' channel: posted once (a retry looks for its earlier post first).
    bulletins: {
      handles: (to) => Boolean(to.slackChannel),
      async deliver(bulletin, delivery): Promise<DeliveryResult> {
        const view = bulletinView(deps.content(), bulletin);
        if (!view) return { ok: false, permanent: true, error: `unknown bulletin kind ${bulletin.kind}` };
        const channel = bulletin.to.slackChannel;
        if (!channel) return { ok: false, permanent: true, error: 'the admins have no Slack channel' };
        try {
          const earlier =
            delivery.attempts > 0
              ? await alreadyPosted(channel, undefined, delivery.id, bulletin.createdAt)
              : undefined;
          if (earlier) return { ok: true, refs: { slackPost: { channel, ts: earlier } } };
          const posted = await client.chat.postMessage({
            channel,
            ...messageFor(view),
            metadata: {
              event_type: 'madoguchi_delivery',
              event_payload: { delivery: delivery.id, bulletin: bulletin.id },
            },
            unfurl_links: false,
            unfurl_media: false,
          });
          return { ok: true, refs: { slackPost: { channel, ts: posted.ts as string } } };
        } catch (error) {
          return classify(error as WebAPICallError);
        }
      },
    },
  };
}

function classify(error: WebAPICallError): DeliveryResult {
  switch (error.code) {
    case ErrorCode.RateLimitedError:
      return {
        ok: false,
        retryAfterMs: error.retryAfter * 1000,
        error: `rate limited (${error.retryAfter} s)`,
      };
    case ErrorCode.PlatformError: {
      const code = String(error.data?.error ?? 'platform_error');
      return { ok: false, permanent: PERMANENT.has(code), error: code };
    }
    case ErrorCode.HTTPError:
      return { ok: false, error: `HTTP ${error.statusCode}` };
    default:
      return { ok: false, error: error.message };
  }
}
