import { join } from 'node:path';
import {
  type Activity,
  type ChannelAccount,
  type ConversationParameters,
  TestAdapter,
  TurnContext,
} from 'botbuilder';
import { createSeenStore } from '../../../src/adapters/shared/seen-store.js';
import { MadoguchiTeamsBot } from '../../../src/adapters/teams/bot.js';
import type { Content } from '../../../src/content/types.js';
import { buildDesk } from '../../desk/fixture.js';
import { realContent } from '../../helpers.js';

export const BOT = { id: '28:bot', name: 'Madoguchi' };
export const REQUESTER = { id: '29:requester', name: 'Tanaka', aadObjectId: 'REQ-AAD' };
export const STAFF = { id: '29:staff', name: 'Aiko Sato', aadObjectId: 'STAFF-AAD' };
export const STRANGER = { id: '29:stranger', name: 'Someone', aadObjectId: 'STRANGER-AAD' };
export const ADMIN = { id: '29:admin', name: 'Admin', aadObjectId: 'ADMIN-AAD' };
export const DESK_CHANNEL = '19:jbic-desk@thread.tacv2';
export const SHARED_CHANNEL = '19:shared@thread.tacv2';

/**
 * botbuilder's TestAdapter, plus what the Teams connector does that it leaves out: opening a 1:1 chat
 * (`createConversationAsync`) runs the callback in a new personal conversation, and card updates are
 * recorded.
 */
export class TeamsTestAdapter extends TestAdapter {
  readonly opened: ConversationParameters[] = [];
  readonly updates: Array<Partial<Activity>> = [];
  readonly sent: Array<Partial<Activity>> = [];

  override async sendActivities(context: TurnContext, activities: Array<Partial<Activity>>) {
    this.sent.push(...activities);
    return super.sendActivities(context, activities);
  }

  override async updateActivity(context: TurnContext, activity: Partial<Activity>) {
    this.updates.push(activity);
    return super.updateActivity(context, activity);
  }

  override async createConversationAsync(
    _botAppId: string,
    channelId: string,
    serviceUrl: string,
    _audience: string,
    params: ConversationParameters,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    this.opened.push(params);
    const member = params.members?.[0] as ChannelAccount;
    const activity = {
      type: 'event',
      name: 'CreateConversation',
      channelId,
      serviceUrl,
      conversation: { id: `a:1on1-${member.id}`, isGroup: false, conversationType: 'personal' },
      recipient: params.bot,
      from: member,
    } as Activity;
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  /** What the bot sent to a conversation (the activity's conversation id as the adapter applied it). */
  to(conversation: string): Array<Partial<Activity>> {
    return this.sent.filter((a) => a.conversation?.id === conversation);
  }
}

/** Real content with a Teams staff member on JBIC's desk (which watches a Teams channel) and a Teams admin. */
export async function teamsContent(): Promise<Content> {
  const base = await realContent();
  return {
    ...base,
    desks: {
      ...base.desks,
      admins: [...base.desks.admins, `teams:${ADMIN.aadObjectId}`],
      desks: base.desks.desks.map((d) =>
        d.id === 'jbic'
          ? {
              ...d,
              lang: 'en',
              staff: [...d.staff, `teams:${STAFF.aadObjectId}`],
              notify: { teamsConversation: DESK_CHANNEL },
            }
          : d,
      ),
    },
  };
}

/** The bot over a real desk service (real content, a lowdb store and a seen store in a temporary directory). */
export async function botFixture() {
  const content = await teamsContent();
  const { desk, tickets, dir, logger } = await buildDesk(content, { channel: 'teams' });
  const seen = await createSeenStore({ file: join(dir, 'teams-seen.journal') });
  const remembered: string[] = [];
  const bot = new MadoguchiTeamsBot({
    desk,
    tickets,
    seen,
    remember: async (ref) => {
      remembered.push(ref.conversation?.id ?? '');
    },
    appId: '',
    deskConversations: () => new Set([DESK_CHANNEL]),
    logger,
  });
  const adapter = new TeamsTestAdapter((context) => bot.run(context));
  return { adapter, bot, desk, tickets, content, remembered };
}

let n = 0;
/** A Teams activity: by default a message from the requester in their 1:1 chat with the bot. */
export function activity(fields: Record<string, unknown> = {}): Activity {
  return {
    type: 'message',
    id: `act-${++n}`,
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/',
    from: REQUESTER,
    recipient: BOT,
    conversation: { id: 'a:chat-requester', conversationType: 'personal', isGroup: false },
    locale: 'en-US',
    ...fields,
  } as Activity;
}

/** A card button's click: an Action.Submit's data (the payload under `madoguchi`, inputs beside it). */
export const submit = (data: Record<string, unknown>, fields: Record<string, unknown> = {}) =>
  activity({ value: data, ...fields });

/** The channel conversation of a desk (or a shared channel), as Teams sends it for a top-level post. */
export const inChannel = (channel: string, root = '1700000000001') => ({
  id: `${channel};messageid=${root}`,
  conversationType: 'channel',
  isGroup: true,
  tenantId: 'tenant-1',
});
