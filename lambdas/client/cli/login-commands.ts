/**
 * `idp login`, `idp whoami`, `idp logout`: the CLI as a native app (RFC 8252) signing a person in
 * through the IdP's hosted pages with the built-in public client `idp-cli` (docs/contract.md, Admin
 * API › Bootstrap), and the person's tokens kept for later commands (token-store.ts).
 */
import { ADMIN_READ, ADMIN_WRITE } from '../admin-client';
import { TokenEndpointError } from '../token-errors';
import { IdTokenRejectedError, IdTokenVerifier } from '../verify/id-token-verifier';
import { JwksUnavailableError } from '../verify/access-token-rules';
import { durationMs, flag, scopes, str } from './args';
import type { Command, Invocation } from './command';
import { CliFailure, ISSUER_OPTION, UsageError, audienceOption, scopeOption } from './command';
import { resolveIssuer } from './credentials';
import { getJson } from './http-json';
import {
  buildAuthorizationUrl,
  checkAuthorizationResponse,
  createPkce,
  discoverProvider,
  exchangeCode,
  randomToken,
  startLoopbackListener,
} from './native-app-flow';
import { fields, print, printJson } from './output';
import { openInBrowser } from './system-browser';
import type { StoredLogin } from './token-store';
import { TokenStore } from './token-store';
import { revokeAsPublicClient } from './token-commands';

/** The built-in public client of the CLI (registered by the IdP's bootstrap). */
export const CLI_CLIENT_ID = 'idp-cli';
/** How long `idp login` waits for the browser by default, ms. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;
/** The longest `--timeout`, ms. */
const MAX_LOGIN_TIMEOUT_MS = 60 * 60_000;
/** OIDC scopes every sign-in asks for (OIDC Core §3.1.2.1, §5.4). */
const OIDC_SCOPES = ['openid', 'profile'];

/** `--timeout 300` (seconds) or `--timeout 5m`. */
function loginTimeoutMs(inv: Invocation): number {
  const value = str(inv, 'timeout');
  if (value === undefined) return DEFAULT_LOGIN_TIMEOUT_MS;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : durationMs(value);
  if (ms === undefined || ms < 1000 || ms > MAX_LOGIN_TIMEOUT_MS) {
    throw new UsageError('--timeout must be 1 s to 60 min: seconds, or a duration such as 90s or 5m');
  }
  return ms;
}

/** `2026-03-01T10:00:00.000Z (in 59 min)` or `(expired)`. */
function expiry(iso: string, now = Date.now()): string {
  const left = Date.parse(iso) - now;
  if (left <= 0) return `${iso} (expired)`;
  const minutes = Math.round(left / 60_000);
  return `${iso} (in ${minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`})`;
}

function claim(payload: Record<string, unknown>, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The message a failure gets on the page the browser shows. */
function failureText(err: unknown): string {
  if (err instanceof TokenEndpointError) return `${err.error}: ${err.error_description ?? `HTTP ${err.status}`}`;
  return err instanceof Error ? err.message : String(err);
}

/** Signs the person in (see the command's details) and returns what was stored. */
async function login(inv: Invocation, issuer: string, store: TokenStore): Promise<StoredLogin> {
  const doFetch = inv.io.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = loginTimeoutMs(inv);
  const provider = await discoverProvider(doFetch, issuer);
  const adminApi = `${issuer}/admin`;
  const audience = str(inv, 'audience') ?? adminApi;
  const extra = scopes(inv);
  const requested = [
    ...OIDC_SCOPES,
    ...(extra.length > 0 ? extra : audience === adminApi ? [ADMIN_READ, ADMIN_WRITE] : []),
  ];
  const pkce = createPkce();
  const state = randomToken();
  const nonce = randomToken();

  const listener = await startLoopbackListener();
  try {
    const url = buildAuthorizationUrl({
      authorizationEndpoint: provider.authorizationEndpoint,
      clientId: CLI_CLIENT_ID,
      redirectUri: listener.redirectUri,
      scopes: requested,
      audience,
      state,
      nonce,
      codeChallenge: pkce.challenge,
    });
    const opened = !flag(inv, 'no-browser') && (await openInBrowser(url));
    inv.io.stderr(
      opened
        ? `Your browser has been opened to sign in to ${issuer}. If it did not open, visit:\n  ${url}\n`
        : `Open this URL in a browser to sign in to ${issuer}:\n  ${url}\n`,
    );
    inv.io.stderr(`Waiting for the sign-in (up to ${Math.round(timeoutMs / 1000)} s)...\n`);
    const callback = await listener.callback(timeoutMs);
    let stored: StoredLogin;
    try {
      const code = checkAuthorizationResponse(callback.query, {
        state,
        issuer,
        issParameterSupported: provider.issParameterSupported,
      });
      const tokens = await exchangeCode(
        doFetch,
        {
          tokenEndpoint: provider.tokenEndpoint,
          clientId: CLI_CLIENT_ID,
          code,
          redirectUri: listener.redirectUri,
          codeVerifier: pkce.verifier,
        },
        requested,
      );
      if (tokens.idToken === undefined)
        throw new CliFailure('the token response has no id_token (openid was asked for)');
      // OIDC Core §3.1.3.7: signature (the JWKS), iss, aud/azp, exp, iat, nonce.
      const verifier = new IdTokenVerifier({
        issuer,
        clientId: CLI_CLIENT_ID,
        jwksUri: provider.jwksUri,
        fetchJwks: (uri) => getJson(doFetch, uri),
      });
      let claims: Record<string, unknown>;
      try {
        claims = await verifier.verify(tokens.idToken, { nonce });
      } catch (err) {
        if (err instanceof IdTokenRejectedError) throw new CliFailure(`the ID token is not valid: ${err.message}`);
        if (err instanceof JwksUnavailableError) throw new CliFailure(`cannot read the JWKS at ${provider.jwksUri}`);
        throw err;
      }
      stored = {
        clientId: CLI_CLIENT_ID,
        accessToken: tokens.accessToken,
        tokenType: tokens.tokenType,
        scope: tokens.scope,
        audience,
        expiresAt: new Date(tokens.expiresAt).toISOString(),
        idToken: tokens.idToken,
        subject: claims['sub'] as string,
        username: claim(claims, 'preferred_username'),
        name: claim(claims, 'name'),
        userinfoEndpoint: provider.userinfoEndpoint,
        signedInAt: new Date().toISOString(),
      };
      await store.save(issuer, stored);
    } catch (err) {
      await callback.respond(400, 'Sign-in failed', `${failureText(err)}. Return to the terminal.`);
      throw err;
    }
    await callback.respond(200, 'Signed in', 'You are signed in to the idp CLI. You can close this tab.');
    return stored;
  } finally {
    await listener.close();
  }
}

/** What `idp whoami` shows: the stored sign-in, with userinfo's claims when the IdP answers. */
async function whoami(inv: Invocation, issuer: string, login: StoredLogin) {
  const who = login.username ?? login.subject;
  if (Date.parse(login.expiresAt) <= Date.now()) {
    throw new CliFailure(
      `signed in to ${issuer} as ${who}, but the sign-in expired at ${login.expiresAt}: run idp login`,
    );
  }
  let profile: Record<string, unknown> = { preferred_username: login.username, name: login.name };
  if (login.userinfoEndpoint !== undefined && login.scope.split(' ').includes('openid')) {
    const doFetch = inv.io.fetch ?? ((input, init) => fetch(input, init));
    let response: Response;
    try {
      response = await doFetch(login.userinfoEndpoint, {
        headers: { Authorization: `Bearer ${login.accessToken}`, Accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new CliFailure(`cannot reach ${login.userinfoEndpoint}: ${(err as Error).message}`);
    }
    if (response.status === 401) {
      throw new CliFailure(`${issuer} no longer accepts your sign-in as ${who}: run idp login`);
    }
    if (!response.ok) throw new CliFailure(`${login.userinfoEndpoint} answered ${response.status}`);
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    // OIDC Core §5.3.2: the userinfo sub MUST equal the ID token's, else the answer is not used.
    if (body === undefined || body['sub'] !== login.subject) {
      throw new CliFailure(`${login.userinfoEndpoint} answered for another subject`);
    }
    profile = body;
  }
  return {
    issuer,
    sub: login.subject,
    preferred_username: claim(profile, 'preferred_username'),
    name: claim(profile, 'name'),
    email: claim(profile, 'email'),
    client_id: login.clientId,
    audience: login.audience,
    scope: login.scope,
    expires_at: login.expiresAt,
    signed_in_at: login.signedInAt,
  };
}

/** The sign-in commands. */
export const loginCommands: Command[] = [
  {
    name: 'login',
    args: [],
    summary: 'sign in as a person in the browser; later idp commands use the token',
    details:
      "Signs you in through the IdP's own sign-in page, as a native app (RFC 8252) with the built-in public client\n" +
      'idp-cli: authorization code with PKCE (S256), the redirect to a listener on 127.0.0.1 and a free port,\n' +
      'state and iss (RFC 9207) checked, the ID token validated (signature with the JWKS, iss, aud, exp, nonce).\n' +
      'Opens the system browser (xdg-open, open, or on Windows url.dll); --no-browser prints the URL instead.\n' +
      'Asks for openid profile and, by default, admin:read admin:write on the admin API <issuer>/admin: you get\n' +
      'only what your own grants there allow.\n' +
      'The tokens are kept in $IDP_CONFIG_DIR, else $XDG_CONFIG_HOME/serverless-idp, else\n' +
      '~/.config/serverless-idp: tokens.json (mode 0600, its folder 0700), one sign-in per issuer. Admin commands\n' +
      'then use your access token unless $IDP_ADMIN_CLIENT_ID/$IDP_ADMIN_CLIENT_SECRET are set; when it expires,\n' +
      'run idp login again (no refresh tokens yet).',
    options: {
      issuer: ISSUER_OPTION,
      audience: audienceOption('the API to get the access token for (default: the admin API <issuer>/admin)'),
      scope: scopeOption('API scopes besides openid profile (default with the admin API: admin:read admin:write)'),
      'no-browser': { type: 'boolean', description: 'print the URL to open instead of starting a browser' },
      timeout: {
        type: 'string',
        value: 'SECONDS',
        description: 'how long to wait for the sign-in (default 300; or a duration such as 10m)',
      },
    },
    async run(inv) {
      const issuer = resolveIssuer(inv);
      const store = TokenStore.of(inv.io);
      const stored = await login(inv, issuer, store);
      const view = {
        issuer,
        sub: stored.subject,
        preferred_username: stored.username,
        name: stored.name,
        scope: stored.scope,
        expires_at: stored.expiresAt,
        file: store.file,
      };
      if (inv.json) return printJson(inv, view);
      print(
        inv,
        [
          `signed in to ${issuer} as ${stored.username ?? stored.subject}`,
          fields([
            ['sub', stored.subject],
            ['scope', stored.scope],
            ['expires', expiry(stored.expiresAt)],
            ['tokens', store.file],
          ]),
        ].join('\n'),
      );
    },
  },
  {
    name: 'whoami',
    args: [],
    summary: 'show who the stored sign-in belongs to',
    details:
      "Reads the sign-in idp login stored for the issuer and asks the IdP's userinfo endpoint (OIDC Core §5.3) with\n" +
      'it. Not signed in, or the sign-in expired: a one-line message and exit code 1.',
    options: { issuer: ISSUER_OPTION },
    async run(inv) {
      const issuer = resolveIssuer(inv);
      const stored = await TokenStore.of(inv.io).load(issuer);
      if (stored === undefined) throw new CliFailure(`not signed in to ${issuer}: run idp login`);
      const view = await whoami(inv, issuer, stored);
      if (inv.json) return printJson(inv, view);
      print(
        inv,
        fields([
          ['issuer', view.issuer],
          ['sub', view.sub],
          ['username', view.preferred_username],
          ['name', view.name],
          ['scope', view.scope],
          ['expires', expiry(view.expires_at)],
        ]),
      );
    },
  },
  {
    name: 'logout',
    args: [],
    summary: 'revoke the stored sign-in at the IdP and forget it',
    details:
      'Revokes the tokens idp login stored for the issuer (RFC 7009: the refresh token, which ends its\n' +
      'session, then the access token) and deletes them. When the IdP cannot revoke them (unreachable,\n' +
      'an error), nothing is deleted and the exit code is 1: run it again, or pass --local to only forget\n' +
      'them here (the access token then stays valid until it expires).',
    options: {
      issuer: ISSUER_OPTION,
      local: { type: 'boolean', description: 'only delete the stored tokens, without revoking them' },
    },
    async run(inv) {
      const issuer = resolveIssuer(inv);
      const store = TokenStore.of(inv.io);
      const stored = await store.load(issuer);
      const local = flag(inv, 'local');
      if (stored !== undefined && !local) {
        const doFetch = inv.io.fetch ?? ((input, init) => fetch(input, init));
        // The refresh token first: revoking it revokes its session, and the access tokens with its sid.
        if (stored.refreshToken !== undefined) {
          await revokeAsPublicClient(doFetch, issuer, stored.clientId, stored.refreshToken, 'refresh_token');
        }
        await revokeAsPublicClient(doFetch, issuer, stored.clientId, stored.accessToken, 'access_token');
      }
      const removed = await store.remove(issuer);
      const message = !removed
        ? `not signed in to ${issuer}`
        : local
          ? `signed out of ${issuer}: the stored tokens are deleted (not revoked at the IdP)`
          : `signed out of ${issuer}: the tokens are revoked and deleted`;
      if (inv.json) return printJson(inv, { issuer, signedOut: removed, revoked: removed && !local });
      print(inv, message);
    },
  },
];
