import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** One HTTP route: a channel's endpoint, a health check. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown by `readJson` for a body a client got wrong; answered with its status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** Reads a body of at most `limit` bytes. */
export async function readRaw(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body of at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const raw = await readRaw(req, limit);
  try {
    return JSON.parse(raw.toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/**
 * The one HTTP server every channel shares. Routes match on method and exact path (or a prefix ending
 * in `*`). Each request gets an id (`x-request-id`, honoured if sent) and a child logger; errors are
 * answered as JSON without stack traces.
 */
export function createHttpServer(deps: { logger: Logger; routes: () => Route[] }): Server {
  const server = createServer(async (req, res) => {
    const requestId =
      (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) ||
      randomUUID();
    res.setHeader('x-request-id', requestId);
    // Made only when something is logged: most requests log nothing above debug.
    const log = () => deps.logger.child({ requestId });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = deps
      .routes()
      .find(
        (r) =>
          r.method === req.method &&
          (r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : r.path === path),
      );
    const started = process.hrtime.bigint();
    try {
      if (!route) {
        const known = deps
          .routes()
          .some((r) => (r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : r.path === path));
        sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
        return;
      }
      await route.handle(req, res);
    } catch (error) {
      if (error instanceof HttpError) {
        if (!res.headersSent) sendJson(res, error.status, { error: error.message });
      } else {
        log().error({ err: error, path }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error', requestId });
        else res.end();
      }
    } finally {
      if (deps.logger.isLevelEnabled('debug'))
        log().debug(
          {
            method: req.method,
            path,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
    }
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  return server;
}
