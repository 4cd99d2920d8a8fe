/**
 * The client credentials grant (RFC 6749 §4.4) through the token endpoint: scope and audience
 * resolution (RFC 6749 §3.3, RFC 8707) and the RFC 9068 access token it issues — exact header, claims,
 * lifetime, one store read and one signature. Every response of this file is checked for
 * `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1) in `afterEach`.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  DEFAULT_TTL,
  FIXED_NOW,
  INVENTORY_API,
  ISSUER,
  ORDERS_API,
  ORDERS_TTL,
  POST_CLIENT_TTL,
  basicAuth,
  bodyOf,
  makeApi,
  makeClient,
  randomSecret,
  ruleFor,
  useTokenHarness,
} from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';
import {
  MALFORMED_SCOPE,
  expectToken,
  invalidRequest,
  invalidScope,
  invalidTarget,
  tokenRequests,
} from '../../support/token-responses';

// RFC 6749 §5.1 / §5.2: useTokenHarness checks no-store on every response of every test.
const harness = useTokenHarness();
let h: TokenHarness;
beforeEach(() => {
  h = harness();
});

const { send, asBasic, asPost } = tokenRequests(() => h);

describe('scope and audience', () => {
  it.each([
    [' orders:read'],
    ['orders:read '],
    ['orders:read  orders:write'],
    ['orders:read\torders:write'],
    ['orders"read'],
    ['orders\\read'],
    ['ordérs:read'],
    ['orders:read\n'],
    [' '],
  ])('scope %j violates RFC 6749 §3.3 → 400 invalid_scope', async (scope) => {
    expect(
      await asBasic([
        ['audience', ORDERS_API],
        ['scope', scope],
      ]),
    ).toEqual(invalidScope(MALFORMED_SCOPE));
    expect(h.store.totalCalls()).toBe(0);
  });

  it('an empty scope is an omitted scope (RFC 6749 §3.2) → every granted scope', async () => {
    expectToken(
      await asBasic([
        ['audience', ORDERS_API],
        ['scope', ''],
      ]),
      ORDERS_TTL,
      'orders:read orders:write',
    );
  });

  it('scope not granted → 400 invalid_scope, naming it', async () => {
    expect(await asPost([['scope', 'orders:write']])).toEqual(invalidScope('scope not granted: orders:write'));
    expect(
      await asPost([
        ['audience', ORDERS_API],
        ['scope', 'orders:read orders:write'],
      ]),
    ).toEqual(invalidScope('scope not granted: orders:write'));
    expect(await asBasic([['scope', 'orders:read nope:x']])).toEqual(invalidScope('scope not granted: nope:x'));
    expect(h.signer.signCalls).toBe(0);
  });

  it('scopes of two APIs in one request → 400 invalid_scope', async () => {
    expect(await asBasic([['scope', 'orders:read inventory:read']])).toEqual(
      invalidScope('requested scopes belong to more than one API; request one audience per token'),
    );
  });

  it('a scope value granted on two APIs needs the audience', async () => {
    const reports = makeApi('https://reports.example.com', ['orders:read']);
    h.store.seedApi(reports);
    h.store.updateClient(h.fixtures.basic.clientId, (b) => b.rules.push(ruleFor(reports, ['orders:read'])));
    expect(await asBasic([['scope', 'orders:read']])).toEqual(
      invalidScope('scope is granted on more than one API; name the audience'),
    );
    const token = expectToken(
      await asBasic([
        ['scope', 'orders:read'],
        ['audience', reports.identifier],
      ]),
      DEFAULT_TTL,
      'orders:read',
    );
    expect(decodeJwt(token).aud).toBe('https://reports.example.com');
  });

  it('neither audience nor scope → 400 invalid_scope', async () => {
    expect(await asBasic([])).toEqual(invalidScope('scope or audience is required'));
    expect(h.store.calls.apiExists).toBe(0);
  });

  it('an unknown audience → 400 invalid_target (one extra read, on the error path only)', async () => {
    expect(await asBasic([['audience', 'https://unknown.example.com']])).toEqual(invalidTarget('unknown audience'));
    expect(await asBasic([['resource', 'https://unknown.example.com/']])).toEqual(invalidTarget('unknown audience'));
    expect(h.store.calls).toEqual({
      loadClientBundle: 2,
      apiExists: 2,
      createApi: 0,
      createClient: 0,
      putSecret: 0,
      deleteSecret: 0,
    });
  });

  it('a known audience the client holds no rule for → 400 invalid_scope', async () => {
    expect(await asPost([['audience', INVENTORY_API]])).toEqual(
      invalidScope('no scope is granted to this client on the requested audience'),
    );
    expect(
      await asPost([
        ['audience', INVENTORY_API],
        ['scope', 'inventory:read'],
      ]),
    ).toEqual(invalidScope('no scope is granted to this client on the requested audience'));
  });

  it('resource must be an absolute URI without a fragment (RFC 8707 §2) → 400 invalid_target', async () => {
    for (const resource of ['api.example.com', '/orders', 'https://api.example.com#frag', 'not a uri']) {
      expect(await asBasic([['resource', resource]])).toEqual(
        invalidTarget('resource must be an absolute URI without a fragment'),
      );
    }
    expect(h.store.totalCalls()).toBe(0);
  });

  it('audience and resource naming different APIs → 400 invalid_request; the same API → 200', async () => {
    expect(
      await asBasic([
        ['audience', ORDERS_API],
        ['resource', INVENTORY_API],
      ]),
    ).toEqual(invalidRequest('audience and resource name different APIs'));
    expectToken(
      await asBasic([
        ['audience', ORDERS_API],
        ['resource', ORDERS_API],
      ]),
      ORDERS_TTL,
      'orders:read orders:write',
    );
  });
});

describe('issued tokens (RFC 6749 §5.1, RFC 9068)', () => {
  async function verify(token: string, audience: string) {
    return jwtVerify(token, h.signer.publicKey, {
      issuer: ISSUER,
      audience,
      typ: 'at+jwt',
      algorithms: [h.signer.alg],
      currentDate: new Date(FIXED_NOW),
    });
  }

  it('audience only → every scope the rule grants; exact header and claims; one store read, one signature', async () => {
    const token = expectToken(await asBasic([['audience', ORDERS_API]]), ORDERS_TTL, 'orders:read orders:write');
    const iat = FIXED_NOW / 1000;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: h.signer.kid });
    // RFC 9068 §2.2 claims, then the rule's static claims; reserved claims in the rule never override.
    expect(decodeJwt(token)).toEqual({
      iss: ISSUER,
      sub: 'client-basic',
      aud: ORDERS_API,
      client_id: 'client-basic',
      scope: 'orders:read orders:write',
      iat,
      nbf: iat,
      exp: iat + ORDERS_TTL,
      jti: 'jti-1',
      tenant: 'acme',
      limits: { rpm: 600, regions: ['eu-west-1'] },
    });
    const { payload, protectedHeader } = await verify(token, ORDERS_API);
    expect(protectedHeader.kid).toBe(h.signer.kid);
    expect(payload.sub).toBe('client-basic');
    // docs/contract.md budget: one store round trip and one signature per token.
    expect(h.store.calls).toEqual({
      loadClientBundle: 1,
      apiExists: 0,
      createApi: 0,
      createClient: 0,
      putSecret: 0,
      deleteSecret: 0,
    });
    expect(h.signer.signCalls).toBe(1);
    expect(h.outcomes).toEqual([
      {
        outcome: 'issued',
        clientId: 'client-basic',
        audience: ORDERS_API,
        secretId: 'sec-basic-current',
        reused: false,
      },
    ]);
  });

  it('scope only → the API that owns it', async () => {
    const token = expectToken(await asBasic([['scope', 'inventory:read']]), DEFAULT_TTL, 'inventory:read');
    const iat = FIXED_NOW / 1000;
    expect(decodeJwt(token)).toEqual({
      iss: ISSUER,
      sub: 'client-basic',
      aud: INVENTORY_API,
      client_id: 'client-basic',
      scope: 'inventory:read',
      iat,
      nbf: iat,
      exp: iat + DEFAULT_TTL,
      jti: 'jti-1',
    });
    await verify(token, INVENTORY_API);
  });

  it('audience and scope → those scopes, in request order, de-duplicated', async () => {
    const token = expectToken(
      await asBasic([
        ['audience', ORDERS_API],
        ['scope', 'orders:write orders:read orders:write'],
      ]),
      ORDERS_TTL,
      'orders:write orders:read',
    );
    expect(decodeJwt(token).scope).toBe('orders:write orders:read');
  });

  it('RFC 8707 resource names the audience like `audience` does', async () => {
    const token = expectToken(
      await asBasic([['resource', INVENTORY_API]]),
      DEFAULT_TTL,
      'inventory:read inventory:write',
    );
    expect(decodeJwt(token).aud).toBe(INVENTORY_API);
  });

  it('JSON body (Auth0 style) with client_secret_post', async () => {
    const { clientId, secret } = h.fixtures.post;
    const res = await send({
      json: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: ORDERS_API },
    });
    const token = expectToken(res, POST_CLIENT_TTL, 'orders:read');
    const iat = FIXED_NOW / 1000;
    expect(decodeJwt(token)).toEqual({
      iss: ISSUER,
      sub: clientId,
      aud: ORDERS_API,
      client_id: clientId,
      scope: 'orders:read',
      iat,
      nbf: iat,
      exp: iat + POST_CLIENT_TTL,
      jti: 'jti-1',
    });
    await verify(token, ORDERS_API);
  });

  it('JSON body with Basic and a charset parameter', async () => {
    const res = await asBasic([], {
      json: { grant_type: 'client_credentials', scope: 'orders:read' },
      contentType: 'application/json; charset=utf-8',
    });
    expectToken(res, ORDERS_TTL, 'orders:read');
  });

  it('ES256: header alg ES256, a raw R‖S signature of 64 bytes that verifies', async () => {
    h = await harness.rebuild({ alg: 'ES256' });
    const token = expectToken(await asBasic([['audience', ORDERS_API]]), ORDERS_TTL, 'orders:read orders:write');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: h.signer.kid });
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(64);
    await verify(token, ORDERS_API);
  });

  it('a tampered token does not verify with the signer key', async () => {
    const token = expectToken(await asBasic([['audience', ORDERS_API]]), ORDERS_TTL, 'orders:read orders:write');
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), scope: 'admin:write' })).toString('base64url');
    await expect(verify(`${header}.${forged}.${signature}`, ORDERS_API)).rejects.toThrow();
  });

  it('every token has its own jti', async () => {
    const a = expectToken(await asBasic([['audience', ORDERS_API]]), ORDERS_TTL, 'orders:read orders:write');
    const b = expectToken(await asBasic([['audience', ORDERS_API]]), ORDERS_TTL, 'orders:read orders:write');
    expect([decodeJwt(a).jti, decodeJwt(b).jti]).toEqual(['jti-1', 'jti-2']);
    expect(h.signer.signCalls).toBe(2);
  });

  describe('lifetime: min(client, API), else the default, at most 30 days', () => {
    const THIRTY_DAYS = 30 * 24 * 3600;

    async function ttlOf(clientTtl: number | undefined, apiTtl: number | undefined): Promise<number> {
      const api = makeApi(
        'https://ttl.example.com',
        ['ttl:read'],
        apiTtl === undefined ? {} : { accessTokenTtl: apiTtl },
      );
      h.store.seedApi(api);
      const secret = randomSecret();
      const clientId = `ttl-${clientTtl}-${apiTtl}`;
      h.store.seedClient({
        client: makeClient(clientId, clientTtl === undefined ? {} : { accessTokenTtl: clientTtl }),
        secrets: [{ secretId: 's', hash: h.hasher.hash(secret), createdAt: new Date(FIXED_NOW).toISOString() }],
        rules: [ruleFor(api, ['ttl:read'])],
      });
      const res = await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['audience', api.identifier],
        ],
        authorization: basicAuth(clientId, secret),
      });
      const body = bodyOf(res);
      const claims = decodeJwt(body['access_token'] as string);
      expect(claims.exp! - claims.iat!).toBe(body['expires_in']);
      return body['expires_in'] as number;
    }

    it.each<[number | undefined, number | undefined, number]>([
      [600, 1800, 600],
      [7200, 1800, 1800],
      [undefined, 1800, 1800],
      [900, undefined, 900],
      [undefined, undefined, DEFAULT_TTL],
      [90 * 24 * 3600, undefined, THIRTY_DAYS],
      [undefined, 31 * 24 * 3600, THIRTY_DAYS],
    ])('client %p, API %p → expires_in %p', async (clientTtl, apiTtl, expected) => {
      expect(await ttlOf(clientTtl, apiTtl)).toBe(expected);
    });

    it('a default above 30 days is capped too', async () => {
      h = await harness.rebuild({ defaultAccessTokenTtl: 40 * 24 * 3600 });
      expect(await ttlOf(undefined, undefined)).toBe(THIRTY_DAYS);
    });
  });
});
