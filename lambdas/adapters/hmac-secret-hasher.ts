/**
 * Client secrets are stored only as HMAC-SHA-256 under a pepper (docs/data-model.md, Secrets at rest): a leaked table
 * alone does not allow offline guessing. Comparison is timing-safe.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SecretHasher } from '../domain/ports';

export class HmacSecretHasher implements SecretHasher {
  constructor(private readonly pepper: Uint8Array) {
    if (pepper.byteLength < 32) throw new Error('pepper must be at least 32 bytes');
  }

  hash(secret: string): string {
    return createHmac('sha256', this.pepper).update(secret, 'utf8').digest('base64url');
  }

  equal(a: string, b: string): boolean {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    if (x.length !== y.length) {
      // Hashes have one fixed length; a mismatch means a corrupt item. Spend the same work, then fail.
      timingSafeEqual(x, x);
      return false;
    }
    return timingSafeEqual(x, y);
  }
}
