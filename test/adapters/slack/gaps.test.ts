import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../helpers.js';
import { eventBody, FORM, type Harness, JSON_TYPE, mention, nextTs, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Questions nobody answers, with markup a renderer could act on (Slack sends `<`, `>`, `&` as entities). */
const HOSTILE = [
  '&lt;img src=x onerror=alert(1)&gt; Is a sole proprietorship eligible for the alliance scheme?',
  '*is* a sole proprietorship eligable for the _alliance_ scheme',
];

let n = 0;
const command = (user: string, text: string) =>
  h.post(
    new URLSearchParams({
      command: '/madoguchi',
      text,
      user_id: user,
      channel_id: 'C0SHARED',
      team_id: 'T1',
      trigger_id: `tg${++n}`,
      response_url: h.slack.responseUrl,
    }).toString(),
    FORM,
  );
const responses = () => h.slack.calls.filter((c) => c.method === '/respond');

describe('Slack: /madoguchi gaps', () => {
  it('lists the knowledge gaps privately to an admin, questions shown literally; refuses anyone else', async () => {
    for (const text of HOSTILE) {
      const id = `EvGap${++n}`;
      await h.post(eventBody(mention(text, nextTs()), id), JSON_TYPE);
      expect(await h.turnEnd(id)).toBe('answered');
    }
    // The records are written behind the replies: wait until both are grouped.
    let view: { text: string; blocks: Array<Record<string, unknown>> } | undefined;
    await until(async () => {
      const before = responses().length;
      await command('UADMIN', 'gaps');
      const r = await until(() => responses()[before], 'the gaps response');
      expect(r.params.response_type).toBe('ephemeral');
      view = r.params as unknown as typeof view;
      return String(view?.text).includes('questions: 2 ·');
    }, 'the gap with both questions');
    const blocks = view?.blocks ?? [];
    const json = JSON.stringify(blocks);
    expect(json).toMatch(/gap-[0-9a-f]{10}/);
    expect(json).toContain('closest entry: meti-global-alliance/overview');
    expect(json).toContain('kb accept GAP --entry ID');
    // The questions are in rich_text quotes (Slack shows them literally), exactly as typed.
    const quoted = blocks
      .filter((b) => b.type === 'rich_text')
      .flatMap((b) => JSON.stringify(b).match(/"text":"((?:[^"\\]|\\.)*)"/g) ?? []);
    expect(quoted.join('\n')).toContain('<img src=x onerror=alert(1)> Is a sole proprietorship eligible');
    expect(quoted.join('\n')).toContain('*is* a sole proprietorship eligable for the _alliance_ scheme');
    // No mrkdwn block holds a person's text: their `<`, `*` and `_` can style or link nothing.
    for (const b of blocks.filter((b) => b.type !== 'rich_text'))
      expect(JSON.stringify(b)).not.toMatch(/<img|sole proprietorship/);
    expect(String(view?.text)).not.toContain('<img');

    const before = responses().length;
    await command('UREQ', 'gaps');
    expect((await until(() => responses()[before], 'the refusal')).params).toMatchObject({
      response_type: 'ephemeral',
      text: 'Only admins can use /madoguchi gaps.',
    });
  });
});
