import type { ChatPostMessageArguments } from '@slack/web-api';
import type { SlackClient } from './poster.js';

const METADATA_TYPE = 'madoguchi_reply';

/** Errors after which the post may or may not have landed: look for it before trying again. */
function uncertain(error: unknown): boolean {
  const e = error as { code?: string; statusCode?: number; data?: { error?: string } };
  if (e.code === 'slack_webapi_platform_error')
    return ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(
      e.data?.error ?? '',
    );
  if (e.code === 'slack_webapi_rate_limited_error') return false;
  if (e.code === 'slack_webapi_http_error' && typeof e.statusCode === 'number')
    return e.statusCode >= 500 || e.statusCode === 408;
  return true; // a timeout, a reset connection: Slack may have taken it
}

/**
 * Whether a message carrying `key` is already in the thread (or the channel). `after` is a ts the
 * message can only follow (the message it answers): a thread lists its oldest messages first.
 */
export async function findPosted(
  client: SlackClient,
  channel: string,
  thread: string | undefined,
  key: string,
  after?: string,
): Promise<string | undefined> {
  const since = after ? { oldest: after } : {};
  const res = thread
    ? await client.conversations.replies({
        channel,
        ts: thread,
        ...since,
        include_all_metadata: true,
        limit: 200,
      })
    : await client.conversations.history({ channel, ...since, include_all_metadata: true, limit: 200 });
  return res.messages?.find(
    (m) =>
      m.metadata?.event_type === METADATA_TYPE &&
      (m.metadata.event_payload as { key?: string } | undefined)?.key === key,
  )?.ts;
}

/**
 * Posts a reply at most once. The message carries `key` in its metadata; when Slack's answer is lost
 * or a 5xx (the post may have landed), the thread is searched for the key before trying again, and
 * `checkFirst` does that before the first attempt (a platform retry of a turn that may have posted).
 * A 429 is tried again after its Retry-After.
 */
export async function postOnce(
  client: SlackClient,
  message: ChatPostMessageArguments & { channel: string; thread_ts?: string },
  key: string,
  opts: { checkFirst?: boolean; after?: string; attempts?: number; waitMs?: number } = {},
): Promise<string | undefined> {
  const thread = message.thread_ts;
  const earlierPost = () =>
    findPosted(client, message.channel, thread, key, opts.after).catch(() => undefined);
  if (opts.checkFirst) {
    const earlier = await earlierPost();
    if (earlier) return earlier;
  }
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await client.chat.postMessage({
        ...message,
        metadata: { event_type: METADATA_TYPE, event_payload: { key } },
      } as ChatPostMessageArguments);
      return res.ts;
    } catch (error) {
      if (attempt >= attempts) throw error;
      const retryAfter = (error as { code?: string; retryAfter?: number }).retryAfter;
      if (
        (error as { code?: string }).code === 'slack_webapi_rate_limited_error' &&
        retryAfter !== undefined
      ) {
        // Refused, so not posted: try again once Slack's Retry-After has passed.
        await new Promise((r) => setTimeout(r, retryAfter * 1000));
        continue;
      }
      if (!uncertain(error)) throw error;
      await new Promise((r) => setTimeout(r, (opts.waitMs ?? 400) * 2 ** (attempt - 1)));
      const earlier = await earlierPost();
      if (earlier) return earlier;
    }
  }
}
