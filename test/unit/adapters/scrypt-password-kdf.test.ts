/**
 * The scrypt password KDF: keyed with the pepper, parameters stored beside the hash, constant-time
 * verification, rehash when the stored parameters are below the current ones, and the burn for
 * unknown users. Small parameters everywhere but one test, which proves the OWASP defaults.
 */
import { randomBytes } from 'node:crypto';
import {
  OWASP_SCRYPT_PARAMS,
  SCRYPT_KDF,
  ScryptPasswordKdf,
  scryptMaxmem,
} from '../../../lambdas/adapters/scrypt-password-kdf';
import type { PasswordHash } from '../../../lambdas/domain/people/model';

const FAST = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };
const pepper = randomBytes(32);
const kdf = new ScryptPasswordKdf(pepper, FAST);
const PASSWORD = 'correct horse battery staple';

describe('ScryptPasswordKdf', () => {
  it('hashes with a fresh 16-byte salt and stores its parameters beside the 32-byte output', async () => {
    const a = await kdf.hash(PASSWORD);
    const b = await kdf.hash(PASSWORD);
    expect(a).toEqual({ kdf: 'scrypt', params: FAST, salt: expect.any(String), hash: expect.any(String) });
    expect(Buffer.from(a.salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(a.hash, 'base64url')).toHaveLength(32);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(JSON.stringify(a)).not.toContain(PASSWORD);
  });

  it('verifies the password and nothing else', async () => {
    const stored = await kdf.hash(PASSWORD);
    expect(await kdf.verify(PASSWORD, stored)).toBe(true);
    expect(await kdf.verify(`${PASSWORD} `, stored)).toBe(false);
    expect(await kdf.verify(PASSWORD.toUpperCase(), stored)).toBe(false);
    expect(await kdf.verify('', stored)).toBe(false);
  });

  it('is keyed with the pepper: another pepper does not verify the same hash', async () => {
    const stored = await kdf.hash(PASSWORD);
    expect(await new ScryptPasswordKdf(randomBytes(32), FAST).verify(PASSWORD, stored)).toBe(false);
    expect(await new ScryptPasswordKdf(Buffer.from(pepper), FAST).verify(PASSWORD, stored)).toBe(true);
  });

  it('verifies with the stored parameters, so a hash made before a raise still verifies and asks for a rehash', async () => {
    const old = await new ScryptPasswordKdf(pepper, { ...FAST, N: 2 ** 9 }).hash(PASSWORD);
    expect(old.params).toEqual({ ...FAST, N: 512 });
    expect(await kdf.verify(PASSWORD, old)).toBe(true);
    expect(kdf.needsRehash(old)).toBe(true);
    expect(kdf.needsRehash(await kdf.hash(PASSWORD))).toBe(false);
    for (const lower of [{ r: 4 }, { p: 0 }, { keyLength: 16 }]) {
      expect(kdf.needsRehash({ ...old, params: { ...FAST, ...lower } })).toBe(true);
    }
    // Stronger stored parameters than the current ones: no rehash (never lower them).
    expect(kdf.needsRehash({ ...old, params: { ...FAST, N: 2 ** 11 } })).toBe(false);
    expect(kdf.needsRehash({ ...old, kdf: 'bcrypt' })).toBe(true);
  });

  it('refuses hashes it cannot check — another KDF, absurd or tampered parameters, a wrong length — as false', async () => {
    const stored = await kdf.hash(PASSWORD);
    const bad: PasswordHash[] = [
      { ...stored, kdf: 'argon2id' },
      { ...stored, params: { ...FAST, N: 1000 } },
      { ...stored, params: { ...FAST, N: 2 ** 30 } },
      { ...stored, params: { ...FAST, r: 0 } },
      { ...stored, params: { ...FAST, keyLength: 16 } },
      { ...stored, hash: stored.hash.slice(0, 20) },
    ];
    for (const hash of bad) expect(await kdf.verify(PASSWORD, hash)).toBe(false);
  });

  it('burn does the work of a verify and reveals nothing', async () => {
    await expect(kdf.burn(PASSWORD)).resolves.toBeUndefined();
  });

  it('runs on the thread pool: the event loop keeps turning while hashes are computed', async () => {
    const slow = new ScryptPasswordKdf(pepper, { ...FAST, N: 2 ** 14 });
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    await Promise.all([slow.hash(PASSWORD), slow.hash(PASSWORD)]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('refuses a short pepper and out-of-range parameters', () => {
    expect(() => new ScryptPasswordKdf(randomBytes(31))).toThrow('pepper must be at least 32 bytes');
    expect(() => new ScryptPasswordKdf(pepper, { ...FAST, N: 1000 })).toThrow('scrypt parameters out of range');
  });

  it('defaults to the OWASP parameters N=2^17, r=8, p=1 (one real hash and verify)', async () => {
    expect(OWASP_SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1, keyLength: 32 });
    // Node's default maxmem (32 MiB) is too small for 128 MiB; the adapter sets it.
    expect(scryptMaxmem(OWASP_SCRYPT_PARAMS)).toBeGreaterThan(128 * 1024 * 1024);
    const production = new ScryptPasswordKdf(pepper);
    const started = process.hrtime.bigint();
    const stored = await production.hash(PASSWORD);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(stored).toMatchObject({ kdf: SCRYPT_KDF, params: { N: 131072, r: 8, p: 1, keyLength: 32 } });
    expect(production.needsRehash(stored)).toBe(false);
    expect(await production.verify(PASSWORD, stored)).toBe(true);
    // Reported, not asserted (budgets are counted, never timed).
    process.stdout.write(`scrypt N=2^17 r=8 p=1: one hash took ${ms.toFixed(0)} ms\n`);
  });
});
