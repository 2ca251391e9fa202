import type { App } from '@slack/bolt';
import { VIEWS } from '../blocks.js';
import { onAction } from './actions.js';
import { onCommand } from './commands.js';
import type { SlackDeps } from './deps.js';
import { onMemberJoined } from './events.js';
import { onAppMention, onMessage } from './messages.js';
import { onHandoffSubmit, onResolveSubmit, onViewClosed } from './views.js';

type Listener = Parameters<App['action']>[1];

/**
 * Every Slack listener, by kind. Anything interactive the bot has no listener for (a shortcut, an
 * unknown action, a closed modal) is still acknowledged, so Slack never shows the person an error.
 */
export function registerListeners(app: App, deps: SlackDeps): void {
  app.event('app_mention', onAppMention(deps) as never);
  app.message(onMessage(deps) as never);
  app.event('member_joined_channel', onMemberJoined(deps) as never);
  app.action(/.*/, onAction(deps) as unknown as Listener);
  app.view(VIEWS.handoff, onHandoffSubmit(deps) as never);
  app.view(VIEWS.resolve, onResolveSubmit(deps) as never);
  app.view({ type: 'view_closed', callback_id: /.*/ }, onViewClosed() as never);
  app.view(
    { type: 'view_submission', callback_id: new RegExp(`^(?!(${VIEWS.handoff}|${VIEWS.resolve})$)`) },
    onViewClosed() as never,
  );
  app.shortcut(/.*/, onViewClosed() as never);
  app.options(/.*/, (async ({ ack }: { ack: (r: unknown) => Promise<void> }) =>
    ack({ options: [] })) as never);
  app.command('/madoguchi', onCommand(deps) as never);
}
