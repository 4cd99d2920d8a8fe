/**
 * Revocation reaches the APIs, end to end: the shipped Lambda authorizer (authorizer-handler.ts, as
 * composed for AWS by compose/authorizer.ts with `IDP_TABLE_NAME`) runs against the local server's
 * DynamoDB and refuses, after the IdP says so over HTTP:
 * - an access token revoked through `POST /oauth2/revoke` (its `jti`),
 * - an access token of a refresh-token session revoked through `POST /oauth2/revoke` (its `sid`),
 * - a person's token once the user is disabled, and a client's token once the client is disabled;
 * with exactly one BatchGetItem per cache miss and none on a hit (commands counted on the server's SDK
 * client).
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { makeHandler } from '../../lambdas/handlers/authorizer-handler';
import type { AuthorizerResult } from '../../lambdas/handlers/authorizer-handler';
import { composeAuthorizerDeps } from '../../lambdas/handlers/compose/authorizer';
import type { RefreshSession } from '../../lambdas/domain/people/model';
import { newRefreshSessionId, newRefreshToken } from '../../lambdas/domain/people/refresh-tokens';
import { silentLogger } from '../../lambdas/domain/ports';
import { ALICE, REDIRECT_URI, RFC7636_VERIFIER, createCode, userRule } from '../support/code-flow';
import { makeClient } from '../support/in-memory';
import { registerApi, registerClient, startTestIdp } from '../support/local-idp';

const ORDERS = 'https://orders.example.com';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function event(authorization: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/orders',
    identitySource: [authorization],
    routeKey: 'GET /orders',
    rawPath: '/orders',
    rawQueryString: '',
    cookies: [],
    headers: { authorization },
    requestContext: { http: { method: 'GET', path: '/orders' }, routeKey: 'GET /orders' },
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

describe('the Lambda authorizer refuses what the IdP revoked (against the local server’s DynamoDB)', () => {
  let idp: LocalIdp;
  let svc: { clientId: string; clientSecret: string };
  const commands: string[] = [];

  beforeAll(async () => {
    idp = await startTestIdp(
      {},
      {
        instrumentDynamoDb: (client: DynamoDBClient) =>
          client.middlewareStack.add(
            (next, context) => async (args) => {
              commands.push(context.commandName ?? '');
              return next(args);
            },
            { step: 'initialize', name: 'countCommands' },
          ),
      },
    );
    await registerApi(idp, ORDERS, ['orders:read'], 900);
    svc = await registerClient(idp, { rules: [{ audience: ORDERS, scopes: ['orders:read'] }] });
    await idp.repositories.users.createUser(structuredClone(ALICE));
    await idp.repositories.clients.createClient({
      client: makeClient('spa', {
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [REDIRECT_URI],
      }),
      secrets: [],
      rules: [userRule(['orders:read'], { audience: ORDERS, apiAccessTokenTtl: 900 })],
    });
  });
  afterAll(async () => idp.stop());

  /** The authorizer as composed on AWS; the JWKS over loopback HTTP (the library's fetcher is https only). */
  function authorizer(ttlSeconds: string) {
    const deps = composeAuthorizerDeps(
      {
        IDP_ISSUER: idp.issuer,
        IDP_AUDIENCE: ORDERS,
        IDP_ROUTE_SCOPES: JSON.stringify({ 'GET /orders': ['orders:read'] }),
        IDP_TABLE_NAME: idp.tableName,
        IDP_CLIENT_STATUS_TTL_SECONDS: ttlSeconds,
        // People's tokens too (`sub` ≠ `client_id`), as the admin API's authorizer is configured.
        IDP_SUBJECT: 'any',
      },
      {
        fetchJwks: async (uri) => (await fetch(uri)).json(),
        dynamoDb: idp.dynamoDb,
        logger: silentLogger,
      },
    );
    const handle = makeHandler(deps);
    return async (token: string): Promise<'allowed' | 'Unauthorized'> => {
      try {
        const result = (await handle(event(`Bearer ${token}`))) as AuthorizerResult;
        return result.isAuthorized ? 'allowed' : 'Unauthorized';
      } catch (err) {
        if ((err as Error).message === 'Unauthorized') return 'Unauthorized';
        throw err;
      }
    };
  }

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${idp.url}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body });

  async function clientToken(): Promise<string> {
    const res = await post('/oauth2/token', `grant_type=client_credentials&audience=${encodeURIComponent(ORDERS)}`, {
      authorization: basic(svc.clientId, svc.clientSecret),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function aliceToken(sessionId?: string): Promise<string> {
    const code = await createCode(idp.repositories.codes, 'spa', Date.now(), {
      audience: ORDERS,
      ...(sessionId === undefined ? {} : { sessionId }),
    });
    const res = await post(
      '/oauth2/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: 'spa',
        code_verifier: RFC7636_VERIFIER,
      }).toString(),
    );
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('a token revoked through /oauth2/revoke: one BatchGetItem on a miss, none on a hit, refused once the cache entry is read again', async () => {
    const at = await clientToken();
    const cached = authorizer('3600');
    commands.length = 0;
    expect(await cached(at)).toBe('allowed');
    expect(commands).toEqual(['BatchGetItemCommand']);
    expect(await cached(at)).toBe('allowed');
    expect(commands).toEqual(['BatchGetItemCommand']); // a hit: no read

    const revoked = await post('/oauth2/revoke', `token=${at}`, {
      authorization: basic(svc.clientId, svc.clientSecret),
    });
    expect(revoked.status).toBe(200);
    // A fresh container (or the same one once its TTL has passed) reads the deny entry and refuses.
    const fresh = authorizer('0');
    commands.length = 0;
    expect(await fresh(at)).toBe('Unauthorized');
    expect(commands).toEqual(['BatchGetItemCommand']);
    // Another token of the same client still gets through.
    expect(await fresh(await clientToken())).toBe('allowed');
  });

  it('a revoked refresh-token session: its access tokens (their sid) are refused', async () => {
    const sessionId = newRefreshSessionId();
    const { token: refreshToken, digest } = newRefreshToken(sessionId);
    const now = Date.now();
    const session: RefreshSession = {
      sessionId,
      userId: ALICE.userId,
      user: { userId: ALICE.userId, username: ALICE.username },
      clientId: 'spa',
      scopes: ['orders:read'],
      audience: ORDERS,
      authTime: Math.floor(now / 1000),
      createdAt: new Date(now).toISOString(),
      lastUsedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 86_400_000).toISOString(),
      currentDigest: digest,
      consumedDigests: [],
    };
    await idp.repositories.sessions.createSession(session);
    const at = await aliceToken(sessionId);
    const check = authorizer('0');
    commands.length = 0;
    expect(await check(at)).toBe('allowed');
    // One read: the client, the jti, the sid and the user items in one batch.
    expect(commands).toEqual(['BatchGetItemCommand']);
    expect((await post('/oauth2/revoke', `token=${refreshToken}&client_id=spa`)).status).toBe(200);
    expect(await check(at)).toBe('Unauthorized');
  });

  it('a disabled user, then a disabled client: refused', async () => {
    const check = authorizer('0');
    const userToken = await aliceToken();
    const at = await clientToken();
    expect(await check(userToken)).toBe('allowed');
    const alice = (await idp.repositories.users.loadUser(ALICE.userId))!;
    await idp.repositories.users.updateUser(
      { ...alice.user, status: 'disabled', version: alice.user.version + 1 },
      alice.user.version,
    );
    expect(await check(userToken)).toBe('Unauthorized');

    expect(await check(at)).toBe('allowed');
    const bundle = (await idp.repositories.clients.loadClientBundle(svc.clientId))!;
    await idp.repositories.clients.updateClient(
      { ...bundle.client, status: 'disabled', version: bundle.client.version + 1 },
      bundle.client.version,
    );
    expect(await check(at)).toBe('Unauthorized');
  });
});
