/**
 * The envelope signing mode (README, "Signing modes"; docs/contract.md, Access tokens): each signing key
 * is a key pair whose private half exists at rest only encrypted under the stage's symmetric KMS key,
 * with an encryption context that names the stage and the key. It is generated at deploy (the
 * signing-key custom resource, ../handlers/envelope-key-handler.ts) with
 * `GenerateDataKeyPairWithoutPlaintext`, so no plaintext private key leaves KMS at creation; the token
 * function decrypts it once per cold start (`kms:Decrypt`, which only its role may call and only with
 * that context) and signs in memory — no KMS call per token. The public half is published in the JWKS
 * from the same record, never from the decrypted key.
 *
 * The pieces: {@link KeyWrapper} (KMS on AWS, ./kms-key-wrapper.ts; AES-GCM locally,
 * ./local-key-wrapper.ts), {@link EnvelopeKeyStore} (the table, ./dynamodb-envelope-key-store.ts),
 * {@link ensureEnvelopeKey} (creation, idempotent), {@link EnvelopeTokenSigner} and
 * {@link EnvelopeKeySource}.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { KeySource, PublicJwk, SigningAlgorithm, TokenSigner } from '../domain/ports';
import { keyFitsAlgorithm, publicJwkOf, signInMemory } from './in-memory-signing';

/** An encryption context (KMS Developer Guide, "Encryption context"): non-secret, bound to the ciphertext. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** The encryption-context keys of an envelope signing key; the key policy conditions on each. */
export const ENVELOPE_CONTEXT_KEYS = {
  purpose: 'serverless-idp:purpose',
  stage: 'serverless-idp:stage',
  signingKey: 'serverless-idp:signing-key',
} as const;

/** The `purpose` value of every envelope signing key. */
export const ENVELOPE_PURPOSE = 'access-token-signing';

/** The encryption context of signing key `keyId` of `stage`; the same at creation, Decrypt and in the key policy. */
export function envelopeEncryptionContext(stage: string, keyId: string): EncryptionContext {
  return {
    [ENVELOPE_CONTEXT_KEYS.purpose]: ENVELOPE_PURPOSE,
    [ENVELOPE_CONTEXT_KEYS.stage]: stage,
    [ENVELOPE_CONTEXT_KEYS.signingKey]: keyId,
  };
}

/** A new key pair whose private half only the wrapper can decrypt. */
export interface WrappedKeyPair {
  /** DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
  publicKeySpki: Uint8Array;
  /** The DER PKCS #8 PrivateKeyInfo, encrypted under the wrapping key with the encryption context. */
  privateKeyCiphertext: Uint8Array;
}

/** The symmetric wrapping key. */
export interface KeyWrapper {
  /**
   * A new key pair of `alg`, its private half returned only encrypted (KMS
   * `GenerateDataKeyPairWithoutPlaintext`).
   * @throws DependencyUnavailableError when the service fails transiently
   */
  generateKeyPair(alg: SigningAlgorithm, context: EncryptionContext): Promise<WrappedKeyPair>;
  /**
   * The plaintext DER PKCS #8 private key; the caller erases it once imported.
   * @throws DependencyUnavailableError when the service fails transiently; Error when refused
   */
  decrypt(ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
}

/** One envelope signing key as stored (docs/data-model.md, Signing keys). */
export interface EnvelopeKeyRecord {
  /** The stage config's key id (lib/config.ts `signingKeys[].id`). */
  keyId: string;
  alg: SigningAlgorithm;
  /** RFC 7638 thumbprint of the public key: the JWS `kid`. */
  kid: string;
  /** base64 DER SubjectPublicKeyInfo. */
  publicKeySpki: string;
  /** base64 ciphertext of the DER PKCS #8 private key. */
  privateKeyCiphertext: string;
  encryptionContext: Record<string, string>;
  createdAt: string;
}

/** Where the records live. */
export interface EnvelopeKeyStore {
  /** @throws DependencyUnavailableError when the store cannot be read */
  get(keyId: string): Promise<EnvelopeKeyRecord | undefined>;
  /** Writes `record` unless one exists for its key id; returns the stored record (the existing one wins). */
  putIfAbsent(record: EnvelopeKeyRecord): Promise<EnvelopeKeyRecord>;
}

/** What names one envelope key. */
export interface EnvelopeKeyName {
  keyId: string;
  alg: SigningAlgorithm;
  context: EncryptionContext;
}

function sameContext(a: EncryptionContext, b: EncryptionContext): boolean {
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  return keysA.length === keysB.length && keysA.every((k, i) => k === keysB[i] && a[k] === b[k]);
}

/** Checks a stored record against what the configuration names; returns its public key. */
function checkRecord(record: EnvelopeKeyRecord, name: EnvelopeKeyName): KeyObject {
  const where = `envelope signing key ${name.keyId}`;
  if (record.alg !== name.alg) {
    throw new Error(`${where} is ${record.alg}, configured ${name.alg}: rotate to a new key id to change algorithm`);
  }
  if (!sameContext(record.encryptionContext, name.context)) throw new Error(`${where}: unexpected encryption context`);
  const publicKey = createPublicKey({ key: Buffer.from(record.publicKeySpki, 'base64'), format: 'der', type: 'spki' });
  if (!keyFitsAlgorithm(name.alg, publicKey)) throw new Error(`${where}: public key does not fit ${name.alg}`);
  if (publicJwkOf(name.alg, publicKey).kid !== record.kid) throw new Error(`${where}: kid is not the key's thumbprint`);
  return publicKey;
}

/**
 * The record of `name`, created when there is none: a new key pair from the wrapper, written only if
 * absent (two concurrent creations agree on one). Idempotent, so a custom resource may run it on every
 * Create and Update.
 * @throws Error when a stored record does not match `name` (another algorithm or context)
 */
export async function ensureEnvelopeKey(
  store: EnvelopeKeyStore,
  wrapper: KeyWrapper,
  name: EnvelopeKeyName,
  now: () => number = Date.now,
): Promise<EnvelopeKeyRecord> {
  const existing = await store.get(name.keyId);
  if (existing !== undefined) {
    checkRecord(existing, name);
    return existing;
  }
  const pair = await wrapper.generateKeyPair(name.alg, name.context);
  const publicKey = createPublicKey({ key: Buffer.from(pair.publicKeySpki), format: 'der', type: 'spki' });
  const record: EnvelopeKeyRecord = {
    keyId: name.keyId,
    alg: name.alg,
    kid: publicJwkOf(name.alg, publicKey).kid,
    publicKeySpki: Buffer.from(pair.publicKeySpki).toString('base64'),
    privateKeyCiphertext: Buffer.from(pair.privateKeyCiphertext).toString('base64'),
    encryptionContext: { ...name.context },
    createdAt: new Date(now()).toISOString(),
  };
  const stored = await store.putIfAbsent(record);
  checkRecord(stored, name);
  return stored;
}

/** Options of {@link EnvelopeTokenSigner.load}. */
export interface EnvelopeTokenSignerOptions {
  store: EnvelopeKeyStore;
  wrapper: KeyWrapper;
  /** The active key. */
  key: EnvelopeKeyName;
}

/**
 * {@link TokenSigner} over an envelope key: one record read and one Decrypt at load (once per cold
 * start), then node:crypto signatures in memory — no call to anything per token.
 */
export class EnvelopeTokenSigner implements TokenSigner {
  private constructor(
    readonly alg: SigningAlgorithm,
    readonly kid: string,
    private readonly privateKey: KeyObject,
  ) {}

  /**
   * Reads the active key's record, decrypts its private key and checks it is the record's public key.
   * @throws DependencyUnavailableError when the store or the wrapper fail transiently (the cold start
   *   answers 503 and the next request tries again)
   * @throws Error when the key is missing, refused or does not match its record
   */
  static async load(options: EnvelopeTokenSignerOptions): Promise<EnvelopeTokenSigner> {
    const { key } = options;
    const record = await options.store.get(key.keyId);
    if (record === undefined) throw new Error(`envelope signing key ${key.keyId} is not in the store`);
    const publicKey = checkRecord(record, key);
    const plaintext = await options.wrapper.decrypt(Buffer.from(record.privateKeyCiphertext, 'base64'), key.context);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: Buffer.from(plaintext), format: 'der', type: 'pkcs8' });
    } finally {
      // The KeyObject holds the key from here; the decrypted bytes are not kept.
      plaintext.fill(0);
    }
    const derivedKid = publicJwkOf(key.alg, privateKey).kid;
    if (derivedKid !== publicJwkOf(key.alg, publicKey).kid) {
      throw new Error(`envelope signing key ${key.keyId}: private key does not match the published public key`);
    }
    return new EnvelopeTokenSigner(key.alg, record.kid, privateKey);
  }

  sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return signInMemory(this.alg, this.privateKey, signingInput);
  }
}

/** Options of {@link EnvelopeKeySource}. */
export interface EnvelopeKeySourceOptions {
  store: EnvelopeKeyStore;
  /** Every published key, active first (then next, then retired). */
  keys: EnvelopeKeyName[];
}

/**
 * {@link KeySource} over envelope records: each key's record read once per cold start (concurrent
 * callers share the read; a failed read is forgotten so the next request retries). Never decrypts.
 */
export class EnvelopeKeySource implements KeySource {
  private cached: Promise<PublicJwk[]> | undefined;

  constructor(private readonly options: EnvelopeKeySourceOptions) {
    if (options.keys.length === 0) throw new Error('EnvelopeKeySource needs at least one key');
  }

  publicJwks(): Promise<PublicJwk[]> {
    if (this.cached === undefined) {
      const loading = Promise.all(this.options.keys.map((key) => this.publicJwk(key)));
      this.cached = loading;
      loading.catch(() => {
        if (this.cached === loading) this.cached = undefined;
      });
    }
    return this.cached;
  }

  private async publicJwk(key: EnvelopeKeyName): Promise<PublicJwk> {
    const record = await this.options.store.get(key.keyId);
    if (record === undefined) throw new Error(`envelope signing key ${key.keyId} is not in the store`);
    return publicJwkOf(key.alg, checkRecord(record, key));
  }
}
