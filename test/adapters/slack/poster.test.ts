import { inspect } from 'node:util';
import { ErrorCode } from '@slack/web-api';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlackPoster } from '../../../src/adapters/slack/poster.js';
import { until } from '../../helpers.js';
import { startFakeSlack } from './fake-slack.js';

const TOKEN = 'xoxb-poster-secret';
const slack = await startFakeSlack();
const poster = createSlackPoster({ token: TOKEN, apiUrl: slack.url });
afterAll(async () => {
  poster.close();
  await slack.close();
});

/** The error a call rejects with. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );

describe('the Slack poster', () => {
  it('posts a JSON body with the token as a bearer header to the configured API URL', async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '覚書は2013年10月31日に締結されました。' } },
    ];
    const res = await poster.call('chat.postMessage', {
      channel: 'C1',
      thread_ts: '1.000001',
      text: 'x',
      blocks,
    });
    expect(res).toMatchObject({ ok: true, channel: 'C1' });
    expect(typeof (res as { ts?: unknown }).ts).toBe('string');
    const [call] = slack.of('chat.postMessage').slice(-1);
    expect(call?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(call?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.params).toEqual({ channel: 'C1', thread_ts: '1.000001', text: 'x', blocks });
    expect(JSON.stringify(call?.params)).not.toContain(TOKEN);
  });

  it('sends chat.update and chat.postEphemeral the same way', async () => {
    await poster.call('chat.update', { channel: 'C1', ts: '1.5', text: 'updated' });
    await poster.call('chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'only you' });
    expect(slack.of('chat.update').at(-1)?.params).toEqual({ channel: 'C1', ts: '1.5', text: 'updated' });
    expect(slack.of('chat.postEphemeral').at(-1)?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('rejects as @slack/web-api does: HTTP errors, and platform errors with Slack’s answer', async () => {
    slack.failNext('chat.postMessage', { status: 500, channel: 'C500' });
    const http = await failure(poster.call('chat.postMessage', { channel: 'C500', text: 'x' }));
    expect(http).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    slack.failNext('chat.update', { status: 200, error: 'message_not_found', channel: 'CGONE' });
    const platform = await failure(poster.call('chat.update', { channel: 'CGONE', ts: '1.1', text: 'x' }));
    expect(platform).toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'message_not_found' },
    });
  });

  it('waits out a 429’s Retry-After before that method’s next call, and says how long to wait', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1, channel: 'CLIMIT' });
    const limited = await failure(poster.call('chat.postMessage', { channel: 'CLIMIT', text: 'x' }));
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    const other = Date.now();
    await poster.call('chat.update', { channel: 'CLIMIT', ts: '1.1', text: 'x' });
    expect(Date.now() - other).toBeLessThan(900);
    const next = Date.now();
    await poster.call('chat.postMessage', { channel: 'CLIMIT', text: 'x' });
    expect(Date.now() - next).toBeGreaterThanOrEqual(900);
  });

  it('reports a connection cut before Slack answered as a request error (the post may have landed)', async () => {
    slack.failNext('chat.postMessage', { status: 0, hang: true, accept: true, channel: 'CHANG' });
    const pending = failure(poster.call('chat.postMessage', { channel: 'CHANG', text: 'x' }));
    await until(
      () => slack.of('chat.postMessage').some((c) => c.params.channel === 'CHANG'),
      'the post Slack holds unanswered',
    );
    slack.releaseHung();
    expect(await pending).toMatchObject({ code: ErrorCode.RequestError });
  });

  it('never puts the token in an error', async () => {
    slack.failNext('chat.postMessage', { status: 500, channel: 'CTOKEN' });
    const http = await failure(poster.call('chat.postMessage', { channel: 'CTOKEN', text: 'x' }));
    const refused = await failure(
      createSlackPoster({ token: TOKEN, apiUrl: 'http://127.0.0.1:1/api/' }).call('chat.postMessage', {
        channel: 'C1',
        text: 'x',
      }),
    );
    expect(refused).toMatchObject({ code: ErrorCode.RequestError });
    for (const e of [http, refused]) {
      expect(inspect(e, { depth: 10 })).not.toContain(TOKEN);
      expect(JSON.stringify(e)).not.toContain(TOKEN);
    }
  });
});
