/**
 * REST API (API Gateway v1) authorizers — TOKEN and REQUEST, answered with IAM policies — the event
 * dispatcher, and the token status check (a disabled partner is refused within a bound) with a fake
 * TokenStatusSource, its cache (CachedTokenStatusSource) and an injected clock. Cached TOKEN policies
 * are checked with an IAM evaluator written here (explicit Deny wins, then Allow, else implicit deny; `*` and `?` wildcards), so the
 * property "a cached policy never admits a route the token lacks scopes for" is tested independently
 * of the code that builds the policy.
 */
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import fc from 'fast-check';
import { AccessTokenVerifier } from '../../../lambdas/adapters/access-token-verifier';
import { CachedTokenStatusSource, DynamoDbTokenStatusSource } from '../../../lambdas/adapters/token-status-source';
import type {
  BearerDecision,
  BearerGrant,
  ClientStatusAnswer,
  RouteScopes,
  TokenStatus,
  TokenStatusQuery,
  TokenStatusSource,
} from '../../../lambdas/domain/bearer-authorization';
import {
  ClientStatusUnavailableError,
  parseRouteScopes,
  requiredScopesFor,
  tokenStatusDecision,
} from '../../../lambdas/domain/bearer-authorization';
import type { Logger } from '../../../lambdas/domain/ports';
import { silentLogger } from '../../../lambdas/domain/ports';
import type { HttpApiEvent } from '../../../lambdas/handlers/api-gateway';
import type { AuthorizerDeps, AuthorizerEvent } from '../../../lambdas/handlers/authorizer-handler';
import type { InvokePolicyDocument } from '../../../lambdas/handlers/rest-authorizer-policy';
import {
  methodPolicy,
  parseMethodArn,
  tokenPolicy,
  tokenPolicyResources,
} from '../../../lambdas/handlers/rest-authorizer-policy';
import { authorizeRequest, makeHandler, routeKeyResource } from '../../../lambdas/handlers/authorizer-handler';
import { composeAuthorizerDeps } from '../../../lambdas/handlers/compose/authorizer';
import { withBearerAuthorization } from '../../../lambdas/handlers/bearer-challenge';
import type { TestKey } from '../../support/token-forge';
import { generateTestKey, projectToken } from '../../support/token-forge';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = `${ISSUER}/admin`;
const ADMIN_ROUTES = parseRouteScopes('{"GET": ["admin:read"], "*": ["admin:write"]}');
const PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';
const arn = (method: string, path: string) => `${PREFIX}${method}${path}`;

let rsa: TestKey;
beforeAll(async () => {
  rsa = await generateTestKey('RS256');
});

// --- an IAM evaluator for execute-api policies, independent of the code under test -----------------

function arnMatches(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** IAM evaluation: an explicit Deny wins, then an Allow, else the implicit deny. */
function policyAllows(policy: APIGatewayAuthorizerResult['policyDocument'], methodArn: string): boolean {
  const matching = (effect: string) =>
    policy.Statement.filter((s) => s.Effect === effect).some((s) => {
      const resources = 'Resource' in s && s.Resource !== undefined ? s.Resource : [];
      return (Array.isArray(resources) ? resources : [resources]).some((r) => arnMatches(r, methodArn));
    });
  if (matching('Deny')) return false;
  return matching('Allow');
}

// --- fixtures --------------------------------------------------------------------------------------

function deps(options: { routes?: RouteScopes; tokenStatus?: TokenStatusSource; logger?: Logger } = {}) {
  const fetches = { count: 0 };
  const verifier = new AccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetchJwks: () => {
      fetches.count += 1;
      return Promise.resolve({ keys: [rsa.publicJwk] });
    },
  });
  const result: AuthorizerDeps = {
    verifier,
    routeScopes: options.routes ?? ADMIN_ROUTES,
    logger: options.logger ?? silentLogger,
    ...(options.tokenStatus === undefined ? {} : { tokenStatus: options.tokenStatus }),
  };
  return result;
}

const token = (scopes: string[], clientId = 'partner-1', jti = 'jti-1') =>
  projectToken(rsa, { audience: AUDIENCE, clientId, jti, scopes });

function tokenEvent(
  authorizationToken: string,
  methodArn = arn('GET', '/admin/clients'),
): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn };
}

function requestEvent(
  method: string,
  resource: string,
  path: string,
  headers: Record<string, string> = {},
  multiValueHeaders: Record<string, string[]> | null = null,
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: arn(method, path),
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { httpMethod: method, resourcePath: resource, path: `/prod${path}`, stage: 'prod' },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

function httpApiEvent(method: string, authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/${method}/admin/clients`,
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey: 'ANY /admin/{proxy+}',
    rawPath: '/admin/clients',
    rawQueryString: '',
    cookies: [],
    headers: authorization === undefined ? {} : { authorization },
    requestContext: { http: { method, path: '/admin/clients' }, routeKey: 'ANY /admin/{proxy+}' },
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

const UNAUTHORIZED = new Error('Unauthorized');
const allowOnly = (methodArn: string): InvokePolicyDocument => methodPolicy('Allow', methodArn);

// --- REQUEST ---------------------------------------------------------------------------------------

describe('REST REQUEST authorizer: Allow / Deny on exactly the methodArn', () => {
  it('allows a GET with admin:read: Allow on this methodArn only, context {clientId, jti, scope}', async () => {
    const event = requestEvent('GET', '/admin/{proxy+}', '/admin/clients', {
      Authorization: `Bearer ${await token(['admin:read'], 'c-9', 'j-9')}`,
    });
    expect(await makeHandler(deps())(event)).toEqual({
      principalId: 'c-9',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/admin/clients',
          },
        ],
      },
      context: { clientId: 'c-9', sub: 'c-9', jti: 'j-9', scope: 'admin:read', claims: '{}' },
    });
  });

  it('refuses a POST with admin:read only: Deny on this methodArn (API Gateway 403), no context', async () => {
    const event = requestEvent('POST', '/admin/{proxy+}', '/admin/clients', {
      authorization: `Bearer ${await token(['admin:read'], 'c-9')}`,
    });
    expect(await makeHandler(deps())(event)).toEqual({
      principalId: 'c-9',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Deny',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/admin/clients',
          },
        ],
      },
    });
  });

  it('a cached Allow names one method and path: it admits no other request', async () => {
    const event = requestEvent('GET', '/admin/{proxy+}', '/admin/clients', {
      Authorization: `Bearer ${await token(['admin:read', 'admin:write'])}`,
    });
    const { policyDocument } = await makeHandler(deps())(event);
    expect(policyAllows(policyDocument, arn('GET', '/admin/clients'))).toBe(true);
    for (const other of [
      arn('POST', '/admin/clients'),
      arn('GET', '/admin/clients/c-1'),
      arn('GET', '/admin'),
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/admin/clients',
      'arn:aws:execute-api:eu-west-1:123456789012:other1/prod/GET/admin/clients',
    ]) {
      expect(policyAllows(policyDocument, other)).toBe(false);
    }
  });

  it.each([
    ['no Authorization header', {}],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a malformed token', { Authorization: 'Bearer not.a.jwt' }],
    ['two tokens', { Authorization: 'Bearer a b' }],
  ])('%s: throws exactly Error("Unauthorized") → 401', async (_name, headers: Record<string, string>) => {
    await expect(
      makeHandler(deps())(requestEvent('GET', '/admin/{proxy+}', '/admin/clients', headers)),
    ).rejects.toThrow(UNAUTHORIZED);
  });

  it('a repeated Authorization header (multiValueHeaders) is refused, not reduced to its last value', async () => {
    const valid = `Bearer ${await token(['admin:read'])}`;
    const event = requestEvent(
      'GET',
      '/admin/{proxy+}',
      '/admin/clients',
      { Authorization: valid },
      {
        Authorization: ['Bearer attacker.chosen.value', valid],
      },
    );
    await expect(makeHandler(deps())(event)).rejects.toThrow(UNAUTHORIZED);
    const single = requestEvent('GET', '/admin/{proxy+}', '/admin/clients', { Authorization: valid });
    expect(await makeHandler(deps())(single)).toHaveProperty('policyDocument.Statement.0.Effect', 'Allow');
  });

  it('route scopes keyed by resource: the template in event.resource selects the entry', async () => {
    const routes = parseRouteScopes(
      JSON.stringify({ GET: ['orders:read'], 'POST /orders': ['orders:write'], 'GET /orders/{id}/audit': ['audit'] }),
    );
    const handle = makeHandler(deps({ routes }));
    const reader = `Bearer ${await token(['orders:read'])}`;
    const effect = async (method: string, resource: string, path: string, authorization: string) =>
      (
        (await handle(
          requestEvent(method, resource, path, { Authorization: authorization }),
        )) as APIGatewayAuthorizerResult
      ).policyDocument.Statement[0]!.Effect;
    expect(await effect('GET', '/orders/{id}', '/orders/7', reader)).toBe('Allow');
    expect(await effect('GET', '/orders/{id}/audit', '/orders/7/audit', reader)).toBe('Deny');
    expect(await effect('POST', '/orders', '/orders', reader)).toBe('Deny');
    expect(await effect('POST', '/orders', '/orders', `Bearer ${await token(['orders:write'])}`)).toBe('Allow');
    // No entry for DELETE and no `*`: refused.
    expect(await effect('DELETE', '/orders/{id}', '/orders/7', reader)).toBe('Deny');
  });
});

// --- TOKEN -----------------------------------------------------------------------------------------

describe('REST TOKEN authorizer: a policy covering every route the token may call, and nothing else', () => {
  it('admin:read: Allow GET/* and HEAD/* of this API stage (HEAD is GET), context', async () => {
    const result = await makeHandler(deps())(tokenEvent(`Bearer ${await token(['admin:read'], 'c-1', 'j-1')}`));
    expect(result).toEqual({
      principalId: 'c-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: [
              'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/*',
              'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/HEAD/*',
            ],
          },
        ],
      },
      context: { clientId: 'c-1', sub: 'c-1', jti: 'j-1', scope: 'admin:read', claims: '{}' },
    });
  });

  it('admin:write: every method but GET and HEAD', async () => {
    const result = await makeHandler(deps())(tokenEvent(`Bearer ${await token(['admin:write'])}`));
    expect(result.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: ['DELETE', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((m) => `${PREFIX}${m}/*`),
        },
      ],
    });
  });

  it('a token whose scopes allow no route: Deny on exactly this methodArn (403), no context', async () => {
    const methodArn = arn('GET', '/admin/clients');
    expect(await makeHandler(deps())(tokenEvent(`Bearer ${await token(['other:scope'], 'c-2')}`, methodArn))).toEqual({
      principalId: 'c-2',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }],
      },
    });
  });

  it.each([
    ['empty', ''],
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['a bare token without the Bearer scheme', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
    ['a malformed token', 'Bearer not.a.jwt'],
  ])('%s: throws exactly Error("Unauthorized") → 401', async (_name, authorizationToken) => {
    await expect(makeHandler(deps())(tokenEvent(authorizationToken))).rejects.toThrow(UNAUTHORIZED);
  });

  it('a policy cached for a read-only token never covers a method it lacks scopes for', async () => {
    // API Gateway caches this answer under the token and evaluates it against later requests.
    const { policyDocument } = await makeHandler(deps())(
      tokenEvent(`Bearer ${await token(['admin:read'])}`, arn('GET', '/admin/clients')),
    );
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const path of ['/admin/clients', '/admin/clients/c-1/secrets', '/']) {
        expect(policyAllows(policyDocument, arn(method, path))).toBe(false);
      }
    }
    for (const path of ['/admin/clients', '/admin/apis/x', '/']) {
      expect(policyAllows(policyDocument, arn('GET', path))).toBe(true);
      expect(policyAllows(policyDocument, arn('HEAD', path))).toBe(true);
    }
    // Another stage or API of the account is not covered either.
    expect(policyAllows(policyDocument, 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/x')).toBe(false);
    expect(policyAllows(policyDocument, 'arn:aws:execute-api:eu-west-1:123456789012:zzz999/prod/GET/x')).toBe(false);
  });

  it('resource entries: Deny carves refused routes out of an allowed method; literal routes allowed exactly', () => {
    const routes = parseRouteScopes(
      JSON.stringify({
        GET: ['read'],
        'GET /orders/{id}/audit': ['audit'],
        'POST /orders': ['orders:write'],
        'POST /orders/{id}/refunds': ['refunds'],
        '* /health': [],
      }),
    );
    expect(tokenPolicyResources(routes, ['read', 'orders:write'], PREFIX)).toEqual({
      allow: [
        `${PREFIX}DELETE/health`,
        `${PREFIX}GET/*`,
        `${PREFIX}HEAD/*`,
        `${PREFIX}OPTIONS/health`,
        `${PREFIX}PATCH/health`,
        `${PREFIX}POST/orders`,
        `${PREFIX}POST/health`,
        `${PREFIX}PUT/health`,
      ],
      deny: [`${PREFIX}GET/orders/*/audit`, `${PREFIX}HEAD/orders/*/audit`],
    });
    // The refunds route has a path parameter: under POST (refused as a method) it is not allowed at all,
    // since `POST/orders/*/refunds` would also match deeper paths the token may not call.
    expect(tokenPolicyResources(routes, ['refunds'], PREFIX).allow).not.toContain(`${PREFIX}POST/orders/*/refunds`);
  });

  it('property: for any route map, token scopes and request, a TOKEN policy allows only what the map allows', () => {
    const scopes = ['a', 'b', 'c'];
    const templates = ['/', '/orders', '/orders/{id}', '/orders/{id}/items', '/orders/mine', '/files/{proxy+}'];
    const methods = ['GET', 'HEAD', 'POST', 'DELETE', '*'];
    const entry = fc.tuple(
      fc.constantFrom(...methods),
      fc.option(fc.constantFrom(...templates), { nil: undefined }),
      fc.subarray(scopes),
    );
    /** API Gateway routing: the template that matches, literal segments preferred over {param} over {proxy+}. */
    const route = (path: string): string | undefined => {
      const segments = path.split('/').slice(1);
      const rank = (t: string) =>
        t
          .split('/')
          .slice(1)
          .map((s) => (s.endsWith('+}') ? '2' : s.startsWith('{') ? '1' : '0'))
          .join('');
      const matches = templates.filter((t) => {
        const parts = t.split('/').slice(1);
        if (t === '/') return path === '/';
        for (let i = 0; i < parts.length; i++) {
          if (parts[i]!.endsWith('+}')) return segments.length > i;
          if (i >= segments.length) return false;
          if (!parts[i]!.startsWith('{') && parts[i] !== segments[i]) return false;
        }
        return parts.length === segments.length;
      });
      return matches.sort((x, y) => rank(x).localeCompare(rank(y)))[0];
    };
    const paths = ['/', '/orders', '/orders/7', '/orders/mine', '/orders/7/items', '/orders/7/items/2', '/files/a/b'];
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: ([m, r]) => `${m} ${r ?? ''}`, maxLength: 8 }),
        fc.subarray(scopes),
        fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'PUT'),
        fc.constantFrom(...paths),
        (entries, held, method, path) => {
          const map = parseRouteScopes(
            JSON.stringify(Object.fromEntries(entries.map(([m, r, s]) => [r === undefined ? m : `${m} ${r}`, s]))),
          );
          const { policyDocument } = tokenPolicy(map, held, arn('GET', '/'));
          const resource = route(path);
          const required = requiredScopesFor(map, method, resource);
          const mapAllows = required !== undefined && required.every((s) => held.includes(s));
          if (policyAllows(policyDocument, arn(method, path))) expect(mapAllows).toBe(true);
          // With method-only entries the policy is exact: it refuses nothing the map allows.
          if (entries.every(([, r]) => r === undefined) && mapAllows) {
            expect(policyAllows(policyDocument, arn(method, path))).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parseMethodArn splits the ARN; anything else fails closed', () => {
    expect(parseMethodArn(`${PREFIX}GET/admin/clients`)).toEqual({
      prefix: PREFIX,
      method: 'GET',
      path: '/admin/clients',
    });
    expect(parseMethodArn('arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/$default/POST/')).toEqual({
      prefix: 'arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/$default/',
      method: 'POST',
      path: '/',
    });
    for (const bad of ['', 'arn:aws:lambda:eu-west-1:123456789012:function:x', `${PREFIX}`, 'GET/admin']) {
      expect(() => parseMethodArn(bad)).toThrow('the methodArn is not an execute-api method ARN');
    }
  });
});

// --- dispatcher ------------------------------------------------------------------------------------

describe('makeHandler dispatches on the event shape', () => {
  it('HTTP API 2.0 → simple response; TOKEN and REQUEST → IAM policy; payload 1.0 → policy', async () => {
    const handle = makeHandler(deps());
    const bearer = `Bearer ${await token(['admin:read'], 'c-3', 'j-3')}`;
    const context = { clientId: 'c-3', sub: 'c-3', jti: 'j-3', scope: 'admin:read', claims: '{}' };
    expect(await handle(httpApiEvent('GET', bearer))).toEqual({ isAuthorized: true, context });
    expect(await handle(tokenEvent(bearer))).toEqual({
      principalId: 'c-3',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}GET/*`, `${PREFIX}HEAD/*`] }],
      },
      context,
    });
    const request = requestEvent('GET', '/admin/{proxy+}', '/admin/clients', { Authorization: bearer });
    expect(await handle(request)).toEqual({
      principalId: 'c-3',
      policyDocument: allowOnly(arn('GET', '/admin/clients')),
      context,
    });
    const payload10 = { ...request, version: '1.0' } as unknown as AuthorizerEvent;
    expect(await handle(payload10)).toEqual({
      principalId: 'c-3',
      policyDocument: allowOnly(arn('GET', '/admin/clients')),
      context,
    });
  });

  it('an event of no known shape is an error (500), never an allow', async () => {
    const handle = makeHandler(deps());
    for (const event of [{}, { type: 'WEBSOCKET' }, { type: 'REQUEST' }, { version: '3.0', type: 'REQUEST' }]) {
      await expect(handle(event as unknown as AuthorizerEvent)).rejects.toThrow('unsupported authorizer event');
    }
  });

  it('HTTP API: route keys naming a resource select resource entries', async () => {
    expect(routeKeyResource('ANY /admin/{proxy+}')).toBe('/admin/{proxy+}');
    expect(routeKeyResource('GET /orders/{id}')).toBe('/orders/{id}');
    expect(routeKeyResource('$default')).toBeUndefined();
    expect(routeKeyResource(undefined)).toBeUndefined();
    const routes = parseRouteScopes('{"GET": ["read"], "GET /admin/{proxy+}": ["admin:read"]}');
    const handle = makeHandler(deps({ routes }));
    expect(await handle(httpApiEvent('GET', `Bearer ${await token(['read'])}`))).toEqual({
      isAuthorized: false,
      context: {},
    });
    expect(await handle(httpApiEvent('GET', `Bearer ${await token(['admin:read'])}`))).toHaveProperty(
      'isAuthorized',
      true,
    );
  });
});

// --- token status ----------------------------------------------------------------------------------

/**
 * A TokenStatusSource whose client answers the test sets (never a denied jti or sid), counting lookups
 * by client id; `gate` holds answers back.
 */
function fakeStatus(initial: Record<string, ClientStatusAnswer> = {}) {
  const fake = {
    answers: new Map(Object.entries(initial)),
    calls: [] as string[],
    error: undefined as Error | undefined,
    gate: undefined as Promise<void> | undefined,
    async status(query: TokenStatusQuery): Promise<TokenStatus> {
      fake.calls.push(query.clientId);
      if (fake.gate !== undefined) await fake.gate;
      if (fake.error !== undefined) throw fake.error;
      return { client: fake.answers.get(query.clientId) ?? 'missing', jtiDenied: false, sidDenied: false };
    },
  };
  return fake;
}

/** The query of a client-credentials token of `clientId` (one token per client: `jti-<clientId>`). */
const query = (clientId: string): TokenStatusQuery => ({ clientId, jti: `jti-${clientId}` });

function manualClock(start = 1_700_000_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

const CLIENT_DISABLED = { deny: { status: 401, error: 'invalid_token', description: 'client disabled' } };

describe('a disabled or deleted client is refused (fake TokenStatusSource)', () => {
  const decide = async (d: AuthorizerDeps, scopes: string[], method = 'GET', clientId = 'partner-1') =>
    authorizeRequest(d, { method, headers: { authorization: `Bearer ${await token(scopes, clientId)}` } });

  it('enabled → allow; disabled → 401 invalid_token "client disabled"; missing → the same', async () => {
    const status = fakeStatus({ good: 'enabled', off: 'disabled' });
    const d = deps({ tokenStatus: status });
    expect(await decide(d, ['admin:read'], 'GET', 'good')).toHaveProperty('allow.clientId', 'good');
    expect(await decide(d, ['admin:read'], 'GET', 'off')).toEqual(CLIENT_DISABLED);
    expect(await decide(d, ['admin:read'], 'GET', 'gone')).toEqual(CLIENT_DISABLED);
    expect(status.calls).toEqual(['good', 'off', 'gone']);
  });

  it('tokenStatusDecision keeps the grant only when nothing is denied and client and user are enabled', () => {
    const grant: BearerGrant = { clientId: 'c', jti: 'j', scope: [], claims: {} };
    const ok: TokenStatus = { client: 'enabled', jtiDenied: false, sidDenied: false };
    const revoked = { deny: { status: 401, error: 'invalid_token', description: 'token revoked' } };
    const userDisabled = { deny: { status: 401, error: 'invalid_token', description: 'user disabled' } };
    expect(tokenStatusDecision(grant, ok)).toEqual({ allow: grant });
    expect(tokenStatusDecision(grant, { ...ok, user: 'enabled' })).toEqual({ allow: grant });
    expect(tokenStatusDecision(grant, { ...ok, client: 'disabled' })).toEqual(CLIENT_DISABLED);
    expect(tokenStatusDecision(grant, { ...ok, client: 'missing' })).toEqual(CLIENT_DISABLED);
    expect(tokenStatusDecision(grant, { ...ok, user: 'disabled' })).toEqual(userDisabled);
    expect(tokenStatusDecision(grant, { ...ok, user: 'missing' })).toEqual(userDisabled);
    expect(tokenStatusDecision(grant, { ...ok, jtiDenied: true, client: 'disabled' })).toEqual(revoked);
    expect(tokenStatusDecision(grant, { ...ok, sidDenied: true })).toEqual(revoked);
  });

  it('is asked only after signature, claims and scopes pass', async () => {
    const status = fakeStatus({ 'partner-1': 'disabled' });
    const d = deps({ tokenStatus: status });
    expect(await authorizeRequest(d, { method: 'GET', headers: {} })).toHaveProperty('deny.status', 401);
    expect(await authorizeRequest(d, { method: 'GET', headers: { authorization: 'Bearer not.a.jwt' } })).toHaveProperty(
      'deny.error',
      'invalid_token',
    );
    expect(await decide(d, ['admin:read'], 'POST')).toHaveProperty('deny.status', 403);
    expect(status.calls).toEqual([]);
    expect(await decide(d, ['admin:read'], 'GET')).toEqual(CLIENT_DISABLED);
    expect(status.calls).toEqual(['partner-1']);
  });

  it('every variant answers a disabled client with 401 (Error("Unauthorized")), logging why', async () => {
    const infos: Array<Record<string, unknown> | undefined> = [];
    const logger: Logger = { ...silentLogger, info: (_m, fields) => infos.push(fields) };
    const handle = makeHandler(deps({ tokenStatus: fakeStatus({ 'partner-1': 'disabled' }), logger }));
    const bearer = `Bearer ${await token(['admin:read'])}`;
    await expect(handle(httpApiEvent('GET', bearer))).rejects.toThrow(UNAUTHORIZED);
    await expect(handle(tokenEvent(bearer))).rejects.toThrow(UNAUTHORIZED);
    await expect(
      handle(requestEvent('GET', '/admin/{proxy+}', '/admin/clients', { Authorization: bearer })),
    ).rejects.toThrow(UNAUTHORIZED);
    expect(infos).toEqual([
      {
        status: 401,
        error: 'invalid_token',
        description: 'client disabled',
        method: 'GET',
        routeKey: 'ANY /admin/{proxy+}',
      },
      { status: 401, error: 'invalid_token', description: 'client disabled', type: 'TOKEN' },
      {
        status: 401,
        error: 'invalid_token',
        description: 'client disabled',
        method: 'GET',
        resource: '/admin/{proxy+}',
      },
    ]);
  });

  it('no status source configured: no check (a disabled client works until its tokens expire)', async () => {
    expect(await decide(deps(), ['admin:read'])).toHaveProperty('allow.clientId', 'partner-1');
  });

  it('source unavailable and nothing cached: fails closed with ClientStatusUnavailableError (500 / local 503)', async () => {
    const status = fakeStatus({ 'partner-1': 'enabled' });
    status.error = new Error('connect ECONNREFUSED');
    const d = deps({ tokenStatus: new CachedTokenStatusSource(status, { clock: manualClock() }) });
    await expect(decide(d, ['admin:read'])).rejects.toBeInstanceOf(ClientStatusUnavailableError);
    const bearer = `Bearer ${await token(['admin:read'])}`;
    const thrown = await makeHandler(d)(httpApiEvent('GET', bearer)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(ClientStatusUnavailableError);
    expect((thrown as Error).message).not.toBe('Unauthorized');

    const seen: HttpApiEvent[] = [];
    const guarded = withBearerAuthorization(d, ISSUER, (e) => {
      seen.push(e);
      return Promise.resolve({ statusCode: 200 });
    });
    expect(
      await guarded({
        rawPath: '/admin/clients',
        rawQueryString: '',
        headers: { authorization: bearer },
        isBase64Encoded: false,
        requestContext: { http: { method: 'GET' } },
      }),
    ).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '1', 'Cache-Control': 'no-store' },
      body:
        '{"type":"https://serverless-idp.dev/problems/service-unavailable","title":"The service is temporarily unavailable",' +
        '"status":503,"detail":"the client status could not be read","instance":"/admin/clients"}',
      isBase64Encoded: false,
    });
    expect(seen).toHaveLength(0);
  });

  it('local guard: a disabled client gets the RFC 6750 401 invalid_token challenge', async () => {
    const d = deps({ tokenStatus: fakeStatus({ 'partner-1': 'disabled' }) });
    const guarded = withBearerAuthorization(d, ISSUER, () => Promise.resolve({ statusCode: 200 }));
    const res = await guarded({
      rawPath: '/admin/clients',
      rawQueryString: '',
      headers: { authorization: `Bearer ${await token(['admin:read'])}` },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET' } },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['WWW-Authenticate']).toBe(
      `Bearer realm="${ISSUER}", error="invalid_token", error_description="client disabled"`,
    );
  });
});

describe('CachedTokenStatusSource: TTL, negative caching, stale-while-error, single flight, bounded size', () => {
  it('serves a status for ttlSeconds, then reads again (injected clock)', async () => {
    const source = fakeStatus({ c1: 'enabled' });
    const clock = manualClock();
    const cache = new CachedTokenStatusSource(source, { ttlSeconds: 60, clock });
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
    source.answers.set('c1', 'disabled'); // an admin disables the client
    clock.advance(59_999);
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled'); // within the bound: still cached
    expect(source.calls).toHaveLength(1);
    clock.advance(1);
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'disabled');
    expect(source.calls).toHaveLength(2);
  });

  it('caches disabled and missing answers too', async () => {
    const source = fakeStatus({ off: 'disabled' });
    const clock = manualClock();
    const cache = new CachedTokenStatusSource(source, { ttlSeconds: 30, clock });
    for (let i = 0; i < 50; i++) {
      expect(await cache.status(query('off'))).toHaveProperty('client', 'disabled');
      expect(await cache.status(query('gone'))).toHaveProperty('client', 'missing');
      clock.advance(500);
    }
    expect(source.calls).toEqual(['off', 'gone']);
    clock.advance(5_000);
    await cache.status(query('off'));
    expect(source.calls).toEqual(['off', 'gone', 'off']);
  });

  it('caches per token (jti): another token of the same client is read on its own', async () => {
    const source = fakeStatus({ c1: 'enabled' });
    const cache = new CachedTokenStatusSource(source, { clock: manualClock() });
    await cache.status({ clientId: 'c1', jti: 'a' });
    await cache.status({ clientId: 'c1', jti: 'a' });
    await cache.status({ clientId: 'c1', jti: 'b' });
    expect(source.calls).toEqual(['c1', 'c1']);
    expect(cache.size).toBe(2);
  });

  it('source failing: the last known status is served until ttl + staleIfError, then it fails closed', async () => {
    const source = fakeStatus({ c1: 'enabled' });
    const clock = manualClock();
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const errors: Array<Record<string, unknown> | undefined> = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (_m, fields) => warnings.push(fields),
      error: (_m, fields) => errors.push(fields),
    };
    const cache = new CachedTokenStatusSource(source, { ttlSeconds: 60, staleIfErrorSeconds: 30, clock, logger });
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
    source.error = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    clock.advance(61_000);
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
    clock.advance(28_999); // 89.999 s after the read
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
    expect(warnings).toEqual([
      { clientId: 'c1', ageSeconds: 61, error: 'ThrottlingException' },
      { clientId: 'c1', ageSeconds: 89, error: 'ThrottlingException' },
    ]);
    clock.advance(1); // 90 s: too old
    await expect(cache.status(query('c1'))).rejects.toBeInstanceOf(ClientStatusUnavailableError);
    expect(errors).toEqual([{ clientId: 'c1', error: 'ThrottlingException' }]);
    // Each failed refresh was tried (none is cached as an answer); recovery is immediate.
    expect(source.calls).toHaveLength(4);
    source.error = undefined;
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
  });

  it('a source failing with nothing cached fails closed at once; staleIfError 0 allows no grace', async () => {
    const source = fakeStatus({ c1: 'enabled' });
    const clock = manualClock();
    const cache = new CachedTokenStatusSource(source, { ttlSeconds: 10, staleIfErrorSeconds: 0, clock });
    source.error = new Error('down');
    const err = await cache.status(query('c1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientStatusUnavailableError);
    expect((err as ClientStatusUnavailableError).cause).toBe(source.error);
    source.error = undefined;
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
    source.error = new Error('down');
    clock.advance(10_000);
    await expect(cache.status(query('c1'))).rejects.toBeInstanceOf(ClientStatusUnavailableError);
  });

  it('100 concurrent lookups for one token share one call', async () => {
    const source = fakeStatus({ c1: 'enabled' });
    let open!: () => void;
    source.gate = new Promise<void>((resolve) => (open = resolve));
    const cache = new CachedTokenStatusSource(source, { clock: manualClock() });
    const pending = Array.from({ length: 100 }, () => cache.status(query('c1')));
    open();
    const answers = await Promise.all(pending);
    expect(answers).toEqual(Array(100).fill({ client: 'enabled', jtiDenied: false, sidDenied: false }));
    expect(source.calls).toEqual(['c1']);
  });

  it('100 concurrent requests with one token cost one lookup (end to end through the authorizer)', async () => {
    const source = fakeStatus({ 'partner-1': 'enabled', 'partner-2': 'enabled' });
    let open!: () => void;
    source.gate = new Promise<void>((resolve) => (open = resolve));
    const cache = new CachedTokenStatusSource(source, { clock: manualClock() });
    let arrived = 0;
    let allArrived!: () => void;
    const everyoneWaiting = new Promise<void>((resolve) => (allArrived = resolve));
    const counting: TokenStatusSource = {
      status: (q) => {
        arrived += 1;
        if (arrived === 200) allArrived();
        return cache.status(q);
      },
    };
    const handle = makeHandler(deps({ tokenStatus: counting }));
    const one = `Bearer ${await token(['admin:read'], 'partner-1', 'jti-1')}`;
    const two = `Bearer ${await token(['admin:read'], 'partner-2', 'jti-2')}`;
    const pending = [
      ...Array.from({ length: 100 }, () => handle(httpApiEvent('GET', one))),
      ...Array.from({ length: 100 }, () => handle(httpApiEvent('GET', two))),
    ];
    // Every request verifies its token, then waits on the status lookup; release it once all are there
    // (no polling on wall-clock time: the 200th arrival resolves the wait).
    await everyoneWaiting;
    expect(arrived).toBe(200);
    open();
    const results = await Promise.all(pending);
    expect(results.every((r) => r.isAuthorized)).toBe(true);
    expect(source.calls.sort()).toEqual(['partner-1', 'partner-2']);
  });

  it('concurrent lookups that fail share the failure, and the next request tries again', async () => {
    const source = fakeStatus({ c1: 'enabled' });
    let open!: () => void;
    source.gate = new Promise<void>((resolve) => (open = resolve));
    source.error = new Error('down');
    const cache = new CachedTokenStatusSource(source, { clock: manualClock() });
    const all = Promise.allSettled(Array.from({ length: 20 }, () => cache.status(query('c1'))));
    open();
    expect((await all).map((r) => r.status)).toEqual(Array(20).fill('rejected'));
    expect(source.calls).toHaveLength(1);
    source.gate = undefined;
    source.error = undefined;
    expect(await cache.status(query('c1'))).toHaveProperty('client', 'enabled');
    expect(source.calls).toHaveLength(2);
  });

  it('holds at most maxEntries tokens, dropping the least recently used', async () => {
    const source = fakeStatus({ a: 'enabled', b: 'enabled', c: 'disabled' });
    const cache = new CachedTokenStatusSource(source, { maxEntries: 2, clock: manualClock() });
    await cache.status(query('a'));
    await cache.status(query('b'));
    await cache.status(query('c'));
    expect(cache.size).toBe(2);
    await cache.status(query('b')); // still cached
    await cache.status(query('c')); // still cached
    await cache.status(query('a')); // dropped: read again
    expect(source.calls).toEqual(['a', 'b', 'c', 'a']);
    expect(cache.size).toBe(2);
  });

  it('a hit refreshes recency: the busy token stays, the idle one is dropped', async () => {
    const source = fakeStatus({ a: 'enabled', b: 'enabled', c: 'enabled' });
    const cache = new CachedTokenStatusSource(source, { maxEntries: 2, clock: manualClock() });
    await cache.status(query('a'));
    await cache.status(query('b'));
    await cache.status(query('a')); // hit: a is now the most recently used
    await cache.status(query('c')); // drops b, not a
    await cache.status(query('a'));
    await cache.status(query('b'));
    expect(source.calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('ttlSeconds 0 reads every time; negative or non-finite options are refused', async () => {
    const source = fakeStatus({ a: 'enabled' });
    const cache = new CachedTokenStatusSource(source, { ttlSeconds: 0, clock: manualClock() });
    await cache.status(query('a'));
    await cache.status(query('a'));
    expect(source.calls).toEqual(['a', 'a']);
    expect(() => new CachedTokenStatusSource(source, { ttlSeconds: -1 })).toThrow(
      'ttlSeconds must be a non-negative number',
    );
    expect(() => new CachedTokenStatusSource(source, { staleIfErrorSeconds: Number.NaN })).toThrow(
      'staleIfErrorSeconds must be a non-negative number',
    );
  });
});

describe('composition: IDP_TABLE_NAME and IDP_CLIENT_STATUS_TTL_SECONDS', () => {
  const env = () => ({
    IDP_ISSUER: ISSUER,
    IDP_AUDIENCE: AUDIENCE,
    IDP_ROUTE_SCOPES: '{"GET":["admin:read"],"*":["admin:write"]}',
    IDP_JWKS: JSON.stringify({ keys: [rsa.publicJwk] }),
  });

  it('without IDP_TABLE_NAME there is no status check', () => {
    expect(composeAuthorizerDeps(env(), { logger: silentLogger }).tokenStatus).toBeUndefined();
    expect(
      composeAuthorizerDeps({ ...env(), IDP_TABLE_NAME: '' }, { logger: silentLogger }).tokenStatus,
    ).toBeUndefined();
  });

  it('with IDP_TABLE_NAME: one BatchGetItem of the client and the jti deny item, keys and status only, eventually consistent', async () => {
    const sent: unknown[] = [];
    const dynamoDb = {
      send: (command: { input: unknown }) => {
        sent.push(command.input);
        return Promise.resolve({
          Responses: {
            'idp-table': [{ pk: { S: 'CLIENT#partner-9' }, sk: { S: 'CLIENT' }, status: { S: 'disabled' } }],
          },
        });
      },
    } as unknown as NonNullable<Parameters<typeof composeAuthorizerDeps>[1]>['dynamoDb'];
    const d = composeAuthorizerDeps({ ...env(), IDP_TABLE_NAME: 'idp-table' }, { logger: silentLogger, dynamoDb });
    expect(d.tokenStatus).toBeInstanceOf(DynamoDbTokenStatusSource);
    const bearer = `Bearer ${await token(['admin:read'], 'partner-9')}`;
    const decision: BearerDecision = await authorizeRequest(d, { method: 'GET', headers: { authorization: bearer } });
    expect(decision).toEqual(CLIENT_DISABLED);
    await authorizeRequest(d, { method: 'GET', headers: { authorization: bearer } });
    const jti = (JSON.parse(Buffer.from(bearer.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    expect(sent).toEqual([
      {
        RequestItems: {
          'idp-table': {
            Keys: [
              { pk: { S: 'CLIENT#partner-9' }, sk: { S: 'CLIENT' } },
              { pk: { S: `DENY#${jti}` }, sk: { S: 'DENY' } },
            ],
            ProjectionExpression: '#pk, #sk, #status',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#status': 'status' },
            ConsistentRead: false,
          },
        },
      },
    ]);
  });

  it.each(['abc', '-1', '1.5', '3601', ' 60'])('IDP_CLIENT_STATUS_TTL_SECONDS=%j fails closed at start', (value) => {
    expect(() =>
      composeAuthorizerDeps({ ...env(), IDP_TABLE_NAME: 't', IDP_CLIENT_STATUS_TTL_SECONDS: value }),
    ).toThrow('IDP_CLIENT_STATUS_TTL_SECONDS must be whole seconds from 0 to 3600');
  });

  it('IDP_CLIENT_STATUS_TTL_SECONDS=0 reads on every request', async () => {
    let reads = 0;
    const dynamoDb = {
      send: () => {
        reads += 1;
        return Promise.resolve({
          Responses: { t: [{ pk: { S: 'CLIENT#partner-1' }, sk: { S: 'CLIENT' }, status: { S: 'enabled' } }] },
        });
      },
    } as unknown as NonNullable<Parameters<typeof composeAuthorizerDeps>[1]>['dynamoDb'];
    const d = composeAuthorizerDeps(
      { ...env(), IDP_TABLE_NAME: 't', IDP_CLIENT_STATUS_TTL_SECONDS: '0', IDP_CLIENT_STATUS_STALE_SECONDS: '5' },
      { logger: silentLogger, dynamoDb },
    );
    const bearer = `Bearer ${await token(['admin:read'])}`;
    for (let i = 0; i < 3; i++) {
      expect(await authorizeRequest(d, { method: 'GET', headers: { authorization: bearer } })).toHaveProperty('allow');
    }
    expect(reads).toBe(3);
  });
});
