import { DeskError } from '../../../desk/errors.js';
import type { DeskRequest } from '../../../desk/types.js';
import { ActPayload, parsePayload } from '../../../present/payloads.js';
import { ticketCardView } from '../../../present/views.js';
import { ACTION, handoffModal, messageFor, resolveModal } from '../blocks.js';
import { postOnce } from '../post.js';
import type { SlackClient } from '../poster.js';
import { type SlackDeps, slackRequest, ticketLang } from './deps.js';

/** The fields of a block_actions payload the bot reads. */
export interface SlackActionBody {
  trigger_id?: string;
  user: { id: string; name?: string; username?: string };
  channel?: { id: string };
  message?: { ts: string; thread_ts?: string };
  container?: { channel_id?: string; thread_ts?: string; message_ts?: string; is_ephemeral?: boolean };
}
export interface SlackAction {
  action_id: string;
  action_ts?: string;
  value?: string;
  selected_option?: { value: string };
}

interface ActionArgs {
  ack: () => Promise<void>;
  action: SlackAction;
  body: SlackActionBody;
  client: SlackClient;
}

/**
 * Every button and menu: acknowledged at once, its payload parsed and validated by the desk service,
 * the result shown where it belongs (an answer in the thread, a form as a modal, a refusal privately
 * to the person who clicked). An action the bot does not know is acknowledged and ignored.
 */
export function onAction(deps: SlackDeps) {
  return async ({ ack, action, body, client }: ActionArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const thread = body.message?.thread_ts ?? body.message?.ts ?? body.container?.thread_ts;
    if (!channel) return;
    const known =
      action.action_id === ACTION.resolve ||
      action.action_id === ACTION.reassign ||
      ACTION.press.test(action.action_id);
    if (!known) {
      deps.logger.debug({ action: action.action_id }, 'slack action without a listener');
      return;
    }
    const base: DeskRequest = slackRequest(
      { id: body.user.id, name: body.user.name ?? body.user.username },
      channel,
      thread,
      body.trigger_id,
    );
    const raw = action.action_id === ACTION.reassign ? action.selected_option?.value : action.value;
    const act = parsePayload(ActPayload, raw);
    const lang = act ? await ticketLang(deps, act.ticket, base.user).catch(() => undefined) : undefined;
    const req: DeskRequest = lang ? { ...base, lang } : base;
    const privately = (error: unknown) =>
      client.chat
        .postEphemeral({ channel, user: body.user.id, ...messageFor(deps.desk.toUserMessage(error, req)) })
        .catch((e: unknown) => deps.logger.warn({ err: e, channel }, 'could not tell the person privately'));
    try {
      if (action.action_id === ACTION.resolve) return await openResolve(deps, client, req, body, action);
      // One click, one effect: Slack does not resend interactions, but a person can click twice.
      const key = `act:${body.trigger_id ?? `${channel}:${action.action_ts ?? action.action_id}`}`;
      if (!(await deps.seen.begin(key))) return;
      try {
        const result = await deps.desk.press(req, raw);
        if (result.kind === 'reply' && thread && !body.container?.is_ephemeral) {
          await postOnce(
            client,
            {
              channel,
              thread_ts: thread,
              ...messageFor(result.view),
              unfurl_links: false,
              unfurl_media: false,
            },
            key,
          );
        } else if (result.kind === 'reply') {
          // A choice on a private answer (`/madoguchi ask`) is answered privately too.
          await client.chat.postEphemeral({ channel, user: body.user.id, ...messageFor(result.view) });
        } else if (result.kind === 'form' && body.trigger_id) {
          const meta = JSON.stringify({ ...result.view.submit.payload, channel, thread: thread ?? '' });
          await client.views.open({ trigger_id: body.trigger_id, view: handoffModal(result.view, meta) });
        } else if (result.kind === 'notice' || result.kind === 'tickets' || result.kind === 'status') {
          await client.chat.postEphemeral({ channel, user: body.user.id, ...messageFor(result.view) });
        }
        // A ticket change needs nothing here: the outbox updates the card and tells the company.
      } catch (error) {
        await deps.seen.release(key);
        throw error;
      }
      await deps.seen.done(key);
    } catch (error) {
      await privately(error);
    }
  };
}

/** Resolve asks for the note to the company first; Cancel on that modal resolves nothing. */
async function openResolve(
  deps: SlackDeps,
  client: SlackClient,
  req: DeskRequest,
  body: SlackActionBody,
  action: SlackAction,
): Promise<void> {
  const p = parsePayload(ActPayload, action.value);
  if (p?.a !== 'resolve') throw new DeskError('BAD_PAYLOAD');
  const ticket = await deps.desk.mayAct(req, p);
  if (!body.trigger_id) return;
  const view = ticketCardView(deps.desk.content(), ticket, { nameOf: deps.desk.people.nameOf });
  await client.views.open({
    trigger_id: body.trigger_id,
    view: resolveModal(view, JSON.stringify({ ticket: ticket.id, channel: req.where.conversation })),
  });
}
