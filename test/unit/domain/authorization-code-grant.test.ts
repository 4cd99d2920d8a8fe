/**
 * The authorization code grant over in-memory fakes (docs/contract.md, Token endpoint ›
 * authorization_code): exact RFC 6749 §5.1 / §5.2 wire bodies for every path, user access tokens
 * (RFC 9068) and ID tokens (OIDC Core §2) claim by claim, PKCE (RFC 7636 Appendix B), single use with
 * 20 concurrent redemptions, and the cost of an exchange counted call by call.
 */
import { jwtVerify, decodeProtectedHeader, decodeJwt } from 'jose';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { INVALID_CODE_DESCRIPTION, codeDigest } from '../../../lambdas/domain/grants/authorization-code-grant';
import type { HttpResponse } from '../../../lambdas/domain/http';
import {
  ALICE,
  AUTH_TIME,
  RFC7636_VERIFIER,
  SESSION_ID,
  codeRequest,
  createCode,
  seedCodeFixtures,
  userRule,
} from '../../support/code-flow';
import type { CodeAuth, CodeFixtures } from '../../support/code-flow';
import { FIXED_NOW, ISSUER, ORDERS_API, bodyOf, useTokenHarness } from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';
import {
  HEADERS,
  invalidClientBasic,
  invalidClientPost,
  invalidRequest,
  oauthError,
} from '../../support/token-responses';

const USERINFO = `${ISSUER}/oauth2/userinfo`;
const NOW_S = Math.floor(FIXED_NOW / 1000);
const invalidGrant = (description: string) => oauthError(400, 'invalid_grant', description);
const INVALID_CODE = invalidGrant(INVALID_CODE_DESCRIPTION);

const harness = useTokenHarness();
let h: TokenHarness;
let f: CodeFixtures;
let spa: CodeAuth;
let web: CodeAuth;

beforeEach(() => {
  h = harness();
  f = seedCodeFixtures(h.store, h.people.table, h.hasher);
  spa = { method: 'none', clientId: f.spa.clientId };
  web = { method: 'basic', clientId: f.web.clientId, secret: f.web.secret };
});

const code = (clientId: string, extra: Parameters<typeof createCode>[3] = {}) =>
  createCode(h.people.codes, clientId, h.clock.now(), extra);

async function verified(jwt: string) {
  return jwtVerify(jwt, h.signer.publicKey, { issuer: ISSUER, currentDate: new Date(h.clock.now()) });
}

/** A 200 with exactly these RFC 6749 §5.1 members; returns the body. */
function expectTokens(res: HttpResponse, members: string[]): Record<string, unknown> {
  expect(res.status).toBe(200);
  expect(res.headers).toEqual(HEADERS);
  const body = bodyOf(res);
  expect(Object.keys(body)).toEqual(members);
  return body;
}

describe('authorization_code: success', () => {
  it('a public client (none) gets an RFC 9068 user access token and an ID token; no refresh token', async () => {
    const res = await h.send(codeRequest(spa, await code('spa')));
    const body = expectTokens(res, ['access_token', 'token_type', 'expires_in', 'scope', 'id_token']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, scope: 'openid profile email orders:read' });

    const access = body['access_token'] as string;
    expect(decodeProtectedHeader(access)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: h.signer.kid });
    const { payload } = await verified(access);
    // RFC 9068 §2.2: registered claims in order, sub = the user, aud = the API plus userinfo (openid).
    expect(Object.keys(payload)).toEqual([
      'iss',
      'sub',
      'aud',
      'client_id',
      'scope',
      'iat',
      'nbf',
      'exp',
      'jti',
      'auth_time',
      'sid',
      'tenant',
    ]);
    expect(payload).toEqual({
      iss: ISSUER,
      sub: ALICE.userId,
      aud: [ORDERS_API, USERINFO],
      client_id: 'spa',
      scope: 'openid profile email orders:read',
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 1800,
      jti: 'jti-1',
      auth_time: AUTH_TIME,
      sid: SESSION_ID, // the rule's own `sid` claim cannot override it
      tenant: 'acme',
    });

    const id = body['id_token'] as string;
    expect(decodeProtectedHeader(id)).toEqual({ alg: 'RS256', typ: 'JWT', kid: h.signer.kid });
    const idToken = (await verified(id)).payload;
    // OIDC Core §2: aud = azp = the client; lifetime = the access token's, capped at 1 h.
    expect(Object.keys(idToken)).toEqual([
      'iss',
      'sub',
      'aud',
      'azp',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'sid',
      'name',
      'preferred_username',
      'email',
      'email_verified',
    ]);
    expect(idToken).toEqual({
      iss: ISSUER,
      sub: ALICE.userId,
      aud: 'spa',
      azp: 'spa',
      exp: NOW_S + 1800,
      iat: NOW_S,
      auth_time: AUTH_TIME,
      nonce: 'n-0S6_WzA2Mj',
      sid: SESSION_ID,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: false,
    });
    expect(h.outcomes).toEqual([
      { outcome: 'issued', clientId: 'spa', audience: ORDERS_API, secretId: undefined, reused: false },
    ]);
  });

  it('costs one client read, one conditional write (the jti recorded in it), no user read, two signatures', async () => {
    const value = await code('spa');
    h.store.resetCalls();
    h.people.table.calls.clear();
    expectTokens(await h.send(codeRequest(spa, value)), [
      'access_token',
      'token_type',
      'expires_in',
      'scope',
      'id_token',
    ]);
    expect(h.store.calls.loadClientBundle).toBe(1);
    expect(h.store.totalCalls()).toBe(1);
    // No read of the user: the code carries the claims snapshot taken at sign-in.
    expect(Object.fromEntries(h.people.table.calls)).toEqual({ redeemCode: 1 });
    expect(h.signer.signCalls).toBe(2);
    // What the reuse check needs was written by the redemption itself (no recordIssued).
    expect(h.people.table.codes.get([...h.people.table.codes.keys()][0]!)?.issued).toEqual({
      accessTokenJti: 'jti-1',
      accessTokenExp: NOW_S + 3600, // an upper bound: the longest TTL this client can get
    });
  });

  it('confidential clients authenticate as registered (basic, post); refresh_token in grantTypes adds a refresh token', async () => {
    const basic = expectTokens(await h.send(codeRequest(web, await code('web-app'))), [
      'access_token',
      'token_type',
      'expires_in',
      'scope',
      'refresh_token',
      'id_token',
    ]);
    // The refresh-token session's id is the sid of both tokens (docs/contract.md, Token endpoint).
    const sid = (basic['refresh_token'] as string).split('.')[0];
    expect(decodeJwt(basic['access_token'] as string)['sid']).toBe(sid);
    expect(decodeJwt(basic['id_token'] as string)['sid']).toBe(sid);
    expect(h.people.table.sessions.get(sid!)).toMatchObject({ clientId: 'web-app', userId: ALICE.userId });
    expect(decodeJwt(basic['access_token'] as string)['client_id']).toBe('web-app');
    const post: CodeAuth = { method: 'post', clientId: f.webPost.clientId, secret: f.webPost.secret };
    const posted = expectTokens(await h.send(codeRequest(post, await code('web-post'))), [
      'access_token',
      'token_type',
      'expires_in',
      'scope',
      'id_token',
    ]);
    expect(decodeJwt(posted['id_token'] as string)['aud']).toBe('web-post');
  });

  it('without openid: no ID token, aud is the API alone, one signature', async () => {
    const value = await code('spa', { scopes: ['orders:read', 'orders:write'], nonce: undefined });
    const body = expectTokens(await h.send(codeRequest(spa, value)), [
      'access_token',
      'token_type',
      'expires_in',
      'scope',
    ]);
    expect(body['scope']).toBe('orders:read orders:write');
    expect(decodeJwt(body['access_token'] as string)['aud']).toBe(ORDERS_API);
    expect(h.signer.signCalls).toBe(1);
  });

  it('OIDC scopes only (no audience): aud is <issuer>/oauth2/userinfo alone, default lifetime, no rule claims', async () => {
    const value = await code('spa', { scopes: ['openid', 'profile'], audience: undefined });
    const body = expectTokens(await h.send(codeRequest(spa, value)), [
      'access_token',
      'token_type',
      'expires_in',
      'scope',
      'id_token',
    ]);
    expect(body['expires_in']).toBe(3600);
    const access = decodeJwt(body['access_token'] as string);
    expect(access['aud']).toBe(USERINFO);
    expect(access).not.toHaveProperty('tenant');
    const id = decodeJwt(body['id_token'] as string);
    // The ID token is capped at one hour; profile without email releases no email claims.
    expect(id['exp']).toBe(NOW_S + 3600);
    expect(id).toMatchObject({ name: 'Alice Liddell', preferred_username: 'alice' });
    expect(id).not.toHaveProperty('email');
  });

  it('ID token claims follow the scopes; nonce only when the request sent one; absent profile fields left out', async () => {
    const value = await code('spa', {
      scopes: ['openid', 'profile', 'email'],
      audience: undefined,
      nonce: undefined,
      user: { userId: ALICE.userId, username: ALICE.username },
    });
    const id = decodeJwt(bodyOf(await h.send(codeRequest(spa, value)))['id_token'] as string);
    expect(Object.keys(id)).toEqual([
      'iss',
      'sub',
      'aud',
      'azp',
      'exp',
      'iat',
      'auth_time',
      'sid',
      'preferred_username',
    ]);

    const openidOnly = await code('spa', { scopes: ['openid'], audience: undefined });
    const bare = decodeJwt(bodyOf(await h.send(codeRequest(spa, openidOnly)))['id_token'] as string);
    expect(Object.keys(bare)).toEqual(['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'auth_time', 'nonce', 'sid']);
  });

  it('the shorter of the client’s and the API’s TTL, as for client credentials', async () => {
    h.store.seedClient({
      ...(await h.clients.loadClientBundle('spa'))!,
      client: { ...(await h.clients.loadClientBundle('spa'))!.client, accessTokenTtl: 300 },
    });
    const body = bodyOf(await h.send(codeRequest(spa, await code('spa'))));
    expect(body['expires_in']).toBe(300);
    expect(decodeJwt(body['id_token'] as string)['exp']).toBe(NOW_S + 300);
  });
});

describe('authorization_code: refusals (RFC 6749 §5.2)', () => {
  it('missing code or redirect_uri → 400 invalid_request, before any I/O', async () => {
    expect(await h.send(codeRequest(spa, 'x', { code: undefined }))).toEqual(
      invalidRequest('missing required parameter: code'),
    );
    expect(await h.send(codeRequest(spa, 'x', { redirect_uri: undefined }))).toEqual(
      invalidRequest('missing required parameter: redirect_uri'),
    );
    expect(h.store.totalCalls()).toBe(0);
    expect(h.people.table.calls.size).toBe(0);
  });

  it('missing or malformed code_verifier → 400 invalid_grant before any I/O; the code stays redeemable', async () => {
    const value = await code('spa');
    h.people.table.calls.clear();
    expect(await h.send(codeRequest(spa, value, { code_verifier: undefined }))).toEqual(
      invalidGrant('code_verifier is required (PKCE, RFC 7636)'),
    );
    for (const verifier of [
      RFC7636_VERIFIER.slice(0, 42), // 42: one short of RFC 7636 §4.1's minimum
      'a'.repeat(129), // one above its maximum
      `${RFC7636_VERIFIER.slice(0, 42)}+`, // not unreserved
      `${RFC7636_VERIFIER.slice(0, 42)}=`,
      `${RFC7636_VERIFIER.slice(0, 42)} `,
      `${RFC7636_VERIFIER.slice(0, 42)}é`,
    ]) {
      expect(await h.send(codeRequest(spa, value, { code_verifier: verifier }))).toEqual(
        invalidGrant('code_verifier is malformed (RFC 7636 section 4.1)'),
      );
    }
    expect(h.store.totalCalls()).toBe(0);
    expect(h.people.table.calls.size).toBe(0);
    expect((await h.send(codeRequest(spa, value))).status).toBe(200);
  });

  it('a well-formed but wrong code_verifier → invalid_grant, and the code is spent', async () => {
    const value = await code('spa');
    expect(await h.send(codeRequest(spa, value, { code_verifier: 'a'.repeat(43) }))).toEqual(
      invalidGrant('code_verifier does not match the code challenge'),
    );
    expect(await h.send(codeRequest(spa, value))).toEqual(INVALID_CODE);
  });

  it('unknown, expired (60 s, checked against the clock) or another client’s code → the same invalid_grant', async () => {
    expect(await h.send(codeRequest(spa, 'no-such-code'))).toEqual(INVALID_CODE);

    const fresh = await code('spa');
    h.clock.advance(59);
    expect((await h.send(codeRequest(spa, fresh))).status).toBe(200);

    const stale = await code('spa');
    h.clock.advance(60);
    expect(await h.send(codeRequest(spa, stale))).toEqual(INVALID_CODE);

    const webCode = await code('web-app');
    expect(await h.send(codeRequest(spa, webCode))).toEqual(INVALID_CODE);
    expect(h.signer.signCalls).toBe(2);
  });

  it('a redirect_uri other than the one bound to the code → invalid_grant (RFC 6749 §4.1.3, exact match)', async () => {
    for (const redirect of [
      'https://app.example.com/callback/',
      'https://APP.example.com/callback',
      'https://evil.example/cb',
    ]) {
      expect(await h.send(codeRequest(spa, await code('spa'), { redirect_uri: redirect }))).toEqual(
        invalidGrant('redirect_uri does not match the authorization request'),
      );
    }
  });

  it('the user disabled or deleted after sign-in, before the exchange → invalid_grant (the change revoked the code)', async () => {
    const alice = () => h.people.table.users.get(ALICE.userId)!;
    // A code made before snapshots existed is checked against the user item itself.
    const legacy = await code('spa', { user: undefined });
    alice().status = 'disabled';
    expect(await h.send(codeRequest(spa, legacy))).toEqual(INVALID_CODE);
    alice().status = 'enabled';

    const pending = await code('spa');
    const disabled = { ...alice(), status: 'disabled' as const, version: alice().version + 1 };
    await h.people.users.updateUser(disabled, alice().version, undefined, 'user-disabled');
    expect(await h.send(codeRequest(spa, pending))).toEqual(INVALID_CODE);

    const enabled = { ...alice(), status: 'enabled' as const, version: alice().version + 1 };
    await h.people.users.updateUser(enabled, alice().version);
    const beforeDelete = await code('spa');
    await h.people.users.deleteUser(ALICE.userId, enabled.version, {
      eventId: 'e-1',
      at: h.clock.iso(),
      actor: 'admin',
      actorJti: 'jti-admin',
      action: 'user.delete',
      targetType: 'user',
      targetId: ALICE.userId,
      diff: {},
    });
    expect(await h.send(codeRequest(spa, beforeDelete))).toEqual(INVALID_CODE);
    expect(h.signer.signCalls).toBe(0);
  });

  it('a code reused while its first redemption has not started its session yet: that session can never start', async () => {
    const value = await code('web-app');
    // The first redemption's conditional write, as it records the session it is about to create.
    await h.people.codes.redeemCode(codeDigest(value), h.clock.iso(), {
      accessTokenJti: 'jti-first',
      accessTokenExp: NOW_S + 3600,
      refreshSessionId: 'S-racing',
    });
    expect(await h.send(codeRequest(web, value))).toEqual(INVALID_CODE);
    expect(h.people.table.deniedTokens.has('jti-first')).toBe(true);
    const session = {
      sessionId: 'S-racing',
      userId: ALICE.userId,
      user: { userId: ALICE.userId, username: ALICE.username },
      clientId: 'web-app',
      scopes: ['openid'],
      authTime: AUTH_TIME,
      createdAt: h.clock.iso(),
      lastUsedAt: h.clock.iso(),
      expiresAt: h.clock.iso(86_400),
      currentDigest: 'd',
      consumedDigests: [],
    };
    await expect(h.people.sessions.createSession(session)).rejects.toThrow('session exists');
  });

  it('a user rule withdrawn or narrowed since authorize, or a granted API without the user’s grant → invalid_grant', async () => {
    const bundle = (await h.clients.loadClientBundle('spa'))!;
    const withRules = (...rules: ReturnType<typeof userRule>[]) => h.store.seedClient({ ...bundle, rules });
    const refused = invalidGrant('the granted scope is no longer allowed for this client or user');

    withRules({ ...userRule(), subjectType: 'client' }); // a client rule never serves users
    expect(await h.send(codeRequest(spa, await code('spa')))).toEqual(refused);
    withRules(userRule(['orders:write']));
    expect(await h.send(codeRequest(spa, await code('spa')))).toEqual(refused);

    withRules(userRule(undefined, { apiUserAccess: 'granted' }));
    expect(await h.send(codeRequest(spa, await code('spa')))).toEqual(refused);
    h.people.table.grants.set(
      ALICE.userId,
      new Map([[ORDERS_API, { audience: ORDERS_API, scopes: ['orders:read'], createdAt: h.clock.iso() }]]),
    );
    expect((await h.send(codeRequest(spa, await code('spa')))).status).toBe(200);
  });

  it('a resource or audience other than the code’s → invalid_target (RFC 8707 §2.2); the same one is fine', async () => {
    expect(await h.send(codeRequest(spa, await code('spa'), { resource: 'https://inventory.example.com' }))).toEqual(
      oauthError(400, 'invalid_target', 'the authorization code was not granted for this resource'),
    );
    expect((await h.send(codeRequest(spa, await code('spa'), { audience: ORDERS_API }))).status).toBe(200);
  });

  it('client authentication as registered: a confidential client with client_id alone, a public one with a secret → 401', async () => {
    const value = await code('web-app');
    expect(await h.send(codeRequest({ method: 'none', clientId: 'web-app' }, value))).toEqual(invalidClientPost());
    expect(
      await h.send(codeRequest({ method: 'basic', clientId: 'spa', secret: 'anything' }, await code('spa'))),
    ).toEqual(invalidClientBasic());
    expect(await h.send(codeRequest({ method: 'post', clientId: 'web-app', secret: f.web.secret }, value))).toEqual(
      invalidClientPost(),
    );
    expect(await h.send(codeRequest({ method: 'none', clientId: 'nobody' }, value))).toEqual(invalidClientPost());
    // Authentication comes first: the code was not spent by any of these.
    expect((await h.send(codeRequest(web, value))).status).toBe(200);
  });

  it('a client not registered for authorization_code → 400 unauthorized_client', async () => {
    const { clientId, secret } = h.fixtures.basic;
    expect(await h.send(codeRequest({ method: 'basic', clientId, secret }, await code(clientId)))).toEqual(
      oauthError(400, 'unauthorized_client', 'client is not authorized to use the authorization_code grant'),
    );
  });
});

describe('authorization_code: single use (RFC 6749 §4.1.2, §10.5)', () => {
  it('a second redemption → invalid_grant, and the first one’s access token goes on the deny-list', async () => {
    const value = await code('spa');
    const first = bodyOf(await h.send(codeRequest(spa, value)));
    const { jti } = decodeJwt(first['access_token'] as string);
    expect(h.people.table.deniedTokens.size).toBe(0);
    expect(await h.send(codeRequest(spa, value))).toEqual(INVALID_CODE);
    expect([...h.people.table.deniedTokens]).toEqual([[jti, NOW_S + 3600]]);
    // Whoever replays it (another client too) gets the same answer and the revocation holds.
    expect(await h.send(codeRequest(web, value))).toEqual(INVALID_CODE);
    expect(h.signer.signCalls).toBe(2);
  });

  it('of 20 concurrent redemptions exactly one succeeds; the others revoke what it issued', async () => {
    const value = await code('spa');
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.send(codeRequest(spa, value))));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200)).toEqual(Array.from({ length: 19 }, () => INVALID_CODE));
    const { jti } = decodeJwt(bodyOf(ok[0]!)['access_token'] as string);
    expect([...h.people.table.deniedTokens.keys()]).toEqual([jti]);
  });

  it('a store failure while redeeming → 503 temporarily_unavailable, never 500', async () => {
    const value = await code('spa');
    h.people.codes.redeemCode = async () => {
      throw new DependencyUnavailableError('store');
    };
    expect(await h.send(codeRequest(spa, value))).toEqual(
      oauthError(503, 'temporarily_unavailable', 'the service is temporarily unavailable, retry later', {
        'Retry-After': '1',
      }),
    );
  });
});
