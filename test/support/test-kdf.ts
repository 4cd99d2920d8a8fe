/**
 * A fast, deterministic {@link PasswordKdf} for tests: HMAC-SHA-256 of the password under the salt,
 * "parameters" `{cost}` so that `needsRehash` can be driven, constant-time comparison, and counters of
 * every call (so a test can tell that an unknown user still cost one `burn`). Never for production:
 * the real adapter is scrypt at OWASP parameters.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PasswordHash } from '../../lambdas/domain/people/model';
import type { PasswordKdf } from '../../lambdas/domain/people/ports';

export class TestKdf implements PasswordKdf {
  readonly calls = { hash: 0, verify: 0, needsRehash: 0, burn: 0 };

  /** @param cost the "current parameters"; hashes made with a lower cost need a rehash */
  constructor(readonly cost = 2) {}

  async hash(password: string): Promise<PasswordHash> {
    this.calls.hash += 1;
    return this.make(password, randomBytes(16).toString('base64url'), this.cost);
  }

  /** A stored hash made now, synchronously, for seeding (not counted). */
  hashSync(password: string, cost = this.cost): PasswordHash {
    return this.make(password, randomBytes(16).toString('base64url'), cost);
  }

  async verify(password: string, stored: PasswordHash): Promise<boolean> {
    this.calls.verify += 1;
    const expected = Buffer.from(stored.hash, 'base64url');
    const actual = Buffer.from(this.make(password, stored.salt, stored.params['cost'] ?? 0).hash, 'base64url');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  needsRehash(stored: PasswordHash): boolean {
    this.calls.needsRehash += 1;
    return stored.kdf !== 'test-hmac' || (stored.params['cost'] ?? 0) < this.cost;
  }

  async burn(password: string): Promise<void> {
    this.calls.burn += 1;
    this.make(password, 'burn', this.cost);
  }

  private make(password: string, salt: string, cost: number): PasswordHash {
    const hash = createHmac('sha256', `${salt}:${cost}`).update(password, 'utf8').digest('base64url');
    return { kdf: 'test-hmac', params: { cost }, salt, hash };
  }
}
