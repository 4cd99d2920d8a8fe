/**
 * The local runtime's stand-in for the envelope mode's KMS key (./envelope-keys.ts; docs/contract.md,
 * "Local signing keys"): a 256-bit AES-GCM key kept in `<dataDir>/envelope-wrapping-key` (mode 0600,
 * created once) or in memory. The encryption context is the GCM additional authenticated data, so as
 * with KMS a ciphertext decrypts only with the context it was made with. Ciphertext layout:
 * `"LKW1"` ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext.
 */
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SigningAlgorithm } from '../domain/ports';
import type { EncryptionContext, KeyWrapper, WrappedKeyPair } from './envelope-keys';
import { readOrCreateSecretFile } from './local-files';

const MAGIC = Buffer.from('LKW1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The context as AAD: its entries sorted by key, as JSON (KMS treats the context as an unordered map). */
function aad(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** The wrapping key file of a data folder. */
export function localWrappingKeyFile(dataDir: string): string {
  return path.join(dataDir, 'envelope-wrapping-key');
}

export class LocalKeyWrapper implements KeyWrapper {
  private constructor(private readonly key: Buffer) {}

  /** The data folder's wrapping key (created exclusively on first use), or a new one in memory. */
  static async load(dataDir?: string): Promise<LocalKeyWrapper> {
    if (dataDir === undefined) return new LocalKeyWrapper(randomBytes(32));
    const text = await readOrCreateSecretFile(
      localWrappingKeyFile(dataDir),
      () => `${randomBytes(32).toString('base64')}\n`,
    );
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) throw new Error(`${localWrappingKeyFile(dataDir)} does not hold a 256-bit key`);
    return new LocalKeyWrapper(key);
  }

  encrypt(plaintext: Uint8Array, context: EncryptionContext): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  generateKeyPair(alg: SigningAlgorithm, context: EncryptionContext): Promise<WrappedKeyPair> {
    const { publicKey, privateKey } =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const wrapped = this.encrypt(pkcs8, context);
    pkcs8.fill(0);
    return Promise.resolve({
      publicKeySpki: publicKey.export({ format: 'der', type: 'spki' }),
      privateKeyCiphertext: wrapped,
    });
  }

  /** @throws Error when the ciphertext is not this key's or the context differs (as KMS's InvalidCiphertextException) */
  decrypt(ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const blob = Buffer.from(ciphertext);
    if (blob.length <= MAGIC.length + IV_BYTES + TAG_BYTES || !blob.subarray(0, MAGIC.length).equals(MAGIC)) {
      return Promise.reject(new Error('local wrapping key: not a wrapped key'));
    }
    const iv = blob.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const tag = blob.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(aad(context));
    decipher.setAuthTag(tag);
    try {
      return Promise.resolve(
        Buffer.concat([decipher.update(blob.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)), decipher.final()]),
      );
    } catch {
      return Promise.reject(new Error('local wrapping key: the ciphertext or its encryption context does not match'));
    }
  }
}
