/**
 * The hosted pages end to end over HTTP: the local server (API Gateway v2 events, cookies in and out),
 * the sign-in handler, and the DynamoDB adapters for pending requests, sign-in sessions, consents and
 * codes on the embedded table — from `GET /oauth2/authorize` to a code, with manual redirects and a
 * cookie jar as a browser keeps them. The user is stored through the user repository with a password
 * hashed by the local IdP's own KDF.
 */
import { createHash } from 'node:crypto';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { CHALLENGE, hiddenFields, makeUser } from '../support/hosted-pages';
import { startTestIdp } from '../support/local-idp';

const CALLBACK = 'http://127.0.0.1/callback';
const PASSWORD = 'a long enough password';

describe('sign-in end to end over HTTP', () => {
  let idp: LocalIdp;
  const jar = new Map<string, string>();

  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  async function browse(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${idp.url}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(jar.size > 0 ? { cookie: cookieHeader() } : {}) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  const query = (extra: Record<string, string> = {}) =>
    new URLSearchParams({
      response_type: 'code',
      client_id: 'spa',
      redirect_uri: 'http://127.0.0.1:49152/callback',
      scope: 'openid profile',
      state: 'xyz',
      nonce: 'n-1',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...extra,
    }).toString();

  beforeAll(async () => {
    idp = await startTestIdp();
    const now = new Date().toISOString();
    await idp.repositories.clients.createClient({
      client: {
        clientId: 'spa',
        name: 'The SPA',
        status: 'enabled',
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [CALLBACK],
        postLogoutRedirectUris: ['http://127.0.0.1/bye'],
        requireConsent: true,
        createdAt: now,
        updatedAt: now,
        version: 1,
      },
      secrets: [],
      rules: [{ audience: `${idp.issuer}/admin`, scopes: ['admin:read'], subjectType: 'user', createdAt: now }],
    });
    await idp.repositories.users.createUser({
      ...makeUser('u-1', 'dana'),
      password: await idp.passwordKdf.hash(PASSWORD),
    });
  });
  afterAll(async () => idp.stop());

  it('authorize → sign-in page → consent → code, then a second authorize straight to a code, then logout', async () => {
    const page = await browse(`/oauth2/authorize?${query()}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(jar.has('idp_browser')).toBe(true);
    const html = await page.text();

    const wrong = await browse('/oauth2/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(html), username: 'dana', password: 'not the password' }).toString(),
    });
    expect(wrong.status).toBe(200);
    const retry = await wrong.text();

    const signIn = await browse('/oauth2/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(retry), username: 'dana', password: PASSWORD }).toString(),
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^idp_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/),
    ]);
    const consentPath = signIn.headers.get('location')!;
    expect(consentPath).toMatch(/^\/oauth2\/consent\?request=/);

    const consent = await browse(consentPath);
    expect(consent.status).toBe(200);
    const allow = await browse('/oauth2/consent', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(await consent.text()), decision: 'allow' }).toString(),
    });
    expect(allow.status).toBe(303);
    const location = new URL(allow.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:49152/callback');
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('iss')).toBe(idp.issuer);
    const code = location.searchParams.get('code')!;

    // The code is stored under its digest, bound to everything the token request must match.
    const digest = createHash('sha256').update(code).digest('base64url');
    const issued = { accessTokenJti: 'jti-1', accessTokenExp: Math.floor(Date.now() / 1000) + 60 };
    const redeemed = await idp.repositories.codes.redeemCode(digest, new Date().toISOString(), issued);
    expect(redeemed).toEqual({
      outcome: 'redeemed',
      code: expect.objectContaining({
        clientId: 'spa',
        redirectUri: 'http://127.0.0.1:49152/callback',
        codeChallenge: CHALLENGE,
        userId: 'u-1',
        scopes: ['openid', 'profile'],
        nonce: 'n-1',
      }),
    });
    expect((await idp.repositories.codes.redeemCode(digest, new Date().toISOString(), issued)).outcome).toBe('reused');

    // Signed in and consented: the next authorize goes straight to the client (302).
    const again = await browse(`/oauth2/authorize?${query({ state: 'second' })}`);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('location')!).searchParams.get('state')).toBe('second');

    const css = await browse('/oauth2/assets/pages.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css;charset=utf-8');

    const bye = await browse(
      '/oauth2/logout?client_id=spa&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%2Fbye&state=s',
    );
    expect(bye.status).toBe(302);
    expect(bye.headers.get('location')).toBe('http://127.0.0.1/bye?state=s');
    expect(jar.has('idp_session')).toBe(false);
    const none = await browse(`/oauth2/authorize?${query({ prompt: 'none' })}`);
    expect(new URL(none.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it('an unregistered redirect URI is a 400 page, never a redirect', async () => {
    const res = await browse(`/oauth2/authorize?${query({ redirect_uri: 'https://evil.example/callback' })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
