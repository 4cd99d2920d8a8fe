/**
 * Passwords stored with scrypt from node:crypto (OWASP Password Storage Cheat Sheet, "scrypt": N=2^17,
 * r=8, p=1), keyed with the pepper, the parameters kept beside each hash so that they can be raised
 * later (docs/data-model.md, "Users"). The work runs on libuv's thread pool through the callback API
 * (`crypto.scrypt`), never `scryptSync` on the event loop.
 *
 * Keying: the KDF's input is `HMAC-SHA-256(kdfKey, password)` ("pre-hashing with a pepper", OWASP
 * Password Storage Cheat Sheet, "Peppering"), where `kdfKey = HMAC-SHA-256(pepper, "serverless-idp
 * password-kdf v1")`. Why this way round:
 * - a table dump without the pepper allows no offline guessing at all: every candidate needs the key;
 * - the input has one fixed length (32 bytes) whatever the password (up to 256 code points, ~1 KiB of
 *   UTF-8), so the work per attempt does not depend on the password's length;
 * - scrypt takes binary input, so the HMAC output needs no encoding (unlike bcrypt's NUL problem);
 * - the derived `kdfKey` separates this use of the pepper from the client-secret HMAC
 *   (hmac-secret-hasher.ts): the same value hashed as a password and as a secret gives unrelated outputs.
 * The pepper cannot be rotated in place (every stored hash depends on it), as for client secrets.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHash } from '../domain/people/model';
import type { PasswordKdf } from '../domain/people/ports';

/** scrypt's cost parameters and output length, as stored in {@link PasswordHash.params}. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
  /** Output bytes. */
  keyLength: number;
}

/** OWASP Password Storage Cheat Sheet minimum for scrypt (≈128 MiB per hash), 32-byte output. */
export const OWASP_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1, keyLength: 32 });

/** The `kdf` name stored beside each hash. */
export const SCRYPT_KDF = 'scrypt';

/** Salt bytes per hash (128 bits, fresh from the CSPRNG). */
export const SALT_BYTES = 16;

/** Bounds on stored parameters: a corrupt or tampered item cannot make a verify allocate without limit. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_KEY_LENGTH = 64;

const KDF_KEY_LABEL = 'serverless-idp password-kdf v1';

/**
 * Memory scrypt needs for these parameters (OpenSSL's bound: 128·r·(N + p + 2) bytes), plus slack:
 * Node's default `maxmem` (32 MiB) is below what N=2^17, r=8 takes (128 MiB).
 */
export function scryptMaxmem(params: ScryptParams): number {
  return 128 * params.r * (params.N + params.p + 2) + 1024 * 1024;
}

function usable(params: Record<string, number>): params is Record<string, number> & ScryptParams {
  const { N, r, p, keyLength } = params as Partial<ScryptParams>;
  const int = (v: unknown, max: number): v is number =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  return (
    int(N, MAX_N) && N > 1 && (N & (N - 1)) === 0 && int(r, MAX_R) && int(p, MAX_P) && int(keyLength, MAX_KEY_LENGTH)
  );
}

/** The scrypt {@link PasswordKdf}, keyed with the pepper. */
export class ScryptPasswordKdf implements PasswordKdf {
  private readonly kdfKey: Buffer;
  private readonly params: Readonly<ScryptParams>;

  /**
   * @param pepper at least 32 bytes (the local pepper file, or the Secrets Manager pepper)
   * @param params the current parameters; {@link OWASP_SCRYPT_PARAMS} unless lower ones are injected
   *   for tests (a unit test must not spend ~100 ms per hash)
   */
  constructor(pepper: Uint8Array, params: Readonly<ScryptParams> = OWASP_SCRYPT_PARAMS) {
    if (pepper.byteLength < 32) throw new Error('pepper must be at least 32 bytes');
    if (!usable({ ...params })) throw new Error('scrypt parameters out of range');
    this.kdfKey = createHmac('sha256', pepper).update(KDF_KEY_LABEL, 'utf8').digest();
    this.params = Object.freeze({ ...params });
  }

  async hash(password: string): Promise<PasswordHash> {
    const salt = randomBytes(SALT_BYTES);
    const derived = await this.derive(password, salt, this.params);
    return {
      kdf: SCRYPT_KDF,
      params: { N: this.params.N, r: this.params.r, p: this.params.p, keyLength: this.params.keyLength },
      salt: salt.toString('base64url'),
      hash: derived.toString('base64url'),
    };
  }

  async verify(password: string, stored: PasswordHash): Promise<boolean> {
    const expected = Buffer.from(stored.hash, 'base64url');
    if (stored.kdf !== SCRYPT_KDF || !usable(stored.params) || expected.length !== stored.params.keyLength) {
      // A hash this KDF cannot check: spend the same work, then fail.
      await this.burn(password);
      return false;
    }
    const derived = await this.derive(password, Buffer.from(stored.salt, 'base64url'), stored.params);
    // Constant time (OWASP Password Storage Cheat Sheet): lengths are equal by construction.
    return timingSafeEqual(derived, expected);
  }

  needsRehash(stored: PasswordHash): boolean {
    if (stored.kdf !== SCRYPT_KDF || !usable(stored.params)) return true;
    const { N, r, p, keyLength } = stored.params;
    return N < this.params.N || r < this.params.r || p < this.params.p || keyLength < this.params.keyLength;
  }

  async burn(password: string): Promise<void> {
    const derived = await this.derive(password, randomBytes(SALT_BYTES), this.params);
    timingSafeEqual(derived, derived);
  }

  /** scrypt(HMAC-SHA-256(kdfKey, password), salt) on the thread pool. */
  private derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
    const input = createHmac('sha256', this.kdfKey).update(password, 'utf8').digest();
    return new Promise((resolve, reject) => {
      scrypt(
        input,
        salt,
        params.keyLength,
        { N: params.N, r: params.r, p: params.p, maxmem: scryptMaxmem(params) },
        (err, key) => (err === null ? resolve(key) : reject(err)),
      );
    });
  }
}
