import { stringsFor } from '../../../present/strings.js';
import { escapeMrkdwn } from '../escape.js';
import type { SlackClient } from '../poster.js';
import type { SlackDeps } from './deps.js';

interface JoinArgs {
  event: { user: string; channel: string };
  client: SlackClient;
  context: { botUserId?: string };
}

/** The bot added to a channel: one welcome saying what it does (not when a person joins). */
export function onMemberJoined(deps: SlackDeps) {
  return async ({ event, client, context }: JoinArgs): Promise<void> => {
    if (!context.botUserId || event.user !== context.botUserId) return;
    if (deps.deskChannels().has(event.channel)) return; // a desk's own channel gets ticket cards, not a welcome
    const key = `join:${event.channel}`;
    if (!(await deps.seen.begin(key))) return;
    const text = escapeMrkdwn(stringsFor(deps.desk.content(), 'en').t('welcome'));
    try {
      await client.chat.postMessage({ channel: event.channel, text });
    } catch (error) {
      await deps.seen.release(key); // Slack's retry of the event may try again
      throw error;
    }
    await deps.seen.done(key);
  };
}
