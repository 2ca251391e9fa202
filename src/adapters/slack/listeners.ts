import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { DeskId, Reply } from '../../core/types.js';
import type { Rating } from '../../feedback/store.js';
import type { AdapterDeps } from '../../server/types.js';
import { TicketError } from '../../tickets/errors.js';
import { openHandoff } from '../../tickets/handoff.js';
import type { SeenStore } from '../shared/seen-store.js';
import { escapeMrkdwn } from './escape.js';
import type { SlackCardRef } from './notifier.js';
import { ACTIONS, handoffModal, replyBlocks, resolveModal, VIEWS } from './render.js';

export interface ListenerDeps extends AdapterDeps {
  seen: SeenStore;
  listen: 'mentions' | 'all';
}

interface Question {
  channel: string;
  /** The thread the reply goes in: the message's thread, or the message itself. */
  thread: string;
  user: string;
  text: string;
}

const conversationOf = (channel: string, thread: string) => `slack:${channel}:${thread}`;
const userRef = (id: string) => `slack:${id}`;

/** Answers one question in its thread. Returns the reply (tests and the handoff button use it). */
export async function answerInThread(deps: ListenerDeps, client: WebClient, q: Question): Promise<Reply> {
  const engine = deps.engine.current();
  const reply = engine.respond({
    text: q.text,
    platform: 'slack',
    user: { id: userRef(q.user) },
    conversation: conversationOf(q.channel, q.thread),
  });
  const deskId = reply.action === 'handoff' ? reply.desk : reply.offerDesk;
  const desk = deskId ? deps.desks().desks.find((d) => d.id === deskId) : undefined;
  const { text, blocks } = replyBlocks(reply, {
    desk,
    turn: `${q.channel}:${q.thread}:${engine.transcript(conversationOf(q.channel, q.thread)).length}`,
  });
  await client.chat.postMessage({
    channel: q.channel,
    thread_ts: q.thread,
    text,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  });
  return reply;
}

/** One reply per user message, whatever Slack redelivers: by event id and by channel + ts. */
async function firstTime(
  deps: ListenerDeps,
  eventId: string | undefined,
  channel: string,
  ts: string,
): Promise<boolean> {
  return deps.seen.firstTime(`msg:${channel}:${ts}`, ...(eventId ? [`ev:${eventId}`] : []));
}

export function registerMessageListeners(app: App, deps: ListenerDeps): void {
  app.event('app_mention', async ({ event, body, client }) => {
    if (event.bot_id || !event.user) return;
    if (!(await firstTime(deps, (body as { event_id?: string }).event_id, event.channel, event.ts))) return;
    await answerInThread(deps, client, {
      channel: event.channel,
      thread: event.thread_ts ?? event.ts,
      user: event.user,
      text: event.text,
    });
  });

  app.message(async ({ message, body, client }) => {
    if (message.subtype !== undefined && message.subtype !== 'thread_broadcast') return;
    if ('bot_id' in message && message.bot_id) return;
    const m = message as {
      user?: string;
      text?: string;
      ts: string;
      thread_ts?: string;
      channel: string;
      channel_type?: string;
    };
    if (!m.user) return;
    // A staff reply in a ticket card's thread is relayed to the requester.
    if (m.thread_ts && m.thread_ts !== m.ts) {
      const [ticket] = await deps.tickets.list({
        where: (t) => {
          const card = t.refs.slackCard as SlackCardRef | undefined;
          return card !== undefined && card.ts === m.thread_ts && card.channel === m.channel;
        },
      });
      if (ticket) {
        if (!(await firstTime(deps, (body as { event_id?: string }).event_id, m.channel, m.ts))) return;
        try {
          await deps.tickets.comment(
            ticket.id,
            { user: userRef(m.user), sourceEventId: `slack:${m.channel}:${m.ts}` },
            m.text ?? '',
          );
          deps.kickOutbox();
        } catch (error) {
          if (!(error instanceof TicketError)) throw error;
        }
        return;
      }
    }
    const direct = m.channel_type === 'im';
    if (!direct && deps.listen !== 'all') return;
    if (!(await firstTime(deps, (body as { event_id?: string }).event_id, m.channel, m.ts))) return;
    await answerInThread(deps, client, {
      channel: m.channel,
      thread: m.thread_ts ?? m.ts,
      user: m.user,
      text: m.text ?? '',
    });
  });
}

export function registerActionListeners(app: App, deps: ListenerDeps): void {
  // A follow-up or clarify choice: asked in the same thread as if typed.
  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${ACTIONS.suggest}_\\d$`),
    async ({ ack, action, body, client }) => {
      await ack();
      const channel = body.channel?.id;
      const thread = body.message?.thread_ts ?? body.message?.ts;
      if (!channel || !thread || !(await deps.seen.firstTime(`act:${body.trigger_id}`))) return;
      await answerInThread(deps, client, { channel, thread, user: body.user.id, text: action.value ?? '' });
    },
  );

  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${ACTIONS.feedback}_(helpful|not_helpful)$`),
    async ({ ack, action, body, client }) => {
      await ack();
      const rating: Rating = action.action_id.endsWith('not_helpful') ? 'not_helpful' : 'helpful';
      const rated = JSON.parse(action.value ?? '{}') as {
        turn?: string;
        intent?: string | null;
        entries?: string[];
        confidence?: number;
        scheme?: Reply['scheme'];
      };
      await deps.feedback.record({
        at: deps.clock.now().toISOString(),
        platform: 'slack',
        user: userRef(body.user.id),
        conversation: `slack:${body.channel?.id}:${body.message?.thread_ts ?? body.message?.ts}`,
        turn: rated.turn ?? body.message?.ts ?? '',
        rating,
        reply: {
          action: 'answer',
          intent: rated.intent ?? null,
          confidence: rated.confidence ?? 0,
          scheme: rated.scheme ?? null,
          entries: rated.entries ?? [],
        },
      });
      if (body.channel?.id) {
        await client.chat.postEphemeral({
          channel: body.channel.id,
          user: body.user.id,
          text:
            rating === 'helpful'
              ? 'Thank you for the feedback.'
              : 'Thank you; we will use this to improve the answer.',
        });
      }
    },
  );

  app.action<BlockAction<ButtonAction>>(ACTIONS.talk, async ({ ack, action, body, client }) => {
    await ack();
    const desk = deps.desks().desks.find((d) => d.id === action.value);
    const channel = body.channel?.id;
    const thread = body.message?.thread_ts ?? body.message?.ts;
    if (!desk || !channel || !thread) return;
    const conversation = conversationOf(channel, thread);
    const turns = deps.engine.current().transcript(conversation);
    const question =
      [...turns].reverse().find((t) => t.reply.action !== 'smalltalk')?.text ?? turns.at(-1)?.text ?? '';
    const lang = turns.at(-1)?.reply.text && /[\u3040-\u30FF]/.test(question) ? 'ja' : 'en';
    const history = turns
      .slice(-4)
      .map((t) => `> ${t.text.replace(/\s+/g, ' ').slice(0, 300)}`)
      .join('\n');
    await client.views.open({
      trigger_id: body.trigger_id,
      view: handoffModal({
        desk,
        lang,
        prefill: `${question}\n\n${history}`.trim(),
        metadata: JSON.stringify({ channel, thread, desk: desk.id, lang }),
      }),
    });
  });

  const staffAction = async (client: WebClient, body: BlockAction, run: () => Promise<unknown>) => {
    try {
      await run();
      deps.kickOutbox();
    } catch (error) {
      if (!(error instanceof TicketError)) throw error;
      if (body.channel?.id)
        await client.chat.postEphemeral({
          channel: body.channel.id,
          user: body.user.id,
          text: escapeMrkdwn(error.message),
        });
    }
  };

  app.action<BlockAction<ButtonAction>>(ACTIONS.claim, async ({ ack, action, body, client }) => {
    await ack();
    await staffAction(client, body, () =>
      deps.tickets.claim(action.value ?? '', {
        user: userRef(body.user.id),
        sourceEventId: `slack:${body.trigger_id}`,
      }),
    );
  });

  app.action<BlockAction<StaticSelectAction>>(ACTIONS.reassign, async ({ ack, action, body, client }) => {
    await ack();
    const [id, desk] = action.selected_option.value.split('|');
    await staffAction(client, body, () =>
      deps.tickets.reassign(id ?? '', desk as DeskId, {
        user: userRef(body.user.id),
        sourceEventId: `slack:${body.trigger_id}`,
      }),
    );
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.resolve, async ({ ack, action, body, client }) => {
    await ack();
    const id = action.value ?? '';
    if (!deps.tickets.canWork(userRef(body.user.id), (await deps.tickets.get(id))?.desk ?? 'general')) {
      await staffAction(client, body, () => deps.tickets.resolve(id, { user: userRef(body.user.id) }));
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: resolveModal(id, JSON.stringify({ id, channel: body.channel?.id })),
    });
  });
}

export function registerViewListeners(app: App, deps: ListenerDeps): void {
  app.view(VIEWS.handoff, async ({ ack, view, body }) => {
    const value = (block: string) => view.state.values[block]?.value?.value ?? '';
    const company = value('company').trim();
    const contact = value('contact').trim();
    if (!company || !contact) {
      await ack({
        response_action: 'errors',
        errors: { ...(company ? {} : { company: 'Required' }), ...(contact ? {} : { contact: 'Required' }) },
      });
      return;
    }
    await ack();
    const meta = JSON.parse(view.private_metadata) as {
      channel: string;
      thread: string;
      desk: DeskId;
      lang: 'en' | 'ja';
    };
    const conversation = conversationOf(meta.channel, meta.thread);
    await openHandoff(
      { tickets: deps.tickets, engine: deps.engine.current() },
      {
        key: `slack:view:${view.id}`,
        desk: meta.desk,
        requester: {
          platform: 'slack',
          userId: userRef(body.user.id),
          ...(body.user.name ? { displayName: body.user.name } : {}),
        },
        origin: { platform: 'slack', conversation: meta.channel, thread: meta.thread },
        conversation,
        text: value('need') || '',
        lang: meta.lang,
        details: { company, contact, need: value('need') },
        sourceEventId: `slack:view:${view.id}`,
      },
    );
    deps.kickOutbox();
  });

  app.view(VIEWS.resolve, async ({ ack, view, body, client }) => {
    await ack();
    const meta = JSON.parse(view.private_metadata) as { id: string; channel?: string };
    const note = view.state.values.note?.value?.value ?? undefined;
    try {
      await deps.tickets.resolve(
        meta.id,
        { user: userRef(body.user.id), sourceEventId: `slack:view:${view.id}` },
        note || undefined,
      );
      deps.kickOutbox();
    } catch (error) {
      if (!(error instanceof TicketError)) throw error;
      if (meta.channel)
        await client.chat.postEphemeral({
          channel: meta.channel,
          user: body.user.id,
          text: escapeMrkdwn(error.message),
        });
    }
  });
}

export function registerCommandListeners(app: App, deps: ListenerDeps): void {
  app.command('/madoguchi', async ({ ack, command, respond }) => {
    await ack();
    const [sub = 'help', ...rest] = command.text.trim().split(/\s+/);
    const user = userRef(command.user_id);
    const admin = deps.tickets.isAdmin(user);
    if (sub === 'ask' && rest.length > 0) {
      const reply = deps.engine.current().respond({
        text: rest.join(' '),
        platform: 'slack',
        user: { id: user },
        conversation: `slack:cmd:${command.user_id}`,
      });
      const desk = reply.offerDesk ? deps.desks().desks.find((d) => d.id === reply.offerDesk) : undefined;
      await respond({
        response_type: 'ephemeral',
        ...replyBlocks(reply, { desk, turn: `cmd:${command.trigger_id}` }),
      });
      return;
    }
    if (sub === 'tickets') {
      const mine = await deps.tickets.list({ requester: user });
      const lines = mine.map(
        (t) =>
          `• *${t.id}* · ${t.status} · ${escapeMrkdwn(deps.desks().desks.find((d) => d.id === t.desk)?.name.en ?? t.desk)}`,
      );
      await respond({
        response_type: 'ephemeral',
        text: lines.length > 0 ? lines.join('\n') : 'You have no requests.',
      });
      return;
    }
    if (sub === 'reload' || sub === 'status') {
      if (!admin) {
        deps.logger.warn({ user, command: sub }, 'admin command refused');
        await respond({ response_type: 'ephemeral', text: `Only admins can use \`/madoguchi ${sub}\`.` });
        return;
      }
      if (sub === 'reload') {
        const outcome = await deps.reload();
        await respond({
          response_type: 'ephemeral',
          text: outcome.ok
            ? `Content ${outcome.changed ? 'reloaded' : 'unchanged'}: ${outcome.version}`
            : `Rejected; still serving ${outcome.keptVersion}:\n${outcome.problems.map(escapeMrkdwn).join('\n')}`,
        });
        return;
      }
      const s = deps.status();
      await respond({
        response_type: 'ephemeral',
        text: `Content ${s.contentVersion} (${s.knowledgeEntries} entries, ${s.intents} intents) · open tickets ${s.tickets.open} · pending notifications ${s.tickets.pendingDeliveries} · channels ${s.channels.join(', ')}${s.rejected ? `\nLast change rejected: ${s.rejected.problems.map(escapeMrkdwn).join('; ')}` : ''}`,
      });
      return;
    }
    const help = deps.engine.current().respond({
      text: 'help',
      platform: 'slack',
      user: { id: user },
      conversation: `slack:cmd:${command.user_id}`,
    });
    await respond({
      response_type: 'ephemeral',
      text: `${escapeMrkdwn(help.text)}\n\n\`/madoguchi ask <question>\` · \`/madoguchi tickets\`${admin ? ' · `/madoguchi reload` · `/madoguchi status`' : ''}`,
    });
  });
}
