import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: string;
  /** The conversation the call is in; `(create)` for opening a conversation. */
  conversation: string;
  replyTo?: string;
  activity: Record<string, unknown>;
  /** The Authorization header the bot sent. */
  authorization?: string;
}

interface Failure {
  status: number;
  retryAfter?: number;
  conversation?: string;
}

/**
 * A loopback Bot Framework connector (the activities' serviceUrl): records what the bot sends (replies,
 * proactive posts, updates, 1:1 chats it opens) and can answer the next calls with an HTTP error.
 * `waitFor` resolves on the first call that matches, so a test waits for a signal, not a time.
 */
export async function startFakeConnector() {
  const calls: ConnectorCall[] = [];
  const failures: Failure[] = [];
  const waiters: Array<{ match: (c: ConnectorCall) => boolean; resolve: (c: ConnectorCall) => void }> = [];
  let id = 0;
  const record = (call: ConnectorCall) => {
    calls.push(call);
    for (const w of [...waiters])
      if (w.match(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const authorization = req.headers.authorization;
      if (req.method === 'POST' && /^\/v3\/conversations\/?(\?.*)?$/.test(req.url ?? '')) {
        const member = (body.members as Array<{ id: string }> | undefined)?.[0]?.id ?? 'unknown';
        record({
          method: 'POST',
          conversation: '(create)',
          activity: body,
          ...(authorization ? { authorization } : {}),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `a:1on1-${member}`, activityId: '' }));
        return;
      }
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      const call: ConnectorCall = {
        method: req.method ?? '',
        conversation: decodeURIComponent(m[1] ?? ''),
        ...(m[2] ? { replyTo: decodeURIComponent(m[2]) } : {}),
        activity: body,
        ...(authorization ? { authorization } : {}),
      };
      const at = failures.findIndex((f) => !f.conversation || f.conversation === call.conversation);
      const fail = at >= 0 ? failures.splice(at, 1)[0] : undefined;
      if (fail) {
        record(call);
        res.writeHead(fail.status, {
          'content-type': 'application/json',
          ...(fail.retryAfter ? { 'retry-after': String(fail.retryAfter) } : {}),
        });
        res.end(JSON.stringify({ error: { code: 'Throttled', message: 'try later' } }));
        return;
      }
      const answer = { id: call.method === 'PUT' ? call.replyTo : `activity-${++id}` };
      call.activity = { ...call.activity, id: answer.id };
      record(call);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    calls,
    /** Answers the next calls (in `conversation`, when given) with these errors, in turn. */
    failNext: (...f: Failure[]) => failures.push(...f),
    /** The first call (made already, or the next one) that matches. */
    waitFor(match: (c: ConnectorCall) => boolean, what: string, ms = 8_000): Promise<ConnectorCall> {
      const done = calls.find(match);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
        waiters.push({
          match,
          resolve: (c) => {
            clearTimeout(timer);
            resolve(c);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type FakeConnector = Awaited<ReturnType<typeof startFakeConnector>>;
