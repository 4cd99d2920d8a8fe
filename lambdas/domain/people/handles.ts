/**
 * Random handles of the people side (sign-in session cookies, pending-request handles, CSRF tokens,
 * the browser-binding cookie, authorization codes): 256 bits from node:crypto's CSPRNG, base64url.
 * Only their SHA-256 digest is ever stored (docs/data-model.md, "People"), so a table dump yields
 * nothing usable; digests are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new 256-bit handle: 43 base64url characters. */
export function newHandle(): string {
  return randomBytes(32).toString('base64url');
}

/** A new public identifier (a sign-in session's `sid`): 128 bits, base64url. */
export function newPublicId(): string {
  return randomBytes(16).toString('base64url');
}

/** SHA-256 of a handle, base64url: the key it is stored under. */
export function digestOf(handle: string): string {
  return createHash('sha256').update(handle, 'utf8').digest('base64url');
}

/** Whether a presented handle has the shape of one of ours (so nothing else reaches the store). */
export function isHandle(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Constant-time equality of two digests (or any two strings). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether `handle` is the one whose digest is `digest`, in constant time. */
export function matchesDigest(handle: string | undefined, digest: string): boolean {
  return isHandle(handle) && digestsEqual(digestOf(handle), digest);
}
