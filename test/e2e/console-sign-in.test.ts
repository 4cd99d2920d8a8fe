/**
 * The first admin person signs in through the built-in console client `idp-console` (docs/contract.md,
 * Admin API › Bootstrap) with openid-client 5.7, unchanged, playing the console: discovery, the
 * authorization URL with PKCE S256, state and nonce, the real hosted sign-in page (a fetch with a cookie
 * jar as the browser), the redirect to `<issuer>/console/callback` with `code`, `state` and `iss` (no
 * consent page: `requireConsent: false`), the code exchange (the library validates the ID token), and
 * the access token at the admin API: reads, a write, the audit trail naming the person. Also the fixed
 * password of `IDP_BOOTSTRAP_ADMIN_PASSWORD` and the issuer's display name on the page. Loopback only.
 */
import { Issuer, generators } from 'openid-client';
import type { Client } from 'openid-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { FetchBrowser } from '../support/fetch-browser';
import { hiddenFields } from '../support/hosted-pages';
import { startTestIdp } from '../support/local-idp';

interface ConsoleSignIn {
  /** The sign-in page's HTML. */
  page: string;
  /** Where the hosted page sent the browser after the sign-in. */
  location: string;
  tokens: Awaited<ReturnType<Client['callback']>>;
}

/** The console's sign-in as `username`, through the hosted pages. */
async function consoleSignIn(idp: LocalIdp, username: string, password: string): Promise<ConsoleSignIn> {
  const issuer = await Issuer.discover(idp.url);
  const redirectUri = `${idp.issuer}/console/callback`;
  const client = new issuer.Client({
    client_id: 'idp-console',
    token_endpoint_auth_method: 'none',
    redirect_uris: [redirectUri],
    response_types: ['code'],
  });
  const verifier = generators.codeVerifier();
  const state = generators.state();
  const nonce = generators.nonce();
  const url = client.authorizationUrl({
    scope: 'openid profile admin:read admin:write',
    audience: `${idp.issuer}/admin`,
    code_challenge: generators.codeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const browser = new FetchBrowser();
  const pageResponse = await browser.go(url);
  expect(pageResponse.status).toBe(200);
  const page = await pageResponse.text();
  const signIn = await browser.go(new URL('/oauth2/sign-in', idp.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hiddenFields(page), username, password }).toString(),
  });
  expect(signIn.status).toBe(303);
  const location = signIn.headers.get('location')!;
  const tokens = await client.callback(redirectUri, client.callbackParams(location), {
    code_verifier: verifier,
    state,
    nonce,
  });
  return { page, location, tokens };
}

async function admin(idp: LocalIdp, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${idp.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}

describe('the first admin person through idp-console', () => {
  let idp: LocalIdp;

  beforeAll(async () => {
    idp = await startTestIdp({ displayName: 'Acme Identity' });
  });
  afterAll(async () => idp?.stop());

  it('is created on the first start with a generated password; the console URL is the issuer /console/', () => {
    expect(idp.consoleUrl).toBe(`${idp.issuer}/console/`);
    expect(idp.adminPerson).toEqual({
      username: 'admin',
      created: true,
      fixed: false,
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
  });

  it('signs in with PKCE (no consent page) and the admin API accepts the token: reads, writes, audit', async () => {
    const { page, location, tokens } = await consoleSignIn(idp, 'admin', idp.adminPerson.password!);
    // IDP_DISPLAY_NAME is the issuer's name on the hosted pages.
    expect(page).toContain('Acme Identity');
    const back = new URL(location);
    expect(`${back.origin}${back.pathname}`).toBe(`${idp.issuer}/console/callback`);
    expect(back.searchParams.get('iss')).toBe(idp.issuer);
    expect(tokens.scope).toBe('openid profile admin:read admin:write');
    expect(tokens.claims()).toMatchObject({ iss: idp.issuer, aud: 'idp-console', preferred_username: 'admin' });
    const userId = tokens.claims().sub;

    const clients = await admin(idp, tokens.access_token!, 'GET', '/admin/clients');
    expect(clients.status).toBe(200);
    expect(clients.body.items.map((c: { clientId: string }) => c.clientId)).toEqual(
      expect.arrayContaining(['idp-console', 'idp-cli', idp.bootstrap.clientId]),
    );
    const created = await admin(idp, tokens.access_token!, 'POST', '/admin/clients', {
      name: 'Made in the console',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    expect(created.status).toBe(201);
    const trail = await admin(
      idp,
      tokens.access_token!,
      'GET',
      `/admin/audit?targetId=${created.body.client.clientId}`,
    );
    expect(trail.body.items.map((e: { action: string; actor: unknown }) => [e.action, e.actor])).toEqual([
      ['client.create', { clientId: 'idp-console', jti: expect.any(String), userId, username: 'admin' }],
    ]);
    // The bootstrap's own audit event says where the person came from (the person and its admin grant
    // were one write).
    const origin = await admin(idp, tokens.access_token!, 'GET', `/admin/audit?targetId=${userId}`);
    expect(origin.body.items.map((e: { action: string; actor: unknown }) => [e.action, e.actor])).toEqual([
      ['user.create', { clientId: 'bootstrap', jti: 'bootstrap' }],
    ]);
    expect(origin.body.items[0].diff.grants).toEqual({
      to: [{ audience: `${idp.issuer}/admin`, scopes: ['admin:read', 'admin:write'], createdAt: expect.any(String) }],
    });
  });

  it('a disabled admin person is refused at the admin API at once', async () => {
    const { tokens } = await consoleSignIn(idp, 'admin', idp.adminPerson.password!);
    const userId = tokens.claims().sub;
    const bootstrapToken = await clientToken(idp);
    const patched = await admin(idp, bootstrapToken, 'PATCH', `/admin/users/${userId}`, { status: 'disabled' });
    expect(patched.status).toBe(200);
    const refused = await admin(idp, tokens.access_token!, 'GET', '/admin/clients');
    expect(refused).toEqual({
      status: 401,
      body: {
        type: 'https://serverless-idp.dev/problems/unauthorized',
        title: 'Authentication required',
        status: 401,
        detail: 'user disabled',
        instance: '/admin/clients',
        error: 'invalid_token',
      },
    });
    expect((await admin(idp, bootstrapToken, 'PATCH', `/admin/users/${userId}`, { status: 'enabled' })).status).toBe(
      200,
    );
  });
});

describe('IDP_BOOTSTRAP_ADMIN_PASSWORD', () => {
  it('fixes the first admin person password (not returned for printing); it signs in with it', async () => {
    const fixed = 'correct horse battery staple';
    const idp = await startTestIdp({ bootstrapAdminPassword: fixed });
    try {
      expect(idp.adminPerson).toEqual({ username: 'admin', created: true, fixed: true });
      const { tokens } = await consoleSignIn(idp, 'admin', fixed);
      expect((await admin(idp, tokens.access_token!, 'GET', '/admin/users')).status).toBe(200);
    } finally {
      await idp.stop();
    }
  });
});

/** A client-credentials admin token of the bootstrap client. */
async function clientToken(idp: LocalIdp): Promise<string> {
  const { clientId, clientSecret } = idp.bootstrap;
  const res = await fetch(`${idp.url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', audience: `${idp.issuer}/admin` }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
