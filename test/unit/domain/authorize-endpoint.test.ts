/**
 * GET /oauth2/authorize (docs/contract.md, "People › Authorize"): the 400 page for an untrusted client
 * or redirect URI (never a Location), RFC 6749 §4.1.2.1 error redirects with `iss` (RFC 9207), PKCE
 * (RFC 7636 §4.3), user scope resolution, prompt and max_age (OIDC Core §3.1.2.1), and the sign-in page.
 */
import { PAGES_CSP } from '../../../lambdas/domain/pages/layout';
import {
  ALICE_PASSWORD,
  APP_CALLBACK,
  APP_CALLBACK_WITH_QUERY,
  CHALLENGE,
  LOOPBACK_CALLBACK,
  PAGES_ISSUER,
  PHOTOS_API,
  authorizeParams,
  digest,
  hiddenFields,
  pagesHarness,
  redirectParams,
} from '../../support/hosted-pages';
import type { PagesHarness } from '../../support/hosted-pages';

const PAGE_HEADERS = {
  'Content-Type': 'text/html;charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': PAGES_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

function expectPage(res: { statusCode?: number; headers?: Record<string, unknown> }, status: number): void {
  expect(res.statusCode).toBe(status);
  expect(res.headers).toEqual(expect.objectContaining(PAGE_HEADERS));
  expect(res.headers).not.toHaveProperty('Location');
  for (const name of Object.keys(res.headers ?? {})) expect(name.toLowerCase()).not.toMatch(/^access-control-/);
}

/** Signs alice in through the page; returns the 303. */
async function signedIn(h: PagesHarness, params: Record<string, string | undefined> = {}) {
  const page = await h.authorize(params);
  expect(page.statusCode).toBe(200);
  const res = await h.signIn(page, 'alice', ALICE_PASSWORD);
  expect(res.statusCode).toBe(303);
  return res;
}

describe('authorize: the client and redirect URI must be trusted before anything redirects', () => {
  it('the CSP never allows inline code and has no form-action', () => {
    expect(PAGES_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(PAGES_CSP).not.toContain('unsafe-inline');
    expect(PAGES_CSP).not.toContain('form-action');
  });

  it.each([
    ['no client_id', { client_id: undefined }],
    ['an unknown client', { client_id: 'nobody' }],
    ['a disabled client', { client_id: 'disabled' }],
    ['an over-long client_id', { client_id: 'x'.repeat(300) }],
    ['no redirect_uri', { redirect_uri: undefined }],
  ])('%s → 400 page, no Location', async (_name, params) => {
    const h = pagesHarness();
    const res = await h.authorize(params);
    expectPage(res, 400);
    expect(String(res.body)).toContain('This sign-in request is not valid');
    expect(h.people.table.requests.size).toBe(0);
  });

  it.each([
    ['a trailing slash', `${APP_CALLBACK}/`],
    ['a case change in the path', 'https://app.example.com/Callback'],
    ['a case change in the host', 'https://APP.example.com/callback'],
    ['an added query', `${APP_CALLBACK}?x=1`],
    ['a changed query', 'https://app.example.com/callback?tenant=evil'],
    ['a fragment', `${APP_CALLBACK}#frag`],
    ['an empty fragment', `${APP_CALLBACK}#`],
    ['dot segments', 'https://app.example.com/callback/../callback'],
    ['a dot segment to elsewhere', 'https://app.example.com/other/../callback'],
    ['percent-encoded traversal', 'https://app.example.com/callback/%2e%2e/evil'],
    ['an encoded slash', 'https://app.example.com/callback%2F..%2Fevil'],
    ['a host with our host as prefix', 'https://app.example.com.evil.com/callback'],
    ['userinfo before the host', 'https://app.example.com@evil.com/callback'],
    ['userinfo with our host', 'https://evil.com@app.example.com/callback'],
    ['http for an https registration', 'http://app.example.com/callback'],
    ['javascript:', 'javascript:alert(1)'],
    ['JavaScript: in capitals', 'JavaScript:alert(1)//https://app.example.com/callback'],
    ['javascript: with a leading space', ' javascript:alert(1)'],
    ['a data: URI', 'data:text/html,<script>alert(1)</script>'],
    ['a port added to an https URI', 'https://app.example.com:8443/callback'],
    ['the default port spelled out', 'https://app.example.com:443/callback'],
    ['loopback with an added query', 'http://127.0.0.1:5000/callback?x=1'],
    ['loopback with another path', 'http://127.0.0.1:5000/callback/'],
    ['localhost instead of the loopback IP', 'http://localhost:5000/callback'],
    ['a backslash', 'https://app.example.com\\@evil.com/callback'],
    ['whitespace', 'https://app.example.com/callback '],
    ['an empty value', ''],
  ])('a redirect_uri with %s → 400 page, no Location', async (_name, redirectUri) => {
    const h = pagesHarness();
    const res = await h.authorize({ redirect_uri: redirectUri });
    expectPage(res, 400);
    expect(h.people.table.requests.size).toBe(0);
  });

  it('a repeated client_id or redirect_uri → 400 page, no Location', async () => {
    const h = pagesHarness();
    for (const name of ['client_id', 'redirect_uri']) {
      const query = authorizeParams();
      query.append(name, query.get(name)!);
      const res = await h.send('GET', `/oauth2/authorize?${query.toString()}`);
      expectPage(res, 400);
    }
  });

  it('a loopback redirect URI may use any port (RFC 8252 §7.3)', async () => {
    const h = pagesHarness();
    const res = await h.authorize({ redirect_uri: 'http://127.0.0.1:51234/callback' });
    expectPage(res, 200);
  });

  it('the registered URI with its query is accepted as is', async () => {
    const h = pagesHarness();
    expectPage(await h.authorize({ redirect_uri: APP_CALLBACK_WITH_QUERY }), 200);
  });
});

describe('authorize: every other error redirects with error, error_description, state and iss', () => {
  const cases: [string, Record<string, string | undefined>, string][] = [
    ['no response_type', { response_type: undefined }, 'invalid_request'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['response_type=code id_token', { response_type: 'code id_token' }, 'unsupported_response_type'],
    ['no code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['a 42-character challenge', { code_challenge: 'a'.repeat(42) }, 'invalid_request'],
    ['a 129-character challenge', { code_challenge: 'a'.repeat(129) }, 'invalid_request'],
    ['a challenge with non-base64url characters', { code_challenge: `${'a'.repeat(42)}+` }, 'invalid_request'],
    ['a padded challenge', { code_challenge: `${CHALLENGE.slice(0, 43)}=` }, 'invalid_request'],
    ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no code_challenge_method', { code_challenge_method: undefined }, 'invalid_request'],
    ['code_challenge_method=s256', { code_challenge_method: 's256' }, 'invalid_request'],
    ['a scope no user rule grants', { scope: 'openid photos:delete' }, 'invalid_scope'],
    ['a malformed scope', { scope: 'openid "photos"' }, 'invalid_scope'],
    ['no scope and no audience', { scope: undefined }, 'invalid_scope'],
    ['an unknown audience', { audience: 'https://unknown.example.com', scope: 'openid' }, 'invalid_target'],
    ['an unknown resource', { resource: 'https://unknown.example.com', scope: 'openid' }, 'invalid_target'],
    [
      'audience and resource disagree',
      { audience: PHOTOS_API, resource: 'https://idp.example.com/admin' },
      'invalid_request',
    ],
    ['prompt=none with no session', { prompt: 'none' }, 'login_required'],
    ['prompt=none login', { prompt: 'none login' }, 'invalid_request'],
    ['prompt=select_account', { prompt: 'select_account' }, 'invalid_request'],
    ['max_age=-1', { max_age: '-1' }, 'invalid_request'],
    ['max_age=ten', { max_age: 'ten' }, 'invalid_request'],
    ['an over-long nonce', { nonce: 'n'.repeat(513) }, 'invalid_request'],
  ];

  it.each(cases)('%s → %s', async (_name, params, error) => {
    const h = pagesHarness();
    const res = await h.authorize(params);
    expect(res.statusCode).toBe(302);
    expect(res.headers).toEqual(
      expect.objectContaining({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }),
    );
    const query = redirectParams(res);
    expect(query).toEqual({ error, error_description: expect.any(String), state: 'state-123', iss: PAGES_ISSUER });
    expect(query['error_description']).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    expect(h.people.table.requests.size).toBe(0);
    expect(h.people.table.codes.size).toBe(0);
  });

  it('a client without authorization_code → unauthorized_client', async () => {
    const h = pagesHarness();
    expect(redirectParams(await h.authorize({ client_id: 'm2m' }))['error']).toBe('unauthorized_client');
  });

  it('a client without any user rule → invalid_scope, even for openid alone', async () => {
    const h = pagesHarness();
    expect(redirectParams(await h.authorize({ client_id: 'no-user-rule', scope: 'openid' }))['error']).toBe(
      'invalid_scope',
    );
  });

  it('a known API with no user rule for this client → invalid_scope', async () => {
    const h = pagesHarness();
    h.store.seedApi({ ...h.store.apis.get(PHOTOS_API)!, identifier: 'https://other.example.com' });
    expect(redirectParams(await h.authorize({ audience: 'https://other.example.com', scope: 'openid' }))['error']).toBe(
      'invalid_scope',
    );
  });

  it('appends to a redirect URI that has a query, keeping it', async () => {
    const h = pagesHarness();
    const res = await h.authorize({ redirect_uri: APP_CALLBACK_WITH_QUERY, response_type: 'token' });
    const location = String(res.headers?.['Location']);
    expect(location.startsWith(`${APP_CALLBACK_WITH_QUERY}&error=unsupported_response_type&`)).toBe(true);
    expect(new URL(location).searchParams.get('tenant')).toBe('acme');
  });

  it('a repeated parameter after the redirect is trusted → invalid_request; a repeated state is not echoed', async () => {
    const h = pagesHarness();
    const query = authorizeParams();
    query.append('scope', 'openid');
    expect(redirectParams(await h.send('GET', `/oauth2/authorize?${query.toString()}`))).toEqual({
      error: 'invalid_request',
      error_description: 'parameter sent more than once: scope',
      state: 'state-123',
      iss: PAGES_ISSUER,
    });
    const twice = authorizeParams();
    twice.append('state', 'other');
    const params = redirectParams(await h.send('GET', `/oauth2/authorize?${twice.toString()}`));
    expect(params['error']).toBe('invalid_request');
    expect(params).not.toHaveProperty('state');
  });

  it('without state, the error redirect has none', async () => {
    const h = pagesHarness();
    const params = redirectParams(await h.authorize({ state: undefined, response_type: 'token' }));
    expect(params).toEqual({
      error: 'unsupported_response_type',
      error_description: expect.any(String),
      iss: PAGES_ISSUER,
    });
  });
});

describe('authorize: the sign-in page', () => {
  it('stores the pending request bound to the browser and shows one form', async () => {
    const h = pagesHarness();
    const res = await h.authorize({ login_hint: 'alice' });
    expectPage(res, 200);
    const body = String(res.body);
    expect(body.match(/<form /g)).toHaveLength(1);
    expect(body).toContain('<form method="post" action="/oauth2/sign-in">');
    expect(body).toContain('<label for="username">Username</label>');
    expect(body).toContain('<label for="password">Password</label>');
    expect(body).toMatch(
      /<input\s+type="text"\s+id="username"\s+name="username"\s+value="alice"\s+autocomplete="username"/,
    );
    expect(body).toMatch(
      /<input\s+type="password"\s+id="password"\s+name="password"\s+autocomplete="current-password"/,
    );
    expect(body).toContain('<button type="submit">Sign in</button>');
    expect(body).toMatch(/<link rel="stylesheet" href="\/oauth2\/assets\/pages\.css\?v=[0-9a-f]{16}" \/>/);
    expect(body).not.toMatch(/<script|style=/);
    expect(body).toContain('idp.example.com');

    const fields = hiddenFields(body);
    expect(Object.keys(fields).sort()).toEqual(['csrf', 'request']);
    const [pending] = [...h.people.table.requests.values()];
    expect(pending).toEqual({
      digest: digest(fields['request']!),
      clientId: 'web',
      redirectUri: APP_CALLBACK,
      scopes: ['openid', 'profile', 'photos:read'],
      audience: PHOTOS_API,
      state: 'state-123',
      nonce: 'nonce-456',
      codeChallenge: CHALLENGE,
      loginHint: 'alice',
      browserDigest: expect.any(String),
      csrfDigest: digest(fields['csrf']!),
      createdAt: h.clock.iso(),
      expiresAt: h.clock.iso(600),
    });
    expect(res.cookies).toEqual([
      `__Host-idp_browser=${'3'.padStart(43, 'A')}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure`,
    ]);
    expect(pending!.browserDigest).toBe(digest('3'.padStart(43, 'A')));
  });

  it('on an http issuer the cookies have no __Host- prefix and no Secure', async () => {
    const h = pagesHarness({ issuer: 'http://localhost:3000' });
    const res = await h.authorize();
    expect(res.cookies).toEqual([`idp_browser=${'3'.padStart(43, 'A')}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax`]);
  });

  it('keeps the browser cookie of an earlier request (two tabs)', async () => {
    const h = pagesHarness();
    await h.authorize();
    const second = await h.authorize();
    expect(second.cookies?.[0]).toContain(`__Host-idp_browser=${'3'.padStart(43, 'A')};`);
    const digests = [...h.people.table.requests.values()].map((r) => r.browserDigest);
    expect(new Set(digests).size).toBe(1);
  });

  it('resolves OIDC scopes alone without an audience (the code grant maps it to userinfo)', async () => {
    const h = pagesHarness();
    await h.authorize({ scope: 'openid email' });
    const [pending] = [...h.people.table.requests.values()];
    expect(pending!.scopes).toEqual(['openid', 'email']);
    expect(pending).not.toHaveProperty('audience');
  });

  it('audience without API scopes → every scope of the user rule', async () => {
    const h = pagesHarness();
    await h.authorize({ scope: 'openid', audience: PHOTOS_API });
    const [pending] = [...h.people.table.requests.values()];
    expect(pending!.scopes).toEqual(['openid', 'photos:read', 'photos:write']);
    expect(pending!.audience).toBe(PHOTOS_API);
  });

  it('HTML-escapes login_hint, state and the client name', async () => {
    const xss = '"><script>alert(1)</script>';
    const h = pagesHarness({
      displayName: `<img src=x onerror=alert(1)>`,
    });
    h.store.updateClient('web', (bundle) => (bundle.client.name = `<script>alert('name')</script>`));
    const res = await h.authorize({ login_hint: xss.slice(0, 40), state: xss });
    const body = String(res.body);
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<img');
    expect(body).toContain('to continue to &#60;script&#62;alert(&#39;name&#39;)&#60;/script&#62;');
    expect(body).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(body).toContain('value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
    // An error redirect carries state percent-encoded, never raw.
    const error = await h.authorize({ state: xss, response_type: 'token' });
    expect(String(error.headers?.['Location'])).not.toContain('<');
    expect(redirectParams(error)['state']).toBe(xss);
  });

  it('answers another method with 405 and Allow', async () => {
    const h = pagesHarness();
    const res = await h.send('POST', '/oauth2/authorize', { form: {} });
    expectPage(res, 405);
    expect(res.headers?.['Allow']).toBe('GET');
  });
});

describe('authorize with a sign-in session', () => {
  it('a live session → 302 to the client with a code, state and iss (RFC 9207 §2)', async () => {
    const h = pagesHarness();
    await signedIn(h);
    h.people.table.codes.clear();
    const res = await h.authorize({ state: 'second' });
    expect(res.statusCode).toBe(302);
    const params = redirectParams(res);
    expect(params).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'second', iss: PAGES_ISSUER });
    const code = h.people.table.codes.get(digest(params['code']!));
    const [session] = [...h.people.table.signInSessions.values()];
    expect(code).toEqual({
      digest: digest(params['code']!),
      clientId: 'web',
      redirectUri: APP_CALLBACK,
      codeChallenge: CHALLENGE,
      userId: 'user-alice',
      scopes: ['openid', 'profile', 'photos:read'],
      audience: PHOTOS_API,
      nonce: 'nonce-456',
      authTime: Math.floor(h.clock.now() / 1000),
      sessionId: session!.sessionId,
      // The user's claims at sign-in: the exchange reads no user.
      user: { userId: 'user-alice', username: 'alice', name: 'alice example', email: 'alice@example.com' },
      createdAt: h.clock.iso(),
      expiresAt: h.clock.iso(60),
    });
  });

  it('maxSessionsPerUser: a code for a refresh client makes room, revoking the user’s oldest sessions there', async () => {
    const h = pagesHarness();
    const web = (await h.deps.clients.loadClientBundle('web'))!;
    h.store.seedClient({ ...web, client: { ...web.client, maxSessionsPerUser: 2 } });
    const userId = [...h.people.table.users.values()][0]!.userId;
    const seed = (sessionId: string, createdAt: string, clientId = 'web') =>
      h.people.table.sessions.set(sessionId, {
        sessionId,
        userId,
        user: { userId, username: 'alice' },
        clientId,
        scopes: ['openid'],
        authTime: 1,
        createdAt,
        lastUsedAt: createdAt,
        expiresAt: h.clock.iso(86_400),
        currentDigest: `d-${sessionId}`,
        consumedDigests: [],
      });
    seed('oldest', h.clock.iso(-300));
    seed('newer', h.clock.iso(-200));
    seed('other-client', h.clock.iso(-400), 'consenting');
    await signedIn(h);
    expect(h.people.table.sessions.get('oldest')).toMatchObject({ revokedReason: 'session-limit' });
    expect(h.people.table.sessions.get('newer')?.revokedAt).toBeUndefined();
    expect(h.people.table.sessions.get('other-client')?.revokedAt).toBeUndefined();
  });

  it('prompt=none with a session → a code', async () => {
    const h = pagesHarness();
    await signedIn(h);
    expect(redirectParams(await h.authorize({ prompt: 'none' }))).toHaveProperty('code');
  });

  it('prompt=login with a session → the sign-in page again', async () => {
    const h = pagesHarness();
    await signedIn(h);
    expectPage(await h.authorize({ prompt: 'login' }), 200);
  });

  it('max_age: within it → a code; beyond it → the sign-in page; with prompt=none → login_required', async () => {
    const h = pagesHarness();
    await signedIn(h);
    h.clock.advance(120);
    expect(redirectParams(await h.authorize({ max_age: '120' }))).toHaveProperty('code');
    expectPage(await h.authorize({ max_age: '119' }), 200);
    expect(redirectParams(await h.authorize({ max_age: '119', prompt: 'none' }))['error']).toBe('login_required');
    expectPage(await h.authorize({ max_age: '0' }), 200);
  });

  it('an expired session, a disabled user or a deleted session → signed out', async () => {
    const h = pagesHarness();
    await signedIn(h);
    h.clock.advance(12 * 3600);
    expect(redirectParams(await h.authorize({ prompt: 'none' }))['error']).toBe('login_required');

    const h2 = pagesHarness();
    await signedIn(h2);
    h2.people.table.users.get('user-alice')!.status = 'disabled';
    expect(redirectParams(await h2.authorize({ prompt: 'none' }))['error']).toBe('login_required');
  });

  it('a forged session cookie is ignored', async () => {
    const h = pagesHarness();
    const res = await h.authorize({ prompt: 'none' }, `__Host-idp_session=${'Z'.repeat(43)}`);
    expect(redirectParams(res)['error']).toBe('login_required');
  });

  it('prompt=none where consent is needed → consent_required', async () => {
    const h = pagesHarness();
    await signedIn(h);
    const res = await h.authorize({ client_id: 'consenting', prompt: 'none' });
    expect(redirectParams(res)['error']).toBe('consent_required');
  });

  it('prompt=consent → the consent page even for a client that does not require it', async () => {
    const h = pagesHarness();
    await signedIn(h);
    const res = await h.authorize({ prompt: 'consent' });
    expect(res.statusCode).toBe(302);
    expect(String(res.headers?.['Location'])).toMatch(/^\/oauth2\/consent\?request=[A-Za-z0-9_-]{43}$/);
  });

  it('a loopback client gets the code on the port it used', async () => {
    const h = pagesHarness();
    await signedIn(h);
    const res = await h.authorize({ redirect_uri: 'http://127.0.0.1:61000/callback' });
    expect(redirectParams(res, 'http://127.0.0.1:61000/callback')).toHaveProperty('code');
    expect(LOOPBACK_CALLBACK).toBe('http://127.0.0.1/callback');
  });
});

describe('authorize: user grants on a granted API', () => {
  it('narrow to the intersection; none of them → access_denied', async () => {
    const h = pagesHarness();
    const admin = 'https://idp.example.com/admin';
    h.seedUser({ ...h.people.table.users.get('user-alice')!, password: undefined }, ALICE_PASSWORD, [
      { audience: admin, scopes: ['admin:read'], createdAt: h.clock.iso() },
    ]);
    const res = await signedIn(h, { scope: 'openid admin:read admin:write', audience: admin });
    const code = h.people.table.codes.get(digest(redirectParams(res)['code']!));
    expect(code!.scopes).toEqual(['openid', 'admin:read']);
    expect(code!.audience).toBe(admin);

    h.people.table.grants.clear();
    const denied = await h.authorize({ scope: 'openid admin:write', audience: admin });
    expect(redirectParams(denied)).toEqual({
      error: 'access_denied',
      error_description: 'the user holds none of the requested scopes on this API',
      state: 'state-123',
      iss: PAGES_ISSUER,
    });
  });
});
