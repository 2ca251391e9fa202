import { ErrorCode, type WebAPICallError, WebClient } from '@slack/web-api';
import type { DeskDirectory } from '../../content/types.js';
import { requesterMessage } from '../../tickets/messages.js';
import type { DeliveryResult, Notifier } from '../../tickets/service-types.js';
import type { Ticket } from '../../tickets/types.js';
import { escapeMrkdwn } from './escape.js';
import { ticketCard } from './render.js';

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
]);

/**
 * Delivers ticket notifications in Slack: the ticket card in the desk's channel (posted once, then
 * updated in place) and status updates in the requester's thread. Its client does not retry by
 * itself: the outbox does, so a 429 or an outage delays a notification but never loses or doubles it.
 */
export function createSlackNotifier(deps: {
  token: string;
  apiUrl?: string;
  desks: () => DeskDirectory;
}): Notifier {
  const client = new WebClient(deps.token, {
    ...(deps.apiUrl ? { slackApiUrl: deps.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
  const deskOf = (t: Ticket) => deps.desks().desks.find((d) => d.id === t.desk);

  /** Whether an earlier attempt already posted this delivery (its response was lost), found by metadata. */
  async function alreadyPosted(
    channel: string,
    thread: string | undefined,
    deliveryId: string,
  ): Promise<string | undefined> {
    const res = thread
      ? await client.conversations.replies({ channel, ts: thread, include_all_metadata: true, limit: 50 })
      : await client.conversations.history({ channel, include_all_metadata: true, limit: 50 });
    const found = res.messages?.find(
      (m) => (m.metadata?.event_payload as { delivery?: string } | undefined)?.delivery === deliveryId,
    );
    return found?.ts;
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
      try {
        if (delivery.audience === 'requester') {
          const channel = ticket.origin.conversation;
          const thread = ticket.origin.thread;
          if (delivery.attempts > 0 && (await alreadyPosted(channel, thread, delivery.id)))
            return { ok: true };
          const text = escapeMrkdwn(requesterMessage(ticket, event, deskOf(ticket)));
          await client.chat.postMessage({
            channel,
            ...(thread ? { thread_ts: thread } : {}),
            text,
            metadata,
            unfurl_links: false,
            unfurl_media: false,
          });
          return { ok: true };
        }
        const channel = deskOf(ticket)?.notify.slackChannel;
        if (!channel)
          return { ok: false, permanent: true, error: `desk ${ticket.desk} has no Slack channel` };
        const card = ticketCard(ticket, deps.desks().desks);
        const ref = ticket.refs.slackCard as SlackCardRef | undefined;
        if (ref && ref.channel === channel) {
          await client.chat.update({ channel, ts: ref.ts, text: card.text, blocks: card.blocks });
          if (event.type === 'reminded' || event.type === 'reopened') {
            await client.chat.postMessage({
              channel,
              thread_ts: ref.ts,
              text:
                event.type === 'reminded'
                  ? `${ticket.id} is still unclaimed past its ${ticket.responseTargetHours}-hour target.`
                  : `${ticket.id} was reopened.`,
              metadata,
            });
          }
          return { ok: true };
        }
        // A reassigned ticket gets a new card in its new desk's channel.
        const earlier =
          delivery.attempts > 0 ? await alreadyPosted(channel, undefined, delivery.id) : undefined;
        if (earlier) return { ok: true, refs: { slackCard: { channel, ts: earlier } } };
        const posted = await client.chat.postMessage({
          channel,
          text: card.text,
          blocks: card.blocks,
          metadata,
          unfurl_links: false,
        });
        return { ok: true, refs: { slackCard: { channel, ts: posted.ts as string } } };
      } catch (error) {
        return classify(error as WebAPICallError);
      }
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
