/**
 * One token, one string (docs/contract.md, "Authorizers"): every other encoding of a valid token would
 * miss API Gateway's authorizer cache and break anything keyed on the token. Checked before the
 * signature, by every verifier of this IdP's tokens.
 */
import { AccessTokenRejectedError } from './access-token-rules';
import { nonCanonicalJwsReason } from './jws-encoding';

export { isCanonicalBase64url } from './jws-encoding';

/**
 * Accepts canonical base64url without padding in all three segments and, for ES256, a low-s
 * signature only (./jws-encoding.ts). A token that is not three segments is left to aws-jwt-verify
 * (malformed either way).
 * @throws AccessTokenRejectedError for padding, a non-canonical segment, or a high-s ES256 signature
 */
export function assertCanonicalJws(token: string): void {
  const segments = token.split('.');
  if (segments.length !== 3) return;
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8')) as { alg?: unknown } | null)?.alg;
  } catch {
    alg = undefined; // the library answers a header that is not JSON; the encoding is still checked
  }
  const reason = nonCanonicalJwsReason(segments, alg);
  if (reason !== undefined) throw new AccessTokenRejectedError(reason);
}
