import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkRequest, TOKEN_HEADER } from '../../../src/adapters/web/guard.js';
import { HttpError } from '../../../src/server/http.js';

const TOKEN = 'page-token-123';

/** A request as the server sees it: the socket's addresses and the headers sent. */
function request(
  headers: Record<string, string>,
  socket: { remoteAddress?: string; localAddress?: string; localPort?: number } = {},
): IncomingMessage {
  return {
    headers,
    socket: { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', localPort: 3978, ...socket },
  } as unknown as IncomingMessage;
}
const page = { host: '127.0.0.1:3978', 'content-type': 'application/json', [TOKEN_HEADER]: TOKEN };

function refusal(req: IncomingMessage, opts: Parameters<typeof checkRequest>[1]) {
  try {
    checkRequest(req, opts);
    return undefined;
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

describe('the local page guard', () => {
  it("lets the page's own requests through, by any loopback name of the listening port", () => {
    for (const host of ['127.0.0.1:3978', 'localhost:3978', '[::1]:3978'])
      expect(
        refusal(request({ ...page, host, origin: `http://${host}` }), { token: TOKEN, json: true }),
      ).toBeUndefined();
    // Served on another loopback address, that one too.
    const other = request({ ...page, host: '127.0.0.2:3978' }, { localAddress: '127.0.0.2' });
    expect(refusal(other, { token: TOKEN, json: true })).toBeUndefined();
  });

  it('refuses a client off loopback', () => {
    expect(refusal(request(page, { remoteAddress: '10.0.0.5' }), { token: TOKEN })).toBe(403);
    expect(refusal(request(page, { remoteAddress: '::ffff:192.168.1.4' }), { token: TOKEN })).toBe(403);
  });

  it('refuses a foreign Host, another port, and no Host', () => {
    for (const host of ['evil.example', 'evil.example:3978', '127.0.0.1:3979', '127.0.0.1', ''])
      expect(refusal(request({ ...page, host }), { token: TOKEN })).toBe(403);
  });

  it('refuses a foreign or opaque Origin, and a cross-site fetch', () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1:3979', 'https://127.0.0.1:3978', 'null'])
      expect(refusal(request({ ...page, origin }), { token: TOKEN, json: true })).toBe(403);
    expect(refusal(request({ ...page, 'sec-fetch-site': 'cross-site' }), { token: TOKEN })).toBe(403);
  });

  it('refuses a POST that is not JSON (415) and one without the page token (403)', () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ])
      expect(refusal(request({ ...page, 'content-type': type }), { token: TOKEN, json: true })).toBe(415);
    expect(
      refusal(request({ ...page, 'content-type': 'application/json; charset=utf-8' }), {
        token: TOKEN,
        json: true,
      }),
    ).toBeUndefined();
    const { [TOKEN_HEADER]: _, ...untokened } = page;
    expect(refusal(request(untokened), { token: TOKEN, json: true })).toBe(403);
    expect(
      refusal(request({ ...page, [TOKEN_HEADER]: 'page-token-124' }), { token: TOKEN, json: true }),
    ).toBe(403);
  });
});
