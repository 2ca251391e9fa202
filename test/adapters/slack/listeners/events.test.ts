import { describe, expect, it } from 'vitest';
import { onMemberJoined } from '../../../../src/adapters/slack/listeners/events.js';
import { fakeClient, listenerFixture, platformError } from './fixture.js';

const f = await listenerFixture();
const context = { botUserId: 'UBOT' };

describe('onMemberJoined', () => {
  it('welcomes a channel once when the bot is added to it', async () => {
    const slack = fakeClient();
    const join = onMemberJoined(f.deps);
    await join({ event: { user: 'UBOT', channel: 'C0NEW' }, client: slack.client, context });
    await join({ event: { user: 'UBOT', channel: 'C0NEW' }, client: slack.client, context });
    expect(slack.of('chat.postMessage').map((c) => c.args)).toEqual([
      {
        channel: 'C0NEW',
        text: f.en.t('welcome').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      },
    ]);
  });

  it('says nothing when a person joins, or in a desk’s own channel', async () => {
    const slack = fakeClient();
    const join = onMemberJoined(f.deps);
    await join({ event: { user: 'UREQ', channel: 'C0PEOPLE' }, client: slack.client, context });
    await join({ event: { user: 'UBOT', channel: 'C0FUND' }, client: slack.client, context });
    await join({ event: { user: 'UBOT', channel: 'C0UNKNOWNBOT' }, client: slack.client, context: {} });
    expect(slack.calls).toEqual([]);
  });

  it('lets Slack’s retry welcome the channel when the first post failed', async () => {
    const slack = fakeClient();
    slack.failNext('chat.postMessage', platformError('internal_error'));
    const join = onMemberJoined(f.deps);
    const event = { user: 'UBOT', channel: 'C0RETRY' };
    await expect(join({ event, client: slack.client, context })).rejects.toThrow('internal_error');
    await join({ event, client: slack.client, context });
    expect(slack.of('chat.postMessage')).toHaveLength(2);
    expect(slack.messages.filter((m) => m.channel === 'C0RETRY')).toHaveLength(1);
  });
});
