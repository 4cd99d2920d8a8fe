/**
 * The console's sign-in logic (console/src/auth.ts) in Node: PKCE S256 against RFC 7636 Appendix B,
 * the authorization URL, the callback checks (state, RFC 9207 `iss`, errors of `prompt=none`), the token
 * request, the ID token checks and the logout URL — and that no token ever reaches the store.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuthCrypto, KeyValueStore } from '../../../console/src/auth';
import {
  PENDING_KEY,
  SIGNED_OUT_KEY,
  base64url,
  beginSignIn,
  createPkce,
  jwtHeader,
  RENEWAL_KEY,
  renewalAllowed,
  logoutUrl,
  readCallback,
  safeReturnTo,
  signedInFrom,
  signedOut,
  tokenRequestBody,
} from '../../../console/src/auth';

const settings = { issuer: 'http://localhost:3000', clientId: 'idp-console' };

/** RFC 7636 Appendix B: the 32 octets, the verifier and the challenge. */
const RFC7636_OCTETS = [
  116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91,
  88, 5, 88, 83, 132, 141, 121,
];

const nodeCrypto: AuthCrypto = {
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  sha256: async (data) => new Uint8Array(createHash('sha256').update(data).digest()),
};

function memoryStore(): KeyValueStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2ln`;
}

describe('PKCE (RFC 7636)', () => {
  it('derives the Appendix B verifier and S256 challenge', async () => {
    const fixed: AuthCrypto = { ...nodeCrypto, randomBytes: () => Uint8Array.from(RFC7636_OCTETS) };
    await expect(createPkce(fixed)).resolves.toEqual({
      verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    });
  });

  it('makes a new 43-character verifier each time', async () => {
    const a = await createPkce(nodeCrypto);
    const b = await createPkce(nodeCrypto);
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
  });

  it('base64url has no padding and no + or /', () => {
    expect(base64url(Uint8Array.from([0xfb, 0xff, 0xfe]))).toBe('-__-');
    expect(base64url(Uint8Array.from([1]))).toBe('AQ');
  });
});

describe('beginSignIn', () => {
  it('stores the pending request and answers the authorization URL; prompt=none only when silent', async () => {
    const store = memoryStore();
    store.setItem(SIGNED_OUT_KEY, '1');
    const url = new URL(
      await beginSignIn(settings, nodeCrypto, store, { returnTo: '/console/clients?q=a', silent: true }),
    );
    const pending = JSON.parse(store.getItem(PENDING_KEY)!) as Record<string, unknown>;
    expect(`${url.origin}${url.pathname}`).toBe('http://localhost:3000/oauth2/authorize');
    const challenge = createHash('sha256').update(String(pending['verifier'])).digest('base64url');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'idp-console',
      redirect_uri: 'http://localhost:3000/console/callback',
      scope: 'openid profile admin:read admin:write',
      audience: 'http://localhost:3000/admin',
      state: pending['state'],
      nonce: pending['nonce'],
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'none',
    });
    expect(pending).toEqual({
      state: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      returnTo: '/console/clients?q=a',
      silent: true,
    });
    expect(signedOut(store)).toBe(false);
    const interactive = new URL(
      await beginSignIn(settings, nodeCrypto, store, { returnTo: '/console/', silent: false }),
    );
    expect(interactive.searchParams.has('prompt')).toBe(false);
  });

  it('returns only to console paths (no open redirect)', () => {
    expect(safeReturnTo('/console/users/abc?x=1')).toBe('/console/users/abc?x=1');
    expect(safeReturnTo('//evil.example/console/')).toBe('/console/');
    expect(safeReturnTo('https://evil.example/console/')).toBe('/console/');
    expect(safeReturnTo('/console//evil.example')).toBe('/console/');
    expect(safeReturnTo('/console/callback?code=x')).toBe('/console/');
    expect(safeReturnTo('/admin/clients')).toBe('/console/');
  });
});

describe('readCallback', () => {
  async function pendingIn(store: KeyValueStore, silent: boolean) {
    await beginSignIn(settings, nodeCrypto, store, { returnTo: '/console/audit', silent });
    return JSON.parse(store.getItem(PENDING_KEY)!) as { state: string; verifier: string; nonce: string };
  }

  it('answers the code with the pending request, once', async () => {
    const store = memoryStore();
    const pending = await pendingIn(store, false);
    const query = new URLSearchParams({ code: 'c0de', state: pending.state, iss: settings.issuer });
    expect(readCallback(query, settings, store)).toEqual({
      kind: 'code',
      code: 'c0de',
      pending: { ...pending, returnTo: '/console/audit', silent: false },
    });
    expect(store.items.has(PENDING_KEY)).toBe(false);
    expect(readCallback(query, settings, store)).toEqual({
      kind: 'error',
      message: 'This sign-in was not started here, or was already used. Sign in again.',
    });
  });

  it('refuses another state and another issuer (RFC 6749 §10.12, RFC 9207 §2.4)', async () => {
    const store = memoryStore();
    await pendingIn(store, false);
    expect(readCallback(new URLSearchParams({ code: 'c', state: 'other' }), settings, store)).toEqual({
      kind: 'error',
      message: 'The sign-in answer does not match the request (state). Sign in again.',
    });
    const pending = await pendingIn(store, false);
    expect(
      readCallback(
        new URLSearchParams({ code: 'c', state: pending.state, iss: 'https://evil.example' }),
        settings,
        store,
      ),
    ).toEqual({
      kind: 'error',
      message: 'The sign-in answer came from another issuer (https://evil.example). Sign in again.',
    });
  });

  it('login_required after prompt=none means: go to the sign-in page, same place', async () => {
    const store = memoryStore();
    const pending = await pendingIn(store, true);
    const outcome = readCallback(
      new URLSearchParams({ error: 'login_required', state: pending.state }),
      settings,
      store,
    );
    expect(outcome).toEqual({
      kind: 'interaction-required',
      pending: { ...pending, returnTo: '/console/audit', silent: true },
    });
  });

  it('an error of an interactive sign-in is shown', async () => {
    const store = memoryStore();
    const pending = await pendingIn(store, false);
    expect(
      readCallback(
        new URLSearchParams({ error: 'access_denied', error_description: 'no grant', state: pending.state }),
        settings,
        store,
      ),
    ).toEqual({
      kind: 'error',
      message: 'You may not use the admin console (no grant). Ask an administrator for an admin:read grant.',
    });
  });
});

describe('tokens', () => {
  it('the token request of a public client (RFC 6749 §4.1.3, RFC 7636 §4.5)', () => {
    expect(tokenRequestBody(settings, 'c0de', 'v'.repeat(43)).toString()).toBe(
      'grant_type=authorization_code&code=c0de&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fconsole%2Fcallback' +
        `&client_id=idp-console&code_verifier=${'v'.repeat(43)}`,
    );
  });

  const idToken = (claims: Record<string, unknown> = {}) =>
    jwt({
      iss: settings.issuer,
      aud: 'idp-console',
      sub: 'u1',
      nonce: 'n1',
      name: 'Ada',
      preferred_username: 'ada',
      ...claims,
    });

  it('a person with admin:write; the expiry from expires_in', () => {
    const body = {
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid profile admin:read admin:write',
      id_token: idToken(),
    };
    expect(signedInFrom(body, settings, 'n1', 1_000)).toEqual({
      accessToken: 'at',
      idToken: body.id_token,
      expiresAt: 3_601_000,
      scopes: ['openid', 'profile', 'admin:read', 'admin:write'],
      readOnly: false,
      user: { sub: 'u1', name: 'Ada', username: 'ada' },
    });
  });

  it('only admin:read is read-only; no admin scope is refused', () => {
    const read = signedInFrom(
      { access_token: 'at', expires_in: 60, scope: 'openid admin:read', id_token: idToken() },
      settings,
      'n1',
      0,
    );
    expect(read.readOnly).toBe(true);
    expect(() => signedInFrom({ access_token: 'at', scope: 'openid', id_token: idToken() }, settings, 'n1', 0)).toThrow(
      'Your account holds no admin scope (admin:read or admin:write). Ask an administrator for a grant.',
    );
  });

  it('checks the ID token nonce, iss and aud (OIDC Core §3.1.3.7)', () => {
    const base = { access_token: 'at', scope: 'admin:read' };
    expect(() => signedInFrom({ ...base, id_token: idToken() }, settings, 'other', 0)).toThrow('nonce');
    expect(() => signedInFrom({ ...base, id_token: idToken({ iss: 'https://x' }) }, settings, 'n1', 0)).toThrow(
      'another issuer',
    );
    expect(() => signedInFrom({ ...base, id_token: idToken({ aud: 'x' }) }, settings, 'n1', 0)).toThrow('aud');
    expect(
      signedInFrom({ ...base, id_token: idToken({ aud: ['x', 'idp-console'] }) }, settings, 'n1', 0).user.sub,
    ).toBe('u1');
  });

  it('logout: RP-initiated, back to the console; the tab remembers it signed out (never a token)', () => {
    const store = memoryStore();
    const url = new URL(logoutUrl(settings, 'id.tok.en', store));
    expect(`${url.origin}${url.pathname}`).toBe('http://localhost:3000/oauth2/logout');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'idp-console',
      post_logout_redirect_uri: 'http://localhost:3000/console/',
      id_token_hint: 'id.tok.en',
    });
    expect([...store.items]).toEqual([[SIGNED_OUT_KEY, '1']]);
    expect(signedOut(store)).toBe(true);
  });
});

describe('jwtHeader', () => {
  it('reads the kid of a JWT (RFC 7515 §4) without verifying it', () => {
    const token = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })).toString('base64url')}.e30.c2ln`;
    expect(jwtHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' });
    expect(() => jwtHeader('')).toThrow('not a JWT');
  });
});

describe('renewalAllowed', () => {
  it('allows one silent re-sign-in per minute after a 401, so a refused person is not sent round in circles', () => {
    const store = memoryStore();
    expect(renewalAllowed(store, 1_000_000)).toBe(true);
    expect(store.getItem(RENEWAL_KEY)).toBe('1000000');
    expect(renewalAllowed(store, 1_000_000 + 59_999)).toBe(false);
    expect(renewalAllowed(store, 1_000_000 + 60_000)).toBe(true);
  });
});
