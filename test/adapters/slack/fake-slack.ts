import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
}

/**
 * A loopback stand-in for the Slack Web API (and for response_url): records every call, answers like
 * Slack, and can be told to fail the next calls of a method with 429 or 5xx.
 */
export async function startFakeSlack() {
  const calls: ApiCall[] = [];
  const failures = new Map<string, Array<{ status: number; retryAfter?: number }>>();
  const messages: Array<{ channel: string; ts: string; thread_ts?: string; metadata?: unknown }> = [];
  let ts = 1_700_000_100;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const params: Record<string, unknown> = {};
      if ((req.headers['content-type'] ?? '').includes('json'))
        Object.assign(params, JSON.parse(raw || '{}'));
      else for (const [k, v] of new URLSearchParams(raw)) params[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
      calls.push({ method, params });
      const fail = failures.get(method)?.shift();
      if (fail) {
        res.writeHead(fail.status, {
          'content-type': 'application/json',
          ...(fail.retryAfter ? { 'retry-after': String(fail.retryAfter) } : {}),
        });
        res.end(JSON.stringify({ ok: false, error: fail.status === 429 ? 'ratelimited' : 'internal_error' }));
        return;
      }
      const body: Record<string, unknown> = { ok: true };
      if (method === 'auth.test')
        Object.assign(body, { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'madoguchi' });
      if (method === 'chat.postMessage') {
        const m = {
          channel: String(params.channel),
          ts: `${ts++}.000100`,
          ...(params.thread_ts ? { thread_ts: String(params.thread_ts) } : {}),
          metadata: params.metadata,
        };
        messages.push(m);
        Object.assign(body, { channel: m.channel, ts: m.ts });
      }
      if (method === 'chat.update') Object.assign(body, { channel: params.channel, ts: params.ts });
      if (method === 'conversations.replies' || method === 'conversations.history') {
        body.messages = messages.filter(
          (m) =>
            m.channel === params.channel && (method === 'conversations.history' || m.thread_ts === params.ts),
        );
      }
      if (method === 'views.open') body.view = { id: `V${ts++}` };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    responseUrl: `http://127.0.0.1:${port}/respond`,
    calls,
    of: (method: string) => calls.filter((c) => c.method === method),
    failNext: (method: string, ...f: Array<{ status: number; retryAfter?: number }>) =>
      failures.set(method, f),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;
