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
 * Every Slack listener, one registration per kind, each picking the handler its request is for. Bolt
 * runs every registration's filters on every request (eleven registrations cost each app_mention ~40 µs
 * more than these six). Anything interactive the bot has no handler for (a shortcut, an unknown action,
 * a closed modal, another app's modal) is still acknowledged, so Slack never shows the person an error.
 */
export function registerListeners(app: App, deps: SlackDeps): void {
  const events = new Map<string, (args: never) => Promise<unknown>>([
    ['app_mention', onAppMention(deps)],
    ['message', onMessage(deps)],
    ['member_joined_channel', onMemberJoined(deps)],
  ]);
  app.event(/^(app_mention|message|member_joined_channel)$/, ((args: { event: { type: string } }) =>
    events.get(args.event.type)?.(args as never)) as never);
  app.action(/.*/, onAction(deps) as unknown as Listener);
  // Both view_submission and view_closed: the two forms' submissions, and an acknowledgement for the rest.
  const submissions = new Map<string, (args: never) => Promise<void>>([
    [VIEWS.handoff, onHandoffSubmit(deps)],
    [VIEWS.resolve, onResolveSubmit(deps)],
  ]);
  const closed = onViewClosed();
  app.view({ callback_id: /.*/ }, ((args: { body: { type: string }; view: { callback_id: string } }) => {
    const submit = args.body.type === 'view_submission' ? submissions.get(args.view.callback_id) : undefined;
    return (submit ?? closed)(args as never);
  }) as never);
  app.shortcut(/.*/, onViewClosed() as never);
  app.options(/.*/, (async ({ ack }: { ack: (r: unknown) => Promise<void> }) =>
    ack({ options: [] })) as never);
  app.command('/madoguchi', onCommand(deps) as never);
}
