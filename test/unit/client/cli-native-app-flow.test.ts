/**
 * The pieces of `idp login` without a browser or an IdP: the authorization URL (RFC 6749 §4.1.1,
 * RFC 7636 §4.3), PKCE, the checks of the redirect (state: RFC 6749 §10.12; iss: RFC 9207 §2.4), the
 * browser command (no shell), where the tokens are kept (config folder precedence, modes 0700/0600,
 * a loose file refused) and the stored token as the admin client's token source.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bearerErrorDescription, storedTokenSource } from '../../../lambdas/client/cli/admin-access';
import {
  AuthorizationResponseError,
  buildAuthorizationUrl,
  callbackPage,
  checkAuthorizationResponse,
  createPkce,
} from '../../../lambdas/client/cli/native-app-flow';
import { browserCommand } from '../../../lambdas/client/cli/system-browser';
import type { StoredLogin } from '../../../lambdas/client/cli/token-store';
import { TokenStore, configDir } from '../../../lambdas/client/cli/token-store';

const ISSUER = 'https://idp.example.com';

describe('authorization request', () => {
  it('carries every parameter, keeps the endpoint query, de-duplicates scopes', () => {
    const url = new URL(
      buildAuthorizationUrl({
        authorizationEndpoint: `${ISSUER}/oauth2/authorize?tenant=acme`,
        clientId: 'idp-cli',
        redirectUri: 'http://127.0.0.1:51234/callback',
        scopes: ['openid', 'profile', 'admin:read', 'openid'],
        audience: `${ISSUER}/admin`,
        state: 's'.repeat(43),
        nonce: 'n'.repeat(43),
        codeChallenge: 'c'.repeat(43),
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/oauth2/authorize`);
    expect([...url.searchParams]).toEqual([
      ['tenant', 'acme'],
      ['response_type', 'code'],
      ['client_id', 'idp-cli'],
      ['redirect_uri', 'http://127.0.0.1:51234/callback'],
      ['scope', 'openid profile admin:read'],
      ['audience', `${ISSUER}/admin`],
      ['state', 's'.repeat(43)],
      ['nonce', 'n'.repeat(43)],
      ['code_challenge', 'c'.repeat(43)],
      ['code_challenge_method', 'S256'],
    ]);
  });

  it('PKCE: a fresh 43-character verifier and its S256 challenge (RFC 7636 §4.1, §4.2)', () => {
    const a = createPkce();
    const b = createPkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).toBe(createHash('sha256').update(a.verifier).digest('base64url'));
    expect(a.verifier).not.toBe(b.verifier);
  });
});

describe('authorization response', () => {
  const expected = { state: 'the-state', issuer: ISSUER, issParameterSupported: true };
  const check = (query: Record<string, string>, options = expected) =>
    checkAuthorizationResponse(new URLSearchParams(query), options);

  it('returns the code when state and iss match', () => {
    expect(check({ code: 'abc', state: 'the-state', iss: ISSUER })).toBe('abc');
  });

  it.each([
    ['a wrong state', { code: 'abc', state: 'other', iss: ISSUER }, /state of this sign-in/],
    ['no state', { code: 'abc', iss: ISSUER }, /state of this sign-in/],
    ['a wrong iss', { code: 'abc', state: 'the-state', iss: 'https://evil.example' }, /iss https:\/\/evil/],
    ['no iss where the metadata promises it', { code: 'abc', state: 'the-state' }, /iss missing/],
    ['no code', { state: 'the-state', iss: ISSUER }, /no code/],
  ])('refuses %s', (_what, query, message) => {
    expect(() => check(query)).toThrow(AuthorizationResponseError);
    expect(() => check(query)).toThrow(message);
  });

  it('checks state before reporting an error, so a forged error is not believed', () => {
    expect(() => check({ error: 'access_denied', state: 'forged', iss: ISSUER })).toThrow(/state of this sign-in/);
    expect(() => check({ error: 'access_denied', error_description: 'no', state: 'the-state', iss: ISSUER })).toThrow(
      /^access_denied: no$/,
    );
  });

  it('a missing iss is accepted from an issuer that does not announce it (RFC 9207 §2.4)', () => {
    expect(check({ code: 'abc', state: 'the-state' }, { ...expected, issParameterSupported: false })).toBe('abc');
  });

  it('the page the browser gets escapes what it shows', () => {
    expect(callbackPage('Sign-in failed', '<script>x</script> & "q"')).toContain(
      '&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;',
    );
  });
});

describe('system browser', () => {
  it.each([
    ['linux', 'xdg-open', []],
    ['darwin', 'open', []],
    ['win32', 'rundll32', ['url.dll,FileProtocolHandler']],
  ] as const)('%s: %s with the URL as one argument (no shell)', (platform, command, before) => {
    const url = 'https://idp.example.com/oauth2/authorize?a=1&b=2';
    expect(browserCommand(platform, url)).toEqual({ command, args: [...before, url] });
  });
});

describe('token store', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'idp-store-'));
  });
  afterEach(() => rm(tmp, { recursive: true, force: true }));

  const login: StoredLogin = {
    clientId: 'idp-cli',
    accessToken: 'at',
    tokenType: 'Bearer',
    scope: 'openid admin:read',
    audience: `${ISSUER}/admin`,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    subject: 'u-1',
    username: 'ada',
    signedInAt: new Date().toISOString(),
  };

  it('IDP_CONFIG_DIR, else XDG_CONFIG_HOME/serverless-idp, else ~/.config/serverless-idp', () => {
    const cwd = '/work';
    expect(configDir({ cwd, env: { IDP_CONFIG_DIR: 'rel', XDG_CONFIG_HOME: '/x', HOME: '/h' } })).toBe('/work/rel');
    expect(configDir({ cwd, env: { XDG_CONFIG_HOME: '/x', HOME: '/h' } })).toBe('/x/serverless-idp');
    expect(configDir({ cwd, env: { XDG_CONFIG_HOME: 'relative', HOME: '/h' } })).toBe('/h/.config/serverless-idp');
    expect(configDir({ cwd, env: { HOME: '/h' } })).toBe('/h/.config/serverless-idp');
    expect(configDir({ cwd, env: {} })).toBeUndefined();
  });

  it('keys sign-ins by issuer in a 0600 file in a 0700 folder; the last one removed takes the file', async () => {
    const store = new TokenStore(path.join(tmp, 'a', 'serverless-idp'));
    await store.save(ISSUER, login);
    await store.save('http://localhost:3000', { ...login, subject: 'u-2' });
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect((await store.load(ISSUER))?.subject).toBe('u-1');
    expect((await store.load('http://localhost:3000'))?.subject).toBe('u-2');
    expect(await store.remove(ISSUER)).toBe(true);
    expect(await store.remove(ISSUER)).toBe(false);
    expect(await store.load(ISSUER)).toBeUndefined();
    expect(await store.remove('http://localhost:3000')).toBe(true);
    await expect(stat(store.file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a file others may read', async () => {
    const store = new TokenStore(tmp);
    await store.save(ISSUER, login);
    await chmod(store.file, 0o640);
    await expect(store.load(ISSUER)).rejects.toThrow(/may be read by others \(mode 0640\)/);
  });
});

describe('the stored token as the admin token source', () => {
  const login = {
    clientId: 'idp-cli',
    accessToken: 'the-token',
    tokenType: 'Bearer',
    scope: 'openid admin:read',
    audience: `${ISSUER}/admin`,
    expiresAt: '2030-01-01T00:00:00.000Z',
    subject: 'u-1',
    username: 'ada',
    signedInAt: '2029-12-31T23:00:00.000Z',
  };
  const request = { audience: `${ISSUER}/admin`, scope: 'admin:read' };

  it('sends the token as Bearer while it is valid', async () => {
    const seen: (string | null)[] = [];
    const source = storedTokenSource(
      ISSUER,
      login,
      async (_input, init) => {
        seen.push(new Headers(init?.headers).get('authorization'));
        return new Response('{}', { status: 200 });
      },
      () => Date.parse('2029-12-31T23:30:00Z'),
    );
    expect((await source.authorizedFetch(`${ISSUER}/admin/clients`, {}, request)).status).toBe(200);
    expect(seen).toEqual(['Bearer the-token']);
  });

  it('says to run idp login once expired, for another API, or when the API refuses it', async () => {
    const never: typeof fetch = async () => {
      throw new Error('not sent');
    };
    const late = storedTokenSource(ISSUER, login, never, () => Date.parse('2030-01-01T00:00:00Z'));
    await expect(late.authorizedFetch(`${ISSUER}/admin/clients`, {}, request)).rejects.toThrow(
      `your sign-in to ${ISSUER} as ada expired at 2030-01-01T00:00:00.000Z: run idp login`,
    );
    const other = storedTokenSource(ISSUER, login, never, () => 0);
    await expect(other.authorizedFetch('x', {}, { audience: 'https://other.example' })).rejects.toThrow(
      /is for https:\/\/idp\.example\.com\/admin, not https:\/\/other\.example: run idp login/,
    );
    const refused = storedTokenSource(
      ISSUER,
      login,
      async () =>
        new Response(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="the token expired"' },
        }),
      () => 0,
    );
    await expect(refused.authorizedFetch('x', {}, request)).rejects.toThrow(
      `the admin API of ${ISSUER} refused your sign-in as ada (the token expired): run idp login`,
    );
    expect(bearerErrorDescription(null)).toBeUndefined();
  });
});
