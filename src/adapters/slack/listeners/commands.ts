import { ADMIN_COMMANDS } from '../../../desk/service.js';
import type { DeskResult } from '../../../desk/types.js';
import { stringsFor } from '../../../present/strings.js';
import { messageFor, type SlackMessage } from '../blocks.js';
import { escapeMrkdwn, fromSlack, LIMITS, truncate } from '../escape.js';
import { type SlackDeps, slackRequest, slackUser } from './deps.js';

interface CommandArgs {
  ack: () => Promise<void>;
  command: { text: string; user_id: string; user_name?: string; channel_id: string; trigger_id?: string };
  respond: (message: SlackMessage & { response_type: 'ephemeral' }) => Promise<unknown>;
}

const render = (result: DeskResult): SlackMessage | undefined =>
  result.kind === 'reply' ||
  result.kind === 'notice' ||
  result.kind === 'status' ||
  result.kind === 'tickets' ||
  result.kind === 'gaps'
    ? messageFor(result.view)
    : undefined;

/** `/madoguchi ask <question> | tickets | reload | status | gaps | help`, answered privately. */
export function onCommand(deps: SlackDeps) {
  return async ({ ack, command, respond }: CommandArgs): Promise<void> => {
    await ack();
    // Slack sends a command's text in its message format (`&lt;` for `<`, mentions in brackets).
    const text = fromSlack(command.text ?? '');
    const [first = 'help', ...rest] = text.split(/\s+/);
    const sub = first.toLowerCase();
    const req = slackRequest(
      { id: command.user_id, name: command.user_name },
      `cmd:${command.user_id}`,
      undefined,
      command.trigger_id,
    );
    const reply = async (result: DeskResult) => {
      const message = render(result);
      if (message) await respond({ response_type: 'ephemeral', ...message });
    };
    try {
      if (sub === 'ask' && rest.length > 0)
        return await reply(await deps.desk.ask(req, text.slice(first.length).trim()));
      if (sub === 'tickets') return await reply(await deps.desk.myTickets(req));
      if ((ADMIN_COMMANDS as readonly string[]).includes(sub))
        return await reply(
          await deps.desk.admin(req, sub as (typeof ADMIN_COMMANDS)[number], `/madoguchi ${sub}`),
        );
      const help = await deps.desk.ask(req, 'help');
      const admin = deps.desk.isAdmin(slackUser(command.user_id));
      const commands = [
        '`/madoguchi ask …`',
        '`/madoguchi tickets`',
        ...(admin ? ['`/madoguchi reload`', '`/madoguchi status`', '`/madoguchi gaps`'] : []),
      ];
      const s = stringsFor(deps.desk.content(), help.kind === 'reply' ? help.reply.replyLang : undefined);
      const body = `${escapeMrkdwn(help.kind === 'reply' ? help.view.text : '')}\n\n${escapeMrkdwn(s.t('commandsHelp', { commands: commands.join(' · ') }))}`;
      await respond({
        response_type: 'ephemeral',
        text: truncate(body, LIMITS.text),
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(body, LIMITS.sectionText) } }],
      });
    } catch (error) {
      await respond({ response_type: 'ephemeral', ...messageFor(deps.desk.toUserMessage(error, req)) });
    }
  };
}
