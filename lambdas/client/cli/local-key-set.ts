/**
 * The local IdP's signing-key sets as files (docs/contract.md, "Configuration › Local signing keys"):
 * `<dataDir>/signing-keys-<alg>.json`, mode 0600, `{"keys": [{kid, alg, state, createdAt, retiredAt?,
 * privateJwk}]}`. The CLI reads and rewrites them itself (the client imports no server code); the
 * local IdP reads them at start (lambdas/adapters/local-token-signer.ts). Rewrites are atomic (a
 * temporary file renamed over the set), so a starting IdP never reads half a file.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliFailure } from './command';

export type LocalAlg = 'RS256' | 'ES256';
export type LocalKeyState = 'next' | 'active' | 'retired';

/** One key of a set, as stored. */
export interface LocalKey {
  kid: string;
  alg: LocalAlg;
  state: LocalKeyState;
  createdAt: string;
  retiredAt?: string;
  privateJwk: JsonWebKey;
}

/** A key as listed: no private member. */
export type ListedKey = Omit<LocalKey, 'privateJwk'>;

export const LOCAL_ALGS: readonly LocalAlg[] = ['RS256', 'ES256'];

export function keySetFile(dataDir: string, alg: LocalAlg): string {
  return path.join(dataDir, `signing-keys-${alg}.json`);
}

/** RFC 7638 §3: SHA-256 over the required public members in lexicographic order, base64url. */
function thumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** A new key of `alg` (RSA 2048, or P-256), with its kid. */
export function generateLocalKey(alg: LocalAlg, now: Date): LocalKey {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const kid = thumbprint(createPublicKey(privateKey).export({ format: 'jwk' }));
  return { kid, alg, state: 'next', createdAt: now.toISOString(), privateJwk };
}

/** The set of `alg` in the folder, or undefined when there is none. */
export async function readKeySet(dataDir: string, alg: LocalAlg): Promise<LocalKey[] | undefined> {
  const file = keySetFile(dataDir, alg);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(parsed.keys)) throw new CliFailure(`${file} is not a key set (no keys array)`);
  return parsed.keys as LocalKey[];
}

/** Every set in the folder, keys without private members, each set active → next → retired. */
export async function listKeys(dataDir: string): Promise<ListedKey[]> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const rank: Record<LocalKeyState, number> = { active: 0, next: 1, retired: 2 };
  const out: ListedKey[] = [];
  for (const alg of LOCAL_ALGS) {
    if (!names.includes(path.basename(keySetFile(dataDir, alg)))) continue;
    const keys = (await readKeySet(dataDir, alg)) ?? [];
    for (const { privateJwk: _private, ...listed } of [...keys].sort((a, b) => rank[a.state] - rank[b.state])) {
      out.push(listed);
    }
  }
  return out;
}

/** Writes a set atomically with mode 0600. */
export async function writeKeySet(dataDir: string, alg: LocalAlg, keys: LocalKey[]): Promise<void> {
  const file = keySetFile(dataDir, alg);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(tmp, file);
}

/** What one rotation step did. */
export type RotationStep =
  | { step: 'added-next'; next: ListedKey; removed: ListedKey[] }
  | { step: 'promoted'; active: ListedKey; retired: ListedKey; removed: ListedKey[] };

/** Retired keys are dropped once every token they can have signed has expired (30 days locally too). */
const RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * One step of the two-step rotation: with no `next` key, add one; with one, make it `active` and the
 * active key `retired`. Retired keys older than 30 days are dropped on the way.
 * @throws CliFailure when the folder has no key set for `alg` (start the local IdP once first)
 */
export async function rotateLocalKeys(dataDir: string, alg: LocalAlg, now = new Date()): Promise<RotationStep> {
  const keys = await readKeySet(dataDir, alg);
  if (keys === undefined) {
    throw new CliFailure(
      `no ${alg} signing keys in ${dataDir}: start the local IdP once (npm start, IDP_SIGNING_ALG=${alg}) to create them`,
    );
  }
  const strip = ({ privateJwk: _private, ...listed }: LocalKey): ListedKey => listed;
  const expired = (k: LocalKey) =>
    k.state === 'retired' && k.retiredAt !== undefined && Date.parse(k.retiredAt) + RETENTION_MS <= now.getTime();
  const removed = keys.filter(expired);
  const kept = keys.filter((k) => !expired(k));
  const active = kept.find((k) => k.state === 'active');
  if (active === undefined) throw new CliFailure(`${keySetFile(dataDir, alg)} has no active key`);
  const next = kept.find((k) => k.state === 'next');
  if (next === undefined) {
    const added = generateLocalKey(alg, now);
    await writeKeySet(dataDir, alg, [...kept, added]);
    return { step: 'added-next', next: strip(added), removed: removed.map(strip) };
  }
  const promoted: LocalKey = { ...next, state: 'active' };
  const retired: LocalKey = { ...active, state: 'retired', retiredAt: now.toISOString() };
  await writeKeySet(
    dataDir,
    alg,
    kept.map((k) => (k === next ? promoted : k === active ? retired : k)),
  );
  return { step: 'promoted', active: strip(promoted), retired: strip(retired), removed: removed.map(strip) };
}
