import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../server/http.js';

/** The header the page sends its token in (a custom header: a cross-site form or `text/plain` POST cannot set it). */
export const TOKEN_HEADER = 'x-madoguchi-token';

const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

export const isLoopbackAddress = (address: string | undefined): boolean =>
  address !== undefined && LOOPBACK_ADDRESS.test(address);

/**
 * The `host:port` names the page may be reached by: the loopback names with the port the server
 * listens on (read from the socket, so it holds for `PORT=0` too). Anything else in `Host` is a
 * DNS-rebinding attempt or a misdirected request.
 */
export function allowedHosts(req: IncomingMessage): Set<string> {
  const port = req.socket.localPort;
  const local = (req.socket.localAddress ?? '').replace(/^::ffff:/, '');
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  if (isLoopbackAddress(local)) names.push(local.includes(':') ? `[${local}]` : local);
  // A browser leaves out the default port.
  return new Set(port === 80 ? [...names, ...names.map((n) => `${n}:80`)] : names.map((n) => `${n}:${port}`));
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Refuses what another site (or another machine) could send the local page's API: a request from off
 * loopback, a `Host` that is not the loopback address and port the server listens on, an `Origin`
 * (when sent) other than that, and — for the API — a request without the page's token; a POST must be
 * `application/json`. Throws an `HttpError` (403, or 415 for the content type).
 */
export function checkRequest(req: IncomingMessage, opts: { token?: string; json?: boolean } = {}): void {
  if (!isLoopbackAddress(req.socket.remoteAddress))
    throw new HttpError(403, 'the local page is served on loopback only');
  const hosts = allowedHosts(req);
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) throw new HttpError(403, 'the Host header is not this loopback address and port');
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost = '';
    try {
      const u = new URL(origin);
      originHost = u.protocol === 'http:' ? u.host.toLowerCase() : '';
    } catch {
      // An unparsable Origin ("null" from a sandboxed frame or a file: page) is foreign.
    }
    if (!hosts.has(originHost)) throw new HttpError(403, 'cross-origin requests are refused');
  }
  if (req.headers['sec-fetch-site'] === 'cross-site')
    throw new HttpError(403, 'cross-origin requests are refused');
  if (opts.json) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'send JSON (content-type: application/json)');
  }
  if (opts.token !== undefined) {
    const sent = req.headers[TOKEN_HEADER];
    if (typeof sent !== 'string' || !same(sent, opts.token))
      throw new HttpError(403, 'missing or wrong page token: reload the page');
  }
}
