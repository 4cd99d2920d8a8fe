/**
 * One token, one string (docs/contract.md, "Authorizers"): every other encoding of a valid token would
 * miss API Gateway's authorizer cache and break anything keyed on the token. Checked before the
 * signature, by every verifier of this IdP's tokens.
 */
import { AccessTokenRejectedError } from './access-token-rules';
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

/**
 * Accepts canonical base64url without padding in all three segments and, for ES256, a low-s
 * signature only. A token that is not three segments is left to aws-jwt-verify (malformed either way).
 * @throws AccessTokenRejectedError for padding, a non-canonical segment, or a high-s ES256 signature
 */
export function assertCanonicalJws(token: string): void {
  const segments = token.split('.');
  if (segments.length !== 3) return;
  if (!segments.every(isCanonicalBase64url)) {
    throw new AccessTokenRejectedError('the access token is not canonical base64url');
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
    throw new AccessTokenRejectedError('the access token signature is not in low-s form');
  }
}
