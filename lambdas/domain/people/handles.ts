/**
 * Handles: the 256-bit random strings a browser or a link carries (setup tokens, and the sign-in
 * side's cookies and codes), never stored. Items are keyed by the handle's SHA-256 digest, so a table
 * dump yields nothing usable (docs/data-model.md, "Users").
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new handle: 32 bytes from the CSPRNG, base64url (43 characters, nothing form-encoding changes). */
export function newHandle(): string {
  return randomBytes(32).toString('base64url');
}

/** The digest a handle is stored under: base64url SHA-256 of its UTF-8 bytes. */
export function handleDigest(handle: string): string {
  return createHash('sha256').update(handle, 'utf8').digest('base64url');
}
