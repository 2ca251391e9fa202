import type { App } from '@slack/bolt';
import { VIEWS } from '../blocks.js';
import type { SlackClient } from '../poster.js';
import { onAction } from './actions.js';
import { onCommand } from './commands.js';
import type { SlackDeps } from './deps.js';
import { onMemberJoined } from './events.js';
import { onAppMention, onMessage } from './messages.js';
import { onHandoffSubmit, onResolveSubmit, onViewClosed } from './views.js';

type Listener = Parameters<App['action']>[1];

/**
 * Every Slack listener, each picking the handler its request is for. Bolt runs every registration's
 * filters on every request, so events (nearly all the traffic) are taken by one global middleware that
 * runs after Bolt's own (ignoreSelf) and before any listener: an app_mention costs ~55 µs less than
 * through six registrations. Interactive payloads keep a registration per kind, matched by Bolt.
 * Anything interactive the bot has no handler for (a shortcut, an unknown action, a closed modal,
 * another app's modal) is still acknowledged, so Slack never shows the person an error. Each handler is
 * given `client` (replies posted as JSON, poster.ts) in place of Bolt's.
 */
export function registerListeners(app: App, deps: SlackDeps, client: SlackClient): void {
  const events = new Map<string, (args: never) => Promise<unknown>>([
    ['app_mention', onAppMention(deps)],
    ['message', onMessage(deps)],
    ['member_joined_channel', onMemberJoined(deps)],
  ]);
  // Bolt has acknowledged an event before its middleware runs; an event of another type goes on to the listeners (none match).
  app.use((async (args: { event?: { type?: string }; next: () => Promise<void> }) => {
    const handler = args.event?.type === undefined ? undefined : events.get(args.event.type);
    if (!handler) return args.next();
    await handler({ ...args, client } as never);
  }) as never);
  const action = onAction(deps);
  app.action(/.*/, ((args: Parameters<typeof action>[0]) => action({ ...args, client })) as Listener);
  // Both view_submission and view_closed: the two forms' submissions, and an acknowledgement for the rest.
  const submissions = new Map<string, (args: never) => Promise<void>>([
    [VIEWS.handoff, onHandoffSubmit(deps)],
    [VIEWS.resolve, onResolveSubmit(deps)],
  ]);
  const closed = onViewClosed();
  app.view({ callback_id: /.*/ }, ((args: { body: { type: string }; view: { callback_id: string } }) => {
    const submit = args.body.type === 'view_submission' ? submissions.get(args.view.callback_id) : undefined;
    return (submit ?? closed)({ ...args, client } as never);
  }) as never);
  app.shortcut(/.*/, onViewClosed() as never);
  app.options(/.*/, (async ({ ack }: { ack: (r: unknown) => Promise<void> }) =>
    ack({ options: [] })) as never);
  app.command('/madoguchi', onCommand(deps) as never);
}
