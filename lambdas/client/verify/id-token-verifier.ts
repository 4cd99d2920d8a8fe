/**
 * OIDC ID-token validation for a relying party that got the token straight from the token endpoint
 * (OpenID Connect Core 1.0 §3.1.3.7), as `idp login` does: the signature with the issuer's JWKS
 * (aws-jwt-verify, behind the same {@link RotationAwareJwksCache} as the access-token verifier), `iss`
 * exactly, `aud` containing the client id, `azp` (when present, and required with more than one
 * audience) equal to it, `exp` (required), `iat` (required, not in the future), `sub` present, and
 * the `nonce` the authorization request sent. An `at+jwt` access token is refused (RFC 8725 §3.11):
 * explicit typing keeps the two kinds of token apart.
 */
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import type { Jwk, Jwks } from 'aws-jwt-verify/jwk';
import { assertIsJwks } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { Json } from 'aws-jwt-verify/safe-json-parse';
import {
  ACCEPTED_ALGORITHMS,
  AccessTokenRejectedError,
  DEFAULT_GRACE_SECONDS,
  JwksUnavailableError,
  classifyVerificationError,
  isAccessTokenType,
} from './access-token-rules';
import { assertCanonicalJws } from './canonical-jws';
import { DEFAULT_JWKS_REFETCH_SECONDS, RotationAwareJwksCache } from './jwks-cache';

/** An ID token that must be refused; `message` is fixed text, never token content. */
export class IdTokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdTokenRejectedError';
  }
}

/** What an {@link IdTokenVerifier} checks against. */
export interface IdTokenVerifierOptions {
  /** Expected `iss`, exactly. */
  issuer: string;
  /** The relying party's client id: the expected `aud` (and `azp`). */
  clientId: string;
  /** The issuer's `jwks_uri`. */
  jwksUri: string;
  /** Fetches the JWKS as JSON; default an https GET (aws-jwt-verify's fetcher speaks https only). */
  fetchJwks?: (jwksUri: string) => Promise<unknown>;
  /** Clock skew tolerated on `exp` and `iat`, seconds; default {@link DEFAULT_GRACE_SECONDS}. */
  graceSeconds?: number;
}

/** Verifies ID tokens of one issuer for one client. */
export class IdTokenVerifier {
  private readonly verifier;
  private readonly clientId: string;
  private readonly graceSeconds: number;

  constructor(options: IdTokenVerifierOptions) {
    this.clientId = options.clientId;
    this.graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    const { fetchJwks } = options;
    const inner: Fetcher =
      fetchJwks === undefined ? new SimpleFetcher() : { fetch: async (uri) => toArrayBuffer(await fetchJwks(uri)) };
    const jwksCache = new RotationAwareJwksCache({
      fetchJwks: async (uri) => {
        try {
          const json = JSON.parse(new TextDecoder().decode(await inner.fetch(uri))) as Json;
          assertIsJwks(json);
          return json as Jwks;
        } catch (err) {
          throw new JwksUnavailableError(err);
        }
      },
      refetchIntervalSeconds: DEFAULT_JWKS_REFETCH_SECONDS,
    });
    this.verifier = JwtVerifier.create(
      {
        issuer: options.issuer,
        audience: options.clientId,
        jwksUri: options.jwksUri,
        graceSeconds: this.graceSeconds,
      },
      { jwksCache },
    );
  }

  /**
   * The verified claims of `idToken`, issued in answer to the authorization request that sent `nonce`.
   * @throws IdTokenRejectedError for a token that must be refused
   * @throws JwksUnavailableError when the JWKS could not be obtained
   */
  async verify(idToken: string, expected: { nonce: string }): Promise<JwtPayload> {
    let payload: JwtPayload;
    try {
      assertCanonicalJws(idToken);
      payload = await this.verifier.verify(idToken, {
        customJwtCheck: ({ header, payload, jwk }) => this.checks(header, payload, jwk, expected.nonce),
      });
    } catch (err) {
      if (err instanceof IdTokenRejectedError) throw err;
      const classified = classifyVerificationError(err);
      if (classified instanceof AccessTokenRejectedError) {
        // The shared rules word their refusals for access tokens; the meaning is the same.
        throw new IdTokenRejectedError(classified.message.replace('access token', 'ID token'));
      }
      throw classified;
    }
    return payload;
  }

  /** OIDC Core §3.1.3.7 beyond what the library checks (signature, iss, aud, exp/nbf when present). */
  private checks(header: JwtHeader, payload: JwtPayload, jwk: Jwk, nonce: string): void {
    // RFC 8725 §3.11: an access token (typ at+jwt) is not an ID token.
    if (isAccessTokenType(header.typ)) throw new IdTokenRejectedError('the token is an access token, not an ID token');
    // §3.1.3.7 step 7 / RFC 8725 §3.1: the algorithm of the key that verified it, RS256 or ES256 only.
    const alg = typeof jwk.alg === 'string' ? jwk.alg : jwk.kty === 'RSA' ? 'RS256' : 'ES256';
    if (header.alg !== alg || !ACCEPTED_ALGORITHMS.includes(alg)) {
      throw new IdTokenRejectedError('the ID token algorithm is not allowed');
    }
    // RFC 7515 §4.1.11: no extension is understood.
    if (header.crit !== undefined) throw new IdTokenRejectedError('the ID token has critical header parameters');
    // §2: iss, sub, aud, exp, iat are REQUIRED.
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw new IdTokenRejectedError('the ID token has no sub');
    if (typeof payload.exp !== 'number') throw new IdTokenRejectedError('the ID token has no exp');
    if (typeof payload.iat !== 'number') throw new IdTokenRejectedError('the ID token has no iat');
    if (payload.iat > Date.now() / 1000 + this.graceSeconds) {
      throw new IdTokenRejectedError('the ID token was issued in the future');
    }
    // §3.1.3.7 steps 4-5: with several audiences azp is needed; when present it is this client.
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const azp = payload['azp'];
    if (audiences.length > 1 && azp === undefined) throw new IdTokenRejectedError('the ID token has no azp');
    if (azp !== undefined && azp !== this.clientId) {
      throw new IdTokenRejectedError('the ID token was issued to another client (azp)');
    }
    // §3.1.3.7 step 11 / §15.5.2: the nonce of this authorization request, against replay.
    if (payload['nonce'] !== nonce) throw new IdTokenRejectedError('the ID token nonce does not match the request');
  }
}

function toArrayBuffer(json: unknown): ArrayBuffer {
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
