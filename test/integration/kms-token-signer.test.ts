/**
 * The KMS adapter (KmsTokenSigner, KmsKeySource) driven by the real @aws-sdk/client-kms over
 * loopback against the KMS-protocol fake: signatures made through KMS verify with the published
 * JWKS (jose) and with node:crypto, ES256 is always raw R‖S (RFC 7518 §3.4), long signing inputs
 * sign through DIGEST, each sign() is one kms:Sign and nothing else, public keys are fetched once per
 * key, and KMS failures become DependencyUnavailableError. Also: exact DER→R‖S conversion.
 */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { compactVerify, importJWK } from 'jose';
import { KmsKeySource, KmsTokenSigner, ecdsaDerToRawP256, kmsKeyIdOf } from '../../lambdas/adapters/kms-token-signer';
import { SIGN_RETRY_BUDGET } from '../../lambdas/adapters/kms-retry';
import type { KmsCallEvent } from '../../lambdas/adapters/kms-retry';
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { PublicJwk, SigningAlgorithm } from '../../lambdas/domain/ports';
import { startKmsFake } from '../support/kms-fake';
import type { KmsFake } from '../support/kms-fake';

/** Order n of the P-256 group (SEC 2 v2 §2.4.2). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let kms: KmsFake;
let rsaKeyId: string;
let ecKeyId: string;

beforeAll(async () => {
  kms = await startKmsFake();
  rsaKeyId = kms.createKey('RSA_2048');
  ecKeyId = kms.createKey('ECC_NIST_P256');
});

afterAll(async () => {
  await kms.close();
});

/** Calls the fake received while `run` ran. */
async function callsDuring(run: () => Promise<unknown>): Promise<{ Sign: number; GetPublicKey: number }> {
  const before = { ...kms.calls };
  await run();
  return { Sign: kms.calls.Sign - before.Sign, GetPublicKey: kms.calls.GetPublicKey - before.GetPublicKey };
}

/** The rejection reason of a promise that must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** Builds a compact JWS (RFC 7515 §7.1) over `payload` with the signer, as the token endpoint does. */
async function signJws(signer: KmsTokenSigner, payload: Record<string, unknown>): Promise<string> {
  const header = b64url(JSON.stringify({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid }));
  const signingInput = `${header}.${b64url(JSON.stringify(payload))}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${b64url(signature)}`;
}

/** node:crypto verification of a JWS signature (RFC 7518 §3.3 / §3.4) with the fake's own public key. */
function nodeVerifies(alg: SigningAlgorithm, publicKey: KeyObject, signingInput: Buffer, signature: Uint8Array) {
  const key = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
  return cryptoVerify('sha256', signingInput, key, signature);
}

/** Minimal DER INTEGER (X.690 §8.3) of a non-negative value. */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let content = Buffer.from(hex, 'hex');
  if ((content[0] ?? 0) & 0x80) content = Buffer.concat([Buffer.from([0]), content]);
  return Buffer.concat([Buffer.from([0x02, content.length]), content]);
}

/** SEQUENCE { INTEGER r, INTEGER s } from the raw INTEGER contents given (no normalisation). */
function derSignature(r: Buffer, s: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const pad32 = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
const toBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

describe('the KMS fake behaves like KMS where the adapter depends on it', () => {
  it('signs RSASSA_PKCS1_V1_5_SHA_256 RAW and DIGEST identically, and the signature verifies', async () => {
    const message = Buffer.from('header.payload', 'ascii');
    const raw = await kms.client.send(
      new SignCommand({ KeyId: rsaKeyId, Message: message, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }),
    );
    const digest = await kms.client.send(
      new SignCommand({
        KeyId: kms.arnOf(rsaKeyId),
        Message: sha256(message),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      }),
    );
    expect(raw.KeyId).toBe(`arn:aws:kms:local:000000000000:key/${rsaKeyId}`);
    expect(raw.SigningAlgorithm).toBe('RSASSA_PKCS1_V1_5_SHA_256');
    // RFC 8017 §8.2: PKCS #1 v1.5 signatures are deterministic, so hashing in KMS or before it is the same.
    expect(Buffer.from(digest.Signature ?? [])).toEqual(Buffer.from(raw.Signature ?? []));
    expect(raw.Signature).toHaveLength(256);
    expect(cryptoVerify('sha256', message, kms.publicKey(rsaKeyId), raw.Signature ?? new Uint8Array())).toBe(true);
  });

  it('signs ECDSA_SHA_256 RAW and DIGEST as DER signatures over the same message', async () => {
    const message = Buffer.from('header.payload', 'ascii');
    for (const input of [
      { Message: message, MessageType: 'RAW' as const },
      { Message: sha256(message), MessageType: 'DIGEST' as const },
    ]) {
      const out = await kms.client.send(
        new SignCommand({ KeyId: ecKeyId, SigningAlgorithm: 'ECDSA_SHA_256', ...input }),
      );
      const der = Buffer.from(out.Signature ?? []);
      expect(der[0]).toBe(0x30);
      expect(cryptoVerify('sha256', message, { key: kms.publicKey(ecKeyId), dsaEncoding: 'der' }, der)).toBe(true);
    }
  });

  it('refuses what KMS refuses, with KMS error codes and statuses', async () => {
    const cases: { input: ConstructorParameters<typeof SignCommand>[0]; name: string; message: RegExp }[] = [
      {
        input: {
          KeyId: rsaKeyId,
          Message: Buffer.alloc(31),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        },
        name: 'ValidationException',
        message: /^Digest is invalid length for algorithm RSASSA_PKCS1_V1_5_SHA_256\.$/,
      },
      {
        input: { KeyId: ecKeyId, Message: Buffer.alloc(48), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' },
        name: 'ValidationException',
        message: /^Digest is invalid length for algorithm ECDSA_SHA_256\.$/,
      },
      {
        input: { KeyId: ecKeyId, Message: Buffer.alloc(4097), SigningAlgorithm: 'ECDSA_SHA_256' },
        name: 'ValidationException',
        message: /^1 validation error detected: .*'message'.*between 1 and 4096$/,
      },
      {
        input: { KeyId: rsaKeyId, Message: Buffer.alloc(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' },
        name: 'InvalidKeyUsageException',
        message: /^ECDSA_SHA_256 is not supported for key spec RSA_2048/,
      },
      {
        input: {
          KeyId: ecKeyId,
          Message: Buffer.alloc(32),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        },
        name: 'InvalidKeyUsageException',
        message: /^RSASSA_PKCS1_V1_5_SHA_256 is not supported for key spec ECC_NIST_P256/,
      },
      {
        input: { KeyId: rsaKeyId, Message: Buffer.alloc(32), SigningAlgorithm: 'RS256' as SigningAlgorithmSpec },
        name: 'ValidationException',
        message: /^1 validation error detected: Value 'RS256' at 'signingAlgorithm' .*enum value set/,
      },
      {
        input: {
          KeyId: '3f1c0de4-0000-4000-8000-000000000000',
          Message: Buffer.alloc(32),
          SigningAlgorithm: 'ECDSA_SHA_256',
        },
        name: 'NotFoundException',
        message: /^Key 'arn:aws:kms:local:000000000000:key\/3f1c0de4-0000-4000-8000-000000000000' does not exist$/,
      },
      {
        input: { KeyId: 'alias/idp-signing', Message: Buffer.alloc(32), SigningAlgorithm: 'ECDSA_SHA_256' },
        name: 'NotFoundException',
        message: /^Alias arn:aws:kms:local:000000000000:alias\/idp-signing is not found\.$/,
      },
    ];
    for (const { input, name, message } of cases) {
      const err = await rejectionOf(kms.client.send(new SignCommand(input)));
      expect(err).toMatchObject({ name, $metadata: { httpStatusCode: 400 } });
      expect((err as Error).message).toMatch(message);
    }
    // API_Sign: 4096 bytes is the largest RAW message.
    const out = await kms.client.send(
      new SignCommand({ KeyId: ecKeyId, Message: Buffer.alloc(4096, 1), SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    expect(out.Signature?.length).toBeGreaterThan(0);
  });

  it('answers GetPublicKey with the key ARN, spec, usage, algorithms and DER SPKI', async () => {
    const out = await kms.client.send(new GetPublicKeyCommand({ KeyId: ecKeyId }));
    expect(out).toMatchObject({
      KeyId: kms.arnOf(ecKeyId),
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(Buffer.from(out.PublicKey ?? [])).toEqual(kms.publicKey(ecKeyId).export({ format: 'der', type: 'spki' }));
    const rsa = await kms.client.send(new GetPublicKeyCommand({ KeyId: kms.arnOf(rsaKeyId) }));
    expect(rsa.KeySpec).toBe('RSA_2048');
    expect(rsa.SigningAlgorithms).toContain('RSASSA_PKCS1_V1_5_SHA_256');
  });

  it('sends throttles and internal errors in a shape the SDK classifies and retries', async () => {
    // A client with the SDK's default retry strategy: each failure costs one more request, then it succeeds.
    const retrying = new KMSClient({
      endpoint: kms.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'AKIDLOCALFAKE', secretAccessKey: 'local-fake-secret' },
      maxAttempts: 3,
    });
    try {
      const send = () =>
        retrying.send(
          new SignCommand({
            KeyId: ecKeyId,
            Message: Buffer.alloc(32, 7),
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );
      kms.failNext('Sign', 'throttle');
      expect(await callsDuring(send)).toEqual({ Sign: 2, GetPublicKey: 0 });
      kms.failNext('Sign', 'internal', 2);
      expect(await callsDuring(send)).toEqual({ Sign: 3, GetPublicKey: 0 });
    } finally {
      retrying.destroy();
    }
  });
});

describe('KmsTokenSigner', () => {
  it.each([
    ['RS256', 'RSASSA_PKCS1_V1_5_SHA_256'],
    ['ES256', 'ECDSA_SHA_256'],
  ] as const)(
    '%s: one kms:Sign (DIGEST, %s) per token; the JWS verifies with the JWKS (jose) and node:crypto',
    async (alg, signingAlgorithm) => {
      const keyId = alg === 'RS256' ? rsaKeyId : ecKeyId;
      const signer = new KmsTokenSigner({ client: kms.client, keyId: kms.arnOf(keyId), alg });
      expect(signer.kid).toBe(keyId);
      const payload = { iss: 'http://127.0.0.1', sub: 'client-1', jti: 'token-1' };

      let jws = '';
      expect(
        await callsDuring(async () => {
          jws = await signJws(signer, payload);
        }),
      ).toEqual({ Sign: 1, GetPublicKey: 0 });
      const [header = '', body = '', signature = ''] = jws.split('.');
      const signingInput = Buffer.from(`${header}.${body}`, 'ascii');
      // The exact wire request: the SHA-256 of the signing input, never the input itself.
      expect(kms.lastSignRequest).toEqual({
        target: 'TrentService.Sign',
        contentType: 'application/x-amz-json-1.1',
        body: {
          KeyId: kms.arnOf(keyId),
          Message: sha256(signingInput).toString('base64'),
          MessageType: 'DIGEST',
          SigningAlgorithm: signingAlgorithm,
        },
      });
      const sigBytes = Buffer.from(signature, 'base64url');
      expect(sigBytes).toHaveLength(alg === 'RS256' ? 256 : 64);
      expect(nodeVerifies(alg, kms.publicKey(keyId), signingInput, sigBytes)).toBe(true);

      const source = new KmsKeySource({ client: kms.client, keys: [{ keyId: kms.arnOf(keyId), alg }] });
      const [jwk, ...others] = await source.publicJwks();
      expect(others).toEqual([]);
      if (jwk === undefined) throw new Error('no JWK published');
      expect(jwk.kid).toBe(signer.kid);
      const verified = await compactVerify(jws, await importJWK({ ...jwk }, alg), { algorithms: [alg] });
      expect(verified.protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: keyId });
      expect(JSON.parse(Buffer.from(verified.payload).toString('utf8'))).toEqual(payload);
    },
  );

  it('ES256 signatures are always 64 bytes of R‖S although the DER from KMS varies in length', async () => {
    const signer = new KmsTokenSigner({ client: kms.client, keyId: ecKeyId, alg: 'ES256' });
    const publicKey = kms.publicKey(ecKeyId);
    const derLengths = new Map<number, number>();
    const rounds = 240;
    const calls = await callsDuring(async () => {
      for (let i = 0; i < rounds; i += 1) {
        const input = Buffer.from(`eyJhbGciOiJFUzI1NiJ9.${b64url(`token ${i}`)}`, 'ascii');
        const signature = await signer.sign(input);
        const der = kms.lastSignature ?? Buffer.alloc(0);
        derLengths.set(der.length, (derLengths.get(der.length) ?? 0) + 1);
        expect(signature).toHaveLength(64);
        // R as KMS gave it; S as KMS gave it or n − S (low-s, checked below).
        const raw = Buffer.from(ecdsaDerToRawP256(der));
        expect(Buffer.from(signature.subarray(0, 32))).toEqual(raw.subarray(0, 32));
        expect([raw.subarray(32).toString('hex'), pad32(P256_N - toBig(raw.subarray(32))).toString('hex')]).toContain(
          Buffer.from(signature.subarray(32)).toString('hex'),
        );
        expect(nodeVerifies('ES256', publicKey, input, signature)).toBe(true);
      }
    });
    expect(calls).toEqual({ Sign: rounds, GetPublicKey: 0 });
    // r and s each take 33 DER octets half of the time (sign byte) and fewer now and then, so the
    // DER length moves between about 70 and 72 while the JWS signature never does.
    expect(derLengths.size).toBeGreaterThanOrEqual(2);
    for (const length of derLengths.keys()) expect(length).toBeLessThanOrEqual(72);
  });

  it('ES256 signatures are always low-s (s ≤ n/2) although KMS returns high s about half of the time', async () => {
    const signer = new KmsTokenSigner({ client: kms.client, keyId: ecKeyId, alg: 'ES256' });
    const publicKey = kms.publicKey(ecKeyId);
    let highFromKms = 0;
    for (let i = 0; i < 200; i += 1) {
      const input = Buffer.from(`eyJhbGciOiJFUzI1NiJ9.${b64url(`low-s ${i}`)}`, 'ascii');
      const signature = await signer.sign(input);
      const fromKms = Buffer.from(ecdsaDerToRawP256(kms.lastSignature ?? Buffer.alloc(0)));
      if (toBig(fromKms.subarray(32)) > P256_N / 2n) highFromKms += 1;
      expect({ i, low: toBig(signature.subarray(32)) <= P256_N / 2n }).toEqual({ i, low: true });
      expect(nodeVerifies('ES256', publicKey, input, signature)).toBe(true);
    }
    expect(highFromKms).toBeGreaterThan(0); // the normalisation was exercised
  });

  it.each(['RS256', 'ES256'] as const)('%s: a 10 000-byte signing input signs (DIGEST) and verifies', async (alg) => {
    const keyId = alg === 'RS256' ? rsaKeyId : ecKeyId;
    const signer = new KmsTokenSigner({ client: kms.client, keyId, alg });
    const input = Buffer.alloc(10_000, 'a');
    const signature = await signer.sign(input);
    const sent = kms.lastSignRequest?.body;
    expect(sent?.MessageType).toBe('DIGEST');
    expect(Buffer.from(String(sent?.Message), 'base64')).toEqual(sha256(input));
    expect(nodeVerifies(alg, kms.publicKey(keyId), input, signature)).toBe(true);
  });

  it('kid defaults to the key UUID for a key ARN or a key id, and an explicit kid wins', async () => {
    const byArn = new KmsTokenSigner({ client: kms.client, keyId: kms.arnOf(rsaKeyId), alg: 'RS256' });
    const byId = new KmsTokenSigner({ client: kms.client, keyId: rsaKeyId, alg: 'RS256' });
    const named = new KmsTokenSigner({ client: kms.client, keyId: rsaKeyId, alg: 'RS256', kid: '2026-11' });
    expect(rsaKeyId).toMatch(UUID);
    expect([byArn.kid, byId.kid, named.kid]).toEqual([rsaKeyId, rsaKeyId, '2026-11']);
    await byId.sign(Buffer.from('a.b'));
    expect(kms.lastSignRequest?.body.KeyId).toBe(rsaKeyId);
  });

  it('refuses aliases (an alias can move to another key, so it cannot name a kid) without calling KMS', async () => {
    const calls = await callsDuring(async () => {
      for (const keyId of ['alias/idp-signing', 'arn:aws:kms:local:000000000000:alias/idp-signing', '']) {
        expect(() => new KmsTokenSigner({ client: kms.client, keyId, alg: 'RS256' })).toThrow(
          /aliases cannot give a stable kid/,
        );
        expect(() => new KmsKeySource({ client: kms.client, keys: [{ keyId, alg: 'RS256' }] })).toThrow(
          /aliases cannot give a stable kid/,
        );
      }
    });
    expect(calls).toEqual({ Sign: 0, GetPublicKey: 0 });
  });

  it('throttled past the retry budget: DependencyUnavailableError(signer, throttled) after 4 Signs, then the next sign() succeeds', async () => {
    const events: KmsCallEvent[] = [];
    const delays: number[] = [];
    const signer = new KmsTokenSigner({
      client: kms.client,
      keyId: rsaKeyId,
      alg: 'RS256',
      observe: (event) => events.push(event),
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
    });
    kms.failNext('Sign', 'throttle', SIGN_RETRY_BUDGET.maxAttempts);
    let err: unknown;
    expect(
      await callsDuring(async () => {
        err = await rejectionOf(signer.sign(Buffer.from('a.b')));
      }),
    ).toEqual({ Sign: 4, GetPublicKey: 0 });
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err).toMatchObject({ dependency: 'signer', throttled: true, message: 'signer unavailable (throttled)' });
    expect((err as DependencyUnavailableError).cause).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    // Full jitter: each delay below min(100, 25 · 2^retry) ms, three of them, within the 250 ms budget.
    expect(delays).toHaveLength(3);
    delays.forEach((ms, i) => expect(ms).toBeLessThan(Math.min(100, 25 * 2 ** i)));
    expect(events).toEqual(Array.from({ length: 4 }, () => ({ operation: 'Sign', outcome: 'throttled' })));
    expect(await signer.sign(Buffer.from('a.b'))).toHaveLength(256);
    expect(events.at(-1)).toEqual({ operation: 'Sign', outcome: 'ok' });
  });

  it('a throttle that clears within the budget costs retries, not the token: 2 throttles, then a signature', async () => {
    const signer = new KmsTokenSigner({ client: kms.client, keyId: rsaKeyId, alg: 'RS256' });
    kms.failNext('Sign', 'throttle', 2);
    let signature: Uint8Array = new Uint8Array();
    expect(
      await callsDuring(async () => {
        signature = await signer.sign(Buffer.from('a.b'));
      }),
    ).toEqual({ Sign: 3, GetPublicKey: 0 });
    expect(cryptoVerify('sha256', Buffer.from('a.b'), kms.publicKey(rsaKeyId), signature)).toBe(true);
  });

  it('the budget is time as well as attempts: no retry starts past 250 ms after the first', async () => {
    let clock = 0;
    const signer = new KmsTokenSigner({
      client: kms.client,
      keyId: rsaKeyId,
      alg: 'RS256',
      retry: { ...SIGN_RETRY_BUDGET, maxAttempts: 100 },
      sleep: (ms) => {
        clock += ms + 40; // each attempt takes 40 ms besides the delay
        return Promise.resolve();
      },
    });
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    try {
      kms.failNext('Sign', 'throttle', 100);
      const calls = await callsDuring(() => rejectionOf(signer.sign(Buffer.from('a.b'))));
      expect(clock).toBeLessThanOrEqual(250 + 40);
      expect(calls.Sign).toBeGreaterThan(1);
      expect(calls.Sign).toBeLessThan(100);
    } finally {
      jest.restoreAllMocks();
      kms.clearFailures();
    }
  });

  it('an internal KMS error is retried too, and past the budget is DependencyUnavailableError(signer), not a throttle', async () => {
    const signer = new KmsTokenSigner({
      client: kms.client,
      keyId: ecKeyId,
      alg: 'ES256',
      sleep: () => Promise.resolve(),
    });
    kms.failNext('Sign', 'internal', 4);
    const err = await rejectionOf(signer.sign(Buffer.from('a.b')));
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err).toMatchObject({ dependency: 'signer', throttled: false, message: 'signer unavailable' });
    expect((err as DependencyUnavailableError).cause).toMatchObject({
      name: 'KMSInternalException',
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('a signer whose alg does not fit the key fails as a deployment error, not as unavailability (no retry)', async () => {
    const signer = new KmsTokenSigner({ client: kms.client, keyId: rsaKeyId, alg: 'ES256' });
    let err: unknown;
    expect(
      await callsDuring(async () => {
        err = await rejectionOf(signer.sign(Buffer.from('a.b')));
      }),
    ).toEqual({ Sign: 1, GetPublicKey: 0 });
    // A 4xx refusal will not go away on retry: a logged 500, never a 503 that invites retries.
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toBe('signer call refused: InvalidKeyUsageException');
    expect((err as Error).cause).toMatchObject({ name: 'InvalidKeyUsageException' });
  });
});

describe('KmsKeySource', () => {
  it('publishes public members only, active key first, each with kid, alg and use', async () => {
    const source = new KmsKeySource({
      client: kms.client,
      keys: [
        { keyId: kms.arnOf(rsaKeyId), alg: 'RS256' },
        { keyId: ecKeyId, alg: 'ES256' },
      ],
    });
    const rsa = kms.publicKey(rsaKeyId).export({ format: 'jwk' });
    const ec = kms.publicKey(ecKeyId).export({ format: 'jwk' });
    const jwks = await source.publicJwks();
    // toStrictEqual: no other member (no d, p, q, dp, dq, qi, key_ops ...).
    expect(jwks).toStrictEqual([
      { kty: 'RSA', kid: rsaKeyId, alg: 'RS256', use: 'sig', n: rsa.n, e: 'AQAB' },
      { kty: 'EC', kid: ecKeyId, alg: 'ES256', use: 'sig', crv: 'P-256', x: ec.x, y: ec.y },
    ]);
    for (const jwk of jwks) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(jwk).not.toHaveProperty(member);
    }
  });

  it('calls GetPublicKey once per key across many publicJwks() calls', async () => {
    const source = new KmsKeySource({
      client: kms.client,
      keys: [
        { keyId: rsaKeyId, alg: 'RS256' },
        { keyId: ecKeyId, alg: 'ES256' },
      ],
    });
    const results: PublicJwk[][] = [];
    const calls = await callsDuring(async () => {
      for (let i = 0; i < 25; i += 1) results.push(await source.publicJwks());
    });
    expect(calls).toEqual({ Sign: 0, GetPublicKey: 2 });
    for (const jwks of results) expect(jwks).toEqual(results[0]);
  });

  it('concurrent callers share one GetPublicKey per key', async () => {
    const source = new KmsKeySource({
      client: kms.client,
      keys: [
        { keyId: rsaKeyId, alg: 'RS256' },
        { keyId: ecKeyId, alg: 'ES256' },
      ],
    });
    let results: PublicJwk[][] = [];
    const calls = await callsDuring(async () => {
      results = await Promise.all(Array.from({ length: 20 }, () => source.publicJwks()));
    });
    expect(calls).toEqual({ Sign: 0, GetPublicKey: 2 });
    expect(results).toHaveLength(20);
    for (const jwks of results) expect(jwks).toEqual(results[0]);
  });

  it('after a throttled GetPublicKey the next call retries, then the key stays cached', async () => {
    const source = new KmsKeySource({ client: kms.client, keys: [{ keyId: ecKeyId, alg: 'ES256' }] });
    kms.failNext('GetPublicKey', 'throttle');
    let err: unknown;
    expect(
      await callsDuring(async () => {
        err = await rejectionOf(source.publicJwks());
      }),
    ).toEqual({ Sign: 0, GetPublicKey: 1 });
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err).toMatchObject({ dependency: 'signer', throttled: true });
    expect((err as DependencyUnavailableError).cause).toMatchObject({ name: 'ThrottlingException' });

    let jwks: PublicJwk[] = [];
    expect(
      await callsDuring(async () => {
        jwks = await source.publicJwks();
        await source.publicJwks();
      }),
    ).toEqual({ Sign: 0, GetPublicKey: 1 });
    expect(jwks.map((jwk) => jwk.kid)).toEqual([ecKeyId]);
  });

  it('concurrent callers share one failed call (internal error, not a throttle); the next call retries', async () => {
    const source = new KmsKeySource({ client: kms.client, keys: [{ keyId: rsaKeyId, alg: 'RS256' }] });
    kms.failNext('GetPublicKey', 'internal');
    let settled: PromiseSettledResult<PublicJwk[]>[] = [];
    expect(
      await callsDuring(async () => {
        settled = await Promise.allSettled(Array.from({ length: 5 }, () => source.publicJwks()));
      }),
    ).toEqual({ Sign: 0, GetPublicKey: 1 });
    const reasons = settled.map((result) => (result.status === 'rejected' ? result.reason : undefined));
    for (const reason of reasons) {
      expect(reason).toBeInstanceOf(DependencyUnavailableError);
      expect(reason).toBe(reasons[0]);
    }
    expect(reasons[0]).toMatchObject({ dependency: 'signer', throttled: false });
    expect((reasons[0] as DependencyUnavailableError).cause).toMatchObject({ name: 'KMSInternalException' });
    expect(await callsDuring(() => source.publicJwks())).toEqual({ Sign: 0, GetPublicKey: 1 });
  });

  it('refuses a key whose spec does not match its alg, with a clear error', async () => {
    const ecAsRs256 = new KmsKeySource({ client: kms.client, keys: [{ keyId: ecKeyId, alg: 'RS256' }] });
    const err = await rejectionOf(ecAsRs256.publicJwks());
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toBe(`KMS key ${ecKeyId} (RS256): key spec ECC_NIST_P256, expected RSA_2048`);

    const rsaArn = kms.arnOf(rsaKeyId);
    const rsaAsEs256 = new KmsKeySource({ client: kms.client, keys: [{ keyId: rsaArn, alg: 'ES256' }] });
    await expect(rsaAsEs256.publicJwks()).rejects.toThrow(
      `KMS key ${rsaArn} (ES256): key spec RSA_2048, expected ECC_NIST_P256`,
    );
  });

  it('refuses a configuration without keys or with duplicate kids', () => {
    expect(() => new KmsKeySource({ client: kms.client, keys: [] })).toThrow('KmsKeySource needs at least one key');
    expect(
      () =>
        new KmsKeySource({
          client: kms.client,
          keys: [
            { keyId: rsaKeyId, alg: 'RS256' },
            { keyId: kms.arnOf(rsaKeyId), alg: 'RS256' },
          ],
        }),
    ).toThrow('published KMS keys must have distinct kids');
  });
});

describe('kmsKeyIdOf', () => {
  it('takes the key id from a key id or a key ARN', () => {
    expect(kmsKeyIdOf('1234abcd-12ab-34cd-56ef-1234567890ab')).toBe('1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(kmsKeyIdOf('arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab')).toBe(
      '1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(kmsKeyIdOf('arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab')).toBe(
      'mrk-1234abcd12ab34cd56ef1234567890ab',
    );
  });

  it.each([
    'alias/ExampleAlias',
    'arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias',
    'arn:aws:s3:::bucket/key/abc',
    'arn:aws:kms:us-east-2:111122223333:key/',
    'key/abc/def',
    '',
  ])('refuses %j', (value) => {
    expect(() => kmsKeyIdOf(value)).toThrow(/KMS key|not a KMS key ARN/);
  });
});

describe('ecdsaDerToRawP256', () => {
  const r32 = Buffer.from('8f'.repeat(32), 'hex'); // high bit set: DER needs a 0x00 sign byte

  it('strips the 0x00 sign byte and left-pads short integers to 32 octets', () => {
    const s = Buffer.from('0102', 'hex');
    const raw = ecdsaDerToRawP256(derSignature(Buffer.concat([Buffer.from([0]), r32]), s));
    expect(Buffer.from(raw)).toEqual(Buffer.concat([r32, Buffer.alloc(30), s]));
    expect(Buffer.from(ecdsaDerToRawP256(derSignature(Buffer.from([1]), Buffer.from([0x00, 0x80]))))).toEqual(
      Buffer.concat([pad32(1n), pad32(0x80n)]),
    );
  });

  it('round-trips every 1 ≤ r, s < n', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: P256_N - 1n }), fc.bigInt({ min: 1n, max: P256_N - 1n }), (r, s) => {
        const body = Buffer.concat([derInteger(r), derInteger(s)]);
        const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
        expect(Buffer.from(ecdsaDerToRawP256(der))).toEqual(Buffer.concat([pad32(r), pad32(s)]));
      }),
      { numRuns: 500 },
    );
    const edges = [1n, 0x7fn, 0x80n, P256_N - 1n];
    for (const r of edges) {
      for (const s of edges) {
        const body = Buffer.concat([derInteger(r), derInteger(s)]);
        const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
        expect(Buffer.from(ecdsaDerToRawP256(der))).toEqual(Buffer.concat([pad32(r), pad32(s)]));
      }
    }
  });

  const one = Buffer.from([1]);
  const valid = derSignature(one, one);
  const order = pad32(P256_N);
  it.each<[string, Buffer, RegExp]>([
    ['an empty input', Buffer.alloc(0), /truncated/],
    ['a SET instead of a SEQUENCE', Buffer.concat([Buffer.from([0x31]), valid.subarray(1)]), /SEQUENCE expected/],
    [
      'a long-form SEQUENCE length',
      Buffer.concat([Buffer.from([0x30, 0x81, valid.length - 2]), valid.subarray(2)]),
      /long-form or indefinite length/,
    ],
    [
      'a long-form INTEGER length',
      Buffer.from([0x30, 0x07, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01]),
      /long-form or indefinite length/,
    ],
    [
      'an indefinite length',
      Buffer.concat([Buffer.from([0x30, 0x80]), valid.subarray(2), Buffer.alloc(2)]),
      /long-form/,
    ],
    [
      'trailing data',
      Buffer.concat([Buffer.from([0x30, valid.length - 2 + 1]), valid.subarray(2), Buffer.from([0])]),
      /trailing data/,
    ],
    ['data after the SEQUENCE', Buffer.concat([valid, Buffer.from([0])]), /SEQUENCE length does not match/],
    ['a SEQUENCE length past the end', Buffer.from([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]), /does not match/],
    ['a missing s', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), /truncated/],
    [
      'an INTEGER length past the end',
      Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01]),
      /truncated INTEGER/,
    ],
    ['a BIT STRING instead of an INTEGER', derSignature(one, one).fill(0x03, 2, 3), /INTEGER expected/],
    ['an empty INTEGER', Buffer.from([0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01]), /empty INTEGER/],
    ['a negative r', derSignature(r32, one), /negative INTEGER/],
    ['a negative s', derSignature(one, Buffer.from([0xff])), /negative INTEGER/],
    ['a non-minimal r (0x00 before a clear high bit)', derSignature(Buffer.from([0x00, 0x01]), one), /non-minimal/],
    ['a non-minimal zero', derSignature(Buffer.from([0x00, 0x00]), one), /non-minimal/],
    ['a zero r', derSignature(Buffer.from([0x00]), one), /zero INTEGER/],
    ['a zero s', derSignature(one, Buffer.from([0x00])), /zero INTEGER/],
    ['r = n', derSignature(Buffer.concat([Buffer.from([0]), order]), one), /not below the group order/],
    [
      's = n + 1',
      derSignature(one, Buffer.concat([Buffer.from([0]), pad32(P256_N + 1n)])),
      /not below the group order/,
    ],
    ['r = 2^256 - 1', derSignature(Buffer.concat([Buffer.from([0]), Buffer.alloc(32, 0xff)]), one), /not below/],
    ['a 33-octet r', derSignature(Buffer.concat([Buffer.from([0, 0x80]), Buffer.alloc(32)]), one), /too large/],
  ])('rejects %s', (_, der, reason) => {
    expect(() => ecdsaDerToRawP256(der)).toThrow(/^malformed ECDSA signature: /);
    expect(() => ecdsaDerToRawP256(der)).toThrow(reason);
  });
});
