/**
 * Refresh tokens end to end over HTTP against the local server (dynalite behind it): openid-client
 * 5.7's `refresh()` (its refreshTokenGrant) unchanged, with the ID token it validates; exact RFC 6749
 * §5.1/§5.2 wire bodies; rotation and reuse (the session revoked, its access tokens refused by
 * userinfo through the sid deny-list); 10 concurrent refreshes with one token (exactly one wins: one
 * conditional write); a user disabled after sign-in (before the exchange, or after it); and the
 * DynamoDB calls of a code exchange and of a refresh counted at the SDK (docs/contract.md, Budgets).
 *
 * Seam: codes are created straight in the local IdP's code repository, where the sign-in page puts
 * them (with the user's claims snapshot); users straight in the user repository.
 */
import { Issuer, errors } from 'openid-client';
import type { Client } from 'openid-client';
import { decodeJwt } from 'jose';
import { TokenClientError, TokenEndpointError, refreshTokenSession } from '../../lambdas/client/token-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { ALICE, REDIRECT_URI, RFC7636_VERIFIER, createCode, userRule } from '../support/code-flow';
import { makeClient } from '../support/in-memory';
import { registerApi, startTestIdp } from '../support/local-idp';

const ORDERS = 'https://orders.example.com';
const NONCE = 'n-0S6_WzA2Mj';
const INVALID_REFRESH = {
  error: 'invalid_grant',
  error_description: 'the refresh token is invalid, expired or revoked',
};

describe('refresh_token grant with rotation against the local server', () => {
  let idp: LocalIdp;
  let client: Client;
  const calls: Record<string, number> = {};
  const resetCalls = () => {
    for (const name of Object.keys(calls)) delete calls[name];
  };

  beforeAll(async () => {
    idp = await startTestIdp(
      {},
      {
        instrumentDynamoDb: (sdk) =>
          sdk.middlewareStack.add(
            (next, context) => async (args) => {
              const name = context.commandName ?? 'unknown';
              calls[name] = (calls[name] ?? 0) + 1;
              return next(args);
            },
            { step: 'initialize', name: 'countCommands' },
          ),
      },
    );
    await idp.repositories.users.createUser(structuredClone(ALICE));
    await registerApi(idp, ORDERS, ['orders:read', 'orders:write'], 900);
    const rules = [userRule(['orders:read', 'orders:write'], { audience: ORDERS, apiAccessTokenTtl: 900 })];
    for (const [clientId, grantTypes] of [
      ['spa', ['authorization_code', 'refresh_token']],
      ['other', ['authorization_code', 'refresh_token']],
      ['no-refresh', ['authorization_code']],
    ] as const) {
      await idp.repositories.clients.createClient({
        client: makeClient(clientId, {
          grantTypes: [...grantTypes],
          tokenEndpointAuthMethod: 'none',
          redirectUris: [REDIRECT_URI],
        }),
        secrets: [],
        rules,
      });
    }
    const issuer = await Issuer.discover(idp.url);
    client = new issuer.Client({
      client_id: 'spa',
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT_URI],
      response_types: ['code'],
    });
  });
  afterAll(async () => idp.stop());

  const code = (clientId = 'spa', userId = ALICE.userId) =>
    createCode(idp.repositories.codes, clientId, Date.now(), {
      audience: ORDERS,
      scopes: ['openid', 'profile', 'orders:read', 'orders:write'],
      userId,
    });

  const post = async (form: Record<string, string>) => {
    const res = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
  const exchange = async (value: string, clientId = 'spa') =>
    post({
      grant_type: 'authorization_code',
      code: value,
      redirect_uri: REDIRECT_URI,
      code_verifier: RFC7636_VERIFIER,
      client_id: clientId,
    });
  const refresh = (token: string, extra: Record<string, string> = {}) =>
    post({ grant_type: 'refresh_token', refresh_token: token, client_id: 'spa', ...extra });

  it('openid-client: the code exchange returns a refresh token; refresh() rotates it with a validated ID token', async () => {
    const value = await code();
    const params = client.callbackParams(`${REDIRECT_URI}?code=${value}&iss=${encodeURIComponent(idp.issuer)}`);
    const first = await client.callback(REDIRECT_URI, params, { code_verifier: RFC7636_VERIFIER, nonce: NONCE });
    expect(first.refresh_token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const sid = first.refresh_token!.split('.')[0];
    expect(first.claims().sid).toBe(sid);

    const second = await client.refresh(first.refresh_token!);
    expect(second.refresh_token).toMatch(new RegExp(`^${sid}\\.`));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe('openid profile orders:read orders:write');
    // OIDC Core §12.2: same iss, sub, aud, azp; the original auth_time; no nonce.
    const claims = second.claims();
    expect(claims).toMatchObject({ iss: idp.issuer, sub: ALICE.userId, aud: 'spa', azp: 'spa', sid });
    expect(claims.auth_time).toBe(first.claims().auth_time);
    expect(claims).not.toHaveProperty('nonce');
    expect(decodeJwt(second.access_token!)).toMatchObject({ sid, sub: ALICE.userId, client_id: 'spa' });
    expect(await client.userinfo(second)).toMatchObject({ sub: ALICE.userId, preferred_username: 'alice' });

    // The consumed token again: refused, and the whole session is revoked (access tokens included).
    await expect(client.refresh(first.refresh_token!)).rejects.toMatchObject(INVALID_REFRESH);
    await expect(client.refresh(second.refresh_token!)).rejects.toMatchObject(INVALID_REFRESH);
    const refused = await client.userinfo(second).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(errors.OPError);
    expect(refused).toMatchObject({ error: 'invalid_token' });
    expect(await idp.repositories.sessions.findSession(sid!)).toMatchObject({
      revokedReason: 'refresh-token-reuse',
    });
  });

  it('exact wire bodies: 200 with the new tokens; narrower scope kept only for that token; broader → invalid_scope', async () => {
    const first = await exchange(await code());
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual([
      'access_token',
      'token_type',
      'expires_in',
      'scope',
      'refresh_token',
      'id_token',
    ]);
    const narrower = await refresh(first.body['refresh_token'] as string, { scope: 'orders:read' });
    expect(narrower.status).toBe(200);
    expect(narrower.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(narrower.body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope', 'refresh_token']);
    expect(narrower.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'orders:read' });
    const broader = await refresh(narrower.body['refresh_token'] as string, { scope: 'orders:read orders:admin' });
    expect(broader).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'the requested scope exceeds the scope originally granted' },
    });
    // The broader request consumed nothing; the refresh token still carries the original scope.
    const again = await refresh(narrower.body['refresh_token'] as string);
    expect(again).toMatchObject({ status: 200, body: { scope: 'openid profile orders:read orders:write' } });
  });

  it('garbage, an access token, another client’s token → invalid_grant, nothing revoked', async () => {
    const first = await exchange(await code());
    const token = first.body['refresh_token'] as string;
    for (const bad of ['garbage', first.body['access_token'] as string, `${token.split('.')[0]}.${'A'.repeat(43)}`]) {
      expect(await refresh(bad)).toMatchObject({ status: 400, body: INVALID_REFRESH });
    }
    expect(await post({ grant_type: 'refresh_token', refresh_token: token, client_id: 'other' })).toMatchObject({
      status: 400,
      body: INVALID_REFRESH,
    });
    expect(await post({ grant_type: 'refresh_token', client_id: 'spa' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'missing required parameter: refresh_token' },
    });
    // The session survived all of that.
    expect((await refresh(token)).status).toBe(200);
  });

  it('10 concurrent refreshes with one token: exactly one 200 (one conditional write), then the session is revoked', async () => {
    const first = await exchange(await code());
    const token = first.body['refresh_token'] as string;
    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(token)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body)).toEqual(
      Array.from({ length: 9 }, () => INVALID_REFRESH),
    );
    // The losers presented a consumed token: a reuse, so even the winner's new token is dead.
    expect(await refresh(ok[0]!.body['refresh_token'] as string)).toMatchObject({ status: 400, body: INVALID_REFRESH });
  });

  it('a user disabled after sign-in: the exchange → invalid_grant; after the exchange: the refresh → invalid_grant', async () => {
    const bob = { ...structuredClone(ALICE), userId: 'u-bob', username: 'bob' };
    await idp.repositories.users.createUser(bob);
    const pending = await code('spa', bob.userId);
    const held = await exchange(await code('spa', bob.userId));
    expect(held.status).toBe(200);
    await idp.repositories.users.updateUser(
      { ...bob, status: 'disabled', version: 2, updatedAt: new Date().toISOString() },
      1,
      undefined,
      'user-disabled',
    );
    expect(await exchange(pending)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'the authorization code is invalid, expired or already used' },
    });
    expect(await refresh(held.body['refresh_token'] as string)).toMatchObject({ status: 400, body: INVALID_REFRESH });
  });

  it('costs: a warm code exchange is one conditional UpdateItem (plus the session’s transaction), a refresh one UpdateItem', async () => {
    // Warm: the client bundles are cached locally (no write to their collections since).
    await exchange(await code('no-refresh'), 'no-refresh');
    const first = await exchange(await code());
    const noRefresh = await code('no-refresh');
    const withRefresh = await code();
    resetCalls();
    expect((await exchange(noRefresh, 'no-refresh')).status).toBe(200);
    expect(calls).toEqual({ UpdateItemCommand: 1 });
    resetCalls();
    const started = await exchange(withRefresh);
    expect(started.status).toBe(200);
    // The redemption, then the new session with its user entry and the user-enabled check.
    expect(calls).toEqual({ UpdateItemCommand: 1, TransactWriteItemsCommand: 1 });
    resetCalls();
    expect((await refresh(first.body['refresh_token'] as string)).status).toBe(200);
    expect(calls).toEqual({ UpdateItemCommand: 1 });
  });

  it('the token client keeps the newest refresh token, shares one request between concurrent callers, stops after invalid_grant', async () => {
    const first = await exchange(await code());
    const rotated: string[] = [];
    let requests = 0;
    const session = refreshTokenSession({
      tokenEndpoint: `${idp.url}/oauth2/token`,
      client: { method: 'none', clientId: 'spa' },
      refreshToken: first.body['refresh_token'] as string,
      onRotate: (token) => {
        rotated.push(token);
      },
      fetch: (input, init) => {
        requests += 1;
        return fetch(input, init);
      },
    });
    const a = await session.refresh();
    expect(a.refreshToken).toBe(session.refreshToken);
    expect(a.idToken).toEqual(expect.any(String));
    expect(a.scope).toBe('openid profile orders:read orders:write');
    // Concurrent callers: one request with the newest token, so the session survives.
    const [b, c] = await Promise.all([session.refresh(), session.refresh()]);
    expect(b).toBe(c);
    expect(requests).toBe(2);
    expect(rotated).toEqual([a.refreshToken, b.refreshToken]);
    expect((await session.refresh('orders:read')).scope).toBe('orders:read');
    // The session revoked elsewhere: invalid_grant drops the token; no request is sent again.
    await idp.repositories.sessions.revokeSession(a.refreshToken.split('.')[0]!, 'admin', new Date().toISOString());
    const refused = await session.refresh().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TokenEndpointError);
    expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(session.refreshToken).toBeUndefined();
    const before = requests;
    await expect(session.refresh()).rejects.toBeInstanceOf(TokenClientError);
    expect(requests).toBe(before);
  });
});
