/**
 * RFC 9068 access-token verification with aws-jwt-verify, plus the checks the library leaves to us
 * (RFC 9068 §4, RFC 8725):
 * - the library pins `iss` and `aud` (exact string match), verifies the signature with the JWK named by
 *   `kid` from OUR JWKS only (`jku`, `x5u`, `x5c` and an embedded `jwk` header are never read), checks
 *   `header.alg === jwk.alg` when the JWK has an `alg`, and `exp`/`nbf` only when present;
 * - {@link accessTokenChecks} adds: `typ` is `at+jwt`, `alg` is the key's (RS256 or ES256 only), no
 *   `crit`, and `exp`, `iat`, `jti`, `client_id`, `sub` present (with `sub === client_id` for
 *   client-credentials tokens), `iat` not in the future, lifetime within 30 days.
 *
 * Before any of that, {@link assertCanonicalJws} accepts one encoding per token only: canonical
 * base64url without padding in all three segments and, for ES256, a low-s signature. Every
 * verification path (the Lambda authorizer's HTTP API and REST variants, the admin API's bearer check
 * locally) goes through {@link AccessTokenVerifier.verify}, so this is the one place it is checked.
 *
 * The JWKS is cached for the life of the verifier (a Lambda container): it is preloaded (`jwks`, from
 * `IDP_JWKS`) or fetched once from `<issuer>/.well-known/jwks.json` and fetched again only for a `kid` it
 * does not hold (key rotation). A flood of unknown `kid`s costs at most one fetch per
 * `penaltySeconds`: aws-jwt-verify's `SimplePenaltyBox` refuses further fetches of the URI for that
 * long after a fetch that did not contain the `kid` (a failed fetch is registered the same way here);
 * tokens with a known `kid` keep verifying from the cache meanwhile. Keys removed from the JWKS stay
 * trusted until the container is recycled.
 */
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
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
import { SimpleFetcher } from 'aws-jwt-verify/https';
import type { Jwk } from 'aws-jwt-verify/jwk';
import { assertIsJwks, SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { Json } from 'aws-jwt-verify/safe-json-parse';
import { JWKS_PATH } from '../domain/endpoints/paths';
import { MAX_ACCESS_TOKEN_TTL } from '../domain/tokens/access-token';
import type { AccessTokenVerifierPort, BearerGrant } from '../domain/bearer-authorization';
import { InvalidAccessTokenError, scopeTokens } from '../domain/bearer-authorization';
import { isLowS } from './ecdsa-p256';

/** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds. */
export const DEFAULT_GRACE_SECONDS = 5;
/** How long unknown `kid`s may not trigger another JWKS fetch, seconds. */
export const DEFAULT_PENALTY_SECONDS = 10;
/** Algorithms this IdP signs with (docs/contract.md: RS256 default, ES256 optional). */
export const ACCEPTED_ALGORITHMS: readonly string[] = ['RS256', 'ES256'];

/** A JWK Set as JSON (RFC 7517 §5), e.g. `{keys: PublicJwk[]}`; validated before use. */
export interface JwksInput {
  keys: readonly object[];
}

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
  /** Default {@link DEFAULT_PENALTY_SECONDS}. */
  penaltySeconds?: number;
  /**
   * `client`: tokens must be client-credentials tokens, `sub === client_id` (RFC 9068 §2.2); the admin
   * API accepts no other kind. `any`: `sub` must merely be present. Default `client`.
   */
  subject?: 'client' | 'any';
}

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
 * The checks aws-jwt-verify does not make (run after its signature, `iss`, `aud`, `exp`, `nbf` checks).
 * @throws InvalidAccessTokenError
 */
export function accessTokenChecks(
  { header, payload, jwk }: { header: JwtHeader; payload: JwtPayload; jwk: Jwk },
  options: { graceSeconds: number; subject: 'client' | 'any'; nowSeconds: number },
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
  if (options.subject === 'client' && payload.sub !== payload['client_id']) {
    throw new InvalidAccessTokenError('the token is not a client credentials token');
  }
  if (payload.iat > options.nowSeconds + options.graceSeconds) {
    throw new InvalidAccessTokenError('the token was issued in the future');
  }
  if (payload.exp - payload.iat > MAX_ACCESS_TOKEN_TTL) {
    throw new InvalidAccessTokenError('the token lifetime exceeds the maximum');
  }
}

// RFC 7515 §2: Base64url Encoding is RFC 4648 §5 with all trailing '=' characters omitted.
const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Whether `segment` is the one base64url encoding of its bytes: alphabet of RFC 4648 §5, no padding
 * (RFC 7515 §2), and zero unused bits in the last character (RFC 4648 §3.5: encoders set the pad bits
 * to zero, decoders MAY reject otherwise). Re-encoding the decoded bytes must give the segment back.
 */
function isCanonicalBase64url(segment: string): boolean {
  return BASE64URL_SEGMENT.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/**
 * One token, one string: every other encoding of a valid token would miss API Gateway's authorizer
 * cache and break anything keyed on the token. A token that is not three segments is left to the
 * library (malformed either way).
 * @throws InvalidAccessTokenError for padding, a non-canonical segment, or a high-s ES256 signature
 */
export function assertCanonicalJws(token: string): void {
  const segments = token.split('.');
  if (segments.length !== 3) return;
  if (!segments.every(isCanonicalBase64url)) {
    throw new InvalidAccessTokenError('the access token is not canonical base64url');
  }
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8')) as { alg?: unknown } | null)?.alg;
  } catch {
    return; // the library answers a header that is not JSON
  }
  // RFC 7518 §3.4: (r, s) and (r, n − s) both verify; only s ≤ n/2 is accepted. Other lengths fail verification.
  const signature = Buffer.from(segments[2]!, 'base64url');
  if (alg === 'ES256' && signature.length === 64 && !isLowS(signature)) {
    throw new InvalidAccessTokenError('the access token signature is not in low-s form');
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

/** Thrown when the JWKS could not be obtained; the token is neither accepted nor blamed. */
export class JwksUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('the JWKS could not be obtained');
    this.name = 'JwksUnavailableError';
  }
}

/** A verifier with the JWKS cached for its lifetime; build one per cold start and reuse it. */
export class AccessTokenVerifier implements AccessTokenVerifierPort {
  private readonly verifier;
  private readonly graceSeconds: number;
  private readonly subject: 'client' | 'any';

  constructor(options: AccessTokenVerifierOptions) {
    this.graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    this.subject = options.subject ?? 'client';
    const jwksUri = options.jwksUri ?? `${options.issuer}${JWKS_PATH}`;
    const penaltyBox = new SimplePenaltyBox({ waitSeconds: options.penaltySeconds ?? DEFAULT_PENALTY_SECONDS });
    const inner: Fetcher =
      options.fetchJwks === undefined
        ? new SimpleFetcher() // https only; socket idle 1.5 s, response 3 s
        : { fetch: async (uri) => toArrayBuffer(await options.fetchJwks!(uri)) };
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
        jwksUri,
        graceSeconds: this.graceSeconds,
        customJwtCheck: (props) =>
          accessTokenChecks(props, {
            graceSeconds: this.graceSeconds,
            subject: this.subject,
            nowSeconds: Date.now() / 1000,
          }),
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
   * @throws InvalidAccessTokenError for any token that must be refused
   * @throws JwksUnavailableError when the JWKS could not be fetched or is not a JWKS
   * @throws other errors only for a misconfigured verifier
   */
  async verify(token: string): Promise<BearerGrant> {
    assertCanonicalJws(token);
    let payload: JwtPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof InvalidAccessTokenError || err instanceof JwksUnavailableError) throw err;
      if (err instanceof FetchError || err instanceof JwksValidationError) throw new JwksUnavailableError(err);
      if (!(err instanceof JwtBaseError)) {
        // node:crypto throws (rather than returning false) for some malformed signatures, e.g. an ES256
        // signature that is not 64 bytes: still the token's fault, never a 500.
        throw new InvalidAccessTokenError('the access token signature is invalid');
      }
      const description = describeRejection(err);
      if (description !== undefined) throw new InvalidAccessTokenError(description);
      throw err;
    }
    return {
      clientId: payload['client_id'] as string,
      jti: payload.jti as string,
      scope: scopeTokens(payload.scope),
      claims: payload,
    };
  }
}

function toArrayBuffer(json: unknown): ArrayBuffer {
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
