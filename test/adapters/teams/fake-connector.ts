import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: string;
  conversation: string;
  replyTo?: string;
  activity: Record<string, unknown>;
}

/**
 * A loopback Bot Framework connector (the activities' serviceUrl): records what the bot sends, replies,
 * proactive posts and updates, and can answer the next calls with an HTTP error.
 */
export async function startFakeConnector() {
  const calls: ConnectorCall[] = [];
  const failures: Array<{ status: number; retryAfter?: number }> = [];
  let id = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      const call: ConnectorCall = {
        method: req.method ?? '',
        conversation: decodeURIComponent(m[1] ?? ''),
        ...(m[2] ? { replyTo: decodeURIComponent(m[2]) } : {}),
        activity: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      };
      calls.push(call);
      const fail = failures.shift();
      if (fail) {
        res.writeHead(fail.status, {
          'content-type': 'application/json',
          ...(fail.retryAfter ? { 'retry-after': String(fail.retryAfter) } : {}),
        });
        res.end(JSON.stringify({ error: { code: 'Throttled', message: 'try later' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: call.method === 'PUT' ? call.replyTo : `activity-${++id}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    calls,
    failNext: (...f: Array<{ status: number; retryAfter?: number }>) => failures.push(...f),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type FakeConnector = Awaited<ReturnType<typeof startFakeConnector>>;
