/**
 * A cheap, key-free look at the Bot Framework token on `/api/messages`, run before botbuilder verifies it.
 *
 * botbuilder fetches Microsoft's OpenID metadata and signing keys for any token whose issuer it likes,
 * and answers an unverifiable token with HTTP 500 and its internal message. Refusing here what it would
 * refuse anyway (wrong algorithm, issuer, audience or lifetime) keeps junk off the key fetch, gives a
 * plain 401, and leaves botbuilder the only judge of the signature.
 */

export type PrecheckResult = { ok: true } | { ok: false; status: 401; reason: string };

export interface PrecheckOptions {
  /** The bot's MicrosoftAppId: every token to the bot carries it as `aud`. */
  appId: string;
  /** MicrosoftAppTenantId, for a single-tenant bot's own Azure AD issuers. */
  tenantId?: string;
  /** Milliseconds since the epoch, as `Date.now`. */
  now?: () => number;
  /** Clock skew allowed on `exp` and `nbf`; botbuilder allows 300 s. */
  skewSeconds?: number;
}

/** The Bot Framework's own tenant (botframework.com). */
const BOT_FRAMEWORK_TENANT = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

/**
 * The public-cloud issuers botbuilder 4.23 accepts: `ToBotFromChannelTokenIssuer` for channels such as
 * Teams, and the Azure AD issuers of `ToBotFromBotOrEmulatorTokenValidationParameters` for the Emulator
 * and skills. Its US Government entries are left out: the adapter verifies against public-cloud keys
 * only, so a token from those issuers could never pass.
 */
const ISSUERS: readonly string[] = [
  'https://api.botframework.com',
  `https://sts.windows.net/${BOT_FRAMEWORK_TENANT}/`,
  `https://login.microsoftonline.com/${BOT_FRAMEWORK_TENANT}/v2.0`,
  'https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/',
  'https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0',
  'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/',
];

/** Azure AD v1 and v2 issuers of a tenant, which botbuilder accepts for single-tenant Emulator tokens. */
const tenantIssuers = (tenantId: string) => [
  `https://sts.windows.net/${tenantId}/`,
  `https://login.microsoftonline.com/${tenantId}/v2.0`,
];

const refuse = (reason: string): PrecheckResult => ({ ok: false, status: 401, reason });

/** A base64url segment decoded to a JSON object, or null: the token is not a JWT. */
function decodeSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Checks the shape and claims of the bearer token without verifying its signature: passing proves
 * nothing, refusing is final. Microsoft signs bot tokens with RS256 only, so `none`, HS256 (a token
 * "signed" with the app password) and the rest are refused. Reasons never quote the token.
 */
export function precheckBotToken(authorization: string | undefined, opts: PrecheckOptions): PrecheckResult {
  // botbuilder itself wants exactly "Bearer <token>", scheme in that case.
  const match = /^Bearer ([^\s]+)$/.exec(authorization ?? '');
  if (!match?.[1]) return refuse('no Bearer token');
  const parts = match[1].split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p))) {
    return refuse('token is not a JWT');
  }
  const [head = '', body = '', signature = ''] = parts;
  const header = decodeSegment(head);
  const claims = decodeSegment(body);
  if (!header || !claims) return refuse('token is not a JWT');
  if (header.alg !== 'RS256') return refuse('token algorithm is not RS256');
  if (signature === '') return refuse('token is not signed');
  // Without a key id botbuilder would fetch the keys only to find none.
  if (typeof header.kid !== 'string' || header.kid === '') return refuse('token has no key id');

  const issuers = opts.tenantId ? [...ISSUERS, ...tenantIssuers(opts.tenantId)] : ISSUERS;
  if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) {
    return refuse('token issuer is not the Bot Framework');
  }
  if (claims.aud !== opts.appId) return refuse('token audience is not this bot');

  const now = Math.floor((opts.now ?? Date.now)() / 1000);
  const skew = opts.skewSeconds ?? 300;
  // Microsoft's tokens always expire; one that does not is not theirs.
  if (typeof claims.exp !== 'number') return refuse('token has no expiry');
  if (now >= claims.exp + skew) return refuse('token has expired');
  if (claims.nbf !== undefined && typeof claims.nbf !== 'number') return refuse('token nbf is not a time');
  if (typeof claims.nbf === 'number' && claims.nbf > now + skew) return refuse('token is not valid yet');
  return { ok: true };
}

/**
 * What botbuilder 4.23 throws when it cannot get the keys: OpenIdMetadata's AuthenticationError
 * "Failed to load openID config: <status>" / "Failed to load Keys: <status>" (statusCode 500), or
 * node-fetch's FetchError (network failure, a metadata body that is not JSON).
 */
const KEY_FETCH_MESSAGE = /^Failed to load (openID config|Keys)\b/;
const FETCH_ERROR_NAMES = new Set(['FetchError', 'AbortError', 'TimeoutError']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

function isKeyFetchFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  return (
    (typeof e.message === 'string' && KEY_FETCH_MESSAGE.test(e.message)) ||
    (typeof e.name === 'string' && FETCH_ERROR_NAMES.has(e.name)) ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code))
  );
}

/**
 * The status for a request botbuilder refused to authenticate. 503 when Microsoft's OpenID metadata or
 * signing keys could not be fetched (the channel retries; the token may be fine), else 401: a bad
 * signature, claim or key id, or anything unrecognised, so an unknown failure never invites retries.
 * Matches on names, messages and codes, not `instanceof`, since botbuilder's packages may be duplicated;
 * follows `cause`, where a wrapped fetch keeps the network error.
 */
export function authFailureStatus(error: unknown): 401 | 503 {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (isKeyFetchFailure(current)) return 503;
    current = (current as { cause?: unknown }).cause;
  }
  return 401;
}
