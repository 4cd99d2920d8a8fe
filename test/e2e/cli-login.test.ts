/**
 * `idp login` / `whoami` / `logout` against the local IdP, in-process through `runCli`: the CLI
 * discovers the issuer, listens on 127.0.0.1 and prints the authorization URL (`--no-browser`); the
 * test plays the browser with fetch and a cookie jar through the real hosted pages (authorize → sign-in
 * page → POST → 303 to the CLI's loopback listener), then checks the stored token file (modes, issuer
 * key), `whoami`, the person's grants at work (full admin, read-only: narrowed scope, none:
 * access_denied), admin commands sending the person's token (accepted by the admin API: reads, a
 * write in the audit trail under the person, a read-only person's write refused, a disabled person's
 * token refused), the refusals of a forged redirect
 * (wrong state, wrong or missing iss: nothing stored), expiry, file modes and `logout`.
 * Loopback only; every login is bounded by `--timeout`.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../lambdas/client/cli/main';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { FetchBrowser } from '../support/fetch-browser';
import { hiddenFields, makeUser } from '../support/hosted-pages';
import { startTestIdp } from '../support/local-idp';

const PASSWORD = 'a long enough password';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A browser (one origin) that can sign a person in through the hosted pages. */
class Browser extends FetchBrowser {
  /** Authorize → the sign-in page → POST username and password: the 303 it answers. */
  async signIn(authorizationUrl: string, username: string, password = PASSWORD): Promise<Response> {
    const page = await this.go(authorizationUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="username"');
    return this.go(new URL('/oauth2/sign-in', authorizationUrl).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(html), username, password }).toString(),
    });
  }
}

describe('idp login, whoami, logout', () => {
  let idp: LocalIdp;
  let tmp: string;
  let admin: Record<string, string>;

  /** Runs `idp` in-process; `onStderr` sees stderr as it is written. */
  async function cli(
    args: string[],
    env: Record<string, string>,
    onStderr?: (all: string) => void,
    doFetch?: typeof fetch,
  ): Promise<Result> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      env: { IDP_ISSUER: idp.issuer, ...env },
      cwd: tmp,
      stdout: (text) => (stdout += text),
      stderr: (text) => {
        stderr += text;
        onStderr?.(stderr);
      },
      readStdin: async () => '',
      ...(doFetch === undefined ? {} : { fetch: doFetch }),
    });
    return { code, stdout, stderr };
  }

  /** Starts `idp login --no-browser`; `url` resolves with the authorization URL it prints. */
  function startLogin(configDir: string, extra: string[] = []) {
    let resolveUrl!: (url: string) => void;
    const url = new Promise<string>((resolve) => (resolveUrl = resolve));
    const done = cli(['login', '--no-browser', '--timeout', '20', ...extra], { IDP_CONFIG_DIR: configDir }, (all) => {
      const match = /^ {2}(http\S+)$/m.exec(all);
      if (match !== null) resolveUrl(match[1]!);
    });
    // A login that fails before printing the URL must not leave the test waiting.
    void done.then((r) => resolveUrl(`login ended early: ${r.stderr}`));
    return { url, done };
  }

  /** A full sign-in of `username` in the browser; the CLI's result and the page its listener answered. */
  async function login(configDir: string, username: string) {
    const { url, done } = startLogin(configDir);
    const signIn = await new Browser().signIn(await url, username);
    expect(signIn.status).toBe(303);
    const callback = await fetch(signIn.headers.get('location')!, { redirect: 'manual' });
    return { result: await done, callback, authorizationUrl: await url, redirect: signIn.headers.get('location')! };
  }

  const tokensFile = (configDir: string) => path.join(configDir, 'tokens.json');

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'idp-login-'));
    idp = await startTestIdp();
    admin = { IDP_ADMIN_CLIENT_ID: idp.bootstrap.clientId, IDP_ADMIN_CLIENT_SECRET: idp.bootstrap.clientSecret };
    const hash = await idp.passwordKdf.hash(PASSWORD);
    for (const [id, name] of [
      ['u-ada', 'ada'],
      ['u-rita', 'rita'],
      ['u-nora', 'nora'],
    ] as const) {
      await idp.repositories.users.createUser({ ...makeUser(id, name), password: hash });
    }
    const audience = `${idp.issuer}/admin`;
    const grant = (id: string, scope: string) =>
      cli(['users', 'grant', id, '--audience', audience, '--scope', scope], admin);
    expect((await grant('u-ada', 'admin:read admin:write')).code).toBe(0);
    expect((await grant('u-rita', 'admin:read')).code).toBe(0);
  });

  afterAll(async () => {
    await idp?.stop();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('a person with admin grants signs in; the tokens are kept 0600 in a 0700 folder, keyed by issuer', async () => {
    const configDir = path.join(tmp, 'ada', 'serverless-idp');
    const { result, callback, authorizationUrl, redirect } = await login(configDir, 'ada');
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(new RegExp(`^signed in to ${idp.issuer} as ada\\n`));
    expect(result.stdout).toContain('scope    openid profile admin:read admin:write');
    expect(result.stderr).toContain(`Open this URL in a browser to sign in to ${idp.issuer}:`);

    // The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8252 §7.3).
    const request = new URL(authorizationUrl);
    expect(`${request.origin}${request.pathname}`).toBe(`${idp.issuer}/oauth2/authorize`);
    const params = Object.fromEntries(request.searchParams);
    expect(params).toEqual({
      response_type: 'code',
      client_id: 'idp-cli',
      redirect_uri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/),
      scope: 'openid profile admin:read admin:write',
      audience: `${idp.issuer}/admin`,
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    // The hosted page sent the browser to the CLI's listener with the code, the state and iss (RFC 9207).
    const back = new URL(redirect);
    expect(`${back.origin}${back.pathname}`).toBe(params['redirect_uri']);
    expect(back.searchParams.get('state')).toBe(params['state']);
    expect(back.searchParams.get('iss')).toBe(idp.issuer);
    expect(callback.status).toBe(200);
    expect(callback.headers.get('cache-control')).toBe('no-store');
    expect(await callback.text()).toContain('You can close this tab.');

    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    expect((await stat(tokensFile(configDir))).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(tokensFile(configDir), 'utf8')) as {
      issuers: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(stored.issuers)).toEqual([idp.issuer]);
    expect(stored.issuers[idp.issuer]).toMatchObject({
      clientId: 'idp-cli',
      tokenType: 'Bearer',
      scope: 'openid profile admin:read admin:write',
      audience: `${idp.issuer}/admin`,
      subject: 'u-ada',
      username: 'ada',
      name: 'ada example',
      accessToken: expect.stringMatching(/^ey/),
      idToken: expect.stringMatching(/^ey/),
    });
    // Neither the code nor the PKCE verifier outlives the sign-in.
    expect(JSON.stringify(stored)).not.toContain(back.searchParams.get('code')!);

    // whoami: the stored sign-in, with the userinfo endpoint's claims.
    const who = await cli(['whoami'], { IDP_CONFIG_DIR: configDir });
    expect(who).toMatchObject({ code: 0, stderr: '' });
    expect(who.stdout).toMatch(
      new RegExp(
        `^issuer +${idp.issuer}\\nsub +u-ada\\nusername +ada\\nname +ada example\\n` +
          'scope +openid profile admin:read admin:write\\nexpires +\\S+ \\(in \\d+ min\\)\\n$',
      ),
    );
    const whoJson = JSON.parse((await cli(['whoami', '--json'], { IDP_CONFIG_DIR: configDir })).stdout) as object;
    expect(whoJson).toMatchObject({ issuer: idp.issuer, sub: 'u-ada', preferred_username: 'ada' });

    // Admin commands send the person's token when no client credentials are configured, and the admin
    // API accepts it: the person acts through idp-cli with the scopes of their grant.
    const sent: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      if (String(input).startsWith(`${idp.issuer}/admin/`)) {
        sent.push(new Headers(init?.headers).get('authorization') ?? '');
      }
      return fetch(input, init);
    };
    const list = await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir }, undefined, recording);
    const bearer = `Bearer ${stored.issuers[idp.issuer]!['accessToken'] as string}`;
    expect(sent).toEqual([bearer]);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toContain('idp-cli');
    // A write (admin:write), recorded in the audit trail as ada acting through idp-cli.
    const created = await cli(
      ['clients', 'create', '--name', 'Made by ada', '--json'],
      { IDP_CONFIG_DIR: configDir },
      undefined,
      recording,
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const createdId = (JSON.parse(created.stdout) as { client: { clientId: string } }).client.clientId;
    expect(sent).toEqual([bearer, bearer]);
    const trail = await cli(['audit', 'list', '--target-id', createdId, '--json'], { IDP_CONFIG_DIR: configDir });
    expect(trail.code).toBe(0);
    const events = (JSON.parse(trail.stdout) as { items: { action: string; actor: object }[] }).items;
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['client.create', { clientId: 'idp-cli', jti: expect.any(String), userId: 'u-ada', username: 'ada' }],
    ]);
    // The table names the person and the client; --actor-user selects the person's changes.
    const mine = await cli(['audit', 'list', '--actor-user', 'u-ada'], { IDP_CONFIG_DIR: configDir });
    expect(mine.stdout).toMatch(
      new RegExp(
        `^AT +ACTOR +ACTION +TARGET +CHANGED\\n\\S+ +ada \\(idp-cli\\) +client\\.create +client ${createdId} `,
      ),
    );
    expect(mine.stdout.trimEnd().split('\n')).toHaveLength(2);

    // Client credentials in the environment come first.
    const withEnv = await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir, ...admin });
    expect(withEnv.code).toBe(0);

    // A token file others may read is refused.
    await chmod(tokensFile(configDir), 0o644);
    const loose = await cli(['whoami'], { IDP_CONFIG_DIR: configDir });
    expect(loose.code).toBe(1);
    expect(loose.stderr).toMatch(/may be read by others \(mode 0644\)/);
    await chmod(tokensFile(configDir), 0o600);

    // logout revokes the access token at the IdP (RFC 7009, as the public client idp-cli), then forgets it.
    const accessToken = stored.issuers[idp.issuer]!['accessToken'] as string;
    const userinfo = () =>
      fetch(`${idp.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await userinfo()).status).toBe(200);
    const out = await cli(['logout'], { IDP_CONFIG_DIR: configDir });
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(`signed out of ${idp.issuer}: the tokens are revoked and deleted\n`);
    await expect(stat(tokensFile(configDir))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await userinfo()).status).toBe(401);
    const gone = await cli(['whoami'], { IDP_CONFIG_DIR: configDir });
    expect(gone).toEqual({ code: 1, stdout: '', stderr: `error: not signed in to ${idp.issuer}: run idp login\n` });
    const noCredentials = await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir });
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain(`not signed in to ${idp.issuer}: run idp login`);
  });

  it("a read-only person's grant narrows the scopes; an expired sign-in says to run idp login", async () => {
    const configDir = path.join(tmp, 'rita');
    const { result } = await login(configDir, 'rita');
    expect(result.code).toBe(0);
    // The admin API is userAccess granted: the person's own grant narrows the scopes.
    expect(result.stdout).toContain('scope    openid profile admin:read\n');

    const file = tokensFile(configDir);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { issuers: Record<string, { expiresAt: string }> };
    // Reads work; a write is refused by the admin API: 403 insufficient_scope (RFC 6750 §3.1).
    const read = await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir });
    expect(read.code).toBe(0);
    const write = await cli(['clients', 'create', '--name', 'Not by rita'], { IDP_CONFIG_DIR: configDir });
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('admin:write');
    // Disabled, rita's token is refused at once (401 invalid_token), though it has not expired.
    expect((await cli(['users', 'disable', 'u-rita'], admin)).code).toBe(0);
    const disabled = await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir });
    expect(disabled).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: the admin API of ${idp.issuer} refused your sign-in as rita (user disabled): run idp login\n`,
    });
    expect((await cli(['users', 'enable', 'u-rita'], admin)).code).toBe(0);

    stored.issuers[idp.issuer]!.expiresAt = new Date(Date.now() - 1000).toISOString();
    await writeFile(file, JSON.stringify(stored), { mode: 0o600 });
    const expired = await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir });
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/^error: your sign-in to \S+ as rita expired at \S+: run idp login\n$/);
    const who = await cli(['whoami'], { IDP_CONFIG_DIR: configDir });
    expect(who.code).toBe(1);
    expect(who.stderr).toMatch(/^error: signed in to \S+ as rita, but the sign-in expired at \S+: run idp login\n$/);
  });

  it('a person without admin grants is refused (access_denied); nothing is stored', async () => {
    const configDir = path.join(tmp, 'nora');
    const { result, callback } = await login(configDir, 'nora');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: access_denied: the user holds none of the requested scopes on this API\n');
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('Sign-in failed');
    await expect(stat(tokensFile(configDir))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await cli(['clients', 'list'], { IDP_CONFIG_DIR: configDir })).code).toBe(2);
  });

  it.each([
    ['a wrong state', (redirect: URL) => redirect.searchParams.set('state', 'forged'), /state of this sign-in/],
    [
      'a wrong iss (RFC 9207)',
      (redirect: URL) => redirect.searchParams.set('iss', 'https://evil.example'),
      /is not from .* \(iss https:\/\/evil\.example, RFC 9207\)/,
    ],
    ['no iss', (redirect: URL) => redirect.searchParams.delete('iss'), /iss missing/],
  ])('a redirect with %s is refused and nothing is stored', async (_what, forge, message) => {
    const configDir = path.join(tmp, `forged-${Math.random().toString(36).slice(2)}`);
    const { url, done } = startLogin(configDir);
    const params = new URL(await url).searchParams;
    const redirect = new URL(params.get('redirect_uri')!);
    redirect.search = new URLSearchParams({ code: 'x', state: params.get('state')!, iss: idp.issuer }).toString();
    forge(redirect);
    const page = await fetch(redirect);
    expect(page.status).toBe(400);
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    await expect(stat(tokensFile(configDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives up after --timeout when no redirect comes', async () => {
    const configDir = path.join(tmp, 'late');
    const result = await cli(['login', '--no-browser', '--timeout', '1'], { IDP_CONFIG_DIR: configDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: no sign-in within 1 s; run idp login again\n$/);
  });
});
