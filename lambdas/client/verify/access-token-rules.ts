/**
 * The RFC 9068 access-token rules every verifier of this IdP's tokens applies — the shipped
 * authorizers and the admin API's bearer check (lambdas/adapters/access-token-verifier.ts) as well as
 * `idp verify` (docs/contract.md, "Authorizers", Token verification). Pure: no I/O, no server code;
 * aws-jwt-verify types and error classes only, so the client ships on its own.
 *
 * aws-jwt-verify pins `iss` and `aud`, verifies the signature with the JWK named by `kid`, and checks
 * `exp`/`nbf` when present; {@link accessTokenChecks} adds what it leaves to us (RFC 9068 §4, RFC 8725),
 * and {@link describeRejection} turns its errors into fixed descriptions.
 */
import {
  FetchError,
  JwksValidationError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwkValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Jwk } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';

/** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds (docs/contract.md, "Authorizers"). */
export const DEFAULT_GRACE_SECONDS = 5;
/**
 * The longest access-token lifetime the IdP issues, `exp − iat` (30 days, docs/contract.md,
 * "Authorizers"); the domain's `MAX_ACCESS_TOKEN_TTL` is the same number (a unit test pins it).
 */
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;
/** Algorithms the IdP signs with: RS256 by default, ES256 optional. */
export const ACCEPTED_ALGORITHMS: readonly string[] = ['RS256', 'ES256'];

/**
 * A token that must be refused. `message` is fixed text, never token content, so it may reach the
 * caller (an `error_description`, the CLI's output).
 */
export class AccessTokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessTokenRejectedError';
  }
}

/** The JWKS could not be obtained (or is not a JWKS); the token is neither accepted nor blamed. */
export class JwksUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('the JWKS could not be obtained');
    this.name = 'JwksUnavailableError';
  }
}

/**
 * `client`: tokens must be client-credentials tokens, `sub === client_id` (RFC 9068 §2.2). `any`: `sub`
 * must merely be present.
 */
export type SubjectRule = 'client' | 'any';

/**
 * The `typ` check of RFC 9068 §4: `at+jwt` or `application/at+jwt`. Media types are case-insensitive
 * (RFC 7515 §4.1.9, citing RFC 2045), and a `typ` without `/` means `application/` + it (RFC 7515
 * §4.1.9), so the value is lower-cased and the prefix added before comparing; parameters are not
 * accepted.
 */
export function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return (lower.includes('/') ? lower : `application/${lower}`) === 'application/at+jwt';
}

/** The algorithm a JWK is for: its `alg`, else RS256 for RSA and ES256 for EC P-256 keys. */
function keyAlgorithm(jwk: Jwk): string | undefined {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return undefined;
}

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/**
 * The checks aws-jwt-verify does not make (run after its signature, `iss`, `aud`, `exp`, `nbf` checks,
 * as its `customJwtCheck`): `typ` is `at+jwt`, `alg` is the key's (RS256 or ES256 only), no `crit`,
 * `exp`, `iat`, `jti`, `client_id`, `sub` present (and `sub === client_id` for `subject: 'client'`),
 * `iat` not in the future, lifetime within {@link MAX_ACCESS_TOKEN_LIFETIME_SECONDS}.
 * @throws AccessTokenRejectedError
 */
export function accessTokenChecks(
  { header, payload, jwk }: { header: JwtHeader; payload: JwtPayload; jwk: Jwk },
  options: { graceSeconds: number; subject: SubjectRule; nowSeconds: number },
): void {
  // RFC 9068 §4 step 1 / RFC 8725 §3.11: explicit typing keeps ID tokens and other JWTs out.
  if (!isAccessTokenType(header.typ)) throw new AccessTokenRejectedError('the token is not an at+jwt access token');
  // RFC 8725 §3.1: only the algorithm of the key that verified the token.
  const alg = keyAlgorithm(jwk);
  if (alg === undefined || header.alg !== alg || !ACCEPTED_ALGORITHMS.includes(alg)) {
    throw new AccessTokenRejectedError('the token algorithm is not allowed');
  }
  // RFC 7515 §4.1.11: we understand no extension, so any `crit` makes the token unacceptable.
  if (header.crit !== undefined) throw new AccessTokenRejectedError('the token has critical header parameters');
  // RFC 9068 §2.2: exp, iat, jti, client_id and sub are REQUIRED (the library accepts tokens without exp).
  if (typeof payload.exp !== 'number') throw new AccessTokenRejectedError('the token has no exp claim');
  if (typeof payload.iat !== 'number') throw new AccessTokenRejectedError('the token has no iat claim');
  if (!nonEmptyString(payload.jti)) throw new AccessTokenRejectedError('the token has no jti claim');
  if (!nonEmptyString(payload['client_id'])) throw new AccessTokenRejectedError('the token has no client_id claim');
  if (!nonEmptyString(payload.sub)) throw new AccessTokenRejectedError('the token has no sub claim');
  if (options.subject === 'client' && payload.sub !== payload['client_id']) {
    throw new AccessTokenRejectedError('the token is not a client credentials token');
  }
  if (payload.iat > options.nowSeconds + options.graceSeconds) {
    throw new AccessTokenRejectedError('the token was issued in the future');
  }
  if (payload.exp - payload.iat > MAX_ACCESS_TOKEN_LIFETIME_SECONDS) {
    throw new AccessTokenRejectedError('the token lifetime exceeds the maximum');
  }
}

/**
 * Fixed descriptions for the library's rejections (its messages echo token content such as `kid`);
 * `undefined` for errors that are not the token's fault (FetchError, JwksValidationError: the JWKS;
 * ParameterValidationError: the verifier's configuration).
 */
export function describeRejection(err: JwtBaseError): string | undefined {
  if (err instanceof JwtExpiredError) return 'the access token expired';
  if (err instanceof JwtNotBeforeError) return 'the access token is not yet valid';
  if (err instanceof JwtInvalidIssuerError) return 'the access token has the wrong issuer';
  if (err instanceof JwtInvalidAudienceError) return 'the access token is not for this API';
  if (err instanceof JwtInvalidSignatureAlgorithmError) return 'the token algorithm is not allowed';
  if (err instanceof JwtInvalidSignatureError) return 'the access token signature is invalid';
  if (err instanceof JwtWithoutValidKidError) return 'the access token names no signing key';
  if (err instanceof KidNotFoundInJwksError || err instanceof WaitPeriodNotYetEndedJwkError) {
    return 'the access token was signed with an unknown key';
  }
  if (err instanceof JwtParseError) return 'the access token is malformed';
  if (err instanceof JwkValidationError || err instanceof JwkInvalidUseError || err instanceof JwkInvalidKtyError) {
    return 'the access token signing key is not usable';
  }
  return undefined;
}

/**
 * What an error thrown while verifying a token means: an {@link AccessTokenRejectedError} (the
 * token's fault, fixed text), a {@link JwksUnavailableError} (the JWKS's), or — for a misconfigured
 * verifier only — the error itself.
 */
export function classifyVerificationError(err: unknown): unknown {
  if (err instanceof AccessTokenRejectedError || err instanceof JwksUnavailableError) return err;
  if (err instanceof FetchError || err instanceof JwksValidationError) return new JwksUnavailableError(err);
  if (!(err instanceof JwtBaseError)) {
    // node:crypto throws (rather than returning false) for some malformed signatures, e.g. an ES256
    // signature that is not 64 bytes: still the token's fault, never a 500.
    return new AccessTokenRejectedError('the access token signature is invalid');
  }
  const description = describeRejection(err);
  return description === undefined ? err : new AccessTokenRejectedError(description);
}
