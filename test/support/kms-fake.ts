/**
 * A local fake of the AWS KMS operations the IdP uses — `Sign` and `GetPublicKey` on asymmetric keys,
 * and for the envelope mode `GenerateDataKeyPairWithoutPlaintext` and `Decrypt` on symmetric keys
 * (AES-256-GCM here, the encryption context as the authenticated data) — speaking the
 * AWS JSON 1.1 protocol on an ephemeral loopback port so the real `@aws-sdk/client-kms` can drive it:
 * `POST /` with `X-Amz-Target: TrentService.<Operation>`, `Content-Type: application/x-amz-json-1.1`,
 * blobs as base64 strings, errors as `{"__type": "<Code>", "message": "..."}`.
 *
 * Behaviour follows the KMS API Reference:
 * - Sign: https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * - GetPublicKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 * - GenerateDataKeyPairWithoutPlaintext: https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPairWithoutPlaintext.html
 * - Decrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 * - Common errors (ValidationException, ThrottlingException): https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html
 * - Key specs and their signing algorithms: https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html
 *
 * Keys are generated per run with node:crypto. Only the SHA-256 algorithms the IdP uses are
 * implemented (`RSASSA_PKCS1_V1_5_SHA_256`, `ECDSA_SHA_256`); other algorithms that KMS allows for the
 * key spec answer `UnsupportedOperationException` naming the fake, never a wrong signature.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  generateKeyPairSync,
  privateEncrypt,
  randomBytes,
  randomUUID,
  sign,
} from 'node:crypto';
import { constants as cryptoConstants } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient, MessageType, SigningAlgorithmSpec } from '@aws-sdk/client-kms';

/** The asymmetric key specs the fake can create. */
export type FakeKeySpec = 'RSA_2048' | 'ECC_NIST_P256';
/** The operations the fake serves. */
export type FakeKmsOperation = 'Sign' | 'GetPublicKey' | 'GenerateDataKeyPairWithoutPlaintext' | 'Decrypt';
const OPERATIONS: readonly FakeKmsOperation[] = [
  'Sign',
  'GetPublicKey',
  'GenerateDataKeyPairWithoutPlaintext',
  'Decrypt',
];

/** One `Sign` request as it arrived on the wire. */
export interface RecordedSignRequest {
  /** `X-Amz-Target` header. */
  target: string;
  /** `Content-Type` header. */
  contentType: string;
  /** The JSON body exactly as sent (blobs still base64). */
  body: Record<string, unknown>;
}

/** Options of {@link startKmsFake}. */
export interface KmsFakeOptions {
  /** Region in key ARNs and of the returned client. @default 'local' */
  region?: string;
  /** Account in key ARNs. @default '000000000000' */
  accountId?: string;
}

/** A running KMS fake; {@link KmsFake.close} stops it. */
export interface KmsFake {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** SDK client for the fake: region, dummy credentials, `maxAttempts: 1` (no SDK retries). */
  client: KMSClient;
  /** Creates a `SIGN_VERIFY` key; returns its key id (a UUID), also resolvable as {@link KmsFake.arnOf}. */
  createKey(spec: FakeKeySpec): string;
  /** Creates an `ENCRYPT_DECRYPT` `SYMMETRIC_DEFAULT` key; returns its key id. */
  createSymmetricKey(): string;
  /** The encryption context of the last Decrypt and GenerateDataKeyPairWithoutPlaintext request. */
  lastEncryptionContext: Partial<Record<FakeKmsOperation, Record<string, string> | undefined>>;
  /** The key ARN `arn:aws:kms:<region>:<account>:key/<id>`. */
  arnOf(keyId: string): string;
  /** The public half of a key, for verifying independently of `GetPublicKey`. */
  publicKey(keyId: string): KeyObject;
  /** Requests received per operation (failed ones included). */
  calls: Record<FakeKmsOperation, number>;
  /** Makes the next `times` (default 1) calls of `operation` fail with a throttle (400) or an internal error (500). */
  failNext(operation: FakeKmsOperation, kind: 'throttle' | 'internal', times?: number): void;
  /** Drops the failures {@link failNext} planned and no call has used yet. */
  clearFailures(): void;
  /** The last `Sign` request received. */
  lastSignRequest?: RecordedSignRequest;
  /** The DER or PKCS #1 signature bytes of the last successful `Sign`, as sent to the client. */
  lastSignature?: Buffer;
  close(): Promise<void>;
}

/** A KMS error answer: the `__type` code and HTTP status KMS uses for it. */
class KmsFault extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400 ValidationException with the AWS "N validation errors detected" message (CommonErrors). */
function validationFault(errors: string[]): KmsFault {
  const count = `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected`;
  return new KmsFault('ValidationException', 400, `${count}: ${errors.join('; ')}`);
}

interface FakeSymmetricKey {
  id: string;
  arn: string;
  secret: Buffer;
}

interface FakeKey {
  id: string;
  arn: string;
  spec: FakeKeySpec;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SigningAlgorithms KMS lists for the spec (GetPublicKey). */
  signingAlgorithms: SigningAlgorithmSpec[];
}

/** Signing algorithms of SIGN_VERIFY keys per key spec (KMS Developer Guide, "RSA key specs", "Elliptic curve key specs"). */
const KEY_SPEC_ALGORITHMS: Record<FakeKeySpec, SigningAlgorithmSpec[]> = {
  RSA_2048: [
    'RSASSA_PSS_SHA_256',
    'RSASSA_PSS_SHA_384',
    'RSASSA_PSS_SHA_512',
    'RSASSA_PKCS1_V1_5_SHA_256',
    'RSASSA_PKCS1_V1_5_SHA_384',
    'RSASSA_PKCS1_V1_5_SHA_512',
  ],
  ECC_NIST_P256: ['ECDSA_SHA_256'],
};

/** RFC 8017 §9.2 note 1: DER of DigestInfo for SHA-256, followed by the 32-byte hash. */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
/** Order n of the P-256 group (SEC 2 v2 §2.4.2). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
/** API_Sign: Message length 1..4096 bytes. */
const MAX_MESSAGE_BYTES = 4096;
/** Request bodies above this are refused before parsing (a Sign body is < 6 KiB). */
const MAX_BODY_BYTES = 64 * 1024;

const toBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex') || '0'}`);

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if ((e & 1n) === 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/** X.690 §8.3: a minimal two's-complement DER INTEGER of a non-negative value. */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/**
 * ECDSA over a P-256 digest without hashing it again (SEC 1 v2 §4.1.3), as KMS does for
 * `MessageType: DIGEST`; node:crypto only signs messages, so the scalar multiplication k·G comes from
 * ECDH (its public key is k·G) and the rest is modular arithmetic. Returns the DER
 * `ECDSA-Sig-Value` (RFC 3279 §2.2.3) KMS returns.
 */
function ecdsaSignDigestP256(privateKey: KeyObject, digest: Buffer): Buffer {
  const d = toBigInt(Buffer.from(String(privateKey.export({ format: 'jwk' }).d), 'base64url'));
  // SEC 1 §4.1.3 step 5: e = the leftmost 256 bits of the hash = the 32-byte digest itself.
  const e = toBigInt(digest);
  for (let attempt = 0; attempt < 16; attempt += 1) {
    const k = toBigInt(randomBytes(32));
    if (k === 0n || k >= P256_N) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(64, '0'), 'hex'));
    const point = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
    const r = toBigInt(point.subarray(1, 33)) % P256_N;
    if (r === 0n) continue;
    const s = (modPow(k, P256_N - 2n, P256_N) * ((e + r * d) % P256_N)) % P256_N;
    if (s === 0n) continue;
    const content = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, content.length]), content]);
  }
  throw new Error('ECDSA nonce generation failed');
}

/** Signs like KMS: RAW hashes the message; DIGEST signs the given SHA-256 digest as is. */
function signLikeKms(key: FakeKey, message: Buffer, messageType: 'RAW' | 'DIGEST'): Buffer {
  const digest = messageType === 'RAW' ? createHash('sha256').update(message).digest() : message;
  if (key.spec === 'RSA_2048') {
    // RFC 8017 §8.2.1 / §9.2: RSASSA-PKCS1-v1_5 = RSA private operation over EMSA-PKCS1-v1_5 padding
    // (block type 1) of DigestInfo; privateEncrypt with PKCS #1 padding performs exactly that.
    return privateEncrypt(
      { key: key.privateKey, padding: cryptoConstants.RSA_PKCS1_PADDING },
      Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]),
    );
  }
  return messageType === 'RAW'
    ? sign('sha256', message, { key: key.privateKey, dsaEncoding: 'der' })
    : ecdsaSignDigestP256(key.privateKey, digest);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new KmsFault('ValidationException', 400, 'request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Strict base64 blob (AWS JSON protocol blobs are standard base64). */
function decodeBlob(value: unknown, member: string): Buffer {
  if (typeof value !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) {
    throw new KmsFault('SerializationException', 400, `${member} is not a base64 blob`);
  }
  return Buffer.from(value, 'base64');
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startKmsFake(options: KmsFakeOptions = {}): Promise<KmsFake> {
  const region = options.region ?? 'local';
  const accountId = options.accountId ?? '000000000000';
  const keys = new Map<string, FakeKey>();
  const symmetricKeys = new Map<string, FakeSymmetricKey>();
  const pendingFailures: Record<FakeKmsOperation, { kind: 'throttle' | 'internal'; times: number }[]> = {
    Sign: [],
    GetPublicKey: [],
    GenerateDataKeyPairWithoutPlaintext: [],
    Decrypt: [],
  };
  const arnOf = (id: string) => `arn:aws:kms:${region}:${accountId}:key/${id}`;

  // API_Sign / API_GetPublicKey, KeyId: key id or key ARN (aliases would resolve through an alias
  // table; the fake has none, so they are NotFoundException as for a missing alias).
  const resolveKey = (keyId: string): FakeKey => {
    const prefix = arnOf('');
    const key = keys.get(keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId);
    if (key === undefined && (keyId.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyId))) {
      const alias = keyId.startsWith('alias/') ? `arn:aws:kms:${region}:${accountId}:${keyId}` : keyId;
      throw new KmsFault('NotFoundException', 400, `Alias ${alias} is not found.`);
    }
    if (key === undefined) {
      const named = keyId.startsWith('arn:') ? keyId : arnOf(keyId);
      throw new KmsFault('NotFoundException', 400, `Key '${named}' does not exist`);
    }
    return key;
  };

  const checkKeyId = (value: unknown, errors: string[]): string => {
    // API_Sign: KeyId is required, length 1..2048.
    if (typeof value !== 'string')
      errors.push("Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    else if (value.length < 1 || value.length > 2048) {
      errors.push(
        `Value '${value}' at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048`,
      );
    }
    return typeof value === 'string' ? value : '';
  };

  const resolveSymmetric = (keyId: string): FakeSymmetricKey => {
    const prefix = arnOf('');
    const key = symmetricKeys.get(keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId);
    if (key === undefined) {
      if (keys.has(keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId)) {
        throw new KmsFault('InvalidKeyUsageException', 400, `${keyId} key usage is SIGN_VERIFY`);
      }
      throw new KmsFault(
        'NotFoundException',
        400,
        `Key '${keyId.startsWith('arn:') ? keyId : arnOf(keyId)}' does not exist`,
      );
    }
    return key;
  };
  // Encryption context: a string-to-string map (KMS Developer Guide, "Encryption context"); the fake
  // binds it as AES-GCM additional data, entries sorted (KMS treats it as unordered).
  const contextOf = (value: unknown): Record<string, string> => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new KmsFault('SerializationException', 400, 'EncryptionContext is not a map');
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.every(([, v]) => typeof v === 'string')) {
      throw new KmsFault('SerializationException', 400, 'EncryptionContext values must be strings');
    }
    return Object.fromEntries(entries) as Record<string, string>;
  };
  const aadOf = (context: Record<string, string>) =>
    Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  /** Ciphertext blob: 36-byte key id ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext (KMS's own layout is opaque). */
  const wrap = (key: FakeSymmetricKey, plaintext: Buffer, context: Record<string, string>): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.secret, iv);
    cipher.setAAD(aadOf(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from(key.id, 'ascii'), iv, cipher.getAuthTag(), body]);
  };

  const operations: Record<FakeKmsOperation, (input: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKeyPairWithoutPlaintext: (input) => {
      const errors: string[] = [];
      const keyId = checkKeyId(input.KeyId, errors);
      const spec = input.KeyPairSpec;
      if (spec !== 'RSA_2048' && spec !== 'ECC_NIST_P256') {
        errors.push(
          `Value '${String(spec)}' at 'keyPairSpec' failed to satisfy constraint: the KMS fake implements RSA_2048 and ECC_NIST_P256`,
        );
      }
      if (errors.length > 0) throw validationFault(errors);
      const key = resolveSymmetric(keyId);
      const context = contextOf(input.EncryptionContext);
      fake.lastEncryptionContext.GenerateDataKeyPairWithoutPlaintext = context;
      const pair =
        spec === 'RSA_2048'
          ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      // API_GenerateDataKeyPairWithoutPlaintext: PublicKey is DER SubjectPublicKeyInfo; the private key
      // (DER PKCS #8 PrivateKeyInfo) is returned only encrypted.
      return {
        KeyId: key.arn,
        KeyPairSpec: spec,
        PublicKey: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        PrivateKeyCiphertextBlob: wrap(key, pair.privateKey.export({ format: 'der', type: 'pkcs8' }), context).toString(
          'base64',
        ),
      };
    },
    Decrypt: (input) => {
      if (input.CiphertextBlob === undefined) {
        throw validationFault(["Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null"]);
      }
      const blob = decodeBlob(input.CiphertextBlob, 'CiphertextBlob');
      const context = contextOf(input.EncryptionContext);
      fake.lastEncryptionContext.Decrypt = context;
      const invalid = () => new KmsFault('InvalidCiphertextException', 400, '');
      if (blob.length < 36 + 12 + 16 + 1) throw invalid();
      const key = symmetricKeys.get(blob.subarray(0, 36).toString('ascii'));
      if (key === undefined) throw invalid();
      // API_Decrypt: with KeyId, a ciphertext of another key is IncorrectKeyException.
      if (typeof input.KeyId === 'string' && resolveSymmetric(input.KeyId).id !== key.id) {
        throw new KmsFault(
          'IncorrectKeyException',
          400,
          'The key ID in the request does not identify a KMS key that can perform this operation.',
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', key.secret, blob.subarray(36, 48));
      decipher.setAAD(aadOf(context));
      decipher.setAuthTag(blob.subarray(48, 64));
      let plaintext: Buffer;
      try {
        plaintext = Buffer.concat([decipher.update(blob.subarray(64)), decipher.final()]);
      } catch {
        // API_Decrypt: a wrong encryption context fails as InvalidCiphertextException.
        throw invalid();
      }
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    Sign: (input) => {
      const errors: string[] = [];
      const keyId = checkKeyId(input.KeyId, errors);
      const messageType = input.MessageType ?? 'RAW'; // API_Sign: MessageType defaults to RAW
      const algorithm = input.SigningAlgorithm;
      const messageTypes: string[] = Object.values(MessageType);
      const algorithms: string[] = Object.values(SigningAlgorithmSpec);
      if (typeof messageType !== 'string' || !messageTypes.includes(messageType)) {
        errors.push(
          `Value '${String(messageType)}' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [${messageTypes.join(', ')}]`,
        );
      }
      if (algorithm === undefined) {
        errors.push("Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null");
      } else if (typeof algorithm !== 'string' || !algorithms.includes(algorithm)) {
        errors.push(
          `Value '${String(algorithm)}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${algorithms.join(', ')}]`,
        );
      }
      let message: Buffer = Buffer.alloc(0);
      if (input.Message === undefined) {
        errors.push("Value null at 'message' failed to satisfy constraint: Member must not be null");
      } else {
        message = decodeBlob(input.Message, 'Message');
        // API_Sign: "Messages can be 0-4096 bytes" in the prose, Length Constraints minimum 1, maximum 4096.
        if (message.length < 1 || message.length > MAX_MESSAGE_BYTES) {
          errors.push(
            `Value at 'message' failed to satisfy constraint: Member must have length between 1 and ${MAX_MESSAGE_BYTES}`,
          );
        }
      }
      if (errors.length > 0) throw validationFault(errors);

      const key = resolveKey(keyId);
      const signingAlgorithm = algorithm as SigningAlgorithmSpec;
      // InvalidKeyUsageException: "The ... signing algorithm specified for the operation is incompatible
      // with the type of key material in the KMS key (KeySpec)."
      if (!key.signingAlgorithms.includes(signingAlgorithm)) {
        throw new KmsFault(
          'InvalidKeyUsageException',
          400,
          `${signingAlgorithm} is not supported for key spec ${key.spec}; supported: ${key.signingAlgorithms.join(', ')}`,
        );
      }
      if (signingAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256' && signingAlgorithm !== 'ECDSA_SHA_256') {
        throw new KmsFault('UnsupportedOperationException', 400, `the KMS fake does not implement ${signingAlgorithm}`);
      }
      if (messageType === 'EXTERNAL_MU') {
        // API_Sign: EXTERNAL_MU is for ML-DSA keys only.
        throw new KmsFault('ValidationException', 400, 'EXTERNAL_MU message type is only valid for ML_DSA key specs');
      }
      // API_Sign: "When the value of MessageType is DIGEST, the length of the Message value must match
      // the length of hashed messages for the specified signing algorithm."
      if (messageType === 'DIGEST' && message.length !== 32) {
        throw new KmsFault('ValidationException', 400, `Digest is invalid length for algorithm ${signingAlgorithm}.`);
      }
      const signature = signLikeKms(key, message, messageType as 'RAW' | 'DIGEST');
      fake.lastSignature = signature;
      // API_Sign response: KeyId is the key ARN.
      return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: signingAlgorithm };
    },
    GetPublicKey: (input) => {
      const errors: string[] = [];
      const keyId = checkKeyId(input.KeyId, errors);
      if (errors.length > 0) throw validationFault(errors);
      const key = resolveKey(keyId);
      const spki = key.publicKey.export({ format: 'der', type: 'spki' });
      // API_GetPublicKey response: PublicKey is the DER SubjectPublicKeyInfo (RFC 5280); SigningAlgorithms
      // only for SIGN_VERIFY keys; CustomerMasterKeySpec is the deprecated twin of KeySpec.
      return {
        KeyId: key.arn,
        PublicKey: spki.toString('base64'),
        CustomerMasterKeySpec: key.spec,
        KeySpec: key.spec,
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: key.signingAlgorithms,
      };
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': Buffer.byteLength(payload),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const contentType = String(req.headers['content-type'] ?? '');
      const raw = await readBody(req);
      if (req.method !== 'POST' || req.url !== '/') throw new KmsFault('UnknownOperationException', 404, 'POST / only');
      const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '';
      if (!(OPERATIONS as readonly string[]).includes(operation)) {
        throw new KmsFault('UnknownOperationException', 400, `unknown operation ${target}`);
      }
      const op = operation as FakeKmsOperation;
      fake.calls[op] += 1;
      if (contentType !== 'application/x-amz-json-1.1') {
        throw new KmsFault('SerializationException', 400, `unexpected content type ${contentType}`);
      }
      // SigV4 is not verified (dummy credentials), but a signed request carries it.
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
        throw new KmsFault('MissingAuthenticationTokenException', 400, 'request is not signed with SigV4');
      }
      let input: unknown;
      try {
        input = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new KmsFault('SerializationException', 400, 'body is not JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new KmsFault('SerializationException', 400, 'body is not a JSON object');
      }
      const body = input as Record<string, unknown>;
      if (op === 'Sign') fake.lastSignRequest = { target, contentType, body };
      const failure = pendingFailures[op][0];
      if (failure !== undefined) {
        failure.times -= 1;
        if (failure.times <= 0) pendingFailures[op].shift();
        // CommonErrors: ThrottlingException is HTTP 400; API_Sign: KMSInternalException is HTTP 500.
        if (failure.kind === 'throttle') throw new KmsFault('ThrottlingException', 400, 'Rate exceeded');
        throw new KmsFault(
          'KMSInternalException',
          500,
          'The request was rejected because an internal exception occurred.',
        );
      }
      send(res, 200, operations[op](body));
    } catch (err) {
      if (err instanceof KmsFault) send(res, err.status, { __type: err.code, message: err.message });
      else send(res, 500, { __type: 'KMSInternalException', message: `fake failure: ${String(err)}` });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new KMSClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'AKIDLOCALFAKE', secretAccessKey: 'local-fake-secret' },
    maxAttempts: 1,
  });

  const fake: KmsFake = {
    endpoint,
    client,
    calls: { Sign: 0, GetPublicKey: 0, GenerateDataKeyPairWithoutPlaintext: 0, Decrypt: 0 },
    lastEncryptionContext: {},
    createSymmetricKey() {
      const id = randomUUID();
      symmetricKeys.set(id, { id, arn: arnOf(id), secret: randomBytes(32) });
      return id;
    },
    createKey(spec) {
      const pair =
        spec === 'RSA_2048'
          ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const id = randomUUID();
      keys.set(id, {
        id,
        arn: arnOf(id),
        spec,
        privateKey: pair.privateKey,
        publicKey: pair.publicKey,
        signingAlgorithms: KEY_SPEC_ALGORITHMS[spec],
      });
      return id;
    },
    arnOf,
    publicKey(keyId) {
      const key = keys.get(keyId);
      if (key === undefined) throw new Error(`no fake key ${keyId}`);
      return key.publicKey;
    },
    failNext(operation, kind, times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
      pendingFailures[operation].push({ kind, times });
    },
    clearFailures() {
      for (const operation of OPERATIONS) pendingFailures[operation] = [];
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
  return fake;
}
