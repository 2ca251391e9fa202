import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  type ChatPostEphemeralArguments,
  type ChatPostEphemeralResponse,
  type ChatPostMessageArguments,
  type ChatPostMessageResponse,
  type ChatUpdateArguments,
  type ChatUpdateResponse,
  type WebAPICallResult,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  type WebClient,
} from '@slack/web-api';

/** The Web API methods a reply or a card is posted with: they take a JSON body. */
export type PostMethod = 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral';

/**
 * What the Slack listeners, post.ts and the notifier call: the three posting methods, and the reads
 * and modals, which stay on Bolt's WebClient (Slack's read methods take no JSON body).
 */
export interface SlackClient {
  chat: {
    postMessage(args: ChatPostMessageArguments): Promise<ChatPostMessageResponse>;
    update(args: ChatUpdateArguments): Promise<ChatUpdateResponse>;
    postEphemeral(args: ChatPostEphemeralArguments): Promise<ChatPostEphemeralResponse>;
  };
  conversations: Pick<WebClient['conversations'], 'replies' | 'history'>;
  views: Pick<WebClient['views'], 'open'>;
}

export interface SlackPoster {
  /** Posts `args` as JSON; rejects with @slack/web-api's errors (platform, rate limited, HTTP, request). */
  call(method: PostMethod, args: object): Promise<WebAPICallResult>;
  /** Closes the idle keep-alive connections (a post in flight finishes). */
  close(): void;
}

/** WebClient's default request concurrency: further posts wait for a free connection. */
const MAX_SOCKETS = 100;
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Posts replies and cards the way Slack recommends for them: a JSON body (`application/json;
 * charset=utf-8`, the token as `Authorization: Bearer`), over keep-alive connections. WebClient
 * form-encodes every argument (a Japanese Block Kit reply's JSON, percent-encoded, is about 48 KB of
 * garbage) and queues, retries and logs each call; at saturation that was a fifth of a request's CPU.
 * Nothing is retried here: post.ts looks for an earlier post before it tries again, and the outbox
 * retries deliveries. After a 429 the method waits out Retry-After before its next call is sent.
 * The token is only ever in the Authorization header: no error, log line or result carries it.
 */
export function createSlackPoster(opts: {
  token: string;
  /** Slack's `https://slack.com/api/` unless overridden (`SLACK_API_URL`: tests and the bench). */
  apiUrl?: string | undefined;
  /** No answer after this long: the call fails (Slack may have taken it). None when unset. */
  timeoutMs?: number;
}): SlackPoster {
  const base = new URL(opts.apiUrl ?? 'https://slack.com/api/');
  const tls = base.protocol === 'https:';
  const agent = tls
    ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS })
    : new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const send = tls ? httpsRequest : httpRequest;
  const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const authorization = `Bearer ${opts.token}`;
  /** Per method: no call before this time (ms since the epoch), after a 429. */
  const pausedUntil = new Map<PostMethod, number>();

  const once = (method: PostMethod, body: string) =>
    new Promise<WebAPICallResult>((resolve, reject) => {
      const req = send(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: `${path}${method}`,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            authorization,
          },
          ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
        },
        (res) => {
          readBody(res)
            .then((text) => result(method, res, text))
            .then(resolve, reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from Slack in ${opts.timeoutMs} ms`)));
      req.on('error', (error) => reject(new WebAPIRequestError(error)));
      req.end(body);
    }).catch((error: unknown) => {
      if (error instanceof WebAPIRateLimitedError)
        pausedUntil.set(method, Date.now() + error.retryAfter * 1000);
      throw error;
    });

  return {
    async call(method, args) {
      const body = JSON.stringify(args);
      const wait = (pausedUntil.get(method) ?? 0) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return once(method, body);
    },
    close() {
      for (const sockets of Object.values(agent.freeSockets))
        for (const socket of sockets ?? []) socket.destroy();
    },
  };
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('Slack answer too large'));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** Slack's answer as WebClient reports it: the result, or the error WebClient would have thrown. */
function result(method: PostMethod, res: IncomingMessage, text: string): WebAPICallResult {
  const status = res.statusCode ?? 0;
  if (status === 429) {
    const retryAfter = Number(res.headers['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter >= 0) throw new WebAPIRateLimitedError(retryAfter);
  }
  if (status !== 200) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
    throw new WebAPIHTTPError(status, res.statusMessage ?? '', headers, text);
  }
  let body: WebAPICallResult;
  try {
    body = JSON.parse(text) as WebAPICallResult;
  } catch {
    throw new WebAPIRequestError(new Error(`${method}: Slack's answer is not JSON`));
  }
  if (body.ok !== true)
    throw new WebAPIPlatformError({
      ...body,
      ok: false,
      error: String((body as { error?: unknown }).error ?? 'unknown_error'),
    });
  return body;
}

/** Bolt's WebClient with the three posting methods sent through `poster`. */
export function slackClient(web: WebClient, poster: SlackPoster): SlackClient {
  return {
    chat: {
      postMessage: (args) => poster.call('chat.postMessage', args) as Promise<ChatPostMessageResponse>,
      update: (args) => poster.call('chat.update', args) as Promise<ChatUpdateResponse>,
      postEphemeral: (args) => poster.call('chat.postEphemeral', args) as Promise<ChatPostEphemeralResponse>,
    },
    conversations: web.conversations,
    views: web.views,
  };
}
