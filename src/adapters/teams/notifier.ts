import type { CloudAdapter, ConversationReference } from 'botbuilder';
import type { Content } from '../../content/types.js';
import type { People } from '../../desk/people.js';
import { bulletinView, deskEventLine, ticketCardView, updateView } from '../../present/views.js';
import type { DeliveryResult, Notifier } from '../../tickets/service-types.js';
import type { Ticket } from '../../tickets/types.js';
import { cardActivity, cardFor, ticketCard, updateCard } from './cards.js';
import type { ReferenceStore } from './references.js';

/** Where a ticket's card is in Teams: kept in `ticket.refs.teamsCard`. */
export interface TeamsCardRef {
  /** The desk channel's conversation id (without `;messageid=`). */
  conversation: string;
  activityId: string;
}

/** Connector answers that a later attempt may fix. */
const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

type Ref = Partial<ConversationReference>;
const inThread = (ref: Ref, conversation: string, root: string): Ref => ({
  ...ref,
  conversation: {
    ...ref.conversation,
    id: `${conversation};messageid=${root}`,
  } as ConversationReference['conversation'],
});

/**
 * Delivers ticket notifications in Teams: the ticket card in the desk's channel (posted once, then
 * updated in place, with reminders and reopenings said in its thread; the card a desk had before a
 * reassignment is updated to say where the ticket went) and status updates in the company's
 * conversation (the reference captured when it asked). Cards are rendered from the views.
 */
export function createTeamsNotifier(deps: {
  adapter: Pick<CloudAdapter, 'continueConversationAsync'>;
  appId: string;
  references: Pick<ReferenceStore, 'get'>;
  content: () => Pick<Content, 'messages' | 'desks' | 'programmes'>;
  people: Pick<People, 'nameOf'>;
}): Notifier {
  const deskOf = (id: string) => deps.content().desks.desks.find((d) => d.id === id);
  const cardRefOf = (t: Ticket) => t.refs.teamsCard as TeamsCardRef | undefined;
  const post = (ref: Ref, run: Parameters<CloudAdapter['continueConversationAsync']>[2]) =>
    deps.adapter.continueConversationAsync(deps.appId, ref, run);

  /** The card a desk showed before the ticket moved: says where it went, no buttons. A failure changes nothing else. */
  async function markMoved(ticket: Ticket, card: TeamsCardRef): Promise<void> {
    const before = deps.content().desks.desks.find((d) => d.notify.teamsConversation === card.conversation);
    const ref = await deps.references.get(card.conversation).catch(() => undefined);
    if (!before || !ref) return;
    const view = ticketCardView(deps.content(), ticket, { forDesk: before.id, nameOf: deps.people.nameOf });
    await post(ref, async (ctx) => {
      await ctx.updateActivity({ id: card.activityId, ...cardActivity(ticketCard(view)) });
    }).catch(() => undefined);
  }

  return {
    channel: 'teams',
    handles: (ticket, audience) => {
      if (audience === 'requester') return ticket.origin.platform === 'teams';
      const card = cardRefOf(ticket);
      const channel = deskOf(ticket.desk)?.notify.teamsConversation;
      // A ticket that left a Teams desk for one that is not on Teams still has a card to mark as moved.
      return Boolean(channel) || (card !== undefined && card.conversation !== channel);
    },
    async deliver(ticket, delivery): Promise<DeliveryResult> {
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      const content = deps.content();
      try {
        if (delivery.audience === 'requester') {
          const view = updateView(content, ticket, event);
          if (!view) return { ok: true };
          const reference = ticket.origin.reference as Ref | undefined;
          if (!reference)
            return { ok: false, permanent: true, error: 'no conversation reference for the requester' };
          await post(reference, async (ctx) => {
            await ctx.sendActivity(cardActivity(updateCard(view)));
          });
          return { ok: true };
        }
        const card = cardRefOf(ticket);
        const channel = deskOf(ticket.desk)?.notify.teamsConversation;
        if (card && card.conversation !== channel) await markMoved(ticket, card);
        if (!channel) return { ok: true };
        const reference = await deps.references.get(channel);
        if (!reference)
          return {
            ok: false,
            error: `no conversation reference yet for ${channel}: add the bot to the channel`,
          };
        const activity = cardActivity(
          ticketCard(ticketCardView(content, ticket, { nameOf: deps.people.nameOf })),
        );
        if (card && card.conversation === channel) {
          await post(reference, async (ctx) => {
            await ctx.updateActivity({ id: card.activityId, ...activity });
          });
          const line = deskEventLine(content, ticket, event);
          if (line)
            await post(inThread(reference, channel, card.activityId), async (ctx) => {
              await ctx.sendActivity({ type: 'message', text: line, textFormat: 'plain' });
            });
          return { ok: true };
        }
        let posted: string | undefined;
        await post(reference, async (ctx) => {
          posted = (await ctx.sendActivity(activity))?.id;
        });
        if (!posted) return { ok: false, error: 'the connector returned no activity id for the card' };
        const ref: TeamsCardRef = { conversation: channel, activityId: posted };
        return { ok: true, refs: { teamsCard: ref } };
      } catch (error) {
        return classify(error);
      }
    },
    // The weekly digest in the admins' channel (the reference captured when the bot was added to it).
    bulletins: {
      handles: (to) => Boolean(to.teamsConversation),
      async deliver(bulletin): Promise<DeliveryResult> {
        const view = bulletinView(deps.content(), bulletin);
        if (!view) return { ok: false, permanent: true, error: `unknown bulletin kind ${bulletin.kind}` };
        const channel = bulletin.to.teamsConversation;
        if (!channel) return { ok: false, permanent: true, error: 'the admins have no Teams channel' };
        try {
          const reference = await deps.references.get(channel);
          if (!reference)
            return {
              ok: false,
              error: `no conversation reference yet for ${channel}: add the bot to the channel`,
            };
          let posted: string | undefined;
          await post(reference, async (ctx) => {
            posted = (await ctx.sendActivity(cardActivity(cardFor(view))))?.id;
          });
          // A failed send ends in the adapter's turn error handler, not here: no id, no delivery.
          if (!posted) return { ok: false, error: 'the connector returned no activity id for the digest' };
          return { ok: true, refs: { teamsPost: { conversation: channel, activityId: posted } } };
        } catch (error) {
          return classify(error);
        }
      },
    },
  };
}

function classify(error: unknown): DeliveryResult {
  const e = error as {
    statusCode?: number;
    message?: string;
    response?: { headers?: { get?: (h: string) => string | undefined } };
  };
  const status = e.statusCode;
  const retryAfter = Number(e.response?.headers?.get?.('retry-after'));
  if (status !== undefined && !RETRYABLE.has(status))
    return { ok: false, permanent: status === 403 || status === 404, error: `connector HTTP ${status}` };
  return {
    ok: false,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    error: status ? `connector HTTP ${status}` : (e.message ?? 'connector call failed'),
  };
}
