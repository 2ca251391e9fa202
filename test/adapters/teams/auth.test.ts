import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authFailureStatus, precheckBotToken } from '../../../src/adapters/teams/auth.js';

const APP = '00000000-0000-0000-0000-00000000a9b1';
const NOW = Date.UTC(2026, 0, 15, 9, 0, 0);
const SEC = NOW / 1000;
const opts = { appId: APP, now: () => NOW };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function rs256(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: KeyObject = privateKey,
) {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1', ...header })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
const channelClaims = (extra: Record<string, unknown> = {}) => ({
  iss: 'https://api.botframework.com',
  aud: APP,
  serviceurl: 'https://smba.example/',
  nbf: SEC - 60,
  exp: SEC + 3600,
  ...extra,
});
const bearer = (token: string) => `Bearer ${token}`;
const reasonOf = (authorization: string | undefined, o: Parameters<typeof precheckBotToken>[1] = opts) => {
  const r = precheckBotToken(authorization, o);
  return r.ok ? 'ok' : `${r.status} ${r.reason}`;
};

describe('precheckBotToken', () => {
  it('passes a well-formed RS256 channel token for this bot (signature is botbuilder’s job)', () => {
    expect(precheckBotToken(bearer(rs256(channelClaims())), opts)).toEqual({ ok: true });
    expect(reasonOf(bearer(rs256(channelClaims(), {}, other)))).toBe('ok');
  });
  it('refuses a request without a Bearer token', () => {
    for (const h of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwdw==',
      `bearer ${rs256(channelClaims())}`,
    ]) {
      expect(reasonOf(h)).toBe('401 no Bearer token');
    }
  });
  it('refuses what is not three base64url JSON parts', () => {
    const head = b64({ alg: 'RS256', kid: 'k1' });
    for (const t of [
      'abc',
      'a.b',
      'a.b.c.d',
      `${head}.${b64(channelClaims())}.sig+/=`,
      `${head}.not-json.sig`,
    ]) {
      expect(reasonOf(bearer(t))).toBe('401 token is not a JWT');
    }
    expect(reasonOf(bearer(`${head}.${b64(['an', 'array'])}.sig`))).toBe('401 token is not a JWT');
    expect(reasonOf(bearer(`${b64('RS256')}.${b64(channelClaims())}.sig`))).toBe('401 token is not a JWT');
  });
  it('refuses alg none, HS256 signed with the app password, and other algorithms', () => {
    const claims = b64(channelClaims());
    expect(reasonOf(bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${claims}.`))).toBe(
      '401 token algorithm is not RS256',
    );
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${claims}`;
    const hs256 = `${input}.${createHmac('sha256', 'the-app-password').update(input).digest('base64url')}`;
    expect(reasonOf(bearer(hs256))).toBe('401 token algorithm is not RS256');
    expect(reasonOf(bearer(rs256(channelClaims(), { alg: 'RS512' })))).toBe(
      '401 token algorithm is not RS256',
    );
    expect(reasonOf(bearer(rs256(channelClaims(), { alg: undefined })))).toBe(
      '401 token algorithm is not RS256',
    );
  });
  it('refuses an RS256 header with no signature or no key id', () => {
    expect(reasonOf(bearer(`${b64({ alg: 'RS256', kid: 'k1' })}.${b64(channelClaims())}.`))).toBe(
      '401 token is not signed',
    );
    expect(reasonOf(bearer(rs256(channelClaims(), { kid: undefined })))).toBe('401 token has no key id');
  });
  it('accepts the Bot Framework and Emulator issuers, and the tenant’s only when it is configured', () => {
    for (const iss of [
      'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/',
      'https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0',
      'https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/',
      'https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0',
      'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/',
    ]) {
      expect(reasonOf(bearer(rs256(channelClaims({ iss }))))).toBe('ok');
    }
    const tenant = '11111111-2222-3333-4444-555555555555';
    for (const iss of [
      `https://sts.windows.net/${tenant}/`,
      `https://login.microsoftonline.com/${tenant}/v2.0`,
    ]) {
      expect(reasonOf(bearer(rs256(channelClaims({ iss }))))).toBe(
        '401 token issuer is not the Bot Framework',
      );
      expect(reasonOf(bearer(rs256(channelClaims({ iss }))), { ...opts, tenantId: tenant })).toBe('ok');
    }
  });
  it('refuses any other issuer, or none', () => {
    for (const iss of [
      'https://evil.example',
      'https://api.botframework.com/',
      'https://api.botframework.us',
      'https://sts.windows.net/99999999-9999-9999-9999-999999999999/',
      undefined,
      42,
    ]) {
      expect(reasonOf(bearer(rs256(channelClaims({ iss }))))).toBe(
        '401 token issuer is not the Bot Framework',
      );
    }
  });
  it('refuses a token for another audience', () => {
    for (const aud of ['someone-else', [APP], 'https://api.botframework.com', undefined]) {
      expect(reasonOf(bearer(rs256(channelClaims({ aud }))))).toBe('401 token audience is not this bot');
    }
  });
  it('refuses an expired token beyond the skew (300 s by default), and one without expiry', () => {
    expect(reasonOf(bearer(rs256(channelClaims({ exp: SEC - 299 }))))).toBe('ok');
    expect(reasonOf(bearer(rs256(channelClaims({ exp: SEC - 300 }))))).toBe('401 token has expired');
    expect(reasonOf(bearer(rs256(channelClaims({ exp: SEC - 1 }))), { ...opts, skewSeconds: 0 })).toBe(
      '401 token has expired',
    );
    expect(reasonOf(bearer(rs256(channelClaims({ exp: undefined }))))).toBe('401 token has no expiry');
    expect(reasonOf(bearer(rs256(channelClaims({ exp: String(SEC + 60) }))))).toBe('401 token has no expiry');
  });
  it('refuses a token not valid yet beyond the skew; nbf is optional', () => {
    expect(reasonOf(bearer(rs256(channelClaims({ nbf: SEC + 300 }))))).toBe('ok');
    expect(reasonOf(bearer(rs256(channelClaims({ nbf: SEC + 301 }))))).toBe('401 token is not valid yet');
    expect(reasonOf(bearer(rs256(channelClaims({ nbf: undefined }))))).toBe('ok');
    expect(reasonOf(bearer(rs256(channelClaims({ nbf: 'soon' }))))).toBe('401 token nbf is not a time');
  });
  it('never quotes the token in its reason', () => {
    const token = rs256(channelClaims({ aud: 'SECRET-AUDIENCE', iss: 'https://api.botframework.com' }));
    const r = precheckBotToken(bearer(token), opts);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toMatch(/SECRET|eyJ/);
  });
});

describe('authFailureStatus', () => {
  it('gives 503 for the key-fetch failures of botbuilder and node-fetch, 401 for the rest', () => {
    const authError = (message: string, statusCode: number) =>
      Object.assign(new Error(message), { statusCode });
    expect(authFailureStatus(authError('Failed to load openID config: 500', 500))).toBe(503);
    expect(authFailureStatus(authError('Failed to load Keys: 404', 500))).toBe(503);
    expect(authFailureStatus(Object.assign(new Error('request failed'), { name: 'FetchError' }))).toBe(503);
    expect(
      authFailureStatus(
        new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }),
      ),
    ).toBe(503);
    expect(authFailureStatus(authError('Signing Key could not be retrieved.', 401))).toBe(401);
    expect(authFailureStatus(authError('Unauthorized. Invalid AppId passed on token: x', 401))).toBe(401);
    expect(
      authFailureStatus(Object.assign(new Error('invalid signature'), { name: 'JsonWebTokenError' })),
    ).toBe(401);
    expect(authFailureStatus(new Error('something else'))).toBe(401);
    expect(authFailureStatus('a string')).toBe(401);
    expect(authFailureStatus(undefined)).toBe(401);
  });
});

/**
 * botbuilder's own errors, from a real ConfigurationBotFrameworkAuthentication pointed at a loopback
 * OpenID metadata server, so the matching holds against what the library really throws.
 */
describe('authFailureStatus against botbuilder', () => {
  let server: Server;
  let base: string;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const [, scenario, file] = (req.url ?? '').split('/');
      if (scenario === 'metadata-down') return send(503, {});
      if (file === 'openid') return send(200, { jwks_uri: `${base}/${scenario}/keys` });
      if (scenario === 'keys-down') return send(500, {});
      if (scenario === 'keys-not-json') return res.writeHead(200).end('<html>');
      return send(200, { keys: [jwk] });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await new Promise((ok) => server.close(ok));
  });

  const activity = { type: 'message', channelId: 'msteams', serviceUrl: 'https://smba.example/' } as Activity;
  /**
   * The public cloud's settings with the channel metadata URL moved to loopback (botbuilder takes all
   * of them as given once one is set). Each scenario has its own URL: botbuilder caches metadata per URL.
   */
  const authenticate = (scenario: string, token: string) =>
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: APP,
      MicrosoftAppPassword: 'pw',
      MicrosoftAppType: 'MultiTenant',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      OAuthUrl: 'https://api.botframework.com',
      ToBotFromChannelOpenIdMetadataUrl:
        scenario === 'unreachable' ? 'http://127.0.0.1:1/openid' : `${base}/${scenario}/openid`,
      ToBotFromEmulatorOpenIdMetadataUrl: `${base}/emulator/openid`,
      CallerId: 'urn:botframework:azure',
    }).authenticateRequest(activity, bearer(token));
  const live = () =>
    channelClaims({ nbf: Math.floor(Date.now() / 1000) - 60, exp: Math.floor(Date.now() / 1000) + 3600 });
  const statusOf = (p: Promise<unknown>) => p.then(() => 'accepted', authFailureStatus);

  it('accepts a token signed with the published key (and the precheck passes it too)', async () => {
    const token = rs256(live());
    expect(precheckBotToken(bearer(token), { appId: APP })).toEqual({ ok: true });
    await expect(statusOf(authenticate('good', token))).resolves.toBe('accepted');
  });
  it('gives 401 for a forged signature and an unknown key id', async () => {
    await expect(statusOf(authenticate('forged', rs256(live(), {}, other)))).resolves.toBe(401);
    await expect(statusOf(authenticate('unknown-kid', rs256(live(), { kid: 'k9' })))).resolves.toBe(401);
  });
  it('gives 503 when the metadata or keys cannot be fetched', async () => {
    const token = rs256(live());
    await expect(statusOf(authenticate('metadata-down', token))).resolves.toBe(503);
    await expect(statusOf(authenticate('keys-down', token))).resolves.toBe(503);
    await expect(statusOf(authenticate('keys-not-json', token))).resolves.toBe(503);
    await expect(statusOf(authenticate('unreachable', token))).resolves.toBe(503);
  });
});
