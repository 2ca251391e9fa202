import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../../../src/adapters/slack/blocks.js';
import { onCommand } from '../../../../src/adapters/slack/listeners/commands.js';
import { fakeAck, listenerFixture } from './fixture.js';

const f = await listenerFixture();

let n = 0;
/** Runs `/madoguchi <text>`; returns the acks and what was sent to response_url. */
async function command(user: string, text: string) {
  const { ack, acks } = fakeAck();
  const responses: Array<SlackMessage & { response_type: string }> = [];
  await onCommand(f.deps)({
    ack,
    command: {
      text,
      user_id: user,
      user_name: user.toLowerCase(),
      channel_id: 'C0SHARED',
      trigger_id: `tc${++n}`,
    },
    respond: async (message) => {
      responses.push(message);
    },
  });
  return { acks, responses };
}

describe('onCommand', () => {
  it('answers `ask` privately', async () => {
    const { acks, responses } = await command('UREQ', 'ask who signed the chongqing mou');
    expect(acks).toEqual([undefined]);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.response_type).toBe('ephemeral');
    expect(JSON.stringify(responses[0])).toContain('Heping Chen');
  });

  it('reads the question as the person typed it (Slack sends `&lt;` for `<`)', async () => {
    const { responses } = await command('UREQ', 'ask Is there a fund for loans &lt; 10M JPY &amp; more?');
    expect(responses).toHaveLength(1);
    const form = f.desk.offerHandoff(
      { platform: 'slack', user: 'slack:UREQ', where: { conversation: 'cmd:UREQ' } },
      'sme-support-japan',
    );
    expect(form.kind === 'form' && form.view.fields.need.initial).toBe(
      'Is there a fund for loans < 10M JPY & more?',
    );
  });

  it('lists the person’s own tickets, whatever the case of the subcommand', async () => {
    const ticket = await f.openTicket({ user: 'ULIST' });
    const { responses } = await command('ULIST', 'TICKETS');
    expect(responses[0]?.response_type).toBe('ephemeral');
    expect(responses[0]?.text).toContain(ticket.id);
    const none = await command('UNOBODY', 'tickets');
    expect(none.responses[0]?.text).toBe(f.en.t('myTicketsNone'));
  });

  it('refuses admin commands to others, privately, and runs them for admins', async () => {
    const refused = await command('UREQ', 'reload');
    expect(refused.responses).toEqual([
      expect.objectContaining({
        response_type: 'ephemeral',
        text: f.en.t('adminOnly', { command: '/madoguchi reload' }),
      }),
    ]);
    const status = await command('UADMIN', 'status');
    expect(status.responses[0]?.text).toMatch(/^\*Madoguchi status\*\nContent: [0-9a-f]{12}\n/);
    const reload = await command('UADMIN', 'reload');
    expect(reload.responses[0]?.text).toBe(f.en.t('reloadUnchanged', { version: f.content.version }));
  });

  it('shows help with the commands the person may use', async () => {
    const person = await command('UREQ', '');
    expect(person.responses).toHaveLength(1);
    const text = String(person.responses[0]?.text);
    expect(text).toContain(f.en.t('commandsHelp', { commands: '`/madoguchi ask …` · `/madoguchi tickets`' }));
    expect(text).not.toContain('/madoguchi reload');
    const admin = await command('UADMIN', 'help');
    expect(String(admin.responses[0]?.text)).toContain('`/madoguchi reload` · `/madoguchi status`');
    for (const r of [...person.responses, ...admin.responses])
      for (const b of r.blocks as Array<{ text?: { text: string } }>)
        expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
  });
});
