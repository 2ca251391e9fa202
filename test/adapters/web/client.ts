import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

/** A raw HTTP exchange with headers exactly as given, `Host` too (fetch will not send a forged one; none is added). */
export function raw(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.headers ?? {},
        setHost: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    req.end(opts.body);
  });
}

export interface LocalClient {
  token: string;
  get(path: string): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  /** A button press as the page sends it, with a fresh event id unless one is given. */
  press(body: Record<string, unknown>): Promise<Response>;
}

/** The local page's API as the page uses it: the token read from the served page, sent as a header. */
export async function localClient(url: string): Promise<LocalClient> {
  const page = await (await fetch(`${url}/`)).text();
  const token = /<meta name="madoguchi-token" content="([^"]+)">/.exec(page)?.[1];
  if (!token) throw new Error('the page carries no token');
  const headers = { 'x-madoguchi-token': token };
  const client: LocalClient = {
    token,
    get: (path) => fetch(`${url}${path}`, { headers }),
    post: (path, body) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    press: (body) => client.post('/local/api/press', { eventId: randomUUID(), ...body }),
  };
  return client;
}
