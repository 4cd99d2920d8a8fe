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
 * The JWKS is cached for the life of the verifier: it is preloaded (`jwks`) or fetched once from the
 * JWKS URI and fetched again only for a `kid` it does not hold (key rotation). A flood of unknown
 * `kid`s costs at most one fetch per `penaltySeconds`: aws-jwt-verify's `SimplePenaltyBox` refuses
 * further fetches of the URI for that long after a fetch that did not contain the `kid` (a failed fetch
 * is registered the same way here); tokens with a known `kid` keep verifying from the cache meanwhile.
 * Keys removed from the JWKS stay trusted until the verifier is discarded.
 */
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import { assertIsJwks, SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
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

/** How long unknown `kid`s may not trigger another JWKS fetch, seconds (docs/contract.md, "Authorizers"). */
export const DEFAULT_PENALTY_SECONDS = 10;

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
  /** Default {@link DEFAULT_PENALTY_SECONDS}. */
  penaltySeconds?: number;
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
    const penaltyBox = new SimplePenaltyBox({ waitSeconds: options.penaltySeconds ?? DEFAULT_PENALTY_SECONDS });
    const { fetchJwks } = options;
    const inner: Fetcher =
      fetchJwks === undefined
        ? new SimpleFetcher() // https only; socket idle 1.5 s, response 3 s
        : { fetch: async (uri) => toArrayBuffer(await fetchJwks(uri)) };
    const fetcher: Fetcher = {
      fetch: async (uri, requestOptions, data) => {
        try {
          const body = await inner.fetch(uri, requestOptions, data);
          assertIsJwks(JSON.parse(new TextDecoder().decode(body)) as Json); // a broken JWKS counts as a failure
          return body;
        } catch (err) {
          // The library penalises only fetches that lacked the kid; a failing JWKS endpoint must not be
          // hammered by a flood either.
          penaltyBox.registerFailedAttempt(uri);
          throw new JwksUnavailableError(err);
        }
      },
    };
    this.verifier = JwtVerifier.create(
      {
        issuer: options.issuer,
        audience: options.audience,
        jwksUri: options.jwksUri ?? `${options.issuer}/.well-known/jwks.json`,
        graceSeconds,
        customJwtCheck: (props) => accessTokenChecks(props, { graceSeconds, subject, nowSeconds: Date.now() / 1000 }),
      },
      { jwksCache: new SimpleJwksCache({ fetcher, penaltyBox }) },
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
