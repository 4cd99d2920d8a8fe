/**
 * OAuth 2.0 client-credentials token client for partner backends (RFC 6749 §4.4). No dependency
 * beyond the platform: the global `fetch` (Node.js 18+), `AbortSignal.timeout`, `Buffer`. This module
 * is the public surface; it and the modules it imports (`token-*.ts`, `retrying-http.ts`,
 * `endpoint-discovery.ts`, `jwt-segment.ts`) import nothing else.
 *
 * - Caches one token per (audience, set of scopes) and fetches a new one ahead of expiry: by default
 *   when less than 10 % of the token's lifetime or less than 60 s remains (at most half the lifetime,
 *   so short-lived tokens are still reused).
 * - Single flight: concurrent callers that need the same token share one HTTP request.
 * - Retries network errors, 5xx, 429 and `temporarily_unavailable` with exponential backoff and full
 *   jitter, honouring `Retry-After` (RFC 9110 §10.2.3) up to a bound; never retries other 4xx
 *   answers: they throw {@link TokenEndpointError} with the RFC 6749 §5.2 `error` at once.
 * - The client secret is held in a private field: it never appears in errors, logs, `toString()`,
 *   `JSON.stringify` or `util.inspect` of the client; any text that echoes it is redacted.
 * - {@link TokenClient.revoke} (RFC 7009) and {@link TokenClient.introspect} (RFC 7662) call the
 *   revocation and introspection endpoints, configured or discovered from the issuer's metadata, with
 *   the same client authentication and retries.
 */
import { TokenEndpointResolver, checkUrl } from './endpoint-discovery';
import type { MetadataEndpoint } from './endpoint-discovery';
import type { RetryOptions } from './retrying-http';
import { RetryingHttp, readJson } from './retrying-http';
import { TokenCache } from './token-cache';
import { TokenClientError, TokenEndpointError, TokenNetworkError } from './token-errors';
import { clientCredentialsRequest, parseTokenResponse, secretRedactor, tokenErrorResponse } from './token-exchange';
import { tokenOperationRequest } from './token-revocation';
import type { TokenTypeHint } from './token-revocation';
import { RefreshTokenSession } from './token-refresh';
import type { RefreshClientAuth } from './token-refresh';
import type { AccessToken, ClientAuthMethod, TokenClientLogger, TokenRequest } from './token-types';

export { metadataUrl } from './endpoint-discovery';
export type { RetryOptions } from './retrying-http';
export { parseRetryAfter } from './retrying-http';
export { tokenCacheKey } from './token-cache';
export { TokenClientError, TokenEndpointError, TokenNetworkError } from './token-errors';
export { formEncode } from './token-exchange';
export type { AccessToken, ClientAuthMethod, LogFields, TokenClientLogger, TokenRequest } from './token-types';
export type { TokenTypeHint } from './token-revocation';
export type { RefreshClientAuth, RefreshedTokens } from './token-refresh';
export { RefreshTokenSession } from './token-refresh';

/** Options of {@link refreshTokenSession}. */
export interface RefreshTokenSessionInit {
  tokenEndpoint: string;
  client: RefreshClientAuth;
  refreshToken: string;
  onRotate?: (refreshToken: string) => void | Promise<void>;
  /** Time limit of the HTTP request, ms; default 10000. */
  timeoutMs?: number;
  allowInsecureHttp?: boolean;
  fetch?: typeof fetch;
  clock?: () => number;
  logger?: TokenClientLogger;
}

/**
 * A refresh-token session for a client of the authorization code flow (public or confidential): it
 * keeps the newest refresh token and never sends a consumed one (token-refresh.ts).
 */
export function refreshTokenSession(init: RefreshTokenSessionInit): RefreshTokenSession {
  const clock = init.clock ?? Date.now;
  const secret = init.client.method === 'none' ? undefined : init.client.clientSecret;
  const redact = secret === undefined ? (text: string) => text : secretRedactor(secret);
  const http = new RetryingHttp({
    fetch: init.fetch ?? ((input, options) => fetch(input, options)),
    timeoutMs: init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { attempts: 1 },
    clock,
    sleep: async () => {},
    random: Math.random,
    logger: init.logger ?? {},
    redact,
  });
  return new RefreshTokenSession({
    tokenEndpoint: init.tokenEndpoint,
    client: init.client,
    refreshToken: init.refreshToken,
    ...(init.onRotate === undefined ? {} : { onRotate: init.onRotate }),
    http,
    clock,
    ...(init.logger === undefined ? {} : { logger: init.logger }),
    redact,
    ...(init.allowInsecureHttp === undefined ? {} : { allowInsecureHttp: init.allowInsecureHttp }),
  });
}

export interface TokenClientOptions {
  /** The token endpoint URL; or give `issuer` to discover it. */
  tokenEndpoint?: string;
  /**
   * The issuer; the token endpoint is read once from its RFC 8414 metadata
   * (`/.well-known/oauth-authorization-server`), whose `issuer` must equal this value (RFC 8414 §3.3).
   */
  issuer?: string;
  clientId: string;
  clientSecret: string;
  /** Default `client_secret_basic`. */
  authMethod?: ClientAuthMethod;
  /** The RFC 7009 revocation endpoint; default: `revocation_endpoint` of the issuer's metadata. */
  revocationEndpoint?: string;
  /** The RFC 7662 introspection endpoint; default: `introspection_endpoint` of the issuer's metadata. */
  introspectionEndpoint?: string;
  /**
   * Fetch a new token when fewer than this many seconds of validity remain. Default: 10 % of the
   * token's lifetime or 60 s, whichever is more, but at most half the lifetime.
   */
  refreshAheadSeconds?: number;
  retry?: RetryOptions;
  /** Time limit of one HTTP attempt, ms; default 10000. */
  timeoutMs?: number;
  /**
   * Allow `http:` URLs for hosts other than loopback. Default false: the secret only travels over
   * https, or plain http to `localhost`, `127.0.0.1` or `[::1]`.
   */
  allowInsecureHttp?: boolean;
  /** Injectable `fetch`; default the global one. */
  fetch?: typeof fetch;
  /** Injectable clock, epoch ms; default `Date.now`. */
  clock?: () => number;
  /** Injectable delay (tests); default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable randomness in [0, 1) for jitter (tests); default `Math.random`. */
  random?: () => number;
  logger?: TokenClientLogger;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Fetches, caches and refreshes client-credentials access tokens. */
export class TokenClient {
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
  readonly issuer: string | undefined;
  readonly #clientSecret: string;
  readonly #configuredEndpoint: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #clock: () => number;
  readonly #logger: TokenClientLogger;
  readonly #redact: (text: string) => string;
  readonly #http: RetryingHttp;
  readonly #endpoint: TokenEndpointResolver;
  readonly #tokens: TokenCache;
  readonly #endpoints: Partial<Record<MetadataEndpoint, string>>;

  constructor(options: TokenClientOptions) {
    if ((options.tokenEndpoint === undefined) === (options.issuer === undefined)) {
      throw new TokenClientError('give exactly one of tokenEndpoint and issuer');
    }
    if (typeof options.clientId !== 'string' || options.clientId === '') {
      throw new TokenClientError('clientId is required');
    }
    if (typeof options.clientSecret !== 'string' || options.clientSecret === '') {
      throw new TokenClientError('clientSecret is required');
    }
    const authMethod = options.authMethod ?? 'client_secret_basic';
    if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
      throw new TokenClientError(`unsupported authMethod ${String(authMethod)}`);
    }
    const allowInsecureHttp = options.allowInsecureHttp ?? false;
    if (options.tokenEndpoint !== undefined) checkUrl(options.tokenEndpoint, 'tokenEndpoint', allowInsecureHttp);
    if (options.issuer !== undefined) checkUrl(options.issuer, 'issuer', allowInsecureHttp);
    this.#endpoints = {};
    if (options.revocationEndpoint !== undefined) {
      checkUrl(options.revocationEndpoint, 'revocationEndpoint', allowInsecureHttp);
      this.#endpoints.revocation_endpoint = options.revocationEndpoint;
    }
    if (options.introspectionEndpoint !== undefined) {
      checkUrl(options.introspectionEndpoint, 'introspectionEndpoint', allowInsecureHttp);
      this.#endpoints.introspection_endpoint = options.introspectionEndpoint;
    }
    if (
      options.refreshAheadSeconds !== undefined &&
      !(Number.isFinite(options.refreshAheadSeconds) && options.refreshAheadSeconds >= 0)
    ) {
      throw new TokenClientError('refreshAheadSeconds must be a number ≥ 0');
    }
    this.clientId = options.clientId;
    this.authMethod = authMethod;
    this.issuer = options.issuer;
    this.#clientSecret = options.clientSecret;
    this.#configuredEndpoint = options.tokenEndpoint;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger ?? {};
    this.#redact = secretRedactor(options.clientSecret);
    this.#http = new RetryingHttp({
      fetch: this.#fetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: options.retry,
      clock: this.#clock,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      logger: this.#logger,
      redact: this.#redact,
    });
    this.#endpoint = new TokenEndpointResolver(
      { tokenEndpoint: options.tokenEndpoint, issuer: options.issuer },
      this.#http,
      allowInsecureHttp,
    );
    this.#tokens = new TokenCache({
      clock: this.#clock,
      refreshAheadMs: options.refreshAheadSeconds === undefined ? undefined : options.refreshAheadSeconds * 1000,
      logger: this.#logger,
    });
  }

  /**
   * An access token for the audience and scopes: the cached one while it is fresh, else a new one
   * (one request however many callers wait for it). Within the refresh-ahead window a failed refresh
   * falls back to the cached token while it is still valid.
   * @throws TokenEndpointError, TokenNetworkError, TokenClientError
   */
  getToken(request: TokenRequest = {}): Promise<AccessToken> {
    return this.#tokens.get(request, (r) => this.#requestToken(r));
  }

  /**
   * Forgets cached tokens: the one for `request`'s audience and scopes, or all. A request already
   * under way is not waited for, and its result is not cached.
   */
  invalidate(request?: TokenRequest): void {
    this.#tokens.invalidate(request);
  }

  /**
   * `fetch` with `Authorization: Bearer <token>` for the audience and scopes. On a 401 whose
   * `WWW-Authenticate` says `Bearer error="invalid_token"` (RFC 6750 §3.1) the token is forgotten and
   * the request sent once more with a new one (only when its body can be sent twice).
   */
  async authorizedFetch(input: string | URL | Request, init: RequestInit | undefined, request: TokenRequest) {
    const replayable = !(init?.body instanceof ReadableStream);
    const spare = input instanceof Request && replayable ? input.clone() : undefined;
    const send = async (target: string | URL | Request) => {
      const token = await this.getToken(request);
      const headers = new Headers(init?.headers ?? (target instanceof Request ? target.headers : undefined));
      headers.set('Authorization', `Bearer ${token.accessToken}`);
      return { token, response: await this.#fetch(target, { ...init, headers }) };
    };
    const first = await send(input);
    if (!replayable || first.response.status !== 401 || !isInvalidTokenChallenge(first.response.headers)) {
      return first.response;
    }
    await first.response.body?.cancel().catch(() => undefined);
    // Forget the token only if no one replaced it meanwhile.
    if (this.#tokens.peek(request) === first.token) this.invalidate(request);
    this.#logger.debug?.('access token rejected; retrying with a new one', { audience: request.audience });
    return (await send(spare ?? input)).response;
  }

  /**
   * Revokes a token this client holds (RFC 7009 §2.1): an access token, or a refresh token (which ends
   * its whole session). Resolves once the server answered 200 — also for a token it did not know
   * (RFC 7009 §2.2). A cached access token with this value is forgotten first, so `getToken` never
   * hands it out again. Transient failures (503 with `Retry-After`, network errors) are retried.
   * @throws TokenEndpointError (e.g. `invalid_client`; `invalid_request` for another client's token),
   *   TokenNetworkError, TokenClientError (no revocation endpoint configured or discoverable)
   */
  async revoke(token: string, tokenTypeHint?: TokenTypeHint): Promise<void> {
    this.#tokens.forget(token);
    await this.#tokenOperation('revocation_endpoint', token, tokenTypeHint);
  }

  /**
   * Introspects a token (RFC 7662 §2.1): the server's JSON answer, `{active: false}` for a token that is
   * not active or not this client's to see. Only confidential clients may call it.
   * @throws TokenEndpointError, TokenNetworkError, TokenClientError
   */
  introspect(token: string, tokenTypeHint?: TokenTypeHint): Promise<Record<string, unknown>> {
    return this.#tokenOperation('introspection_endpoint', token, tokenTypeHint);
  }

  async #tokenOperation(
    name: MetadataEndpoint,
    token: string,
    tokenTypeHint: TokenTypeHint | undefined,
  ): Promise<Record<string, unknown>> {
    const endpoint = this.#endpoints[name] ?? (await this.#endpoint.metadataEndpoint(name));
    const { headers, body } = tokenOperationRequest(
      { clientId: this.clientId, clientSecret: this.#clientSecret, authMethod: this.authMethod },
      token,
      tokenTypeHint,
    );
    const what = name === 'revocation_endpoint' ? 'revocation' : 'introspection';
    return this.#http.withRetries(what, async (attempt) => {
      this.#logger.debug?.(`${what} request`, { attempt });
      const response = await this.#http.send(endpoint, { method: 'POST', headers, body });
      if (response instanceof TokenNetworkError) return { ok: false, error: response, retryable: true };
      const json = await readJson(response);
      if (response.status === 200) {
        if (name === 'revocation_endpoint') return { ok: true, value: {} };
        if (json !== undefined && typeof json['active'] === 'boolean') return { ok: true, value: json };
        const error = new TokenEndpointError({
          error: 'invalid_response',
          errorDescription: 'the introspection answer has no boolean active member',
          status: response.status,
        });
        return { ok: false, error, retryable: false };
      }
      return tokenErrorResponse(response.status, json, this.#redact, this.#http.retryAfterMs(response));
    });
  }

  /** The token endpoint, configured or discovered (once; a failed discovery is tried again next time). */
  tokenEndpoint(): Promise<string> {
    return this.#endpoint.tokenEndpoint();
  }

  toString(): string {
    return `TokenClient(${this.clientId} @ ${this.#configuredEndpoint ?? this.issuer})`;
  }

  toJSON(): Record<string, string | undefined> {
    return {
      clientId: this.clientId,
      authMethod: this.authMethod,
      tokenEndpoint: this.#configuredEndpoint,
      issuer: this.issuer,
    };
  }

  [INSPECT](): string {
    return this.toString();
  }

  async #requestToken(request: TokenRequest): Promise<AccessToken> {
    const endpoint = await this.tokenEndpoint();
    const { scopes, headers, body } = clientCredentialsRequest(
      { clientId: this.clientId, clientSecret: this.#clientSecret, authMethod: this.authMethod },
      request,
    );
    return this.#http.withRetries('token', async (attempt) => {
      const sentAt = this.#clock();
      this.#logger.debug?.('token request', { audience: request.audience, scope: scopes.join(' '), attempt });
      const response = await this.#http.send(endpoint, { method: 'POST', headers, body });
      if (response instanceof TokenNetworkError) return { ok: false, error: response, retryable: true };
      const json = await readJson(response);
      if (response.ok) {
        const token = parseTokenResponse(json, scopes, sentAt);
        if (token instanceof TokenEndpointError) return { ok: false, error: token, retryable: false };
        return { ok: true, value: token };
      }
      return tokenErrorResponse(response.status, json, this.#redact, this.#http.retryAfterMs(response));
    });
  }
}

/** RFC 6750 §3: a Bearer challenge with `error="invalid_token"`. */
function isInvalidTokenChallenge(headers: Headers): boolean {
  const value = headers.get('www-authenticate');
  return value !== null && /(^|,)\s*Bearer\b.*\berror\s*=\s*"?invalid_token"?/i.test(value);
}
