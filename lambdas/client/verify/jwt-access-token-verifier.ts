/**
 * RFC 9068 access-token verification with aws-jwt-verify, the one implementation behind the shipped
 * authorizers, the admin API's bearer check (through lambdas/adapters/access-token-verifier.ts) and
 * `idp verify` (docs/contract.md, "Authorizers"):
 * - {@link assertCanonicalJws} first: one encoding per token (RFC 7515 §2, RFC 4648 §3.5, low-s ES256);
 * - the library pins `iss` and `aud` (exact string match), verifies the signature with the JWK named by
 *   `kid` from the issuer's JWKS only (`jku`, `x5u`, `x5c` and an embedded `jwk` header are never read),
 *   checks `header.alg === jwk.alg` when the JWK has an `alg`, and `exp`/`nbf` only when present;
 * - {@link accessTokenChecks} adds the RFC 9068 §4 / RFC 8725 checks the library leaves to us.
 *
 * The JWKS is cached by {@link RotationAwareJwksCache} (./jwks-cache.ts): preloaded (`jwks`) or
 * fetched from the JWKS URI, fetched again for a `kid` it does not hold (key rotation) at most once per
 * `penaltySeconds` (default 60) — a flood of unknown `kid`s costs at most one fetch a minute, and tokens
 * with a known `kid` keep verifying from the cache meanwhile — and refreshed once it is older than
 * `jwksMaxAgeSeconds` (default 300, the IdP's JWKS `max-age`), so a key removed from the JWKS stops
 * verifying within that time.
 */
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { assertIsJwks } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { Json } from 'aws-jwt-verify/safe-json-parse';
import type { SubjectRule } from './access-token-rules';
import {
  DEFAULT_GRACE_SECONDS,
  JwksUnavailableError,
  accessTokenChecks,
  classifyVerificationError,
} from './access-token-rules';
import { assertCanonicalJws } from './canonical-jws';
import { DEFAULT_JWKS_MAX_AGE_SECONDS, DEFAULT_JWKS_REFETCH_SECONDS, RotationAwareJwksCache } from './jwks-cache';

export { DEFAULT_JWKS_MAX_AGE_SECONDS } from './jwks-cache';

/**
 * Seconds between two JWKS fetches at most, so unknown `kid`s trigger at most one fetch a minute
 * (docs/contract.md, "Authorizers").
 */
export const DEFAULT_PENALTY_SECONDS = DEFAULT_JWKS_REFETCH_SECONDS;

/** A JWK Set as JSON (RFC 7517 §5), e.g. `{keys: PublicJwk[]}`; validated before use. */
export interface JwksInput {
  keys: readonly object[];
}

/** What a {@link JwtAccessTokenVerifier} checks against. */
export interface JwtAccessTokenVerifierOptions {
  /** Expected `iss`, exactly (no trailing slash). */
  issuer: string;
  /** Expected `aud` (one of the token's audiences must equal it). */
  audience: string;
  /** JWKS URI; default `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** A JWKS to cache before the first token, so no fetch is needed. */
  jwks?: JwksInput;
  /**
   * Where the JWKS comes from when a `kid` is not cached, as JSON. Default: HTTPS GET of the JWKS URI
   * (the library's fetcher speaks https only).
   */
  fetchJwks?: (jwksUri: string) => Promise<unknown>;
  /** Default {@link DEFAULT_GRACE_SECONDS}. */
  graceSeconds?: number;
  /** Minimum seconds between two JWKS fetches (unknown `kid`s, refreshes). Default {@link DEFAULT_PENALTY_SECONDS}. */
  penaltySeconds?: number;
  /** Seconds after which a cached JWKS is fetched again. Default {@link DEFAULT_JWKS_MAX_AGE_SECONDS}. */
  jwksMaxAgeSeconds?: number;
  /** The JWKS cache's clock, milliseconds since the epoch; default `Date.now` (tests pass a fake one). */
  now?: () => number;
  /** Whether `sub` must equal `client_id` (client-credentials tokens only). */
  subject: SubjectRule;
}

/** What a verified token says. */
export interface VerifiedAccessToken {
  /** `client_id` claim (RFC 9068 §2.2). */
  clientId: string;
  /** `jti` claim. */
  jti: string;
  /** The token's scopes, in token order (RFC 9068 §2.2.3: space-delimited). */
  scope: string[];
  /** The verified payload. */
  claims: JwtPayload;
}

/** A verifier with its JWKS cached for its lifetime; build one and reuse it. */
export class JwtAccessTokenVerifier {
  private readonly verifier;

  constructor(options: JwtAccessTokenVerifierOptions) {
    const graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    const { subject } = options;
    const { fetchJwks } = options;
    const inner: Fetcher =
      fetchJwks === undefined
        ? new SimpleFetcher() // https only; socket idle 1.5 s, response 3 s
        : { fetch: async (uri) => toArrayBuffer(await fetchJwks(uri)) };
    const jwksCache = new RotationAwareJwksCache({
      fetchJwks: async (uri) => {
        try {
          const json = JSON.parse(new TextDecoder().decode(await inner.fetch(uri))) as Json;
          assertIsJwks(json); // a broken JWKS counts as a failure
          return json as Jwks;
        } catch (err) {
          throw new JwksUnavailableError(err);
        }
      },
      refetchIntervalSeconds: options.penaltySeconds ?? DEFAULT_PENALTY_SECONDS,
      maxAgeSeconds: options.jwksMaxAgeSeconds ?? DEFAULT_JWKS_MAX_AGE_SECONDS,
      now: options.now,
    });
    this.verifier = JwtVerifier.create(
      {
        issuer: options.issuer,
        audience: options.audience,
        jwksUri: options.jwksUri ?? `${options.issuer}/.well-known/jwks.json`,
        graceSeconds,
        customJwtCheck: (props) => accessTokenChecks(props, { graceSeconds, subject, nowSeconds: Date.now() / 1000 }),
      },
      { jwksCache },
    );
    if (options.jwks !== undefined) this.cacheJwks(options.jwks);
  }

  /**
   * Replaces the cached JWKS (the library's `cacheJwks` stores it unchecked, so it is validated here).
   * @throws JwksValidationError / JwkValidationError for something that is not a JWKS
   */
  cacheJwks(jwks: JwksInput): void {
    const value = jwks as unknown as Json;
    assertIsJwks(value);
    this.verifier.cacheJwks(value);
  }

  /**
   * @throws AccessTokenRejectedError for any token that must be refused
   * @throws JwksUnavailableError when the JWKS could not be fetched or is not a JWKS
   * @throws other errors only for a misconfigured verifier
   */
  async verify(token: string): Promise<VerifiedAccessToken> {
    assertCanonicalJws(token);
    let payload: JwtPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch (err) {
      throw classifyVerificationError(err);
    }
    const scope = payload.scope;
    return {
      clientId: payload['client_id'] as string,
      jti: payload.jti as string,
      scope: typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [],
      claims: payload,
    };
  }
}

function toArrayBuffer(json: unknown): ArrayBuffer {
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
