/**
 * The budgets of docs/contract.md, counted with the real adapters: a token request costs exactly one
 * DynamoDB round trip (a strongly consistent Query) and one KMS `Sign`; with token reuse, a repeated
 * request costs the Query and no `Sign`, and any change to what the token was derived from signs a new one.
 * DynamoDB is dynalite (requests counted by SDK middleware, retries off); KMS is the protocol fake.
 */
import { InMemoryUserRepository } from '../support/in-memory-people';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';
import { KmsKeySource, KmsTokenSigner } from '../../lambdas/adapters/kms-token-signer';
import { randomIds } from '../../lambdas/adapters/random-ids';
import type { HttpRequest } from '../../lambdas/domain/http';
import type { ClientBundle } from '../../lambdas/domain/model';
import { silentLogger } from '../../lambdas/domain/ports';
import type { TokenOutcome } from '../../lambdas/domain/endpoints/token-endpoint';
import { TokenEndpoint } from '../../lambdas/domain/endpoints/token-endpoint';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';
import { startKmsFake } from '../support/kms-fake';
import type { KmsFake } from '../support/kms-fake';

const ISSUER = 'https://idp.example.com';
const ORDERS = 'https://orders.example.com';
const T0 = '2026-11-23T08:00:00.000Z';

function tokenRequest(clientId: string, secret: string, body: Record<string, string>): HttpRequest {
  return {
    method: 'POST',
    path: '/oauth2/token',
    rawQuery: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: Buffer.from(new URLSearchParams({ grant_type: 'client_credentials', ...body }).toString()),
  };
}

describe('per-request cost with the real adapters', () => {
  let db: TestDynamo;
  let kms: KmsFake;
  let keyArn: string;
  const hasher = new HmacSecretHasher(Buffer.alloc(32, 7));
  let now = Date.parse('2026-11-23T09:00:00.000Z');
  const outcomes: TokenOutcome[] = [];

  const endpoint = (signingKey = keyArn) =>
    new TokenEndpoint({
      store: db.tokenReads,
      people: {
        codes: db.codes,
        users: new InMemoryUserRepository(),
        revocations: db.revocations,
        sessions: db.sessions,
      },
      signer: new KmsTokenSigner({ client: kms.client, keyId: signingKey, alg: 'RS256' }),
      hasher,
      clock: { now: () => now },
      ids: randomIds,
      logger: silentLogger,
      observe: (outcome) => outcomes.push(outcome),
      config: { issuer: ISSUER, defaultAccessTokenTtl: 3600 },
    });

  async function register(clientId: string, secret: string, tokenReuse?: boolean): Promise<ClientBundle> {
    const bundle: ClientBundle = {
      client: {
        clientId,
        name: clientId,
        status: 'enabled',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'client_secret_basic',
        ...(tokenReuse === undefined ? {} : { tokenReuse }),
        createdAt: T0,
        updatedAt: T0,
        version: 1,
      },
      secrets: [{ secretId: `sec_${clientId}`, hash: hasher.hash(secret), createdAt: T0 }],
      rules: [{ audience: ORDERS, scopes: ['orders:read', 'orders:write'], createdAt: T0 }],
    };
    await db.clients.createClient(bundle);
    return bundle;
  }

  beforeAll(async () => {
    [db, kms] = await Promise.all([startTestDynamo(), startKmsFake()]);
    keyArn = kms.arnOf(kms.createKey('RSA_2048'));
    await db.apis.createApi({
      identifier: ORDERS,
      name: 'Orders',
      scopes: [{ value: 'orders:read' }, { value: 'orders:write' }],
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
    await register('plain', 'plain-secret');
    await register('reuser', 'reuser-secret', true);
  });
  afterAll(async () => {
    await Promise.all([db.close(), kms.close()]);
  });
  beforeEach(() => {
    db.resetCalls();
    kms.calls.Sign = 0;
    kms.calls.GetPublicKey = 0;
  });

  it('costs exactly one DynamoDB Query and one KMS Sign per token, and the token verifies', async () => {
    const ep = endpoint();
    for (let i = 0; i < 5; i += 1) {
      const res = await ep.handle(tokenRequest('plain', 'plain-secret', { audience: ORDERS }));
      expect(res.status).toBe(200);
      const token = (JSON.parse(res.body) as { access_token: string }).access_token;
      const jwks = await new KmsKeySource({ client: kms.client, keys: [{ keyId: keyArn, alg: 'RS256' }] }).publicJwks();
      const key = await importJWK(jwks[0] as unknown as Parameters<typeof importJWK>[0], 'RS256');
      await expect(
        jwtVerify(token, key, { issuer: ISSUER, audience: ORDERS, typ: 'at+jwt', currentDate: new Date(now) }),
      ).resolves.toBeDefined();
    }
    // The GetPublicKey calls above are the test's own verification, not the endpoint's.
    expect(db.calls).toEqual({ QueryCommand: 5 });
    expect(kms.calls.Sign).toBe(5);
  });

  it('costs one Query and no KMS call on the error paths that stop at authentication', async () => {
    const ep = endpoint();
    const res = await ep.handle(tokenRequest('plain', 'wrong-secret', { audience: ORDERS }));
    expect(res.status).toBe(401);
    expect(db.calls).toEqual({ QueryCommand: 1 });
    expect(kms.calls.Sign).toBe(0);
  });

  it('reuses a still-valid token for an opted-in client: the Query but no Sign, with the remaining expires_in', async () => {
    const ep = endpoint();
    const first = JSON.parse(
      (await ep.handle(tokenRequest('reuser', 'reuser-secret', { scope: 'orders:read orders:write' }))).body,
    ) as Record<string, unknown>;
    now += 600_000; // 10 minutes later: 50 of 60 minutes remain
    const second = JSON.parse(
      (
        await ep.handle(
          tokenRequest('reuser', 'reuser-secret', { scope: 'orders:write orders:read', audience: ORDERS }),
        )
      ).body,
    ) as Record<string, unknown>;

    expect(second['access_token']).toBe(first['access_token']);
    expect(second['expires_in']).toBe(3000);
    expect(second['scope']).toBe('orders:read orders:write');
    expect(db.calls).toEqual({ QueryCommand: 2 });
    expect(kms.calls.Sign).toBe(1);
    expect(outcomes.slice(-2).map((o) => o.outcome === 'issued' && o.reused)).toEqual([false, true]);

    // A different scope set is a different token.
    await ep.handle(tokenRequest('reuser', 'reuser-secret', { scope: 'orders:read' }));
    expect(kms.calls.Sign).toBe(2);
  });

  it('signs a new token once less than half of the old one’s life remains', async () => {
    const ep = endpoint();
    const a = JSON.parse(
      (await ep.handle(tokenRequest('reuser', 'reuser-secret', { audience: ORDERS }))).body,
    ) as Record<string, unknown>;
    now += 1_801_000; // 30 min 1 s later: less than half remains
    const b = JSON.parse(
      (await ep.handle(tokenRequest('reuser', 'reuser-secret', { audience: ORDERS }))).body,
    ) as Record<string, unknown>;
    expect(b['access_token']).not.toBe(a['access_token']);
    expect(b['expires_in']).toBe(3600);
    expect(kms.calls.Sign).toBe(2);
  });

  it('never reuses for clients that did not opt in', async () => {
    const ep = endpoint();
    await ep.handle(tokenRequest('plain', 'plain-secret', { audience: ORDERS }));
    await ep.handle(tokenRequest('plain', 'plain-secret', { audience: ORDERS }));
    expect(kms.calls.Sign).toBe(2);
  });

  it('invalidates on a secret change, a rule change, disabling the client and a new signing key', async () => {
    const ep = endpoint();
    const get = async (e = ep) => e.handle(tokenRequest('reuser', 'reuser-secret', { audience: ORDERS }));
    const tokenOf = async (e = ep) => (JSON.parse((await get(e)).body) as { access_token?: string }).access_token;

    const t1 = await tokenOf();
    expect(await tokenOf()).toBe(t1);

    // A second secret is added (rotation): the bundle changed, so a new token.
    await db.clients.putSecret('reuser', { secretId: 'sec_rotated', hash: hasher.hash('rotated'), createdAt: T0 });
    const t2 = await tokenOf();
    expect(t2).not.toBe(t1);
    expect(await tokenOf()).toBe(t2);

    // The rule now grants fewer scopes: the new token carries them.
    await db.clients.putRule('reuser', { audience: ORDERS, scopes: ['orders:read'], createdAt: T0 }, 1, {
      eventId: 'e1',
      at: T0,
      actor: 'admin',
      actorJti: 'j',
      action: 'rule.put',
      targetType: 'rule',
      targetId: ORDERS,
      clientId: 'reuser',
      diff: {},
    });
    const t3 = await tokenOf();
    expect(t3).not.toBe(t2);
    expect(decodeJwt(t3!)['scope']).toBe('orders:read');

    // A new signing key: the cached token (signed by the old kid) is not handed out.
    const otherKey = kms.arnOf(kms.createKey('RSA_2048'));
    const rotated = endpoint(otherKey);
    const viaRotated = await tokenOf(rotated);
    expect(decodeProtectedHeader(viaRotated!).kid).toBe(otherKey.split('/').pop());

    // Disabled: refused at once, even though a valid token is cached.
    const bundle = (await db.clients.loadClientBundle('reuser'))!;
    await db.clients.updateClient({ ...bundle.client, status: 'disabled', version: 2 }, 1, {
      eventId: 'e2',
      at: T0,
      actor: 'admin',
      actorJti: 'j',
      action: 'client.update',
      targetType: 'client',
      targetId: 'reuser',
      diff: {},
    });
    const refused = await get();
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });
});
