/**
 * The JWKS cache behind {@link JwtAccessTokenVerifier} (docs/contract.md, "Authorizers › Key rotation"):
 * aws-jwt-verify's `JwksCache` interface with the two rules key rotation needs.
 *
 * - **Refetch on an unknown `kid`, at most once per `refetchIntervalSeconds`** (default 60): a token
 *   whose `kid` the cached JWKS lacks triggers a fetch only when no fetch of that JWKS URI started in the
 *   last interval — whatever that fetch's outcome. So a flood of random `kid`s (or a failing endpoint)
 *   costs at most one fetch per interval, while tokens with known `kid`s keep verifying from the cache.
 *   (aws-jwt-verify's `SimplePenaltyBox` waits only after a fetch that lacked the `kid` and is released
 *   by any successful one, so alternating a real new `kid` with random ones could fetch more often.)
 * - **A cached JWKS older than `maxAgeSeconds` is refreshed** (default 300, the `max-age` the IdP serves
 *   its JWKS with, RFC 9111 §5.2.2.1): at the first verification after that (subject to the same
 *   interval), so a key removed from the JWKS — an emergency removal — stops verifying within
 *   `maxAgeSeconds`, and a key added (`next`) is known long before it signs. A failed refresh keeps the
 *   cached keys (stale-if-error) and is retried after the interval. A preloaded JWKS counts as fetched
 *   when it was cached.
 *
 * Concurrent verifications share one fetch per URI.
 */
import type { Jwks, JwksCache, JwkWithKid } from 'aws-jwt-verify/jwk';
import { findJwkInJwks } from 'aws-jwt-verify/jwk';
import { JwtWithoutValidKidError, KidNotFoundInJwksError } from 'aws-jwt-verify/error';
import type { DecomposedJwt } from 'aws-jwt-verify/jwt';

/** Seconds between two fetches of one JWKS URI at most (docs/contract.md, "Authorizers"). */
export const DEFAULT_JWKS_REFETCH_SECONDS = 60;
/** Seconds a fetched JWKS is trusted before it is fetched again: the IdP's JWKS `max-age`. */
export const DEFAULT_JWKS_MAX_AGE_SECONDS = 300;

/** Options of {@link RotationAwareJwksCache}. */
export interface RotationAwareJwksCacheOptions {
  /** Fetches and validates the JWKS at a URI (throws when it cannot). */
  fetchJwks: (jwksUri: string) => Promise<Jwks>;
  /** Default {@link DEFAULT_JWKS_REFETCH_SECONDS}. */
  refetchIntervalSeconds?: number;
  /** Default {@link DEFAULT_JWKS_MAX_AGE_SECONDS}. */
  maxAgeSeconds?: number;
  /** Milliseconds since the epoch; default `Date.now` (tests pass a fake clock). */
  now?: () => number;
}

interface Entry {
  jwks?: Jwks;
  /** When {@link jwks} was fetched or cached. */
  storedAt: number;
  /** When the last fetch started (success or not); undefined before the first fetch. */
  lastFetchAt?: number;
  inFlight?: Promise<Jwks>;
}

/** See the module comment. */
export class RotationAwareJwksCache implements JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly fetchJwks: (jwksUri: string) => Promise<Jwks>;
  private readonly intervalMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: RotationAwareJwksCacheOptions) {
    this.fetchJwks = options.fetchJwks;
    const seconds = (value: number | undefined, fallback: number, name: string) => {
      const v = value ?? fallback;
      if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number of seconds ≥ 0`);
      return v * 1000;
    };
    this.intervalMs = seconds(options.refetchIntervalSeconds, DEFAULT_JWKS_REFETCH_SECONDS, 'refetchIntervalSeconds');
    this.maxAgeMs = seconds(options.maxAgeSeconds, DEFAULT_JWKS_MAX_AGE_SECONDS, 'maxAgeSeconds');
    this.now = options.now ?? Date.now;
  }

  addJwks(jwksUri: string, jwks: Jwks): void {
    const entry = this.entry(jwksUri);
    entry.jwks = jwks;
    entry.storedAt = this.now();
  }

  /** Fetches now (sharing a fetch in flight), whatever the interval says. */
  getJwks(jwksUri: string): Promise<Jwks> {
    return this.fetch(this.entry(jwksUri), jwksUri);
  }

  getCachedJwk(jwksUri: string, decomposedJwt: DecomposedJwt): JwkWithKid {
    const kid = kidOf(decomposedJwt);
    const jwk = this.find(this.entries.get(jwksUri), kid);
    if (jwk === undefined) throw new KidNotFoundInJwksError('JWK for the kid not found in the cached JWKS');
    return jwk;
  }

  async getJwk(jwksUri: string, decomposedJwt: DecomposedJwt): Promise<JwkWithKid> {
    const kid = kidOf(decomposedJwt);
    const entry = this.entry(jwksUri);
    if (entry.jwks !== undefined && this.now() - entry.storedAt >= this.maxAgeMs && this.mayFetch(entry)) {
      // Stale: refresh; on failure keep serving the cached keys until the next attempt.
      await this.fetch(entry, jwksUri).catch(() => undefined);
    }
    const cached = this.find(entry, kid);
    if (cached !== undefined) return cached;
    if (entry.inFlight === undefined && !this.mayFetch(entry)) {
      throw new KidNotFoundInJwksError('JWK for the kid not found in the JWKS (refetch interval not over)');
    }
    await this.fetch(entry, jwksUri);
    const fetched = this.find(entry, kid);
    if (fetched === undefined) throw new KidNotFoundInJwksError('JWK for the kid not found in the JWKS');
    return fetched;
  }

  private entry(jwksUri: string): Entry {
    let entry = this.entries.get(jwksUri);
    if (entry === undefined) {
      entry = { storedAt: this.now() };
      this.entries.set(jwksUri, entry);
    }
    return entry;
  }

  private mayFetch(entry: Entry): boolean {
    return entry.lastFetchAt === undefined || this.now() - entry.lastFetchAt >= this.intervalMs;
  }

  private find(entry: Entry | undefined, kid: string): JwkWithKid | undefined {
    return entry?.jwks === undefined ? undefined : findJwkInJwks(entry.jwks, kid);
  }

  private fetch(entry: Entry, jwksUri: string): Promise<Jwks> {
    if (entry.inFlight !== undefined) return entry.inFlight;
    entry.lastFetchAt = this.now();
    const inFlight = this.fetchJwks(jwksUri).then((jwks) => {
      entry.jwks = jwks;
      entry.storedAt = this.now();
      return jwks;
    });
    entry.inFlight = inFlight;
    const clear = () => {
      if (entry.inFlight === inFlight) entry.inFlight = undefined;
    };
    inFlight.then(clear, clear);
    return inFlight;
  }
}

function kidOf(decomposedJwt: DecomposedJwt): string {
  const kid = decomposedJwt.header.kid;
  if (typeof kid !== 'string') throw new JwtWithoutValidKidError('JWT header does not have valid kid claim');
  return kid;
}
