/**
 * Local signing-key rotation: the local IdP's key set in its data folder (0600 file) and the
 * `idp keys list` / `idp keys rotate` commands that change it (in-process `runCli`). The CLI writes the
 * set with its own reader/writer (lambdas/client/cli/local-key-set.ts) and the local IdP's signer
 * (lambdas/adapters/local-token-signer.ts) reads it: the two agree on every step. Also: the single-key
 * file of earlier versions becomes the active key with its kid, and `--stage` prints the AWS config change.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jwkThumbprint, LocalTokenSigner } from '../../lambdas/adapters/local-token-signer';
import { runCli } from '../../lambdas/client/cli/main';
import { JwtAccessTokenVerifier } from '../../lambdas/client/verify/jwt-access-token-verifier';
import { signAccessToken } from '../../lambdas/domain/tokens/access-token';
import { projectClaims } from '../support/token-forge';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'idp-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { IDP_DATA_DIR: dir },
    cwd: dir,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

const mode = async (file: string) => (await stat(file)).mode & 0o777;
const setFile = () => path.join(dir, 'signing-keys-RS256.json');

async function kidsOf(signer: LocalTokenSigner): Promise<string[]> {
  return (await signer.publicJwks()).map((k) => k.kid);
}

describe('local key set', () => {
  it('first start creates one active key in a 0600 file; restarts keep it', async () => {
    const first = await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    expect(await readdir(dir)).toEqual(['signing-keys-RS256.json']);
    expect(await mode(setFile())).toBe(0o600);
    const again = await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    expect(again.kid).toBe(first.kid);
    expect(await kidsOf(again)).toEqual([first.kid]);
    const stored = JSON.parse(await readFile(setFile(), 'utf8')) as { keys: Record<string, unknown>[] };
    expect(stored.keys).toEqual([
      { kid: first.kid, alg: 'RS256', state: 'active', createdAt: expect.any(String), privateJwk: expect.any(Object) },
    ]);
  });

  it('the single-key file of earlier versions becomes the active key, same kid, and is removed', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(path.join(dir, 'signing-key-ES256.json'), JSON.stringify(privateKey.export({ format: 'jwk' })), {
      mode: 0o600,
    });
    const signer = await LocalTokenSigner.load({ dataDir: dir, alg: 'ES256' });
    expect(signer.kid).toBe(jwkThumbprint(publicKey.export({ format: 'jwk' })));
    expect(await readdir(dir)).toEqual(['signing-keys-ES256.json']);
  });

  it('refuses a set without exactly one active key', async () => {
    await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    const stored = JSON.parse(await readFile(setFile(), 'utf8')) as { keys: { state: string }[] };
    stored.keys[0]!.state = 'next';
    await writeFile(setFile(), JSON.stringify(stored));
    await expect(LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' })).rejects.toThrow(
      'exactly one key must be active, found 0',
    );
  });
});

describe('idp keys', () => {
  it('list, rotate (next), rotate (promote): the restarted local IdP signs and publishes accordingly, no token breaks', async () => {
    const a = await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    const list0 = await cli(['keys', 'list']);
    expect(list0).toMatchObject({ code: 0, stderr: '' });
    expect(list0.stdout).toMatch(
      new RegExp(`^KID +ALG +STATE +CREATED +RETIRED\\n${a.kid} +RS256 +active +\\d{4}-\\S+Z +-\\n$`),
    );

    const verifier = (jwks: object[]) =>
      new JwtAccessTokenVerifier({
        issuer: 'https://idp.example.test',
        audience: 'https://idp.example.test/admin',
        subject: 'client',
        jwks: { keys: jwks },
        fetchJwks: () => Promise.reject(new Error('no fetch in this test')),
      });
    const tokenA = await signAccessToken(projectClaims(), a);

    // Step 1: a next key, published, not signing.
    const step1 = await cli(['keys', 'rotate']);
    expect(step1.code).toBe(0);
    const b = /^added next key (\S+) \(RS256\): published in the JWKS, signs nothing yet\.\n/.exec(step1.stdout)?.[1];
    expect(b).toBeDefined();
    expect(step1.stdout).toContain('Restart the local IdP (npm start)');
    expect(await mode(setFile())).toBe(0o600);
    expect(await readdir(dir)).toEqual(['signing-keys-RS256.json']);
    const phase1 = await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    expect(phase1.kid).toBe(a.kid);
    expect(await kidsOf(phase1)).toEqual([a.kid, b]);
    const jwks1 = await phase1.publicJwks();
    expect(jwks1.map((k) => [k.alg, k.use])).toEqual([
      ['RS256', 'sig'],
      ['RS256', 'sig'],
    ]);
    const list1 = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as Record<string, unknown>[];
    expect(list1.map((k) => [k['kid'], k['state']])).toEqual([
      [a.kid, 'active'],
      [b, 'next'],
    ]);
    expect(JSON.stringify(list1)).not.toContain('privateJwk');

    // Step 2: the next key signs, the old one is retired and still published.
    const step2 = await cli(['keys', 'rotate']);
    expect(step2.stdout).toContain(`promoted ${b} to active; retired ${a.kid} (still published`);
    const phase2 = await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    expect(phase2.kid).toBe(b);
    expect(await kidsOf(phase2)).toEqual([b, a.kid]);
    const tokenB = await signAccessToken(projectClaims(), phase2);
    // A verifier holding phase 1's JWKS verifies B's tokens; phase 2's JWKS still verifies A's.
    await expect(verifier(jwks1).verify(tokenB)).resolves.toBeDefined();
    await expect(verifier(await phase2.publicJwks()).verify(tokenA)).resolves.toBeDefined();
    const list2 = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as Record<string, unknown>[];
    expect(list2.map((k) => [k['kid'], k['state'], typeof k['retiredAt']])).toEqual([
      [b, 'active', 'undefined'],
      [a.kid, 'retired', 'string'],
    ]);
  });

  it('rotate drops retired keys older than 30 days', async () => {
    await LocalTokenSigner.load({ dataDir: dir, alg: 'RS256' });
    await cli(['keys', 'rotate']);
    await cli(['keys', 'rotate']);
    const stored = JSON.parse(await readFile(setFile(), 'utf8')) as { keys: { state: string; retiredAt?: string }[] };
    const retired = stored.keys.find((k) => k.state === 'retired')!;
    retired.retiredAt = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await writeFile(setFile(), JSON.stringify(stored), { mode: 0o600 });
    const result = await cli(['keys', 'rotate', '--json']);
    const parsed = JSON.parse(result.stdout) as { step: string; removed: unknown[] };
    expect([parsed.step, parsed.removed.length]).toEqual(['added-next', 1]);
    expect(JSON.parse((await cli(['keys', 'list', '--json'])).stdout).map((k: { state: string }) => k.state)).toEqual([
      'active',
      'next',
    ]);
  });

  it('rotate without a key set says how to create one (exit 1); a bad --alg is a usage error (exit 2)', async () => {
    expect(await cli(['keys', 'rotate', '--alg', 'ES256'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: no ES256 signing keys in ${dir}: start the local IdP once (npm start, IDP_SIGNING_ALG=ES256) to create them\n`,
    });
    expect((await cli(['keys', 'rotate', '--alg', 'HS256'])).code).toBe(2);
    expect((await cli(['keys', 'list'])).stdout).toBe(`(none: start the local IdP once to create its key in ${dir})\n`);
  });

  it('--stage prints the config change and deploy commands for an AWS stage', async () => {
    const result = await cli(['keys', 'rotate', '--stage', 'prod', '--next-id', 'k2026b']);
    expect(result.code).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    for (const line of [
      'STAGE_DEFAULTS.prod.signingKeys:',
      "       { id: 'initial', state: 'active' },\n       { id: 'k2026b', state: 'next' },",
      `       { id: 'initial', state: 'retired', retiredAt: '${today}' },\n       { id: 'k2026b', state: 'active' },`,
      "   npx cdk deploy 'serverless-idp-prod/*'",
    ]) {
      expect(result.stdout).toContain(line);
    }
    expect(await readdir(dir)).toEqual([]);
    expect((await cli(['keys', 'rotate', '--stage', 'qa'])).code).toBe(2);
    expect((await cli(['keys', 'rotate', '--stage', 'prod', '--next-id', 'initial'])).code).toBe(2);
  });
});
