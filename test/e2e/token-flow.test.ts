/**
 * End to end over HTTP: the local server, driven by a real OAuth client library (openid-client:
 * RFC 8414 discovery + client credentials grant with client_secret_basic and client_secret_post),
 * tokens verified with aws-jwt-verify against the served JWKS.
 */
import { Issuer, errors } from 'openid-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { accessTokenVerifier, registerApi, registerClient, startTestIdp } from '../support/local-idp';
import { issuedLifetime } from '../support/token-lifetime';

describe.each(['RS256', 'ES256'] as const)('client credentials end to end (%s)', (alg) => {
  let idp: LocalIdp;
  const ORDERS = 'https://orders.example.com';

  beforeAll(async () => {
    idp = await startTestIdp({ alg });
    await registerApi(idp, ORDERS, ['orders:read', 'orders:write', 'orders:admin'], 900);
  });
  afterAll(async () => idp.stop());

  it('serves RFC 8414 / OIDC Discovery metadata at both well-known paths', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await fetch(idp.url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({
        issuer: idp.issuer,
        authorization_endpoint: `${idp.issuer}/oauth2/authorize`,
        token_endpoint: `${idp.issuer}/oauth2/token`,
        userinfo_endpoint: `${idp.issuer}/oauth2/userinfo`,
        jwks_uri: `${idp.issuer}/.well-known/jwks.json`,
        end_session_endpoint: `${idp.issuer}/oauth2/logout`,
        scopes_supported: ['openid', 'profile', 'email'],
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [alg],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        claims_supported: [
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
        ],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        access_token_signing_alg_values_supported: [alg],
        revocation_endpoint: `${idp.issuer}/oauth2/revoke`,
        revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        introspection_endpoint: `${idp.issuer}/oauth2/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
  });

  it('publishes public keys only, each with kid, alg and use', async () => {
    const res = await fetch(`${idp.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(key).toMatchObject({ alg, use: 'sig', kty: alg === 'RS256' ? 'RSA' : 'EC' });
    expect(typeof key['kid']).toBe('string');
    for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privateMember);
  });

  it('issues a verifiable token to the bootstrap admin client (client_secret_basic)', async () => {
    const issuer = await Issuer.discover(idp.url);
    expect(issuer.metadata.token_endpoint).toBe(`${idp.issuer}/oauth2/token`);
    const client = new issuer.Client({
      client_id: idp.bootstrap.clientId,
      client_secret: idp.bootstrap.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const tokens = await client.grant({ grant_type: 'client_credentials', audience: `${idp.issuer}/admin` });
    expect(tokens.token_type).toBe('Bearer');
    expect(issuedLifetime(tokens.access_token)).toBe(3600);
    expect(tokens.scope).toBe('admin:read admin:write');
    expect(tokens.refresh_token).toBeUndefined();

    const verifier = await accessTokenVerifier(idp, `${idp.issuer}/admin`);
    const payload = await verifier.verify(tokens.access_token!);
    expect(payload).toMatchObject({
      iss: idp.issuer,
      sub: idp.bootstrap.clientId,
      aud: `${idp.issuer}/admin`,
      client_id: idp.bootstrap.clientId,
      scope: 'admin:read admin:write',
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('issues tokens with client_secret_post, scope-only requests resolving the API', async () => {
    const creds = await registerClient(idp, {
      method: 'client_secret_post',
      rules: [{ audience: ORDERS, scopes: ['orders:read', 'orders:write'], claims: { tenant: 'acme' } }],
    });
    const issuer = await Issuer.discover(`${idp.url}/.well-known/oauth-authorization-server`);
    const client = new issuer.Client({
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      token_endpoint_auth_method: 'client_secret_post',
    });
    const tokens = await client.grant({ grant_type: 'client_credentials', scope: 'orders:read' });
    expect(tokens.scope).toBe('orders:read');
    expect(issuedLifetime(tokens.access_token)).toBe(900); // the API's TTL is shorter than the default
    const payload = await (await accessTokenVerifier(idp, ORDERS)).verify(tokens.access_token!);
    expect(payload).toMatchObject({ aud: ORDERS, client_id: creds.clientId, scope: 'orders:read', tenant: 'acme' });
  });

  it('answers RFC 6749 errors through the client library', async () => {
    const creds = await registerClient(idp, { rules: [{ audience: ORDERS, scopes: ['orders:read'] }] });
    const issuer = await Issuer.discover(idp.url);
    const wrong = new issuer.Client({ client_id: creds.clientId, client_secret: 'wrong-secret-value' });
    await expect(wrong.grant({ grant_type: 'client_credentials', audience: ORDERS })).rejects.toMatchObject({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    const right = new issuer.Client({ client_id: creds.clientId, client_secret: creds.clientSecret });
    const notGranted = right.grant({ grant_type: 'client_credentials', audience: ORDERS, scope: 'orders:admin' });
    await expect(notGranted).rejects.toBeInstanceOf(errors.OPError);
    await expect(notGranted).rejects.toMatchObject({
      error: 'invalid_scope',
      error_description: 'scope not granted: orders:admin',
    });
    await expect(
      right.grant({ grant_type: 'client_credentials', resource: 'https://unknown.example.com' }),
    ).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('accepts the JSON body Auth0-style clients send', async () => {
    const creds = await registerClient(idp, {
      method: 'client_secret_post',
      rules: [{ audience: ORDERS, scopes: ['orders:read'] }],
    });
    const res = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: creds.clientId,
        client_secret: creds.clientSecret,
        audience: ORDERS,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  });

  it('rejects other methods on the token endpoint and unknown paths', async () => {
    const get = await fetch(`${idp.url}/oauth2/token`);
    expect(get.status).toBe(405);
    // RFC 9110 §15.5.6: Allow lists every supported method; OPTIONS answers CORS preflights.
    expect(get.headers.get('allow')).toBe('OPTIONS, POST');
    expect(await get.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the token endpoint accepts POST only',
    });
    expect((await fetch(`${idp.url}/nope`)).status).toBe(404);
  });

  it('answers a CORS preflight over HTTP, without credentials', async () => {
    const res = await fetch(`${idp.url}/oauth2/token`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
