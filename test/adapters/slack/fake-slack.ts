import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  /** The request's headers (content type, authorization). */
  headers: IncomingHttpHeaders;
}

/** How the fake answers one call it is told to fail (or, with status 200, to slow down). */
export interface Failure {
  status: number;
  retryAfter?: number;
  /** Only a call to this channel fails. */
  channel?: string;
  /** Takes the message (it is in the channel) and still answers `status`: Slack failing after the write. */
  accept?: boolean;
  /**
   * Never answers (until `releaseHung`): a process that dies while waiting for Slack. With `accept`
   * the message is taken first: the post landed, its caller never heard.
   */
  hang?: boolean;
  /** With status 200: answers as usual, this much later (a slow Slack). */
  delayMs?: number;
  /** With status 200: answers `{ ok: false, error }` (a platform error) instead. */
  error?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  metadata?: unknown;
}

/**
 * A loopback stand-in for the Slack Web API (and for response_url): records every call, answers like
 * Slack, and can be told to fail the next calls of a method with 429 or 5xx, after taking the message
 * or not, or to hold a call unanswered.
 */
export async function startFakeSlack() {
  const calls: ApiCall[] = [];
  const failures = new Map<string, Failure[]>();
  const messages: FakeMessage[] = [];
  const hung: ServerResponse[] = [];
  let ts = 1_700_000_100;
  const post = (params: Record<string, unknown>): FakeMessage => {
    const m: FakeMessage = {
      channel: String(params.channel),
      ts: `${ts++}.000100`,
      ...(params.thread_ts ? { thread_ts: String(params.thread_ts) } : {}),
      ...(typeof params.text === 'string' ? { text: params.text } : {}),
      metadata: params.metadata,
    };
    messages.push(m);
    return m;
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const params: Record<string, unknown> = {};
      if ((req.headers['content-type'] ?? '').includes('json'))
        Object.assign(params, JSON.parse(raw || '{}'));
      else for (const [k, v] of new URLSearchParams(raw)) params[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
      calls.push({ method, params, headers: req.headers });
      const queue = failures.get(method) ?? [];
      const at = queue.findIndex((f) => f.channel === undefined || f.channel === params.channel);
      const fail = at >= 0 ? queue.splice(at, 1)[0] : undefined;
      if (fail?.hang) {
        if (fail.accept && method === 'chat.postMessage') post(params);
        hung.push(res);
        return;
      }
      if (fail?.status === 200 && fail.error) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: fail.error }));
        return;
      }
      if (fail?.status === 200) {
        setTimeout(() => answer(method, params, res), fail.delayMs ?? 0);
        return;
      }
      if (fail) {
        if (fail.accept && method === 'chat.postMessage') post(params);
        res.writeHead(fail.status, {
          'content-type': 'application/json',
          ...(fail.retryAfter ? { 'retry-after': String(fail.retryAfter) } : {}),
        });
        res.end(JSON.stringify({ ok: false, error: fail.status === 429 ? 'ratelimited' : 'internal_error' }));
        return;
      }
      answer(method, params, res);
    });
  });
  function answer(method: string, params: Record<string, unknown>, res: ServerResponse) {
    const body: Record<string, unknown> = { ok: true };
    if (method === 'auth.test')
      Object.assign(body, { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'madoguchi' });
    if (method === 'chat.postMessage') {
      const m = post(params);
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
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    responseUrl: `http://127.0.0.1:${port}/respond`,
    calls,
    /** The messages the fake holds (posted, or taken before a failure). */
    messages,
    of: (method: string) => calls.filter((c) => c.method === method),
    /** Fails the next calls of `method` (to `channel`, when given) with these statuses. */
    failNext: (method: string, ...f: Failure[]) => failures.set(method, f),
    /** Drops the calls held unanswered (their callers see the connection reset). */
    releaseHung: () => {
      for (const res of hung.splice(0)) res.socket?.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hung.splice(0)) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;
