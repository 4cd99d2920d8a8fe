/**
 * KMS-held signing keys (docs/contract.md, Access tokens). {@link KmsTokenSigner} signs JWS signing inputs
 * with one `kms:Sign` call over a locally computed SHA-256 digest (`MessageType: DIGEST`), so the
 * token function needs no other KMS permission and inputs above KMS's 4096-byte RAW limit still sign;
 * a throttled or failed Sign is retried within a small budget (./kms-retry.ts) before it is a 503.
 * {@link KmsKeySource} turns `kms:GetPublicKey` answers into the published JWKS, once per key per
 * cold start. SDK errors are translated here into {@link DependencyUnavailableError}. Both use
 * {@link defaultKmsClient} unless given a client.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { KeySpec, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { DEFAULT_SDK_CLIENT_CONFIG, sharedClient } from './aws-clients';
import { dependencyUnavailable } from './aws-errors';
import { KMS_SIGNING_CLIENT_CONFIG, SIGN_RETRY_BUDGET, withRetries } from './kms-retry';
import type { KmsCallObserver, RetryBudget } from './kms-retry';
import { toLowS } from '../client/verify/ecdsa-p256';
import type { KeySource, PublicJwk, SigningAlgorithm, TokenSigner } from '../domain/ports';

/** The function's KMS client, built on first use with {@link DEFAULT_SDK_CLIENT_CONFIG}. */
export const defaultKmsClient: () => KMSClient = sharedClient(() => new KMSClient(DEFAULT_SDK_CLIENT_CONFIG));

/**
 * The token function's KMS client (Sign, and Decrypt in envelope mode), built on first use with one
 * attempt per call: the signers retry within their own budget (./kms-retry.ts).
 */
export const defaultSigningKmsClient: () => KMSClient = sharedClient(() => new KMSClient(KMS_SIGNING_CLIENT_CONFIG));

/** The KMS key spec and signing algorithm behind each JWS algorithm. */
const KMS_ALGORITHMS: Record<SigningAlgorithm, { keySpec: KeySpec; signingAlgorithm: SigningAlgorithmSpec }> = {
  // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 using SHA-256.
  RS256: { keySpec: 'RSA_2048', signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' },
  // RFC 7518 §3.4: ECDSA using P-256 and SHA-256.
  ES256: { keySpec: 'ECC_NIST_P256', signingAlgorithm: 'ECDSA_SHA_256' },
};

function kmsAlgorithm(alg: SigningAlgorithm): { keySpec: KeySpec; signingAlgorithm: SigningAlgorithmSpec } {
  const spec = Object.prototype.hasOwnProperty.call(KMS_ALGORITHMS, alg) ? KMS_ALGORITHMS[alg] : undefined;
  if (spec === undefined) throw new Error(`unsupported signing algorithm ${String(alg)}`);
  return spec;
}

/**
 * The key id (for a KMS key, its UUID or `mrk-…` id) named by a key id or key ARN
 * (`arn:<partition>:kms:<region>:<account>:key/<id>`). Aliases are refused: an alias can be moved to
 * another key, so it cannot name a stable `kid`.
 */
export function kmsKeyIdOf(keyIdOrArn: string): string {
  let resource = keyIdOrArn;
  if (keyIdOrArn.startsWith('arn:')) {
    const parts = keyIdOrArn.split(':');
    if (parts.length < 6 || parts[2] !== 'kms') throw new Error(`not a KMS key ARN: ${keyIdOrArn}`);
    resource = parts.slice(5).join(':');
    if (!resource.startsWith('key/')) {
      throw new Error(`KMS key ARN expected (aliases cannot give a stable kid): ${keyIdOrArn}`);
    }
    resource = resource.slice('key/'.length);
  }
  if (resource === '' || resource.startsWith('alias/') || resource.includes('/') || resource.includes(':')) {
    throw new Error(`KMS key id or key ARN expected (aliases cannot give a stable kid): ${keyIdOrArn}`);
  }
  return resource;
}

/** Translates any error of a KMS call into the domain's dependency error; the SDK error stays its `cause`. */
const signerUnavailable = (err: unknown) => dependencyUnavailable('signer', err);

/** Order n of the P-256 group (SEC 2 v2 §2.4.2), big-endian. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
/** Octets of one P-256 signature component in the JWS form (RFC 7518 §3.4). */
const P256_COMPONENT_BYTES = 32;

/**
 * Converts a DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3, the form
 * KMS returns) for P-256 into the 64-byte `R‖S` of RFC 7518 §3.4: each integer without its sign byte,
 * left-padded with zeros to 32 octets.
 *
 * Strict DER (X.690 §10): definite short-form lengths only (a P-256 signature's content is at most
 * 70 octets, so a long form is never minimal), minimal non-negative integers, no trailing data, and
 * 1 ≤ r, s < n.
 * @throws Error when the input is not such a signature
 */
export function ecdsaDerToRawP256(der: Uint8Array): Uint8Array {
  const fail = (reason: string): never => {
    throw new Error(`malformed ECDSA signature: ${reason}`);
  };
  let offset = 0;
  const readByte = (): number => {
    const byte = der[offset];
    if (byte === undefined) return fail('truncated');
    offset += 1;
    return byte;
  };
  const readLength = (): number => {
    const length = readByte();
    if (length >= 0x80) fail('long-form or indefinite length'); // X.690 §10.1: minimal definite length
    return length;
  };
  const readInteger = (): Buffer => {
    if (readByte() !== 0x02) fail('INTEGER expected');
    const length = readLength();
    if (length === 0) fail('empty INTEGER'); // X.690 §8.3.1
    if (offset + length > der.length) fail('truncated INTEGER');
    let bytes = Buffer.from(der.subarray(offset, offset + length));
    offset += length;
    const first = bytes[0] ?? 0;
    if ((first & 0x80) !== 0) fail('negative INTEGER');
    // X.690 §8.3.2: the first nine bits are never all zero (a 0x00 byte only before a high bit).
    if (first === 0 && length > 1 && ((bytes[1] ?? 0) & 0x80) === 0) fail('non-minimal INTEGER');
    if (first === 0) bytes = bytes.subarray(1);
    if (bytes.length > P256_COMPONENT_BYTES) fail('INTEGER too large');
    const padded = Buffer.alloc(P256_COMPONENT_BYTES);
    bytes.copy(padded, P256_COMPONENT_BYTES - bytes.length);
    if (padded.every((b) => b === 0)) fail('zero INTEGER');
    if (Buffer.compare(padded, P256_ORDER) >= 0) fail('INTEGER not below the group order');
    return padded;
  };

  if (readByte() !== 0x30) fail('SEQUENCE expected');
  if (readLength() !== der.length - offset) fail('SEQUENCE length does not match the input');
  const r = readInteger();
  const s = readInteger();
  if (offset !== der.length) fail('trailing data');
  return Buffer.concat([r, s]);
}

/** Options of {@link KmsTokenSigner}. */
export interface KmsTokenSignerOptions {
  /** One attempt per call, so that {@link retry} alone decides. @default {@link defaultSigningKmsClient}() */
  client?: KMSClient;
  /** Retries of a throttled or failed Sign. @default SIGN_RETRY_BUDGET - 4 attempts within 250 ms */
  retry?: RetryBudget;
  /** Told of every Sign attempt (metrics: calls and throttles). @default - none */
  observe?: KmsCallObserver;
  /** Waits between attempts (tests). @default a timer */
  sleep?: (ms: number) => Promise<void>;
  /** The signing key: key ARN or key id (not an alias). */
  keyId: string;
  /** JWS algorithm; the key must be `RSA_2048` for RS256 and `ECC_NIST_P256` for ES256. */
  alg: SigningAlgorithm;
  /**
   * `kid` of the key in the JWKS.
   * @default the key id (UUID) from `keyId`, as {@link KmsKeySource} publishes it
   */
  kid?: string;
}

/**
 * {@link TokenSigner} over a KMS asymmetric key: one `kms:Sign` per token, nothing else (the key
 * policy of the token function allows only `kms:Sign`, which is why the `kid` is derived from the key
 * id rather than read with `kms:GetPublicKey`).
 */
export class KmsTokenSigner implements TokenSigner {
  readonly alg: SigningAlgorithm;
  readonly kid: string;
  private readonly client: KMSClient;
  private readonly keyId: string;
  private readonly signingAlgorithm: SigningAlgorithmSpec;
  private readonly retry: RetryBudget;
  private readonly observe: KmsCallObserver | undefined;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;

  constructor(options: KmsTokenSignerOptions) {
    this.client = options.client ?? defaultSigningKmsClient();
    this.retry = options.retry ?? SIGN_RETRY_BUDGET;
    this.observe = options.observe;
    this.sleep = options.sleep;
    this.keyId = options.keyId;
    this.alg = options.alg;
    this.signingAlgorithm = kmsAlgorithm(options.alg).signingAlgorithm;
    this.kid = options.kid ?? kmsKeyIdOf(options.keyId);
  }

  /**
   * Signs the JWS signing input: SHA-256 locally, then `kms:Sign` with `MessageType: DIGEST`, retried
   * within {@link KmsTokenSignerOptions.retry} when KMS throttles it or fails transiently.
   * @throws DependencyUnavailableError when the KMS call still fails (`throttled` when KMS throttled it)
   * @throws Error when KMS answers with no or a malformed signature
   */
  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    const digest = createHash('sha256').update(signingInput).digest();
    let signature: Uint8Array | undefined;
    try {
      const command = new SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: this.signingAlgorithm,
      });
      const output = await withRetries(() => this.client.send(command), {
        operation: 'Sign',
        budget: this.retry,
        observe: this.observe,
        sleep: this.sleep,
      });
      signature = output.Signature;
    } catch (err) {
      throw signerUnavailable(err);
    }
    if (signature === undefined || signature.byteLength === 0) throw new Error('KMS Sign returned no signature');
    // RFC 7518 §3.3: the RSASSA-PKCS1-v1_5 signature is the JWS signature as is; §3.4: ECDSA is R‖S,
    // in low-s form (KMS returns either s or n − s; the verifier accepts only s ≤ n/2).
    return this.alg === 'ES256' ? toLowS(ecdsaDerToRawP256(signature)) : signature;
  }
}

/** One published key of {@link KmsKeySource}. */
export interface KmsPublishedKey {
  /** Key ARN or key id (not an alias). */
  keyId: string;
  alg: SigningAlgorithm;
  /** @default the key id (UUID) from `keyId`, as {@link KmsTokenSigner} uses it */
  kid?: string;
}

/** Options of {@link KmsKeySource}. */
export interface KmsKeySourceOptions {
  /** @default {@link defaultKmsClient}() */
  client?: KMSClient;
  /** The active key first, then older keys still published during a rotation. */
  keys: KmsPublishedKey[];
}

/**
 * {@link KeySource} over KMS: `kms:GetPublicKey` once per key per cold start (the promise is cached,
 * so concurrent callers share one call; a failed call is forgotten so the next request retries).
 */
export class KmsKeySource implements KeySource {
  private readonly client: KMSClient;
  private readonly keys: { keyId: string; alg: SigningAlgorithm; kid: string }[];
  private readonly cache = new Map<number, Promise<PublicJwk>>();

  constructor(options: KmsKeySourceOptions) {
    if (options.keys.length === 0) throw new Error('KmsKeySource needs at least one key');
    this.client = options.client ?? defaultKmsClient();
    this.keys = options.keys.map((key) => {
      kmsAlgorithm(key.alg);
      return { keyId: key.keyId, alg: key.alg, kid: key.kid ?? kmsKeyIdOf(key.keyId) };
    });
    const kids = new Set(this.keys.map((key) => key.kid));
    if (kids.size !== this.keys.length) throw new Error('published KMS keys must have distinct kids');
  }

  /**
   * The public JWKs (RFC 7517 §4), active key first; public members only.
   * @throws DependencyUnavailableError when `kms:GetPublicKey` fails
   * @throws Error when a key does not fit its algorithm (wrong key spec, algorithm not allowed)
   */
  publicJwks(): Promise<PublicJwk[]> {
    return Promise.all(this.keys.map((_, index) => this.publicJwk(index)));
  }

  private publicJwk(index: number): Promise<PublicJwk> {
    let cached = this.cache.get(index);
    if (cached === undefined) {
      cached = this.fetchPublicJwk(index);
      this.cache.set(index, cached);
      cached.catch(() => {
        if (this.cache.get(index) === cached) this.cache.delete(index);
      });
    }
    return cached;
  }

  private async fetchPublicJwk(index: number): Promise<PublicJwk> {
    const key = this.keys[index];
    if (key === undefined) throw new Error(`no published key ${index}`);
    const expected = kmsAlgorithm(key.alg);
    let output;
    try {
      output = await this.client.send(new GetPublicKeyCommand({ KeyId: key.keyId }));
    } catch (err) {
      throw signerUnavailable(err);
    }
    const describeKey = `KMS key ${key.keyId} (${key.alg})`;
    if (output.KeySpec !== expected.keySpec) {
      throw new Error(`${describeKey}: key spec ${String(output.KeySpec)}, expected ${expected.keySpec}`);
    }
    if (output.KeyUsage !== undefined && output.KeyUsage !== 'SIGN_VERIFY') {
      throw new Error(`${describeKey}: key usage ${output.KeyUsage}, expected SIGN_VERIFY`);
    }
    if (!(output.SigningAlgorithms ?? []).includes(expected.signingAlgorithm)) {
      throw new Error(`${describeKey}: signing algorithm ${expected.signingAlgorithm} not allowed`);
    }
    if (output.PublicKey === undefined) throw new Error(`${describeKey}: no public key returned`);
    return spkiToPublicJwk(output.PublicKey, key.alg, key.kid);
  }
}

/** A DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) as a public JWK with only the public members. */
function spkiToPublicJwk(spki: Uint8Array, alg: SigningAlgorithm, kid: string): PublicJwk {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  if (alg === 'RS256') {
    // RFC 7518 §6.3.1: n and e, base64url.
    if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
      throw new Error(`KMS public key ${kid} is not an RSA key`);
    }
    if (Buffer.from(jwk.n, 'base64url').length !== 256) throw new Error(`KMS public key ${kid} is not RSA 2048`);
    return { kty: 'RSA', kid, alg, use: 'sig', n: jwk.n, e: jwk.e };
  }
  // RFC 7518 §6.2.1: crv, x, y.
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error(`KMS public key ${kid} is not a P-256 key`);
  }
  return { kty: 'EC', kid, alg, use: 'sig', crv: 'P-256', x: jwk.x, y: jwk.y };
}
