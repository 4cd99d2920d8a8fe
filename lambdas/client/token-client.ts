/**
 * OAuth 2.0 client-credentials token client for partner backends (RFC 6749 §4.4). No dependency
 * beyond the platform: the global `fetch` (Node.js 18+), `AbortSignal.timeout`, `Buffer`.
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
 */

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Fields logged with a message; never a secret or a token. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Where the client logs; every method optional. */
export interface TokenClientLogger {
  debug?(message: string, fields?: LogFields): void;
  warn?(message: string, fields?: LogFields): void;
}

/** Retry policy for transient failures. */
export interface RetryOptions {
  /** Attempts in all, including the first; default 3. `1` disables retries. */
  attempts?: number;
  /** Backoff base, ms; attempt n (from 0) waits a random time in [0, min(max, base·2ⁿ)); default 200. */
  baseDelayMs?: number;
  /** Backoff cap, ms; default 2000. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` honoured, ms; default 5000. A server asking for a longer wait ends the
   * retries and its error is thrown (the caller decides whether to wait that long).
   */
  maxRetryAfterMs?: number;
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

/** What to ask for. Scopes are a set: order and repetition do not matter. */
export interface TokenRequest {
  /** The API identifier (`audience`, Auth0 style, which this IdP also reads as RFC 8707 `resource`). */
  audience?: string;
  /** Space-delimited scopes or a list (RFC 6749 §3.3). */
  scope?: string | readonly string[];
}

/** An access token and what the server said about it. */
export interface AccessToken {
  accessToken: string;
  /** When it expires, epoch ms (from `expires_in`, counted from when the request was sent). */
  expiresAt: number;
  /** The granted scopes, space-delimited (the requested ones when the server omits `scope`, RFC 6749 §5.1). */
  scope: string;
  /** `Bearer`. */
  tokenType: string;
}

/** Base class of the client's errors. */
export class TokenClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenClientError';
  }
}

/**
 * The token endpoint answered with an error (RFC 6749 §5.2), or with a status and body that are not a
 * token response. 4xx OAuth errors are thrown at once; 5xx, 429 and `temporarily_unavailable` after
 * the retries are spent.
 */
export class TokenEndpointError extends TokenClientError {
  /** RFC 6749 §5.2 `error`, e.g. `invalid_client`; `invalid_response` when the body carried none. */
  readonly error: string;
  readonly error_description: string | undefined;
  /** HTTP status. */
  readonly status: number;
  /** `Retry-After` of the last answer, seconds, when it had one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(fields: { error: string; errorDescription?: string; status: number; retryAfterSeconds?: number }) {
    super(
      `token endpoint error ${fields.status} ${fields.error}` +
        (fields.errorDescription === undefined ? '' : `: ${fields.errorDescription}`),
    );
    this.name = 'TokenEndpointError';
    this.error = fields.error;
    this.error_description = fields.errorDescription;
    this.status = fields.status;
    this.retryAfterSeconds = fields.retryAfterSeconds;
  }
}

/** The endpoint could not be reached (network error or time-out) within the retries. */
export class TokenNetworkError extends TokenClientError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TokenNetworkError';
  }
}

const DEFAULT_RETRY: Required<RetryOptions> = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2000,
  maxRetryAfterMs: 5000,
};
const DEFAULT_TIMEOUT_MS = 10_000;
/** A cached token closer than this to expiry is never handed out. */
const EXPIRY_SAFETY_MS = 5_000;
const MIN_REFRESH_AHEAD_MS = 60_000;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

interface CacheEntry {
  token: AccessToken;
  /** From when a new token is fetched. */
  refreshAt: number;
}

/** The cache key of a request: the audience and the sorted, de-duplicated scopes. */
export function tokenCacheKey(request: TokenRequest = {}): string {
  return JSON.stringify([request.audience ?? null, scopeSet(request.scope)]);
}

function scopeSet(scope: string | readonly string[] | undefined): string[] {
  if (scope === undefined) return [];
  const tokens = typeof scope === 'string' ? scope.split(' ') : scope.flatMap((s) => s.split(' '));
  return [...new Set(tokens.map((s) => s.trim()).filter((s) => s !== ''))].sort();
}

/**
 * RFC 6749 §2.3.1 / Appendix B: the client id and secret are each encoded with
 * `application/x-www-form-urlencoded` before they are joined by `:` and Base64-encoded for Basic.
 */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Whether a URL may carry the client secret. */
function checkUrl(url: string, what: string, allowInsecureHttp: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TokenClientError(`${what} is not a URL: ${url}`);
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && (allowInsecureHttp || LOOPBACK_HOSTS.has(parsed.hostname))) return parsed;
  throw new TokenClientError(`${what} must be an https URL (http only for localhost): ${url}`);
}

/**
 * RFC 8414 §3: the metadata URL of an issuer — `/.well-known/oauth-authorization-server` inserted
 * between the host and the issuer's path.
 */
export function metadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/**
 * RFC 9110 §10.2.3 `Retry-After`: delay-seconds or an HTTP-date; ms from `now`, or undefined.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** An error answer that may succeed when repeated (RFC 6749 §4.1.2.1 `temporarily_unavailable`). */
function isTransient(status: number, error: string): boolean {
  return status >= 500 || status === 429 || error === 'temporarily_unavailable';
}

/** One attempt's outcome: a value, or a failure that may be retried after `retryAfterMs`. */
type Attempt<T> =
  { ok: true; value: T } | { ok: false; error: TokenClientError; retryable: boolean; retryAfterMs?: number };

/** Fetches, caches and refreshes client-credentials access tokens. */
export class TokenClient {
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
  readonly issuer: string | undefined;
  readonly #clientSecret: string;
  readonly #configuredEndpoint: string | undefined;
  readonly #refreshAheadMs: number | undefined;
  readonly #retry: Required<RetryOptions>;
  readonly #timeoutMs: number;
  readonly #allowInsecureHttp: boolean;
  readonly #fetch: typeof fetch;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #logger: TokenClientLogger;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<AccessToken>>();
  #endpoint: Promise<string> | undefined;

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
    this.#allowInsecureHttp = options.allowInsecureHttp ?? false;
    if (options.tokenEndpoint !== undefined) checkUrl(options.tokenEndpoint, 'tokenEndpoint', this.#allowInsecureHttp);
    if (options.issuer !== undefined) checkUrl(options.issuer, 'issuer', this.#allowInsecureHttp);
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
    this.#refreshAheadMs = options.refreshAheadSeconds === undefined ? undefined : options.refreshAheadSeconds * 1000;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#retry.attempts = Math.max(1, Math.floor(this.#retry.attempts));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? {};
  }

  /**
   * An access token for the audience and scopes: the cached one while it is fresh, else a new one
   * (one request however many callers wait for it). Within the refresh-ahead window a failed refresh
   * falls back to the cached token while it is still valid.
   * @throws TokenEndpointError, TokenNetworkError, TokenClientError
   */
  async getToken(request: TokenRequest = {}): Promise<AccessToken> {
    const key = tokenCacheKey(request);
    const now = this.#clock();
    const cached = this.#cache.get(key);
    if (cached !== undefined && now < cached.refreshAt) return cached.token;

    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      // Cached only if still the current request for the key when it completes (invalidate() drops it).
      const request_: Promise<AccessToken> = this.#requestToken(request).then(
        (token) => {
          if (this.#inflight.get(key) === request_) {
            this.#inflight.delete(key);
            this.#cache.set(key, { token, refreshAt: this.#refreshAt(token) });
          }
          return token;
        },
        (err: unknown) => {
          if (this.#inflight.get(key) === request_) this.#inflight.delete(key);
          throw err;
        },
      );
      pending = request_;
      this.#inflight.set(key, pending);
    }
    if (cached === undefined) return pending;
    try {
      return await pending;
    } catch (err) {
      if (this.#clock() < cached.token.expiresAt - EXPIRY_SAFETY_MS) {
        this.#logger.warn?.('token refresh failed; using the cached token', {
          audience: request.audience,
          error: err instanceof TokenClientError ? err.message : 'unknown error',
        });
        return cached.token;
      }
      throw err;
    }
  }

  /**
   * Forgets cached tokens: the one for `request`'s audience and scopes, or all. A request already
   * under way is not waited for, and its result is not cached.
   */
  invalidate(request?: TokenRequest): void {
    if (request === undefined) {
      this.#cache.clear();
      this.#inflight.clear();
      return;
    }
    const key = tokenCacheKey(request);
    this.#cache.delete(key);
    this.#inflight.delete(key);
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
    if (this.#cache.get(tokenCacheKey(request))?.token === first.token) this.invalidate(request);
    this.#logger.debug?.('access token rejected; retrying with a new one', { audience: request.audience });
    return (await send(spare ?? input)).response;
  }

  /** The token endpoint, configured or discovered (once; a failed discovery is tried again next time). */
  tokenEndpoint(): Promise<string> {
    if (this.#configuredEndpoint !== undefined) return Promise.resolve(this.#configuredEndpoint);
    if (this.#endpoint === undefined) {
      const discovery = this.#discover();
      this.#endpoint = discovery;
      discovery.catch(() => {
        if (this.#endpoint === discovery) this.#endpoint = undefined;
      });
    }
    return this.#endpoint;
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

  /** When to fetch a replacement for a token just received. */
  #refreshAt(token: AccessToken): number {
    const lifetime = token.expiresAt - this.#clock();
    const ahead = this.#refreshAheadMs ?? Math.min(Math.max(MIN_REFRESH_AHEAD_MS, lifetime / 10), lifetime / 2);
    return token.expiresAt - ahead;
  }

  async #discover(): Promise<string> {
    const issuer = this.issuer!;
    const url = metadataUrl(issuer);
    const metadata = await this.#withRetries('discovery', async () => {
      const response = await this.#send(url, { headers: { Accept: 'application/json' } });
      if (response instanceof TokenNetworkError) return { ok: false, error: response, retryable: true };
      const body = await readJson(response);
      if (!response.ok || body === undefined) {
        const error = new TokenClientError(`discovery at ${url} answered ${response.status}`);
        return {
          ok: false,
          error,
          retryable: isTransient(response.status, ''),
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.#clock()),
        };
      }
      return { ok: true, value: body };
    });
    // RFC 8414 §3.3: the metadata's issuer MUST be identical to the issuer it was requested for.
    if (metadata['issuer'] !== issuer) {
      throw new TokenClientError(`the metadata at ${url} is for issuer ${String(metadata['issuer'])}, not ${issuer}`);
    }
    const endpoint = metadata['token_endpoint'];
    if (typeof endpoint !== 'string') throw new TokenClientError(`the metadata at ${url} has no token_endpoint`);
    checkUrl(endpoint, 'token_endpoint', this.#allowInsecureHttp);
    return endpoint;
  }

  async #requestToken(request: TokenRequest): Promise<AccessToken> {
    const endpoint = await this.tokenEndpoint();
    const scopes = scopeSet(request.scope);
    // RFC 6749 §4.4.2 request.
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (request.audience !== undefined) form.set('audience', request.audience);
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (this.authMethod === 'client_secret_basic') {
      const credentials = `${formEncode(this.clientId)}:${formEncode(this.#clientSecret)}`;
      headers['Authorization'] = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', this.clientId);
      form.set('client_secret', this.#clientSecret);
    }
    const body = form.toString();

    return this.#withRetries('token', async (attempt) => {
      const sentAt = this.#clock();
      this.#logger.debug?.('token request', { audience: request.audience, scope: scopes.join(' '), attempt });
      const response = await this.#send(endpoint, { method: 'POST', headers, body });
      if (response instanceof TokenNetworkError) return { ok: false, error: response, retryable: true };
      const json = await readJson(response);
      if (response.ok) {
        const token = this.#parseToken(json, scopes, sentAt);
        if (token instanceof TokenEndpointError) return { ok: false, error: token, retryable: false };
        return { ok: true, value: token };
      }
      // RFC 6749 §5.2 error response.
      const error = typeof json?.['error'] === 'string' ? json['error'] : 'invalid_response';
      const description =
        typeof json?.['error_description'] === 'string'
          ? this.#redact(json['error_description'])
          : json === undefined
            ? `HTTP ${response.status} without an OAuth error body`
            : undefined;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#clock());
      return {
        ok: false,
        error: new TokenEndpointError({
          error: this.#redact(error),
          errorDescription: description,
          status: response.status,
          retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
        }),
        retryable: isTransient(response.status, error),
        retryAfterMs,
      };
    });
  }

  #parseToken(
    json: Record<string, unknown> | undefined,
    scopes: string[],
    sentAt: number,
  ): AccessToken | TokenEndpointError {
    const invalid = (what: string) =>
      new TokenEndpointError({ error: 'invalid_response', errorDescription: what, status: 200 });
    // RFC 6749 §5.1 successful response.
    const accessToken = json?.['access_token'];
    const tokenType = json?.['token_type'];
    if (typeof accessToken !== 'string' || accessToken === '') return invalid('the response has no access_token');
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
      return invalid('the token_type is not Bearer');
    }
    const expiresIn = json?.['expires_in'];
    let expiresAt: number;
    if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) {
      expiresAt = sentAt + expiresIn * 1000;
    } else {
      // expires_in is RECOMMENDED only; a JWT access token still says when it expires (RFC 9068 §2.2).
      const exp = jwtExpiry(accessToken);
      if (exp === undefined) return invalid('the response has no expires_in');
      expiresAt = exp * 1000;
    }
    const scope = typeof json?.['scope'] === 'string' ? json['scope'] : scopes.join(' ');
    return { accessToken, expiresAt, scope, tokenType: 'Bearer' };
  }

  async #withRetries<T>(what: string, attempt: (n: number) => Promise<Attempt<T>>): Promise<T> {
    const { attempts, baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.#retry;
    for (let n = 0; ; n++) {
      const result = await attempt(n + 1);
      if (result.ok) return result.value;
      if (!result.retryable || n + 1 >= attempts) throw result.error;
      if (result.retryAfterMs !== undefined && result.retryAfterMs > maxRetryAfterMs) throw result.error;
      // Exponential backoff with full jitter; a Retry-After is the least we wait.
      const backoff = this.#random() * Math.min(maxDelayMs, baseDelayMs * 2 ** n);
      const delay = Math.max(backoff, result.retryAfterMs ?? 0);
      this.#logger.warn?.(`${what} request failed; retrying`, {
        attempt: n + 1,
        delayMs: Math.round(delay),
        error: result.error.message,
      });
      await this.#sleep(delay);
    }
  }

  async #send(url: string, init: RequestInit): Promise<Response | TokenNetworkError> {
    try {
      return await this.#fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
      return new TokenNetworkError(`request to ${url} failed: ${this.#redact(reason)}`, err);
    }
  }

  /** Removes the secret, raw or encoded, from text that may have come from elsewhere. */
  #redact(text: string): string {
    let out = text;
    for (const form of new Set([
      this.#clientSecret,
      formEncode(this.#clientSecret),
      encodeURIComponent(this.#clientSecret),
    ])) {
      out = out.split(form).join('[redacted]');
    }
    return out;
  }
}

/** The body as a JSON object, or undefined. */
async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = await response.json();
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp` claim of a JWT, unverified (only to time the cache), or undefined. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 6750 §3: a Bearer challenge with `error="invalid_token"`. */
function isInvalidTokenChallenge(headers: Headers): boolean {
  const value = headers.get('www-authenticate');
  return value !== null && /(^|,)\s*Bearer\b.*\berror\s*=\s*"?invalid_token"?/i.test(value);
}
