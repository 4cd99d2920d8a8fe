/**
 * The local signer (docs/architecture.md, Local runtime): node:crypto with a key generated on first start and kept
 * in `<dataDir>/signing-key-<alg>.json` (a private JWK, mode 0600), or in memory without a data folder.
 * It is both the {@link TokenSigner} and the {@link KeySource} of the local runtime. The `kid` is the
 * key's RFC 7638 JWK thumbprint, so it is stable across restarts and differs per key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import path from 'node:path';
import type { KeySource, PublicJwk, SigningAlgorithm, TokenSigner } from '../domain/ports';
import { toLowS } from '../client/verify/ecdsa-p256';
import { readOrCreateSecretFile } from './local-files';

export function signingKeyFile(dataDir: string, alg: SigningAlgorithm): string {
  return path.join(dataDir, `signing-key-${alg}.json`);
}

function generatePrivateJwk(alg: SigningAlgorithm): JsonWebKey {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'jwk' });
}

/** RFC 7638 §3: SHA-256 over the required public members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export interface LocalTokenSignerOptions {
  /** Folder for the key file; in memory when absent. */
  dataDir?: string;
  alg: SigningAlgorithm;
}

export class LocalTokenSigner implements TokenSigner, KeySource {
  readonly kid: string;
  private readonly jwks: PublicJwk[];

  private constructor(
    readonly alg: SigningAlgorithm,
    private readonly privateKey: KeyObject,
  ) {
    const pub = createPublicKey(privateKey).export({ format: 'jwk' });
    this.kid = jwkThumbprint(pub);
    this.jwks = [
      alg === 'RS256'
        ? { kty: 'RSA', kid: this.kid, alg, use: 'sig', n: pub.n, e: pub.e }
        : { kty: 'EC', kid: this.kid, alg, use: 'sig', crv: 'P-256', x: pub.x, y: pub.y },
    ];
  }

  /** Loads the key of `alg` from the data folder, generating and saving it on first use. */
  static async load(options: LocalTokenSignerOptions): Promise<LocalTokenSigner> {
    const { dataDir, alg } = options;
    const jwk =
      dataDir === undefined
        ? generatePrivateJwk(alg)
        : (JSON.parse(
            await readOrCreateSecretFile(
              signingKeyFile(dataDir, alg),
              () => `${JSON.stringify(generatePrivateJwk(alg))}\n`,
            ),
          ) as JsonWebKey);
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    const expectedType = alg === 'RS256' ? 'rsa' : 'ec';
    if (key.asymmetricKeyType !== expectedType) throw new Error(`the local ${alg} key is not an ${expectedType} key`);
    return new LocalTokenSigner(alg, key);
  }

  /**
   * RFC 7518 §3.3 (RS256) / §3.4 (ES256, raw R‖S of 64 bytes, in low-s form: OpenSSL returns either s
   * or n − s, and the verifier accepts only s ≤ n/2). Signs on libuv's thread pool (the callback form of
   * `crypto.sign`), so RSA signing does not block the event loop.
   */
  sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      sign('sha256', signingInput, { key: this.privateKey, dsaEncoding: 'ieee-p1363' }, (err, signature) =>
        err === null ? resolve(this.alg === 'ES256' ? toLowS(signature) : signature) : reject(err),
      );
    });
  }

  publicJwks(): Promise<PublicJwk[]> {
    return Promise.resolve(this.jwks);
  }
}
