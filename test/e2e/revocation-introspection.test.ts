/**
 * Revocation (RFC 7009) and introspection (RFC 7662) over HTTP against the local server: openid-client
 * 5.7's `revoke()` and `introspect()` (its names for tokenRevocation / tokenIntrospection) unchanged,
 * discovered from the metadata, and raw requests for the exact wire bodies and headers: the empty 200,
 * exactly `{"active":false}`, 401 `invalid_client` with its challenge, 400 for another client's token
 * from a confidential caller, CORS on revocation, and revocation reaching the userinfo endpoint.
 */
import { Issuer } from 'openid-client';
import { runCli } from '../../lambdas/client/cli/main';
import { TokenClient } from '../../lambdas/client/token-client';
import type { Client } from 'openid-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { registerApi, registerClient, startTestIdp } from '../support/local-idp';
import { ALICE, REDIRECT_URI, RFC7636_VERIFIER, createCode, userRule } from '../support/code-flow';
import { makeClient } from '../support/in-memory';
import { newRefreshSessionId, newRefreshToken } from '../../lambdas/domain/people/refresh-tokens';
import type { RefreshSession } from '../../lambdas/domain/people/model';

const ORDERS = 'https://orders.example.com';
const SPA_ORIGIN = 'https://app.example.com';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('revocation and introspection against the local server', () => {
  let idp: LocalIdp;
  let issuer: Issuer;
  /** The client the tokens are issued to (client credentials). */
  let svc: { clientId: string; clientSecret: string };
  /** Another confidential client with no say over svc's tokens. */
  let other: { clientId: string; clientSecret: string };
  /** The orders API's own client, listed in its `introspectors`. */
  let rs: { clientId: string; clientSecret: string };

  const clientFor = (c: { clientId: string; clientSecret: string }): Client =>
    new issuer.Client({ client_id: c.clientId, client_secret: c.clientSecret });

  beforeAll(async () => {
    idp = await startTestIdp();
    await registerApi(idp, ORDERS, ['orders:read', 'orders:write'], 900);
    svc = await registerClient(idp, { rules: [{ audience: ORDERS, scopes: ['orders:read'] }] });
    other = await registerClient(idp, { rules: [{ audience: ORDERS, scopes: ['orders:read'] }] });
    rs = await registerClient(idp, { rules: [] });
    const api = (await idp.repositories.apis.getApi(ORDERS))!;
    await idp.repositories.apis.updateApi(
      { ...api, introspectors: [rs.clientId], version: api.version + 1 },
      api.version,
    );
    await idp.repositories.users.createUser(structuredClone(ALICE));
    await idp.repositories.clients.createClient({
      client: makeClient('spa', {
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [REDIRECT_URI],
        allowedOrigins: [SPA_ORIGIN],
      }),
      secrets: [],
      rules: [userRule(['orders:read'], { audience: ORDERS, apiAccessTokenTtl: 900 })],
    });
    issuer = await Issuer.discover(idp.url);
  });
  afterAll(async () => idp.stop());

  const token = async (c = svc) =>
    (await clientFor(c).grant({ grant_type: 'client_credentials', audience: ORDERS })).access_token!;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${idp.url}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body });
  const answer = async (res: Response) => ({
    status: res.status,
    contentType: res.headers.get('content-type'),
    cacheControl: res.headers.get('cache-control'),
    body: await res.text(),
  });
  const claimsOf = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('discovery names both endpoints, and openid-client finds them', () => {
    expect(issuer.metadata.revocation_endpoint).toBe(`${idp.issuer}/oauth2/revoke`);
    expect(issuer.metadata.introspection_endpoint).toBe(`${idp.issuer}/oauth2/introspect`);
  });

  it('introspect (openid-client): the owner and a listed introspector see it active with the RFC 7662 members; another client sees {"active":false}', async () => {
    const at = await token();
    const claims = claimsOf(at);
    const expected = {
      active: true,
      scope: 'orders:read',
      client_id: svc.clientId,
      token_type: 'Bearer',
      exp: claims['exp'],
      iat: claims['iat'],
      nbf: claims['nbf'],
      sub: svc.clientId,
      aud: ORDERS,
      iss: idp.issuer,
      jti: claims['jti'],
    };
    expect(await clientFor(svc).introspect(at, 'access_token')).toEqual(expected);
    expect(await clientFor(rs).introspect(at)).toEqual(expected);
    expect(await clientFor(other).introspect(at)).toEqual({ active: false });
    // Exact bytes, in the order RFC 7662 §2.2 lists them, never cached.
    const raw = await answer(
      await post('/oauth2/introspect', `token=${at}`, { authorization: basic(svc.clientId, svc.clientSecret) }),
    );
    expect(raw).toEqual({
      status: 200,
      contentType: 'application/json;charset=UTF-8',
      cacheControl: 'no-store',
      body: JSON.stringify(expected),
    });
  });

  it('revoke (openid-client): the token goes on the deny-list; introspection then says exactly {"active":false}', async () => {
    const at = await token();
    await expect(clientFor(svc).revoke(at, 'access_token')).resolves.toBeUndefined();
    const raw = await answer(
      await post('/oauth2/introspect', `token=${at}`, { authorization: basic(rs.clientId, rs.clientSecret) }),
    );
    expect(raw).toEqual({
      status: 200,
      contentType: 'application/json;charset=UTF-8',
      cacheControl: 'no-store',
      body: '{"active":false}',
    });
    const jti = claimsOf(at)['jti'] as string;
    expect(await idp.repositories.revocations.isAccessTokenDenied(jti)).toBe(true);
    // Revoking again is still 200 (RFC 7009 §2.2).
    await expect(clientFor(svc).revoke(at)).resolves.toBeUndefined();
  });

  it('unknown, garbage and forged tokens, with any hint or none → 200 with an empty body; nothing is denied', async () => {
    const at = await token();
    const [h, p] = at.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    for (const body of [
      'token=garbage',
      'token=garbage&token_type_hint=refresh_token',
      'token=x.y.z&token_type_hint=made_up',
      `token=${forged}&token_type_hint=access_token`,
    ]) {
      const raw = await answer(
        await post('/oauth2/revoke', body, { authorization: basic(svc.clientId, svc.clientSecret) }),
      );
      expect(raw).toEqual({ status: 200, contentType: null, cacheControl: 'no-store', body: '' });
    }
    expect(await clientFor(svc).introspect(at)).toMatchObject({ active: true });
  });

  it("another client's token: 400 invalid_request for a confidential caller, 200 for a public one; neither revokes it", async () => {
    const at = await token();
    const confidential = await post('/oauth2/revoke', `token=${at}`, {
      authorization: basic(other.clientId, other.clientSecret),
    });
    expect(await answer(confidential)).toEqual({
      status: 400,
      contentType: 'application/json;charset=UTF-8',
      cacheControl: 'no-store',
      body: '{"error":"invalid_request","error_description":"the token was not issued to this client"}',
    });
    const pub = await post('/oauth2/revoke', `token=${at}&client_id=spa`);
    expect(await answer(pub)).toEqual({ status: 200, contentType: null, cacheControl: 'no-store', body: '' });
    expect(await clientFor(svc).introspect(at)).toMatchObject({ active: true });
  });

  it('bad client credentials → 401 invalid_client, with the Basic challenge when the header was used', async () => {
    const at = await token();
    for (const path of ['/oauth2/revoke', '/oauth2/introspect']) {
      const res = await post(path, `token=${at}`, { authorization: basic(svc.clientId, 'wrong') });
      expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${idp.issuer}"`);
      expect(await answer(res)).toEqual({
        status: 401,
        contentType: 'application/json;charset=UTF-8',
        cacheControl: 'no-store',
        body: '{"error":"invalid_client","error_description":"client authentication failed"}',
      });
    }
    expect(await clientFor(svc).introspect(at)).toMatchObject({ active: true });
  });

  it('introspection refuses a public caller and an unauthenticated one: 401 invalid_client', async () => {
    const at = await token();
    for (const body of [`token=${at}&client_id=spa`, `token=${at}`]) {
      const res = await answer(await post('/oauth2/introspect', body));
      expect(res).toEqual({
        status: 401,
        contentType: 'application/json;charset=UTF-8',
        cacheControl: 'no-store',
        body: '{"error":"invalid_client","error_description":"client authentication is required"}',
      });
    }
  });

  it('a missing token parameter → 400 invalid_request', async () => {
    const res = await answer(
      await post('/oauth2/revoke', '', { authorization: basic(svc.clientId, svc.clientSecret) }),
    );
    expect(res).toEqual({
      status: 400,
      contentType: 'application/json;charset=UTF-8',
      cacheControl: 'no-store',
      body: '{"error":"invalid_request","error_description":"missing required parameter: token"}',
    });
  });

  it("a person's token: introspection adds username; a public client revokes its own token (CORS for its origin); userinfo refuses it", async () => {
    const code = await createCode(idp.repositories.codes, 'spa', Date.now(), { audience: ORDERS });
    const exchanged = await post(
      '/oauth2/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: 'spa',
        code_verifier: RFC7636_VERIFIER,
      }).toString(),
    );
    expect(exchanged.status).toBe(200);
    const at = ((await exchanged.json()) as { access_token: string }).access_token;
    const introspected = (await clientFor(rs).introspect(at)) as Record<string, unknown>;
    expect(introspected).toMatchObject({ active: true, client_id: 'spa', sub: ALICE.userId, username: ALICE.username });
    expect(Object.keys(introspected)).toEqual([
      'active',
      'scope',
      'client_id',
      'username',
      'token_type',
      'exp',
      'iat',
      'nbf',
      'sub',
      'aud',
      'iss',
      'jti',
    ]);
    expect((await fetch(`${idp.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${at}` } })).status).toBe(
      200,
    );

    const preflight = await fetch(`${idp.url}/oauth2/revoke`, {
      method: 'OPTIONS',
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    const revoked = await post('/oauth2/revoke', `token=${at}&client_id=spa`, { origin: SPA_ORIGIN });
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN);
    expect(await revoked.text()).toBe('');

    expect(await clientFor(rs).introspect(at)).toEqual({ active: false });
    const userinfo = await fetch(`${idp.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${at}` } });
    expect(userinfo.status).toBe(401);
  });

  /** A refresh-token session of Alice on the public client `spa`, as a code redemption starts one. */
  async function refreshSession(): Promise<{ token: string; session: RefreshSession }> {
    const sessionId = newRefreshSessionId();
    const { token, digest } = newRefreshToken(sessionId);
    const now = Date.now();
    const session: RefreshSession = {
      sessionId,
      userId: ALICE.userId,
      user: { userId: ALICE.userId, username: ALICE.username },
      clientId: 'spa',
      scopes: ['openid', 'orders:read'],
      audience: ORDERS,
      authTime: Math.floor(now / 1000) - 60,
      createdAt: new Date(now - 60_000).toISOString(),
      lastUsedAt: new Date(now - 30_000).toISOString(),
      expiresAt: new Date(now + 86_400_000).toISOString(),
      currentDigest: digest,
      consumedDigests: [],
    };
    await idp.repositories.sessions.createSession(session);
    return { token, session };
  }

  it('a refresh token: introspection (an introspector of its API) sees the session; revoking it revokes the session and denies its sid', async () => {
    const { token, session } = await refreshSession();
    const expected = {
      active: true,
      scope: 'openid orders:read',
      client_id: 'spa',
      username: ALICE.username,
      token_type: 'refresh_token',
      exp: Math.floor(Date.parse(session.expiresAt) / 1000),
      iat: Math.floor(Date.parse(session.lastUsedAt) / 1000),
      sub: ALICE.userId,
      sid: session.sessionId,
    };
    const raw = await answer(
      await post('/oauth2/introspect', `token=${token}&token_type_hint=refresh_token`, {
        authorization: basic(rs.clientId, rs.clientSecret),
      }),
    );
    expect(raw).toEqual({
      status: 200,
      contentType: 'application/json;charset=UTF-8',
      cacheControl: 'no-store',
      body: JSON.stringify(expected),
    });
    // Another confidential client: not its token, not listed → inactive; its revocation → 400, no effect.
    expect(await clientFor(other).introspect(token)).toEqual({ active: false });
    expect(
      (await post('/oauth2/revoke', `token=${token}`, { authorization: basic(other.clientId, other.clientSecret) }))
        .status,
    ).toBe(400);
    expect(await clientFor(rs).introspect(token)).toEqual(expected);

    // The owner (public) revokes it, with a wrong hint even.
    const revoked = await post('/oauth2/revoke', `token=${token}&token_type_hint=access_token&client_id=spa`);
    expect(await answer(revoked)).toEqual({ status: 200, contentType: null, cacheControl: 'no-store', body: '' });
    expect((await idp.repositories.sessions.findSession(session.sessionId))?.revokedReason).toBe('token-revoked');
    expect(await idp.repositories.revocations.isSessionDenied(session.sessionId)).toBe(true);
    expect(await clientFor(rs).introspect(token)).toEqual({ active: false });
    // Revoking it again: 200.
    expect((await post('/oauth2/revoke', `token=${token}&client_id=spa`)).status).toBe(200);
  });

  it("openid-client end to end: a real session's refresh token revoked with revoke(); refresh() then fails, and the session's access token is dead", async () => {
    await idp.repositories.clients.createClient({
      client: makeClient('spa-refresh', {
        grantTypes: ['authorization_code', 'refresh_token'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [REDIRECT_URI],
      }),
      secrets: [],
      rules: [userRule(['orders:read'], { audience: ORDERS, apiAccessTokenTtl: 900 })],
    });
    const spa = new issuer.Client({
      client_id: 'spa-refresh',
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT_URI],
      response_types: ['code'],
    });
    const value = await createCode(idp.repositories.codes, 'spa-refresh', Date.now(), {
      audience: ORDERS,
      scopes: ['openid', 'orders:read'],
    });
    const params = spa.callbackParams(`${REDIRECT_URI}?code=${value}&iss=${encodeURIComponent(idp.issuer)}`);
    const first = await spa.callback(REDIRECT_URI, params, { code_verifier: RFC7636_VERIFIER, nonce: 'n-0S6_WzA2Mj' });
    const rotated = await spa.refresh(first.refresh_token!);
    expect(await clientFor(rs).introspect(rotated.refresh_token!)).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: 'spa-refresh',
      sid: rotated.refresh_token!.split('.')[0],
    });
    expect(await clientFor(rs).introspect(rotated.access_token!)).toMatchObject({ active: true });

    await expect(spa.revoke(rotated.refresh_token!, 'refresh_token')).resolves.toBeUndefined();
    await expect(spa.refresh(rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await clientFor(rs).introspect(rotated.refresh_token!)).toEqual({ active: false });
    // The session's access token carries its sid, now denied: inactive, and userinfo refuses it.
    expect(await clientFor(rs).introspect(rotated.access_token!)).toEqual({ active: false });
    const userinfo = await fetch(`${idp.url}/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${rotated.access_token!}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('an unknown refresh token of the right shape → 200 / inactive; nothing written', async () => {
    const { token } = newRefreshToken(newRefreshSessionId());
    expect((await post('/oauth2/revoke', `token=${token}&client_id=spa`)).status).toBe(200);
    expect(await clientFor(rs).introspect(token)).toEqual({ active: false });
  });

  it('a disabled user or client: their tokens are inactive', async () => {
    const at = await token(other);
    expect(await clientFor(other).introspect(at)).toMatchObject({ active: true });
    const bundle = (await idp.repositories.clients.loadClientBundle(other.clientId))!;
    await idp.repositories.clients.updateClient(
      { ...bundle.client, status: 'disabled', version: bundle.client.version + 1 },
      bundle.client.version,
    );
    // The owner is disabled, so it cannot authenticate; the API's introspector sees the token inactive.
    expect(await clientFor(rs).introspect(at)).toEqual({ active: false });

    const code = await createCode(idp.repositories.codes, 'spa', Date.now(), { audience: ORDERS });
    const exchanged = await post(
      '/oauth2/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: 'spa',
        code_verifier: RFC7636_VERIFIER,
      }).toString(),
    );
    const userToken = ((await exchanged.json()) as { access_token: string }).access_token;
    expect(await clientFor(rs).introspect(userToken)).toMatchObject({ active: true });
    const alice = (await idp.repositories.users.loadUser(ALICE.userId))!;
    await idp.repositories.users.updateUser(
      { ...alice.user, status: 'disabled', version: alice.user.version + 1 },
      alice.user.version,
    );
    expect(await clientFor(rs).introspect(userToken)).toEqual({ active: false });
  });

  it('the token client: introspect(), then revoke() forgets the cached token and the next getToken() gets a new one', async () => {
    const client = new TokenClient({ issuer: idp.issuer, clientId: svc.clientId, clientSecret: svc.clientSecret });
    const first = await client.getToken({ audience: ORDERS });
    expect(await client.introspect(first.accessToken)).toMatchObject({ active: true, client_id: svc.clientId });
    await client.revoke(first.accessToken, 'access_token');
    expect(await client.introspect(first.accessToken)).toEqual({ active: false });
    const second = await client.getToken({ audience: ORDERS });
    expect(second.accessToken).not.toBe(first.accessToken);
    // Another client's token from a confidential client: the RFC 6749 §5.2 error, thrown.
    // (rs: confidential, may introspect orders tokens, but revoke only its own.)
    const intruder = new TokenClient({ issuer: idp.issuer, clientId: rs.clientId, clientSecret: rs.clientSecret });
    await expect(intruder.revoke(second.accessToken)).rejects.toMatchObject({ error: 'invalid_request', status: 400 });
  });

  it('idp tokens introspect / revoke', async () => {
    const cli = async (args: string[], env: Record<string, string>) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        env: { IDP_ISSUER: idp.issuer, ...env },
        cwd: process.cwd(),
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        readStdin: async () => '',
      });
      return { code, stdout, stderr };
    };
    const creds = { IDP_CLIENT_ID: svc.clientId, IDP_CLIENT_SECRET: svc.clientSecret };
    const at = await token();
    const live = await cli(['tokens', 'introspect', at], creds);
    expect(live.code).toBe(0);
    expect(JSON.parse(live.stdout)).toMatchObject({ active: true, client_id: svc.clientId, token_type: 'Bearer' });
    expect(await cli(['tokens', 'revoke', at], creds)).toEqual({
      code: 0,
      stdout: 'revoked (or not a live token of this client)\n',
      stderr: '',
    });
    expect(await cli(['tokens', 'introspect', at], creds)).toEqual({
      code: 1,
      stdout: '{\n  "active": false\n}\n',
      stderr: 'error: the token is not active\n',
    });
    // Another client's token, revoked by a confidential client: the error, exit code 1.
    const refused = await cli(['tokens', 'revoke', await token()], {
      IDP_CLIENT_ID: rs.clientId,
      IDP_CLIENT_SECRET: rs.clientSecret,
    });
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: invalid_request: the token was not issued to this client\n',
    });
  });

  it('GET on either endpoint → 405 with Allow', async () => {
    const revoke = await fetch(`${idp.url}/oauth2/revoke`);
    expect(revoke.status).toBe(405);
    expect(revoke.headers.get('allow')).toBe('OPTIONS, POST');
    const introspect = await fetch(`${idp.url}/oauth2/introspect`);
    expect(introspect.status).toBe(405);
    expect(introspect.headers.get('allow')).toBe('POST');
  });
});
