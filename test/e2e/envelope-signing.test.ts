/**
 * The envelope signing mode end to end through the local server (`IDP_SIGNING_MODE=envelope`,
 * lambdas/local/local-envelope-keys.ts): the key pair is kept only wrapped (the local AES-GCM stand-in
 * for KMS, the encryption context bound), decrypted once at start; a real OAuth client (openid-client)
 * gets a token, aws-jwt-verify verifies it against the served JWKS, and the admin API accepts it
 * behind the same bearer authorization the authorizer Lambda runs. A restart keeps the key: tokens
 * issued before it still verify.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { Issuer } from 'openid-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { accessTokenVerifier, startTestIdp } from '../support/local-idp';

describe.each(['RS256', 'ES256'] as const)('envelope signing through the local server (%s)', (alg) => {
  let dataDir: string;
  let idp: LocalIdp;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'idp-envelope-'));
    idp = await startTestIdp({ alg, signing: 'envelope', dataDir });
  });
  afterAll(async () => {
    await idp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function adminToken(server: LocalIdp): Promise<string> {
    const issuer = await Issuer.discover(server.url);
    const client = new issuer.Client({
      client_id: server.bootstrap.clientId,
      client_secret: server.bootstrap.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const tokens = await client.grant({ grant_type: 'client_credentials', audience: `${server.issuer}/admin` });
    return tokens.access_token!;
  }

  it('issues a token that verifies with the JWKS and passes the admin API’s bearer authorization', async () => {
    const token = await adminToken(idp);
    const jwks = (await (await fetch(`${idp.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg, use: 'sig', kty: alg === 'RS256' ? 'RSA' : 'EC' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwks.keys[0]).not.toHaveProperty(member);
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: jwks.keys[0]!['kid'] });
    const payload = await (await accessTokenVerifier(idp, `${idp.issuer}/admin`)).verify(token);
    expect(payload).toMatchObject({ sub: idp.bootstrap.clientId, scope: 'admin:read admin:write' });
    const apis = await fetch(`${idp.url}/admin/apis`, { headers: { authorization: `Bearer ${token}` } });
    expect(apis.status).toBe(200);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(alg === 'RS256' ? 256 : 64, 1).toString('base64url')}`;
    expect((await fetch(`${idp.url}/admin/apis`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
  });

  it('keeps no plaintext private key on disk: only the wrapping key file (0600), no key set file', () => {
    const files = readdirSync(dataDir);
    expect(files).toContain('envelope-wrapping-key');
    expect(files.filter((f) => f.startsWith('signing-key'))).toEqual([]);
    expect(statSync(path.join(dataDir, 'envelope-wrapping-key')).mode & 0o777).toBe(0o600);
    for (const file of files.filter((f) => statSync(path.join(dataDir, f)).isFile())) {
      expect(readFileSync(path.join(dataDir, file)).toString('latin1')).not.toMatch(/PRIVATE KEY|"d":"/);
    }
  });

  it('a restart decrypts the same key: a token issued before it still verifies', async () => {
    const before = await adminToken(idp);
    // The same port, so the same issuer (the bootstrap registered the admin API for it).
    const port = Number(new URL(idp.url).port);
    await idp.stop();
    idp = await startTestIdp({ alg, signing: 'envelope', dataDir, port });
    const after = await adminToken(idp);
    expect(decodeProtectedHeader(after).kid).toBe(decodeProtectedHeader(before).kid);
    const verifier = await accessTokenVerifier(idp, `${idp.issuer}/admin`);
    await expect(verifier.verify(before)).resolves.toMatchObject({ sub: idp.bootstrap.clientId });
    await expect(verifier.verify(after)).resolves.toMatchObject({ sub: idp.bootstrap.clientId });
  });
});
