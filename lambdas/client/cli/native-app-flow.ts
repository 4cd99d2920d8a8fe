/**
 * The authorization code flow of a native app (RFC 8252), as `idp login` runs it: the issuer's
 * metadata, PKCE (RFC 7636), the authorization request, a loopback listener on `127.0.0.1` and an
 * ephemeral port for the redirect (RFC 8252 §7.3, §8.3), the checks of the authorization response
 * (`state`, RFC 6749 §10.12; `iss`, RFC 9207 §2.4) and the code exchange of a public client (RFC 6749
 * §4.1.3: `client_id`, no secret, `code_verifier`). docs/contract.md, "People", describes the server
 * side.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkUrl, metadataUrl } from '../endpoint-discovery';
import { readJson } from '../retrying-http';
import { TokenEndpointError } from '../token-errors';
import { parseTokenResponse, tokenErrorResponse } from '../token-exchange';
import type { AccessToken } from '../token-types';
import { CliFailure } from './command';

/** What `idp login` reads of the issuer's RFC 8414 metadata. */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  userinfoEndpoint?: string;
  /** RFC 9207 §3: the authorization response carries `iss`; then it is required. */
  issParameterSupported: boolean;
}

/**
 * The issuer's metadata (RFC 8414 §3): its `issuer` must equal the one asked for (§3.3), and every
 * endpoint must be https, or http on a loopback host.
 */
export async function discoverProvider(doFetch: typeof fetch, issuer: string): Promise<ProviderMetadata> {
  const url = metadataUrl(issuer);
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { Accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new CliFailure(`cannot reach ${url}: ${(err as Error).message}`);
  }
  const metadata = await readJson(response);
  if (!response.ok || metadata === undefined) throw new CliFailure(`discovery at ${url} answered ${response.status}`);
  if (metadata['issuer'] !== issuer) {
    throw new CliFailure(`the metadata at ${url} is for issuer ${String(metadata['issuer'])}, not ${issuer}`);
  }
  const endpoint = (name: string, required: boolean): string | undefined => {
    const value = metadata[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string') throw new CliFailure(`the metadata at ${url} has no ${name}`);
    checkUrl(value, name, false);
    return value;
  };
  return {
    issuer,
    authorizationEndpoint: endpoint('authorization_endpoint', true)!,
    tokenEndpoint: endpoint('token_endpoint', true)!,
    jwksUri: endpoint('jwks_uri', true)!,
    userinfoEndpoint: endpoint('userinfo_endpoint', false),
    issParameterSupported: metadata['authorization_response_iss_parameter_supported'] === true,
  };
}

/** 32 random bytes, base64url: 43 characters (RFC 7636 §4.1; also `state` and `nonce`). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A PKCE pair (RFC 7636 §4.1-4.2): a 43-character verifier and its S256 challenge. */
export function createPkce(): { verifier: string; challenge: string } {
  const verifier = randomToken();
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** What goes into the authorization request. */
export interface AuthorizationRequest {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  /** Scope tokens (RFC 6749 §3.3), `openid` among them for an ID token. */
  scopes: readonly string[];
  /** The API (`audience`, as the IdP reads it; RFC 8707 `resource` likewise). */
  audience?: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

/**
 * The authorization request URL (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1); a query the
 * endpoint already has is kept (RFC 6749 §3.1).
 */
export function buildAuthorizationUrl(request: AuthorizationRequest): string {
  const url = new URL(request.authorizationEndpoint);
  const params: [string, string | undefined][] = [
    ['response_type', 'code'],
    ['client_id', request.clientId],
    ['redirect_uri', request.redirectUri],
    ['scope', [...new Set(request.scopes)].join(' ')],
    ['audience', request.audience],
    ['state', request.state],
    ['nonce', request.nonce],
    ['code_challenge', request.codeChallenge],
    ['code_challenge_method', 'S256'],
  ];
  for (const [name, value] of params) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/** The authorization response was refused, or was an error (RFC 6749 §4.1.2.1). Nothing is stored. */
export class AuthorizationResponseError extends CliFailure {}

/**
 * Checks the redirect's query (RFC 6749 §4.1.2): `state` must be this request's (§10.12: CSRF), `iss`
 * this issuer (RFC 9207 §2.4: mix-up; required when the metadata announces it) — both before anything
 * else is read, errors included; then the `error` or the `code`.
 * @returns the authorization code
 * @throws AuthorizationResponseError
 */
export function checkAuthorizationResponse(
  query: URLSearchParams,
  expected: { state: string; issuer: string; issParameterSupported: boolean },
): string {
  if (query.get('state') !== expected.state) {
    throw new AuthorizationResponseError(
      'the redirect does not carry the state of this sign-in (RFC 6749 §10.12); nothing was stored',
    );
  }
  const iss = query.get('iss');
  if (iss === null ? expected.issParameterSupported : iss !== expected.issuer) {
    throw new AuthorizationResponseError(
      `the redirect is not from ${expected.issuer} (iss ${iss === null ? 'missing' : iss}, RFC 9207); nothing was stored`,
    );
  }
  const error = query.get('error');
  if (error !== null) {
    const description = query.get('error_description');
    throw new AuthorizationResponseError(`${error}${description === null ? '' : `: ${description}`}`);
  }
  const code = query.get('code');
  if (code === null || code === '') throw new AuthorizationResponseError('the redirect carries no code');
  return code;
}

/** A redirect that reached the loopback listener, answered once the CLI knows the outcome. */
export interface LoopbackCallback {
  query: URLSearchParams;
  /** Answers the browser with a small HTML page. */
  respond(status: number, title: string, message: string): Promise<void>;
}

/** The listener of RFC 8252 §7.3 on `127.0.0.1` and an ephemeral port. */
export interface LoopbackListener {
  /** `http://127.0.0.1:<port>/callback`. */
  redirectUri: string;
  /** The first request to `/callback` (others get 404); rejects after `timeoutMs`. */
  callback(timeoutMs: number): Promise<LoopbackCallback>;
  close(): Promise<void>;
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html;charset=utf-8',
  'Cache-Control': 'no-store',
  // No script, no style from anywhere, no framing: a plain page.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The page the browser shows after the redirect. */
export function callbackPage(title: string, message: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>\n`
  );
}

/**
 * Listens on the loopback IP literal `127.0.0.1` (not `localhost`, RFC 8252 §8.3) on a port the OS
 * picks (§7.3), for the one redirect of this sign-in.
 */
export async function startLoopbackListener(): Promise<LoopbackListener> {
  let deliver: ((callback: LoopbackCallback) => void) | undefined;
  const arrived = new Promise<LoopbackCallback>((resolve) => (deliver = resolve));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback' || deliver === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain;charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('Not found\n');
      return;
    }
    const take = deliver;
    deliver = undefined;
    take({
      query: url.searchParams,
      respond: (status, title, message) =>
        new Promise<void>((resolve) => {
          res.writeHead(status, { ...PAGE_HEADERS, Connection: 'close' });
          res.end(callbackPage(title, message), () => resolve());
        }),
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    callback(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const minutes = timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} min` : `${timeoutMs / 1000} s`;
          reject(new CliFailure(`no sign-in within ${minutes}; run idp login again`));
        }, timeoutMs);
      });
      return Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The token response of a code exchange. */
export interface CodeTokens extends AccessToken {
  idToken?: string;
}

/**
 * Exchanges the code (RFC 6749 §4.1.3) as a public client: `client_id`, no secret, the PKCE
 * `code_verifier` (RFC 7636 §4.5), the same `redirect_uri`. One attempt only: a code is single use,
 * and a second redemption revokes what the first issued (docs/contract.md, Token endpoint ›
 * authorization_code).
 * @throws TokenEndpointError for an RFC 6749 §5.2 error, CliFailure when the endpoint is unreachable
 */
export async function exchangeCode(
  doFetch: typeof fetch,
  request: { tokenEndpoint: string; clientId: string; code: string; redirectUri: string; codeVerifier: string },
  requestedScopes: readonly string[],
): Promise<CodeTokens> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    client_id: request.clientId,
    code_verifier: request.codeVerifier,
  });
  const sentAt = Date.now();
  let response: Response;
  try {
    response = await doFetch(request.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliFailure(`cannot reach ${request.tokenEndpoint}: ${(err as Error).message}`);
  }
  const json = await readJson(response);
  if (!response.ok) throw tokenErrorResponse(response.status, json, (text) => text, undefined).error;
  const token = parseTokenResponse(json, [...requestedScopes], sentAt);
  if (token instanceof TokenEndpointError) throw token;
  const idToken = json?.['id_token'];
  return { ...token, ...(typeof idToken === 'string' ? { idToken } : {}) };
}
