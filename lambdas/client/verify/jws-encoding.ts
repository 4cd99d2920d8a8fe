/**
 * One token, one string (docs/contract.md, "Authorizers"): the encoding rules every verifier of this
 * IdP's tokens applies before the signature — the authorizers' core (canonical-jws.ts) and the token
 * function's own check of presented tokens (lambdas/adapters/issued-token-verifier.ts). Dependency-free,
 * so the token function's bundle stays within its budget.
 */
import { isLowS } from './ecdsa-p256';

// RFC 7515 §2: Base64url Encoding is RFC 4648 §5 with all trailing '=' characters omitted.
const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Whether `segment` is the one base64url encoding of its bytes: alphabet of RFC 4648 §5, no padding
 * (RFC 7515 §2), and zero unused bits in the last character (RFC 4648 §3.5: encoders set the pad bits
 * to zero, decoders MAY reject otherwise). Re-encoding the decoded bytes must give the segment back.
 */
export function isCanonicalBase64url(segment: string): boolean {
  return BASE64URL_SEGMENT.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/** Why three JWS segments are not the one encoding of their token, or `undefined` when they are. */
export function nonCanonicalJwsReason(segments: readonly string[], alg: unknown): string | undefined {
  if (!segments.every(isCanonicalBase64url)) return 'the access token is not canonical base64url';
  // RFC 7518 §3.4: (r, s) and (r, n − s) both verify; only s ≤ n/2 is accepted. Other lengths fail verification.
  const signature = Buffer.from(segments[2] ?? '', 'base64url');
  if (alg === 'ES256' && signature.length === 64 && !isLowS(signature)) {
    return 'the access token signature is not in low-s form';
  }
  return undefined;
}
