/**
 * RFC 9068 access-token verification for `idp verify`, with aws-jwt-verify: the checks the IdP's own
 * authorizer makes, declared here so that the client ships without the server's code.
 * - the library pins `iss` and `aud` (exact string match), verifies the signature with the JWK named by
 *   `kid` from the issuer's JWKS only (`jku`, `x5u`, `x5c` and an embedded `jwk` are never read), and
 *   checks `exp`/`nbf` when present;
 * - {@link accessTokenChecks} adds: `typ` is `at+jwt`, `alg` is the key's (RS256 or ES256 only), no
 *   `crit`, `exp`, `iat`, `jti`, `client_id`, `sub` present, `iat` not in the future, lifetime within
 *   30 days.
 *
 * Rejections carry fixed descriptions (never token content) in {@link InvalidAccessTokenError}; a JWKS
 * that cannot be obtained is a {@link JwksUnavailableError}, which blames no token.
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
import type { Fetcher } from 'aws-jwt-verify/https';
import type { Jwk } from 'aws-jwt-verify/jwk';
import { assertIsJwks, SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { Json } from 'aws-jwt-verify/safe-json-parse';

/** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds. */
const GRACE_SECONDS = 5;
/** The longest access-token lifetime the IdP issues (30 days, docs/contract.md). */
const MAX_ACCESS_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Algorithms the IdP signs with: RS256 by default, ES256 optional. */
const ACCEPTED_ALGORITHMS: readonly string[] = ['RS256', 'ES256'];

/** A token that must be refused; `message` is fixed text, never token content. */
export class InvalidAccessTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAccessTokenError';
  }
}

/** The JWKS could not be obtained (or is not a JWKS); the token is neither accepted nor blamed. */
export class JwksUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('the JWKS could not be obtained');
    this.name = 'JwksUnavailableError';
  }
}

/** What a verified token says. */
export interface VerifiedAccessToken {
  clientId: string;
  jti: string;
  /** The token's scopes, in token order. */
  scope: string[];
  claims: JwtPayload;
}

/**
 * The `typ` check of RFC 9068 §4: `at+jwt` or `application/at+jwt`, case-insensitively; a `typ`
 * without `/` means `application/` + it (RFC 7515 §4.1.9).
 */
function isAccessTokenType(typ: unknown): boolean {
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
 * The checks aws-jwt-verify does not make (run after its signature, `iss`, `aud`, `exp`, `nbf` checks).
 * @throws InvalidAccessTokenError
 */
function accessTokenChecks(
  { header, payload, jwk }: { header: JwtHeader; payload: JwtPayload; jwk: Jwk },
  nowSeconds: number,
): void {
  // RFC 9068 §4 step 1 / RFC 8725 §3.11: explicit typing keeps ID tokens and other JWTs out.
  if (!isAccessTokenType(header.typ)) throw new InvalidAccessTokenError('the token is not an at+jwt access token');
  // RFC 8725 §3.1: only the algorithm of the key that verified the token.
  const alg = keyAlgorithm(jwk);
  if (alg === undefined || header.alg !== alg || !ACCEPTED_ALGORITHMS.includes(alg)) {
    throw new InvalidAccessTokenError('the token algorithm is not allowed');
  }
  // RFC 7515 §4.1.11: we understand no extension, so any `crit` makes the token unacceptable.
  if (header.crit !== undefined) throw new InvalidAccessTokenError('the token has critical header parameters');
  // RFC 9068 §2.2: exp, iat, jti, client_id and sub are REQUIRED (the library accepts tokens without exp).
  if (typeof payload.exp !== 'number') throw new InvalidAccessTokenError('the token has no exp claim');
  if (typeof payload.iat !== 'number') throw new InvalidAccessTokenError('the token has no iat claim');
  if (!nonEmptyString(payload.jti)) throw new InvalidAccessTokenError('the token has no jti claim');
  if (!nonEmptyString(payload['client_id'])) throw new InvalidAccessTokenError('the token has no client_id claim');
  if (!nonEmptyString(payload.sub)) throw new InvalidAccessTokenError('the token has no sub claim');
  if (payload.iat > nowSeconds + GRACE_SECONDS) throw new InvalidAccessTokenError('the token was issued in the future');
  if (payload.exp - payload.iat > MAX_ACCESS_TOKEN_TTL_SECONDS) {
    throw new InvalidAccessTokenError('the token lifetime exceeds the maximum');
  }
}

/** Fixed descriptions for the library's rejections (its messages echo token content such as `kid`). */
function describeRejection(err: JwtBaseError): string | undefined {
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
  // FetchError, JwksValidationError (the JWKS), ParameterValidationError (our configuration): not the token's fault.
  return undefined;
}

/** What {@link verifyAccessToken} checks against. */
export interface VerifyOptions {
  /** Expected `iss`, exactly. */
  issuer: string;
  /** Expected `aud` (one of the token's audiences must equal it). */
  audience: string;
  jwksUri: string;
  /** Gets the JWKS as JSON (the library's own fetcher speaks https only). */
  fetchJwks: (jwksUri: string) => Promise<unknown>;
}

/**
 * Verifies one access token.
 * @throws InvalidAccessTokenError for any token that must be refused
 * @throws JwksUnavailableError when the JWKS could not be fetched or is not a JWKS
 */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<VerifiedAccessToken> {
  const penaltyBox = new SimplePenaltyBox();
  const fetcher: Fetcher = {
    fetch: async (uri) => {
      try {
        const bytes = new TextEncoder().encode(JSON.stringify(await options.fetchJwks(uri)));
        const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        assertIsJwks(JSON.parse(new TextDecoder().decode(body)) as Json); // a broken JWKS counts as a failure
        return body;
      } catch (err) {
        penaltyBox.registerFailedAttempt(uri);
        throw new JwksUnavailableError(err);
      }
    },
  };
  const verifier = JwtVerifier.create(
    {
      issuer: options.issuer,
      audience: options.audience,
      jwksUri: options.jwksUri,
      graceSeconds: GRACE_SECONDS,
      customJwtCheck: (props) => accessTokenChecks(props, Date.now() / 1000),
    },
    { jwksCache: new SimpleJwksCache({ fetcher, penaltyBox }) },
  );
  let payload: JwtPayload;
  try {
    payload = await verifier.verify(token);
  } catch (err) {
    if (err instanceof InvalidAccessTokenError || err instanceof JwksUnavailableError) throw err;
    if (err instanceof FetchError || err instanceof JwksValidationError) throw new JwksUnavailableError(err);
    if (!(err instanceof JwtBaseError)) {
      // node:crypto throws (rather than returning false) for some malformed signatures, e.g. an ES256
      // signature that is not 64 bytes: still the token's fault.
      throw new InvalidAccessTokenError('the access token signature is invalid');
    }
    const description = describeRejection(err);
    if (description !== undefined) throw new InvalidAccessTokenError(description);
    throw err;
  }
  const scope = payload.scope;
  return {
    clientId: payload['client_id'] as string,
    jti: payload.jti as string,
    scope: typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [],
    claims: payload,
  };
}
