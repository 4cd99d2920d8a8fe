/**
 * PKCE verification at the token endpoint (RFC 7636 §4.6), method S256 only (the only method the
 * authorization endpoint accepts): base64url(SHA-256(ASCII(code_verifier))) must equal the stored
 * `code_challenge`, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
export const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Whether `verifier` has the RFC 7636 §4.1 syntax. */
export function isCodeVerifier(verifier: string): boolean {
  return CODE_VERIFIER.test(verifier);
}

/** RFC 7636 §4.2 S256: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6: whether `verifier` answers the S256 `challenge` (constant time in the challenge's content). */
export function verifiesS256(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(s256Challenge(verifier), 'ascii');
  const stored = Buffer.from(challenge, 'ascii');
  // A length difference reveals nothing secret (every S256 challenge is 43 characters).
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}
