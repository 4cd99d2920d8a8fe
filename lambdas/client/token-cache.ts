/**
 * The token cache: one token per (audience, set of scopes), replaced ahead of expiry, with one request
 * in flight per key however many callers wait for it (single flight).
 */
import { scopeSet } from './token-exchange';
import { TokenClientError } from './token-errors';
import type { AccessToken, TokenClientLogger, TokenRequest } from './token-types';

/** A cached token closer than this to expiry is never handed out. */
const EXPIRY_SAFETY_MS = 5_000;
const MIN_REFRESH_AHEAD_MS = 60_000;

interface CacheEntry {
  token: AccessToken;
  /** From when a new token is fetched. */
  refreshAt: number;
}

/** The cache key of a request: the audience and the sorted, de-duplicated scopes. */
export function tokenCacheKey(request: TokenRequest = {}): string {
  return JSON.stringify([request.audience ?? null, scopeSet(request.scope)]);
}

/** What {@link TokenCache} is built from. */
export interface TokenCacheOptions {
  clock: () => number;
  /**
   * Fetch a new token when fewer than this many ms of validity remain. Default: 10 % of the token's
   * lifetime or 60 s, whichever is more, but at most half the lifetime.
   */
  refreshAheadMs?: number;
  logger: TokenClientLogger;
}

/** Cached tokens and the requests under way, by {@link tokenCacheKey}. */
export class TokenCache {
  readonly #clock: () => number;
  readonly #refreshAheadMs: number | undefined;
  readonly #logger: TokenClientLogger;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<AccessToken>>();

  constructor(options: TokenCacheOptions) {
    this.#clock = options.clock;
    this.#refreshAheadMs = options.refreshAheadMs;
    this.#logger = options.logger;
  }

  /**
   * The cached token while it is fresh, else the one `fetchToken` gets (shared by every caller while
   * under way). Within the refresh-ahead window a failed refresh falls back to the cached token while
   * it is still valid.
   */
  async get(request: TokenRequest, fetchToken: (request: TokenRequest) => Promise<AccessToken>): Promise<AccessToken> {
    const key = tokenCacheKey(request);
    const now = this.#clock();
    const cached = this.#cache.get(key);
    if (cached !== undefined && now < cached.refreshAt) return cached.token;

    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      // Cached only if still the current request for the key when it completes (invalidate() drops it).
      const request_: Promise<AccessToken> = fetchToken(request).then(
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

  /** The token cached for the request, fresh or not. */
  peek(request: TokenRequest): AccessToken | undefined {
    return this.#cache.get(tokenCacheKey(request))?.token;
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

  /** Forgets every cached entry holding this access token (it was revoked). */
  forget(accessToken: string): void {
    for (const [key, entry] of this.#cache) if (entry.token.accessToken === accessToken) this.#cache.delete(key);
  }

  /** When to fetch a replacement for a token just received. */
  #refreshAt(token: AccessToken): number {
    const lifetime = token.expiresAt - this.#clock();
    const ahead = this.#refreshAheadMs ?? Math.min(Math.max(MIN_REFRESH_AHEAD_MS, lifetime / 10), lifetime / 2);
    return token.expiresAt - ahead;
  }
}
