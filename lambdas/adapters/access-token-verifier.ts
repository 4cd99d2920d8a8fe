/**
 * The access-token verifier port (RFC 9068) for the Lambda authorizer's HTTP API and REST variants and
 * the admin API's bearer check locally. The verification itself — canonical JWS, aws-jwt-verify's
 * signature, `iss`, `aud`, `exp`, `nbf`, the RFC 9068 §4 / RFC 8725 checks on top, the JWKS cache and
 * refetch penalty — is the client's (lambdas/client/verify/, shared with `idp verify`: the authorizers
 * are consumers of our tokens too; docs/contract.md, "Authorizers"). This adapter adds the server's
 * side: the domain's {@link InvalidAccessTokenError} for a refused token, and {@link BearerGrant}s.
 */
import type { Jwk } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { SubjectRule } from '../client/verify/access-token-rules';
import {
  AccessTokenRejectedError,
  DEFAULT_GRACE_SECONDS,
  accessTokenChecks as clientAccessTokenChecks,
} from '../client/verify/access-token-rules';
import { assertCanonicalJws as clientAssertCanonicalJws } from '../client/verify/canonical-jws';
import type { JwksInput } from '../client/verify/jwt-access-token-verifier';
import { DEFAULT_PENALTY_SECONDS, JwtAccessTokenVerifier } from '../client/verify/jwt-access-token-verifier';
import type { AccessTokenVerifierPort, BearerGrant } from '../domain/bearer-authorization';
import { InvalidAccessTokenError } from '../domain/bearer-authorization';

export {
  ACCEPTED_ALGORITHMS,
  DEFAULT_GRACE_SECONDS,
  JwksUnavailableError,
  isAccessTokenType,
} from '../client/verify/access-token-rules';
export { DEFAULT_JWKS_MAX_AGE_SECONDS, DEFAULT_PENALTY_SECONDS } from '../client/verify/jwt-access-token-verifier';
export type { JwksInput } from '../client/verify/jwt-access-token-verifier';

export interface AccessTokenVerifierOptions {
  /** Expected `iss`, exactly (no trailing slash). */
  issuer: string;
  /** Expected `aud` (one of the token's audiences must equal it). */
  audience: string;
  /** JWKS URI; default `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** A JWKS to cache before the first request (`IDP_JWKS`), so no fetch is needed. */
  jwks?: JwksInput;
  /**
   * Where the JWKS comes from when a `kid` is not cached. Default: HTTPS GET of the JWKS URI (the
   * library's fetcher speaks https only); the local runtime passes its in-process key source.
   */
  fetchJwks?: (jwksUri: string) => Promise<unknown>;
  /** Default {@link DEFAULT_GRACE_SECONDS}. */
  graceSeconds?: number;
  /** Minimum seconds between two JWKS fetches. Default {@link DEFAULT_PENALTY_SECONDS} (60). */
  penaltySeconds?: number;
  /** A cached JWKS older than this is fetched again, seconds. Default 300 (the IdP's JWKS `max-age`). */
  jwksMaxAgeSeconds?: number;
  /** The JWKS cache's clock (ms); default `Date.now`. */
  now?: () => number;
  /**
   * `client`: tokens must be client-credentials tokens, `sub === client_id` (RFC 9068 §2.2); the admin
   * API accepts no other kind. `any`: `sub` must merely be present. Default `client`.
   */
  subject?: SubjectRule;
}

/** The client's rejection as the domain's, with the same fixed description; any other error as it is. */
function toDomainError(err: unknown): unknown {
  return err instanceof AccessTokenRejectedError ? new InvalidAccessTokenError(err.message) : err;
}

/** Runs `check`, throwing the client's rejection as the domain's. */
function asDomainRejection<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw toDomainError(err);
  }
}

/**
 * The checks aws-jwt-verify does not make (run after its signature, `iss`, `aud`, `exp`, `nbf` checks);
 * the rules are the client's (lambdas/client/verify/access-token-rules.ts).
 * @throws InvalidAccessTokenError
 */
export function accessTokenChecks(
  props: { header: JwtHeader; payload: JwtPayload; jwk: Jwk },
  options: { graceSeconds: number; subject: SubjectRule; nowSeconds: number },
): void {
  asDomainRejection(() => clientAccessTokenChecks(props, options));
}

/**
 * One token, one string: canonical unpadded base64url segments (RFC 7515 §2, RFC 4648 §3.5) and a
 * low-s ES256 signature (RFC 7518 §3.4); lambdas/client/verify/canonical-jws.ts.
 * @throws InvalidAccessTokenError for padding, a non-canonical segment, or a high-s ES256 signature
 */
export function assertCanonicalJws(token: string): void {
  asDomainRejection(() => clientAssertCanonicalJws(token));
}

/** A verifier with the JWKS cached for its lifetime (a Lambda container); build one per cold start. */
export class AccessTokenVerifier implements AccessTokenVerifierPort {
  private readonly verifier: JwtAccessTokenVerifier;

  constructor(options: AccessTokenVerifierOptions) {
    this.verifier = new JwtAccessTokenVerifier({
      ...options,
      graceSeconds: options.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      penaltySeconds: options.penaltySeconds ?? DEFAULT_PENALTY_SECONDS,
      subject: options.subject ?? 'client',
    });
  }

  /**
   * Replaces the cached JWKS (validated first).
   * @throws JwksValidationError / JwkValidationError for something that is not a JWKS
   */
  cacheJwks(jwks: JwksInput): void {
    this.verifier.cacheJwks(jwks);
  }

  /**
   * @throws InvalidAccessTokenError for any token that must be refused
   * @throws JwksUnavailableError when the JWKS could not be fetched or is not a JWKS
   * @throws other errors only for a misconfigured verifier
   */
  async verify(token: string): Promise<BearerGrant> {
    try {
      const { clientId, jti, scope, claims } = await this.verifier.verify(token);
      return { clientId, jti, scope, claims };
    } catch (err) {
      throw toDomainError(err);
    }
  }
}
