/**
 * The consent page, RP-initiated logout, the set-password page, the stylesheet and the router of the
 * sign-in function (docs/contract.md, "People").
 */
import { PAGES_STYLESHEET_VERSION } from '../../../lambdas/domain/pages/stylesheet';
import {
  ALICE_PASSWORD,
  APP_CALLBACK,
  APP_SIGNED_OUT,
  PAGES_ISSUER,
  PHOTOS_API,
  digest,
  hiddenFields,
  makeUser,
  pagesHarness,
  redirectParams,
} from '../../support/hosted-pages';
import type { PagesHarness } from '../../support/hosted-pages';

/** Signs alice in to the consenting client: the 303 to the consent page. */
async function toConsent(h: PagesHarness, params: Record<string, string | undefined> = {}) {
  const res = await h.signIn(await h.authorize({ client_id: 'consenting', ...params }), 'alice', ALICE_PASSWORD);
  expect(res.statusCode).toBe(303);
  const location = String(res.headers?.['Location']);
  expect(location).toMatch(/^\/oauth2\/consent\?request=[A-Za-z0-9_-]{43}$/);
  return location;
}

function idToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('consent', () => {
  it('shows the client, the scopes with descriptions, and one form with Allow and Deny', async () => {
    const h = pagesHarness();
    const res = await h.send('GET', await toConsent(h));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    const body = String(res.body);
    expect(body).toContain('The consenting app');
    expect(body).toContain('<li><span>Sign you in with your account</span><code>openid</code></li>');
    expect(body).toContain('<li><span>photos:read on https://photos.example.com</span><code>photos:read</code></li>');
    expect(body.match(/<form /g)).toHaveLength(1);
    expect(body).toContain('name="decision" value="allow"');
    expect(body).toContain('name="decision" value="deny"');
    expect(Object.keys(hiddenFields(body)).sort()).toEqual(['csrf', 'request']);
  });

  it('Allow → 303 with a code, and the consent is remembered for this user and client', async () => {
    const h = pagesHarness();
    const page = await h.send('GET', await toConsent(h));
    const res = await h.send('POST', '/oauth2/consent', {
      form: { ...hiddenFields(String(page.body)), decision: 'allow' },
    });
    expect(res.statusCode).toBe(303);
    expect(redirectParams(res)).toEqual({ code: expect.any(String), state: 'state-123', iss: PAGES_ISSUER });
    expect(h.people.table.consents.get('user-alice consenting')).toEqual({
      userId: 'user-alice',
      clientId: 'consenting',
      scopes: ['openid', 'profile', `${PHOTOS_API} photos:read`],
      createdAt: h.clock.iso(),
      updatedAt: h.clock.iso(),
    });
    // The next request for the same scopes goes straight through; a new scope asks again.
    expect(redirectParams(await h.authorize({ client_id: 'consenting' }))).toHaveProperty('code');
    const more = await h.authorize({ client_id: 'consenting', scope: 'openid photos:write' });
    expect(String(more.headers?.['Location'])).toMatch(/^\/oauth2\/consent\?/);
  });

  it('Deny → 303 with access_denied and no code', async () => {
    const h = pagesHarness();
    const page = await h.send('GET', await toConsent(h));
    const res = await h.send('POST', '/oauth2/consent', {
      form: { ...hiddenFields(String(page.body)), decision: 'deny' },
    });
    expect(res.statusCode).toBe(303);
    expect(redirectParams(res)).toEqual({
      error: 'access_denied',
      error_description: 'the user denied the request',
      state: 'state-123',
      iss: PAGES_ISSUER,
    });
    expect(h.people.table.codes.size).toBe(0);
    expect(h.people.table.consents.size).toBe(0);
  });

  it('a wrong CSRF token, another browser, or another session → 400 page, no code', async () => {
    const h = pagesHarness();
    const page = await h.send('GET', await toConsent(h));
    const fields = hiddenFields(String(page.body));
    const wrong = await h.send('POST', '/oauth2/consent', {
      form: { ...fields, csrf: 'C'.repeat(43), decision: 'allow' },
    });
    expect(wrong.statusCode).toBe(400);
    const session = `__Host-idp_session=${h.jar.cookies.get('__Host-idp_session')}`;
    const noBrowser = await h.send('POST', '/oauth2/consent', {
      form: { ...fields, decision: 'allow' },
      cookie: session,
    });
    expect(noBrowser.statusCode).toBe(400);
    const browser = `__Host-idp_browser=${h.jar.cookies.get('__Host-idp_browser')}`;
    const noSession = await h.send('POST', '/oauth2/consent', {
      form: { ...fields, decision: 'allow' },
      cookie: browser,
    });
    expect(noSession.statusCode).toBe(400);
    const GET = await h.send('GET', `/oauth2/consent?request=${fields['request']}`, { cookie: browser });
    expect(GET.statusCode).toBe(400);
    expect(h.people.table.codes.size).toBe(0);
    // The real form still works.
    const ok = await h.send('POST', '/oauth2/consent', { form: { ...fields, decision: 'allow' } });
    expect(ok.statusCode).toBe(303);
  });

  it('escapes the client name and the API descriptions', async () => {
    const h = pagesHarness();
    h.store.updateClient('consenting', (b) => (b.client.name = '<b>evil</b>'));
    h.store.apis.get(PHOTOS_API)!.scopes[0]!.description = '<script>x</script>';
    const body = String((await h.send('GET', await toConsent(h))).body);
    expect(body).not.toContain('<b>');
    expect(body).not.toContain('<script>');
  });
});

describe('logout (OIDC RP-Initiated Logout 1.0)', () => {
  async function signedIn() {
    const h = pagesHarness();
    await h.signIn(await h.authorize(), 'alice', ALICE_PASSWORD);
    expect(h.people.table.signInSessions.size).toBe(1);
    return h;
  }

  it('without a redirect: ends the session, clears the cookie, shows the signed-out page', async () => {
    const h = await signedIn();
    const res = await h.send('GET', '/oauth2/logout');
    expect(res.statusCode).toBe(200);
    expect(String(res.body)).toContain('Signed out');
    expect(res.cookies).toEqual(['__Host-idp_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure']);
    expect(h.people.table.signInSessions.size).toBe(0);
    expect(redirectParams(await h.authorize({ prompt: 'none' }))['error']).toBe('login_required');
  });

  it('a registered post_logout_redirect_uri with id_token_hint → 302 there with state (POST: 303)', async () => {
    const h = await signedIn();
    const hint = idToken({ iss: PAGES_ISSUER, aud: 'web', sub: 'user-alice' });
    const query = new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: APP_SIGNED_OUT, state: 's1' });
    const res = await h.send('GET', `/oauth2/logout?${query.toString()}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers?.['Location']).toBe(`${APP_SIGNED_OUT}?state=s1`);
    expect(h.people.table.signInSessions.size).toBe(0);

    const h2 = await signedIn();
    const posted = await h2.send('POST', '/oauth2/logout', {
      form: { client_id: 'web', post_logout_redirect_uri: APP_SIGNED_OUT },
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers?.['Location']).toBe(APP_SIGNED_OUT);
  });

  it.each([
    ['an unregistered post_logout_redirect_uri', { client_id: 'web', post_logout_redirect_uri: APP_CALLBACK }],
    [
      'a post_logout_redirect_uri with a trailing slash',
      { client_id: 'web', post_logout_redirect_uri: `${APP_SIGNED_OUT}/` },
    ],
    ['a post_logout_redirect_uri without a client', { post_logout_redirect_uri: APP_SIGNED_OUT }],
    ['an id_token_hint of another issuer', { id_token_hint: idToken({ iss: 'https://evil.example', aud: 'web' }) }],
    ['a garbage id_token_hint', { id_token_hint: 'not-a-jwt' }],
    [
      'a hint and client_id that disagree',
      { id_token_hint: idToken({ iss: PAGES_ISSUER, aud: 'web' }), client_id: 'consenting' },
    ],
  ])('%s → 400 page, no redirect, the session kept', async (_name, params) => {
    const h = await signedIn();
    const res = await h.send('GET', `/oauth2/logout?${new URLSearchParams(params).toString()}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers).not.toHaveProperty('Location');
    expect(h.people.table.signInSessions.size).toBe(1);
  });
});

describe('set-password', () => {
  const TOKEN = 'S'.repeat(43);

  function withSetup(expiresIn = 86_400) {
    const h = pagesHarness();
    h.seedUser(makeUser('user-carol', 'carol'));
    h.people.table.setups.set(digest(TOKEN), {
      digest: digest(TOKEN),
      userId: 'user-carol',
      createdAt: h.clock.iso(),
      expiresAt: h.clock.iso(expiresIn),
    });
    return h;
  }

  const set = (h: PagesHarness, password: string, confirmation = password) =>
    h.send('POST', '/oauth2/set-password', { form: { token: TOKEN, password, confirmation } });

  it('GET shows the form for the link', async () => {
    const h = withSetup();
    const res = await h.send('GET', `/oauth2/set-password?token=${TOKEN}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Cache-Control']).toBe('no-store');
    const body = String(res.body);
    expect(body).toContain('<label for="password">New password</label>');
    expect(body).toContain('<label for="confirmation">Confirm the new password</label>');
    expect(body).toMatch(/autocomplete="new-password"/);
    expect(hiddenFields(body)).toEqual({ token: TOKEN });
  });

  it.each([
    ['too short', 'short', 'short', 'The password must have at least 12 characters.'],
    ['too short and unconfirmed', 'Carol', 'x', 'The password must have at least 12 characters.'],
    ['different confirmation', 'a long enough password', 'another long password', 'The two passwords do not match.'],
  ])('%s → 400 with a clear error line, nothing written', async (_name, password, confirmation, message) => {
    const h = withSetup();
    const res = await set(h, password, confirmation);
    expect(res.statusCode).toBe(400);
    expect(String(res.body)).toContain(`<p class="error" role="alert">${message}</p>`);
    expect(h.people.table.setups.size).toBe(1);
  });

  it('a password equal to the username is refused', async () => {
    const h = withSetup();
    h.people.table.users.get('user-carol')!.username = 'carol.example.org';
    const res = await set(h, 'CAROL.example.org');
    expect(String(res.body)).toContain('The password must not be the username.');
  });

  it('success → the password is set once, audited; the link then is gone', async () => {
    const h = withSetup();
    const res = await set(h, 'a long enough password');
    expect(res.statusCode).toBe(200);
    expect(String(res.body)).toContain('Password set');
    const carol = h.people.table.users.get('user-carol')!;
    expect(await h.kdf.verify('a long enough password', carol.password!)).toBe(true);
    expect(carol.version).toBe(2);
    expect(h.people.table.setups.size).toBe(0);
    expect(h.people.table.audit).toEqual([
      expect.objectContaining({
        action: 'user.update',
        targetType: 'user',
        targetId: 'user-carol',
        diff: { password: { to: 'set' } },
      }),
    ]);
    expect(JSON.stringify(h.people.table.audit)).not.toContain(carol.password!.hash);
    expect((await set(h, 'another long password')).statusCode).toBe(400);
    expect((await h.send('GET', `/oauth2/set-password?token=${TOKEN}`)).statusCode).toBe(400);
    // Carol can sign in with it.
    expect((await h.signIn(await h.authorize(), 'carol', 'a long enough password')).statusCode).toBe(303);
  });

  it.each([
    ['an unknown token', `/oauth2/set-password?token=${'U'.repeat(43)}`],
    ['no token', '/oauth2/set-password'],
    ['a malformed token', '/oauth2/set-password?token=%3Cscript%3E'],
  ])('%s → 400 page', async (_name, path) => {
    const h = withSetup();
    const res = await h.send('GET', path);
    expect(res.statusCode).toBe(400);
    expect(String(res.body)).toContain('This link cannot be used');
  });

  it('an expired link (24 h) → 400 page', async () => {
    const h = withSetup();
    h.clock.advance(86_400);
    expect((await h.send('GET', `/oauth2/set-password?token=${TOKEN}`)).statusCode).toBe(400);
    expect((await set(h, 'a long enough password')).statusCode).toBe(400);
  });
});

describe('the sign-in function router and the stylesheet', () => {
  it('serves the stylesheet as text/css with a long cache', async () => {
    const h = pagesHarness();
    const res = await h.send('GET', `/oauth2/assets/pages.css?v=${PAGES_STYLESHEET_VERSION}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toEqual({
      'Content-Type': 'text/css;charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(String(res.body)).toContain(':focus-visible');
    expect(String(res.body)).toContain('max-width: 400px');
  });

  it('an unknown path → 404 page', async () => {
    const h = pagesHarness();
    const res = await h.send('GET', '/oauth2/nothing');
    expect(res.statusCode).toBe(404);
    expect(res.headers?.['Content-Type']).toBe('text/html;charset=utf-8');
  });

  it('a failing store → 503 page with Retry-After, never a stack trace', async () => {
    const h = pagesHarness();
    h.store.failNext(1, { only: ['loadClientBundle'] });
    const res = await h.authorize();
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('1');
    expect(res.headers).not.toHaveProperty('Location');
  });
});
