/**
 * End to end over HTTP with openid-client 5.7, unchanged: discovery, the code exchange with PKCE
 * (`callbackParams` / `callback`, which also validates the ID token: signature from the JWKS, iss,
 * aud, azp, exp, iat, nonce, and the RFC 9207 `iss` of the authorization response), `userinfo`, and
 * a reused code that revokes the first token.
 *
 * Seam: the code is created straight in the local IdP's code repository, where the sign-in page puts
 * it after a user signs in (docs/contract.md, OpenID Connect); the user is created straight in the user
 * repository. The browser-driven flow through the pages is tested with them.
 */
import { Issuer, errors } from 'openid-client';
import type { Client } from 'openid-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { ALICE, REDIRECT_URI, RFC7636_VERIFIER, createCode, userRule } from '../support/code-flow';
import { makeClient } from '../support/in-memory';
import { registerApi, startTestIdp } from '../support/local-idp';
import { issuedLifetime } from '../support/token-lifetime';

const ORDERS = 'https://orders.example.com';
const NONCE = 'n-0S6_WzA2Mj';

describe('authorization code + PKCE with openid-client against the local server', () => {
  let idp: LocalIdp;
  let client: Client;

  beforeAll(async () => {
    idp = await startTestIdp();
    await idp.repositories.users.createUser(structuredClone(ALICE));
    await registerApi(idp, ORDERS, ['orders:read', 'orders:write'], 900);
    await idp.repositories.clients.createClient({
      client: makeClient('spa', {
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [REDIRECT_URI],
      }),
      secrets: [],
      rules: [userRule(['orders:read'], { audience: ORDERS, apiAccessTokenTtl: 900 })],
    });
    const issuer = await Issuer.discover(idp.url);
    client = new issuer.Client({
      client_id: 'spa',
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT_URI],
      response_types: ['code'],
    });
  });
  afterAll(async () => idp.stop());

  /** A code for Alice, as the sign-in page would have made it, and the redirect the browser would follow. */
  async function signedIn(): Promise<{ code: string; callbackUrl: string }> {
    const code = await createCode(idp.repositories.codes, 'spa', Date.now(), { audience: ORDERS });
    return { code, callbackUrl: `${REDIRECT_URI}?code=${code}&iss=${encodeURIComponent(idp.issuer)}` };
  }

  it('discovers the OIDC metadata', async () => {
    const issuer = await Issuer.discover(idp.url);
    expect(issuer.metadata).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/oauth2/authorize`,
      userinfo_endpoint: `${idp.issuer}/oauth2/userinfo`,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    });
  });

  it('exchanges the code (ID token validated by the library) and reads userinfo', async () => {
    const { callbackUrl } = await signedIn();
    const params = client.callbackParams(callbackUrl);
    const tokens = await client.callback(REDIRECT_URI, params, { code_verifier: RFC7636_VERIFIER, nonce: NONCE });
    expect(tokens.token_type).toBe('Bearer');
    expect(issuedLifetime(tokens.access_token)).toBe(900);
    expect(tokens.scope).toBe('openid profile email orders:read');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.claims()).toMatchObject({
      iss: idp.issuer,
      sub: ALICE.userId,
      aud: 'spa',
      azp: 'spa',
      nonce: NONCE,
      preferred_username: 'alice',
    });
    expect(await client.userinfo(tokens)).toEqual({
      sub: ALICE.userId,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: false,
    });
  });

  it('a second redemption → invalid_grant, and userinfo then refuses the first access token', async () => {
    const { callbackUrl } = await signedIn();
    const params = client.callbackParams(callbackUrl);
    const tokens = await client.callback(REDIRECT_URI, params, { code_verifier: RFC7636_VERIFIER, nonce: NONCE });
    await expect(
      client.callback(REDIRECT_URI, params, { code_verifier: RFC7636_VERIFIER, nonce: NONCE }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const refused = await client.userinfo(tokens).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(errors.OPError);
    expect(refused).toMatchObject({ error: 'invalid_token', error_description: 'the access token was revoked' });
  });

  it('a wrong code_verifier → invalid_grant', async () => {
    const { callbackUrl } = await signedIn();
    await expect(
      client.callback(REDIRECT_URI, client.callbackParams(callbackUrl), {
        code_verifier: 'x'.repeat(43),
        nonce: NONCE,
      }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'code_verifier does not match the code challenge',
    });
  });

  it('userinfo over HTTP: no token → 401 with the Bearer challenge; another method → 405', async () => {
    const res = await fetch(`${idp.url}/oauth2/userinfo`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${idp.issuer}"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const put = await fetch(`${idp.url}/oauth2/userinfo`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });
});
