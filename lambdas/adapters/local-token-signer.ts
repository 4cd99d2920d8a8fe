/**
 * The local signer (docs/architecture.md, Local runtime): node:crypto with a key set per algorithm kept
 * in `<dataDir>/signing-keys-<alg>.json` (mode 0600; format in docs/contract.md, "Configuration › Local
 * signing keys"), or one key in memory without a data folder. The set holds keys with the states of
 * the AWS stages — `next` (published, signs nothing), `active` (signs; exactly one), `retired`
 * (published) — and is changed by `idp keys rotate`; the local IdP reads it at start. A key file of the
 * single-key layout (`signing-key-<alg>.json`) is taken over as the active key, with its `kid`.
 * It is both the {@link TokenSigner} and the {@link KeySource} of the local runtime. The `kid` is the
 * key's RFC 7638 JWK thumbprint, so it is stable across restarts and differs per key.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { KeySource, PublicJwk, SigningAlgorithm, TokenSigner } from '../domain/ports';
import { jwkThumbprint, publicJwkOf, signInMemory } from './in-memory-signing';
import { readOrCreateSecretFile } from './local-files';

export { jwkThumbprint };

/** The single-key file of earlier versions, taken over into the key set. */
export function signingKeyFile(dataDir: string, alg: SigningAlgorithm): string {
  return path.join(dataDir, `signing-key-${alg}.json`);
}

/** The key set of one algorithm. */
export function signingKeySetFile(dataDir: string, alg: SigningAlgorithm): string {
  return path.join(dataDir, `signing-keys-${alg}.json`);
}

/** One key of a local key set file (docs/contract.md, "Configuration › Local signing keys"). */
export interface LocalKeyRecord {
  kid: string;
  alg: SigningAlgorithm;
  state: 'next' | 'active' | 'retired';
  createdAt: string;
  retiredAt?: string;
  privateJwk: JsonWebKey;
}

function generatePrivateJwk(alg: SigningAlgorithm): JsonWebKey {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'jwk' });
}

export interface LocalTokenSignerOptions {
  /** Folder for the key set; in memory when absent. */
  dataDir?: string;
  alg: SigningAlgorithm;
}

function importKey(alg: SigningAlgorithm, jwk: JsonWebKey): KeyObject {
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const expectedType = alg === 'RS256' ? 'rsa' : 'ec';
  if (key.asymmetricKeyType !== expectedType) throw new Error(`the local ${alg} key is not an ${expectedType} key`);
  return key;
}

/** A new key set of one active key: the single-key file's key when there is one, else a new key. */
async function initialKeySet(dataDir: string, alg: SigningAlgorithm): Promise<string> {
  const legacy = signingKeyFile(dataDir, alg);
  let jwk: JsonWebKey;
  let createdAt = new Date().toISOString();
  try {
    jwk = JSON.parse(await readFile(legacy, 'utf8')) as JsonWebKey;
    createdAt = (await stat(legacy)).mtime.toISOString();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    jwk = generatePrivateJwk(alg);
  }
  const kid = publicJwkOf(alg, importKey(alg, jwk)).kid;
  const record: LocalKeyRecord = { kid, alg, state: 'active', createdAt, privateJwk: jwk };
  return `${JSON.stringify({ keys: [record] }, null, 2)}\n`;
}

/** Parses and checks a key set: exactly one active key, every key of `alg`, kids = thumbprints. */
function parseKeySet(text: string, file: string, alg: SigningAlgorithm): { record: LocalKeyRecord; key: KeyObject }[] {
  const parsed = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(parsed.keys)) throw new Error(`${file}: no keys array`);
  const keys = (parsed.keys as LocalKeyRecord[]).map((record) => {
    if (record.alg !== alg) throw new Error(`${file}: key ${record.kid} is ${String(record.alg)}, not ${alg}`);
    if (!['next', 'active', 'retired'].includes(record.state)) {
      throw new Error(`${file}: key ${record.kid} has state ${String(record.state)}`);
    }
    const key = importKey(alg, record.privateJwk);
    if (publicJwkOf(alg, key).kid !== record.kid)
      throw new Error(`${file}: kid ${record.kid} is not the key's thumbprint`);
    return { record, key };
  });
  const active = keys.filter((k) => k.record.state === 'active').length;
  if (active !== 1) throw new Error(`${file}: exactly one key must be active, found ${active}`);
  return keys;
}

export class LocalTokenSigner implements TokenSigner, KeySource {
  readonly kid: string;
  private readonly jwks: PublicJwk[];

  /** @param keys every published key, the active (signing) one first */
  private constructor(
    readonly alg: SigningAlgorithm,
    private readonly privateKey: KeyObject,
    published: KeyObject[],
  ) {
    this.jwks = published.map((key) => publicJwkOf(alg, key));
    this.kid = this.jwks[0]!.kid;
  }

  /**
   * Loads the key set of `alg` from the data folder — creating it on first use (exclusively, so two
   * processes starting together agree), from the single-key file when there is one — and signs with its
   * active key; without a data folder, one new key in memory.
   */
  static async load(options: LocalTokenSignerOptions): Promise<LocalTokenSigner> {
    const { dataDir, alg } = options;
    if (dataDir === undefined) {
      const key = importKey(alg, generatePrivateJwk(alg));
      return new LocalTokenSigner(alg, key, [key]);
    }
    const file = signingKeySetFile(dataDir, alg);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const initial = await initialKeySet(dataDir, alg);
      text = await readOrCreateSecretFile(file, () => initial);
    }
    const keys = parseKeySet(text, file, alg);
    // The single-key file is in the set now (or was never there): one copy of private key material.
    await unlink(signingKeyFile(dataDir, alg)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const rank = { active: 0, next: 1, retired: 2 } as const;
    const ordered = [...keys].sort((a, b) => rank[a.record.state] - rank[b.record.state]);
    return new LocalTokenSigner(
      alg,
      ordered[0]!.key,
      ordered.map((k) => k.key),
    );
  }

  /**
   * RFC 7518 §3.3 (RS256) / §3.4 (ES256, raw R‖S of 64 bytes, in low-s form: OpenSSL returns either s
   * or n − s, and the verifier accepts only s ≤ n/2). Signs on libuv's thread pool (the callback form of
   * `crypto.sign`), so RSA signing does not block the event loop.
   */
  sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return signInMemory(this.alg, this.privateKey, signingInput);
  }

  /** Every key of the set: active first, then next, then retired (RFC 7517 §5). */
  publicJwks(): Promise<PublicJwk[]> {
    return Promise.resolve(this.jwks);
  }
}
