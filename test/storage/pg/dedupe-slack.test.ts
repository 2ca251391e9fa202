import { expect, it } from 'vitest';
import { createPgSeenStore } from '../../../src/adapters/shared/pg-seen-store.js';
import {
  onAppMention,
  onMessage,
  type SlackUserMessage,
} from '../../../src/adapters/slack/listeners/messages.js';
import { migrate } from '../../../src/storage/pg/migrate.js';
import { fakeClient, listenerFixture } from '../../adapters/slack/listeners/fixture.js';
import { describePg, freshDatabase, type TestDatabase } from '../../pg/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const context = { botUserId: 'UBOT' };
let n = 0;
const mention = (text: string): SlackUserMessage => ({
  user: 'UREQ',
  text: `<@UBOT> ${text}`,
  ts: `1760000${String(++n).padStart(3, '0')}.000100`,
  channel: 'C0SHARED',
});

describePg('Slack turns on two replicas sharing the dedupe keys in PostgreSQL', async () => {
  const f = await listenerFixture();
  let db: TestDatabase;
  const replica = async (leaseMs?: number) => {
    db ??= await freshDatabase().then(async (d) => {
      await migrate(d.pool());
      return d;
    });
    return {
      ...f.deps,
      seen: createPgSeenStore({
        pool: db.pool(),
        scope: 'slack',
        sweepEveryMs: 0,
        ...(leaseMs ? { leaseMs } : {}),
      }),
    };
  };

  it('both copies of a mention, one on each replica at once: one answer', async () => {
    const [a, b] = [await replica(), await replica()];
    const slack = fakeClient();
    const event = mention('What is SBIC?');
    const outcomes = await Promise.all([
      onAppMention(a)({ event, body: { event_id: 'EvBoth1' }, client: slack.client, context }),
      onMessage(b)({ message: event, body: { event_id: 'EvBoth2' }, client: slack.client, context }),
    ]);
    expect(outcomes.sort()).toEqual(['answered', 'duplicate']);
    expect(slack.of('chat.postMessage')).toHaveLength(1);
  });

  it('a replica died mid-turn: the retry on another replica waits out the lease, then answers once', async () => {
    const dead = await replica(1_500);
    const event = mention('When did JBIC sign the MOU with Aguascalientes?');
    // The turn began on the dead replica, which never got to `done`.
    expect(await dead.seen.begin(`msg:${event.channel}:${event.ts}`, 'ev:EvDied')).toBe(true);
    const [b, c] = [await replica(), await replica()];
    const slack = fakeClient();
    const retry = (num: number) => ({
      event,
      body: { event_id: 'EvDied' },
      client: slack.client,
      context: { ...context, retryNum: num },
    });
    expect(await onAppMention(b)(retry(1))).toBe('duplicate'); // still leased: it may yet reply
    await sleep(1_600);
    expect(await onAppMention(b)(retry(2))).toBe('answered');
    expect(await onAppMention(c)(retry(3))).toBe('duplicate');
    expect(slack.of('chat.postMessage')).toHaveLength(1);
  });

  it('the database unreachable: the person is told privately to try again, and nothing is posted', async () => {
    await replica();
    const pool = db.pool();
    await pool.end();
    const down = { ...f.deps, seen: createPgSeenStore({ pool, scope: 'slack', sweepEveryMs: 0 }) };
    const slack = fakeClient();
    const outcome = await onAppMention(down)({
      event: mention('What is SBIC?'),
      body: { event_id: 'EvDown' },
      client: slack.client,
      context,
    });
    expect(outcome).toBe('failed');
    expect(slack.of('chat.postMessage')).toHaveLength(0);
    expect(slack.of('chat.postEphemeral').map((c) => c.args.user)).toEqual(['UREQ']);
  });
});
