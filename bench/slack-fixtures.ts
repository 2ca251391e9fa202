import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback stand-in for the Slack Web API: answers every method `ok` and counts calls. */
export interface FakeSlackApi {
  url: string;
  calls: () => number;
  close: () => Promise<void>;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  let calls = 0;
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      const method = (req.url ?? '').split('/').pop()?.split('?')[0] ?? '';
      const body: Record<string, unknown> = { ok: true };
      if (method === 'auth.test') Object.assign(body, { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
      if (method.startsWith('chat.')) Object.assign(body, { channel: 'C1', ts: `${ts++}.000100` });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls: () => calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const SIGNING_SECRET = 'bench-signing-secret';

/** An `app_mention` event body with a unique event id and ts. */
export function mentionBody(n: number, text: string): string {
  const ts = `${1_700_000_000 + n}.${String(n % 1_000_000).padStart(6, '0')}`;
  return JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${n.toString(36).toUpperCase().padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_mention', user: 'U123', text: `<@UBOT> ${text}`, ts, channel: 'C1', event_ts: ts },
  });
}

export function signedHeaders(body: string, secret = SIGNING_SECRET): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
  };
}
