/**
 * The access-token verifier (aws-jwt-verify + our RFC 9068 checks) and the HTTP API authorizer, with
 * tokens made by the project (signAccessToken) and tokens crafted to attack it. Keys are generated per
 * run; the JWKS "fetch" is an in-process counting function (no network).
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import {
  AccessTokenVerifier,
  JwksUnavailableError,
  isAccessTokenType,
} from '../../../lambdas/adapters/access-token-verifier';
import type { BearerDecision } from '../../../lambdas/domain/bearer-authorization';
import { parseRouteScopes } from '../../../lambdas/domain/bearer-authorization';
import type { PublicJwk } from '../../../lambdas/domain/ports';
import { silentLogger } from '../../../lambdas/domain/ports';
import type { AuthorizerDeps } from '../../../lambdas/handlers/authorizer-handler';
import { authorizeRequest, authorizerMethod, handler, makeHandler } from '../../../lambdas/handlers/authorizer-handler';
import { composeAuthorizerDeps } from '../../../lambdas/handlers/compose/authorizer';
import { bearerDenialResponse, withBearerAuthorization } from '../../../lambdas/handlers/bearer-challenge';
import type { HttpApiEvent, HttpApiHandler } from '../../../lambdas/handlers/api-gateway';
import { LocalTokenSigner } from '../../../lambdas/adapters/local-token-signer';
import { MAX_ACCESS_TOKEN_TTL, signAccessToken } from '../../../lambdas/domain/tokens/access-token';
import { MAX_ACCESS_TOKEN_LIFETIME_SECONDS } from '../../../lambdas/client/verify/access-token-rules';
import { ADMIN_ROUTE_SCOPES } from '../../../lambdas/domain/bearer-authorization';
import type { TestKey } from '../../support/token-forge';
import {
  forgeSigned,
  forgeUnsigned,
  generateTestKey,
  joseToken,
  nowSeconds,
  projectClaims,
  projectToken,
} from '../../support/token-forge';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = `${ISSUER}/admin`;
const JWKS_URI = `${ISSUER}/.well-known/jwks.json`;
const ROUTES = parseRouteScopes('{"GET": ["admin:read"], "*": ["admin:write"]}');

let rsa: TestKey;
let ec: TestKey;
let attacker: TestKey;
let attackerEc: TestKey;

beforeAll(async () => {
  [rsa, ec, attacker, attackerEc] = await Promise.all([
    generateTestKey('RS256'),
    generateTestKey('ES256'),
    generateTestKey('RS256'),
    generateTestKey('ES256'),
  ]);
});

/** A JWKS source that counts fetches and records the URIs asked for. */
function jwksSource(keys: () => PublicJwk[]) {
  const source = {
    fetches: 0,
    uris: [] as string[],
    fail: false,
    fetchJwks: (uri: string): Promise<unknown> => {
      source.fetches += 1;
      source.uris.push(uri);
      if (source.fail) return Promise.reject(new Error('connection refused'));
      return Promise.resolve({ keys: keys() });
    },
  };
  return source;
}

function setup(options: { penaltySeconds?: number; routes?: string } = {}) {
  const source = jwksSource(() => [rsa.publicJwk, ec.publicJwk]);
  const verifier = new AccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetchJwks: source.fetchJwks,
    penaltySeconds: options.penaltySeconds,
  });
  const deps: AuthorizerDeps = {
    verifier,
    routeScopes: options.routes === undefined ? ROUTES : parseRouteScopes(options.routes),
    logger: silentLogger,
  };
  const decide = (token: string, method = 'GET'): Promise<BearerDecision> =>
    authorizeRequest(deps, { method, headers: { authorization: `Bearer ${token}` } });
  return { source, verifier, deps, decide };
}

const invalidToken = (description: string) => ({ deny: { status: 401, error: 'invalid_token', description } });
const claims = (overrides: Parameters<typeof projectClaims>[0] = {}) =>
  projectClaims({ audience: AUDIENCE, ...overrides });
const header = (key: TestKey, extra: Record<string, unknown> = {}) => ({
  alg: key.alg,
  typ: 'at+jwt',
  kid: key.kid,
  ...extra,
});

describe('tokens made by the project are accepted', () => {
  it.each(['RS256', 'ES256'] as const)('%s token from signAccessToken, GET with admin:read', async (alg) => {
    const { decide, source } = setup();
    const key = alg === 'RS256' ? rsa : ec;
    const input = { audience: AUDIENCE, clientId: 'partner-7', jti: 'jti-abc', scopes: ['admin:read', 'extra'] };
    const token = await projectToken(key, input);
    expect(await decide(token)).toEqual({
      allow: { clientId: 'partner-7', jti: 'jti-abc', scope: ['admin:read', 'extra'], claims: expect.any(Object) },
    });
    const decision = (await decide(token)) as { allow: { claims: Record<string, unknown> } };
    expect(decision.allow.claims).toEqual({
      iss: ISSUER,
      sub: 'partner-7',
      aud: AUDIENCE,
      client_id: 'partner-7',
      scope: 'admin:read extra',
      iat: expect.any(Number),
      nbf: expect.any(Number),
      exp: expect.any(Number),
      jti: 'jti-abc',
    });
    // JWKS fetched once for the first token, then served from the cache.
    expect(source.fetches).toBe(1);
    expect(source.uris).toEqual([JWKS_URI]);
  });

  it('accepts typ application/at+jwt and any case (RFC 9068 §4, RFC 7515 §4.1.9)', async () => {
    const { decide } = setup();
    for (const typ of ['application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
      expect(await decide(forgeSigned(rsa, header(rsa, { typ }), claims()))).toHaveProperty('allow');
    }
    expect(isAccessTokenType('at+jwt')).toBe(true);
    expect(isAccessTokenType('application/at+jwt; charset=utf-8')).toBe(false);
  });

  it('accepts an audience array that contains ours (RFC 7519 §4.1.3)', async () => {
    const { decide } = setup();
    const token = forgeSigned(rsa, header(rsa), { ...claims(), aud: ['https://other.example', AUDIENCE] });
    expect(await decide(token)).toHaveProperty('allow');
  });

  it('tolerates a clock skew of a few seconds on exp', async () => {
    const { decide } = setup();
    const now = nowSeconds();
    const token = forgeSigned(rsa, header(rsa), { ...claims({ issuedAt: now - 60 }), exp: now - 1 });
    expect(await decide(token)).toHaveProperty('allow');
  });

  it('ignores jku / x5u / jwk headers on a token signed by our key (no fetch of foreign URLs)', async () => {
    const { decide, source } = setup();
    const token = forgeSigned(
      rsa,
      header(rsa, {
        jku: 'https://evil.example/jwks.json',
        x5u: 'https://evil.example/cert.pem',
        jwk: attacker.publicJwk,
      }),
      claims(),
    );
    expect(await decide(token)).toHaveProperty('allow');
    expect(source.uris).toEqual([JWKS_URI]);
  });
});

describe('attacks are rejected with the right decision', () => {
  it('alg none, with an empty or a junk signature', async () => {
    const { decide } = setup();
    expect(await decide(forgeUnsigned({ alg: 'none', typ: 'at+jwt', kid: rsa.kid }, claims()))).toEqual(
      invalidToken('the access token is malformed'),
    );
    expect(await decide(forgeUnsigned({ alg: 'none', typ: 'at+jwt', kid: rsa.kid }, claims(), 'AAAA'))).toEqual(
      invalidToken('the token algorithm is not allowed'),
    );
    expect(await decide(forgeUnsigned({ alg: 'none', typ: 'at+jwt' }, claims(), 'AAAA'))).toEqual(
      invalidToken('the access token names no signing key'),
    );
  });

  it('HS256 signed with the RSA public key (PEM, and the JWK modulus) as the HMAC secret', async () => {
    const { decide } = setup();
    const hsHeader = { alg: 'HS256', typ: 'at+jwt', kid: rsa.kid };
    const pem = await joseToken(hsHeader, claims(), new TextEncoder().encode(rsa.publicPem));
    const modulus = await joseToken(hsHeader, claims(), Buffer.from(rsa.publicJwk.n!, 'base64url'));
    expect(await decide(pem)).toEqual(invalidToken('the token algorithm is not allowed'));
    expect(await decide(modulus)).toEqual(invalidToken('the token algorithm is not allowed'));
  });

  it('unknown kid', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(attacker, header(attacker), claims()))).toEqual(
      invalidToken('the access token was signed with an unknown key'),
    );
  });

  it.each([
    ['path traversal', '../../etc/passwd'],
    ['very long', 'k'.repeat(6000)],
    ['header injection', 'x", error="none\r\nSet-Cookie: a=b'],
    ['prototype key', '__proto__'],
  ])('hostile kid (%s) is unknown and never echoed', async (_name, kid) => {
    const { decide } = setup();
    const decision = await decide(forgeSigned(attacker, header(attacker, { kid }), claims()));
    expect(decision).toEqual(invalidToken('the access token was signed with an unknown key'));
    const res = bearerDenialResponse(decision as Extract<BearerDecision, { deny: unknown }>, ISSUER);
    expect(res.headers['WWW-Authenticate']).toBe(
      `Bearer realm="${ISSUER}", error="invalid_token", error_description="the access token was signed with an unknown key"`,
    );
    expect(res.body).not.toContain(kid.slice(0, 8));
  });

  it('a kid that is not a string is malformed', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa, { kid: 42 }), claims()))).toEqual(
      invalidToken('the access token is malformed'),
    );
  });

  it('jku / x5u pointing at the attacker: still our JWKS only, attacker key unknown', async () => {
    const { decide, source } = setup();
    for (const extra of [{ jku: 'https://evil.example/jwks.json' }, { x5u: 'https://evil.example/cert.pem' }]) {
      expect(await decide(forgeSigned(attacker, header(attacker, extra), claims()))).toEqual(
        invalidToken('the access token was signed with an unknown key'),
      );
    }
    expect(source.uris.every((u) => u === JWKS_URI)).toBe(true);
  });

  it('embedded jwk header with the attacker key: verified against our key of that kid, so the signature fails', async () => {
    const { decide } = setup();
    const token = forgeSigned(
      attacker,
      { alg: 'RS256', typ: 'at+jwt', kid: rsa.kid, jwk: attacker.publicJwk },
      claims(),
    );
    expect(await decide(token)).toEqual(invalidToken('the access token signature is invalid'));
    const noKid = forgeSigned(attacker, { alg: 'RS256', typ: 'at+jwt', jwk: attacker.publicJwk }, claims());
    expect(await decide(noKid)).toEqual(invalidToken('the access token names no signing key'));
  });

  it.each([
    ['JWT', 'JWT'],
    ['jwt', 'jwt'],
    ['application/jwt', 'application/jwt'],
    ['at+jwt with parameters', 'application/at+jwt; x=y'],
    ['a number', 1],
  ])('wrong typ (%s)', async (_name, typ) => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa, { typ }), claims()))).toEqual(
      invalidToken('the token is not an at+jwt access token'),
    );
  });

  it('missing typ', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, { alg: 'RS256', kid: rsa.kid }, claims()))).toEqual(
      invalidToken('the token is not an at+jwt access token'),
    );
  });

  it.each([
    ['exp', 'the token has no exp claim'],
    ['iat', 'the token has no iat claim'],
    ['jti', 'the token has no jti claim'],
    ['client_id', 'the token has no client_id claim'],
    ['sub', 'the token has no sub claim'],
  ])('missing %s', async (claim, description) => {
    const { decide } = setup();
    const payload: Record<string, unknown> = claims();
    delete payload[claim];
    expect(await decide(forgeSigned(rsa, header(rsa), payload))).toEqual(invalidToken(description));
  });

  it('empty jti / client_id are missing ones', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa), { ...claims(), jti: '' }))).toEqual(
      invalidToken('the token has no jti claim'),
    );
    expect(await decide(forgeSigned(rsa, header(rsa), { ...claims(), client_id: '' }))).toEqual(
      invalidToken('the token has no client_id claim'),
    );
  });

  it('sub other than client_id is not a client credentials token', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa), { ...claims(), sub: 'someone-else' }))).toEqual(
      invalidToken('the token is not a client credentials token'),
    );
  });

  it('expired', async () => {
    const { decide } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE, issuedAt: nowSeconds() - 7200, ttl: 3600 });
    expect(await decide(token)).toEqual(invalidToken('the access token expired'));
  });

  it('nbf in the future', async () => {
    const { decide } = setup();
    const token = forgeSigned(rsa, header(rsa), { ...claims(), nbf: nowSeconds() + 600 });
    expect(await decide(token)).toEqual(invalidToken('the access token is not yet valid'));
  });

  it('iat in the future (without nbf)', async () => {
    const { decide } = setup();
    const payload: Record<string, unknown> = claims({ issuedAt: nowSeconds() + 600 });
    delete payload['nbf'];
    expect(await decide(forgeSigned(rsa, header(rsa), payload))).toEqual(
      invalidToken('the token was issued in the future'),
    );
  });

  it('lifetime above 30 days', async () => {
    // The client's rule (lambdas/client/verify) and the domain's issuing limit are one number.
    expect(MAX_ACCESS_TOKEN_LIFETIME_SECONDS).toBe(MAX_ACCESS_TOKEN_TTL);
    const { decide } = setup();
    const token = forgeSigned(rsa, header(rsa), claims({ ttl: 30 * 24 * 3600 + 1 }));
    expect(await decide(token)).toEqual(invalidToken('the token lifetime exceeds the maximum'));
  });

  it.each([
    ['trailing slash', `${ISSUER}/`],
    ['different case', 'https://IDP.example.test'],
    ['http scheme', 'http://idp.example.test'],
    ['another issuer', 'https://evil.example'],
  ])('wrong issuer (%s)', async (_name, iss) => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa), { ...claims(), iss }))).toEqual(
      invalidToken('the access token has the wrong issuer'),
    );
  });

  it('missing issuer', async () => {
    const { decide } = setup();
    const payload: Record<string, unknown> = claims();
    delete payload['iss'];
    expect(await decide(forgeSigned(rsa, header(rsa), payload))).toEqual(
      invalidToken('the access token has the wrong issuer'),
    );
  });

  it.each([
    ['another API', 'https://api.example.test'],
    ['trailing slash', `${AUDIENCE}/`],
    ['array without ours', ['https://api.example.test', 'https://idp.example.test']],
    ['empty array', []],
  ])('wrong audience (%s)', async (_name, aud) => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa), { ...claims(), aud }))).toEqual(
      invalidToken('the access token is not for this API'),
    );
  });

  it('tampered payload (scope raised, signature kept)', async () => {
    const { decide } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:read'] });
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    payload['scope'] = 'admin:read admin:write';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(await decide(tampered, 'POST')).toEqual(invalidToken('the access token signature is invalid'));
  });

  it('empty signature', async () => {
    const { decide } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE });
    expect(await decide(token.slice(0, token.lastIndexOf('.') + 1))).toEqual(
      invalidToken('the access token is malformed'),
    );
  });

  it.each(['RS256', 'ES256'] as const)('%s: truncated, extended or foreign signature', async (alg) => {
    const { decide } = setup();
    const token = await projectToken(alg === 'RS256' ? rsa : ec, { audience: AUDIENCE });
    const [h, p, s] = token.split('.') as [string, string, string];
    const size = Buffer.from(s, 'base64url').length;
    const foreign = randomBytes(size);
    // A foreign ES256 signature in low-s form (s < 2^254 < n/2), so it fails on the signature itself.
    if (alg === 'ES256') foreign[32] = foreign[32]! & 0x3f;
    for (const signature of [
      s.slice(0, -10),
      `${s}AAAA`,
      foreign.toString('base64url'),
      randomBytes(3).toString('base64url'),
    ]) {
      expect(await decide(`${h}.${p}.${signature}`)).toEqual(invalidToken('the access token signature is invalid'));
    }
  });

  it('ES256 token naming our RS256 key, and RS256 naming our ES256 key', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(attackerEc, { alg: 'ES256', typ: 'at+jwt', kid: rsa.kid }, claims()))).toEqual(
      invalidToken('the token algorithm is not allowed'),
    );
    expect(await decide(forgeSigned(attacker, { alg: 'RS256', typ: 'at+jwt', kid: ec.kid }, claims()))).toEqual(
      invalidToken('the token algorithm is not allowed'),
    );
  });

  it('RS384 with our RSA key is refused (alg pinned to the key)', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, { alg: 'RS384', typ: 'at+jwt', kid: rsa.kid }, claims()))).toEqual(
      invalidToken('the token algorithm is not allowed'),
    );
  });

  it('a crit header is refused (RFC 7515 §4.1.11)', async () => {
    const { decide } = setup();
    expect(await decide(forgeSigned(rsa, header(rsa, { crit: ['exp'] }), claims()))).toEqual(
      invalidToken('the token has critical header parameters'),
    );
  });

  it.each([['not.a.jwt'], ['abc'], ['e30.e30.e30'], ['a.b.c.d']])('garbage %j', async (token) => {
    const { decide } = setup();
    const decision = await decide(token);
    expect(decision).toHaveProperty('deny.status', 401);
    expect(decision).toHaveProperty('deny.error', 'invalid_token');
  });
});

describe('scopes per route (all-of)', () => {
  it('missing scope for the route: 403 insufficient_scope naming the required scope', async () => {
    const { decide } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:read'] });
    expect(await decide(token, 'POST')).toEqual({
      deny: {
        status: 403,
        error: 'insufficient_scope',
        description: 'the access token lacks the required scope: admin:write',
        scope: ['admin:write'],
      },
    });
  });

  it('one of two required scopes is not enough', async () => {
    const { decide } = setup({ routes: '{"*": ["admin:read", "admin:write"]}' });
    const one = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:write'] });
    const both = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:write', 'admin:read'] });
    expect(await decide(one, 'DELETE')).toEqual({
      deny: {
        status: 403,
        error: 'insufficient_scope',
        description: 'the access token lacks the required scope: admin:read',
        scope: ['admin:read', 'admin:write'],
      },
    });
    expect(await decide(both, 'DELETE')).toHaveProperty('allow.scope', ['admin:write', 'admin:read']);
  });

  it('a token without a scope claim holds no scope', async () => {
    const { decide } = setup();
    const payload: Record<string, unknown> = claims();
    delete payload['scope'];
    expect(await decide(forgeSigned(rsa, header(rsa), payload))).toHaveProperty('deny.status', 403);
  });
});

describe('Authorization header variants', () => {
  it.each([
    ['lower-case scheme', (t: string) => `bearer ${t}`, 'allow'],
    ['upper-case scheme', (t: string) => `BEARER ${t}`, 'allow'],
  ])('%s is accepted', async (_name, build, outcome) => {
    const { deps } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE });
    expect(await authorizeRequest(deps, { method: 'GET', headers: { authorization: build(token) } })).toHaveProperty(
      outcome,
    );
    // Header names are case-insensitive (RFC 9110 §5.1).
    expect(await authorizeRequest(deps, { method: 'GET', headers: { Authorization: build(token) } })).toHaveProperty(
      outcome,
    );
  });

  it('Basic credentials, an empty header and no header are "no credentials"', async () => {
    const { deps } = setup();
    for (const headers of [{ authorization: 'Basic dXNlcjpwYXNz' }, { authorization: '' }, {}]) {
      expect(await authorizeRequest(deps, { method: 'GET', headers })).toEqual({
        deny: { status: 401, description: 'a Bearer access token is required' },
      });
    }
  });

  it('two tokens are invalid_request (also as API Gateway joins repeated headers)', async () => {
    const { deps } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE });
    for (const authorization of [`Bearer ${token} ${token}`, `Bearer ${token},Bearer ${token}`]) {
      expect(await authorizeRequest(deps, { method: 'GET', headers: { authorization } })).toEqual({
        deny: { status: 401, error: 'invalid_request', description: 'exactly one Bearer access token is allowed' },
      });
    }
  });
});

function authorizerEvent(method: string, authorization: string | undefined, routeKey = 'ANY /admin/{proxy+}') {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/${method}/admin/clients`,
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey,
    rawPath: '/admin/clients',
    rawQueryString: '',
    cookies: [],
    headers: authorization === undefined ? {} : { authorization },
    requestContext: { http: { method, path: '/admin/clients' }, routeKey },
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

describe('HTTP API authorizer handler (simple responses)', () => {
  it("passes the token's other claims (a rule's static claims) to the integration as a JSON string", async () => {
    const { deps } = setup();
    const token = await projectToken(rsa, {
      audience: AUDIENCE,
      clientId: 'c-10',
      jti: 'j-10',
      scopes: ['admin:read'],
      claims: { tier: 'gold', region: { code: 'eu', quota: 3 } },
    });
    expect(await makeHandler(deps)(authorizerEvent('GET', `Bearer ${token}`))).toEqual({
      isAuthorized: true,
      context: {
        clientId: 'c-10',
        sub: 'c-10',
        jti: 'j-10',
        scope: 'admin:read',
        claims: JSON.stringify({ tier: 'gold', region: { code: 'eu', quota: 3 } }),
      },
    });
  });

  it('allows with context {clientId, jti, scope}', async () => {
    const { deps } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE, clientId: 'c-9', jti: 'j-9', scopes: ['admin:read'] });
    expect(await makeHandler(deps)(authorizerEvent('GET', `Bearer ${token}`))).toEqual({
      isAuthorized: true,
      context: { clientId: 'c-9', sub: 'c-9', jti: 'j-9', scope: 'admin:read', claims: '{}' },
    });
  });

  it('missing or invalid token: throws exactly Error("Unauthorized") → API Gateway 401', async () => {
    const { deps } = setup();
    const handle = makeHandler(deps);
    await expect(handle(authorizerEvent('GET', undefined))).rejects.toThrow(new Error('Unauthorized'));
    await expect(handle(authorizerEvent('GET', 'Bearer not.a.jwt'))).rejects.toThrow(new Error('Unauthorized'));
    await expect(handle(authorizerEvent('GET', 'Bearer a b'))).rejects.toThrow(new Error('Unauthorized'));
  });

  it('missing scope: {isAuthorized: false} → API Gateway 403', async () => {
    const { deps } = setup();
    const token = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:read'] });
    expect(await makeHandler(deps)(authorizerEvent('POST', `Bearer ${token}`))).toEqual({
      isAuthorized: false,
      context: {},
    });
  });

  it('cache key: the same token is allowed for GET and denied for POST on the same ANY route', async () => {
    const { deps } = setup();
    const handle = makeHandler(deps);
    const token = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:read'] });
    expect(await handle(authorizerEvent('GET', `Bearer ${token}`))).toHaveProperty('isAuthorized', true);
    expect(await handle(authorizerEvent('POST', `Bearer ${token}`))).toHaveProperty('isAuthorized', false);
    expect(await handle(authorizerEvent('GET', `Bearer ${token}`))).toHaveProperty('isAuthorized', true);
  });

  it('decides on the request method, falling back to a concrete routeKey method', () => {
    expect(authorizerMethod(authorizerEvent('post', undefined, 'ANY /admin/{proxy+}'))).toBe('POST');
    const noMethod = (routeKey: string) =>
      ({ routeKey, requestContext: {} }) as unknown as Pick<
        APIGatewayRequestAuthorizerEventV2,
        'routeKey' | 'requestContext'
      >;
    expect(authorizerMethod(noMethod('DELETE /admin/clients/{id}'))).toBe('DELETE');
    expect(authorizerMethod(noMethod('ANY /admin/{proxy+}'))).toBe('');
    expect(authorizerMethod(noMethod('$default'))).toBe('');
  });

  it('JWKS unavailable: a non-Unauthorized error (API Gateway 500), never an allow', async () => {
    const { deps, source } = setup();
    source.fail = true;
    const token = await projectToken(rsa, { audience: AUDIENCE });
    await expect(makeHandler(deps)(authorizerEvent('GET', `Bearer ${token}`))).rejects.toBeInstanceOf(
      JwksUnavailableError,
    );
  });
});

describe('JWKS caching and the unknown-kid flood', () => {
  const randomKidToken = () =>
    forgeSigned(attacker, header(attacker, { kid: randomBytes(16).toString('base64url') }), claims());

  it('1000 concurrent and 1000 sequential random kids within the refetch interval cost no JWKS fetch; known kids keep working', async () => {
    const { decide, source } = setup();
    const valid = await projectToken(rsa, { audience: AUDIENCE });
    expect(await decide(valid)).toHaveProperty('allow');
    expect(source.fetches).toBe(1);

    const concurrent = await Promise.all(Array.from({ length: 1000 }, () => decide(randomKidToken())));
    expect(new Set(concurrent.map((d) => JSON.stringify(d)))).toEqual(
      new Set([JSON.stringify(invalidToken('the access token was signed with an unknown key'))]),
    );
    for (let i = 0; i < 1000; i++) {
      expect(await decide(randomKidToken())).toEqual(invalidToken('the access token was signed with an unknown key'));
    }
    // The first token's fetch started the 60 s interval: no fetch for any of them (jwks-cache.ts).
    expect(source.fetches).toBe(1);
    expect(await decide(valid)).toHaveProperty('allow');
    expect(source.fetches).toBe(1);
  });

  it('after the penalty a new kid is fetched again, so a rotated key is picked up', async () => {
    let keys = [rsa.publicJwk];
    const source = jwksSource(() => keys);
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [rsa.publicJwk] },
      fetchJwks: source.fetchJwks,
      // Long enough that the second verify below lands inside it on a busy machine.
      penaltySeconds: 1,
    });
    const rotated = await projectToken(ec, { audience: AUDIENCE });
    await expect(verifier.verify(rotated)).rejects.toThrow('the access token was signed with an unknown key');
    expect(source.fetches).toBe(1);
    keys = [rsa.publicJwk, ec.publicJwk];
    await expect(verifier.verify(rotated)).rejects.toThrow('the access token was signed with an unknown key');
    expect(source.fetches).toBe(1); // still in the penalty box
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(verifier.verify(rotated)).resolves.toHaveProperty('clientId', 'client-1');
    expect(source.fetches).toBe(2);
  });

  it('a JWKS endpoint answering something that is not a JWKS is penalised like a failure', async () => {
    const source = { fetches: 0 };
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetchJwks: () => {
        source.fetches += 1;
        return Promise.resolve({ keys: 'none' });
      },
    });
    const token = await projectToken(rsa, { audience: AUDIENCE });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(verifier.verify(token)).rejects.toThrow('the access token was signed with an unknown key');
    expect(source.fetches).toBe(1);
  });

  it('a failing JWKS endpoint is not hammered either', async () => {
    const { decide, source } = setup();
    source.fail = true;
    await expect(decide(randomKidToken())).rejects.toBeInstanceOf(JwksUnavailableError);
    for (let i = 0; i < 100; i++) {
      expect(await decide(randomKidToken())).toEqual(invalidToken('the access token was signed with an unknown key'));
    }
    expect(source.fetches).toBe(1);
  });

  it('a preloaded JWKS needs no fetch at all', async () => {
    const source = jwksSource(() => [rsa.publicJwk]);
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [rsa.publicJwk, ec.publicJwk] },
      fetchJwks: source.fetchJwks,
    });
    for (const key of [rsa, ec, rsa]) {
      await expect(verifier.verify(await projectToken(key, { audience: AUDIENCE }))).resolves.toHaveProperty('jti');
    }
    expect(source.fetches).toBe(0);
  });

  it('cacheJwks refuses something that is not a JWKS', () => {
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetchJwks: () => Promise.resolve({}),
    });
    expect(() => verifier.cacheJwks({ keys: 'nope' } as never)).toThrow('JWKS keys should be an array');
  });
});

describe('composition from the environment', () => {
  const env = () => ({
    IDP_ISSUER: `${ISSUER}/`,
    IDP_AUDIENCE: AUDIENCE,
    IDP_ROUTE_SCOPES: '{"GET":["admin:read"],"*":["admin:write"]}',
    IDP_JWKS: JSON.stringify({ keys: [rsa.publicJwk] }),
  });

  it('builds a verifier pinned to the issuer (trailing slash dropped) with the preloaded JWKS', async () => {
    const source = jwksSource(() => []);
    const deps = composeAuthorizerDeps(env(), { fetchJwks: source.fetchJwks, logger: silentLogger });
    const token = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:write'] });
    expect(
      await authorizeRequest(deps, { method: 'PATCH', headers: { authorization: `Bearer ${token}` } }),
    ).toHaveProperty('allow.clientId', 'client-1');
    expect(source.fetches).toBe(0);
  });

  it("IDP_SUBJECT=any (the admin API's) also lets a person's token through, with sub in the context", async () => {
    const person = await projectToken(rsa, { audience: AUDIENCE, subject: 'usr_ada', scopes: ['admin:read'] });
    const bearer = { authorization: `Bearer ${person}` };
    // The default (client) accepts client-credentials tokens only (sub = client_id, RFC 9068 §2.2).
    const clientOnly = composeAuthorizerDeps(env(), { logger: silentLogger });
    expect(await authorizeRequest(clientOnly, { method: 'GET', headers: bearer })).toEqual({
      deny: { status: 401, error: 'invalid_token', description: 'the token is not a client credentials token' },
    });
    const any = makeHandler(composeAuthorizerDeps({ ...env(), IDP_SUBJECT: 'any' }, { logger: silentLogger }));
    expect(await any(authorizerEvent('GET', bearer.authorization))).toEqual({
      isAuthorized: true,
      context: { clientId: 'client-1', sub: 'usr_ada', jti: expect.any(String), scope: 'admin:read', claims: '{}' },
    });
  });

  it.each([
    ['IDP_SUBJECT', 'user', 'IDP_SUBJECT must be client or any'],
    ['IDP_ISSUER', undefined, 'missing environment variable IDP_ISSUER'],
    ['IDP_AUDIENCE', '', 'missing environment variable IDP_AUDIENCE'],
    ['IDP_ROUTE_SCOPES', undefined, 'missing environment variable IDP_ROUTE_SCOPES'],
    [
      'IDP_ROUTE_SCOPES',
      '{"GET":"admin:read"}',
      'IDP_ROUTE_SCOPES: route scopes: GET must map to an array of scope tokens',
    ],
    ['IDP_JWKS', '{', 'IDP_JWKS is not JSON'],
    ['IDP_JWKS', '{"keys":{}}', 'JWKS keys should be an array'],
  ])('fails closed when %s is %j', (name, value, message) => {
    expect(() => composeAuthorizerDeps({ ...env(), [name]: value })).toThrow(message);
  });

  it('the Lambda entry composes from process.env once and answers', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env());
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const read = await projectToken(rsa, { audience: AUDIENCE, scopes: ['admin:read'] });
      expect(await handler(authorizerEvent('GET', `Bearer ${read}`))).toEqual({
        isAuthorized: true,
        context: { clientId: 'client-1', sub: 'client-1', jti: expect.any(String), scope: 'admin:read', claims: '{}' },
      });
      expect(await handler(authorizerEvent('DELETE', `Bearer ${read}`))).toEqual({ isAuthorized: false, context: {} });
      expect(JSON.parse(log.mock.calls[0]![0] as string)).toEqual({
        level: 'INFO',
        message: 'request denied',
        status: 403,
        error: 'insufficient_scope',
        description: 'the access token lacks the required scope: admin:write',
        method: 'DELETE',
        routeKey: 'ANY /admin/{proxy+}',
      });
    } finally {
      log.mockRestore();
      process.env = saved;
    }
  });
});

describe('local guard (withBearerAuthorization): same decision, RFC 6750 answers', () => {
  const LOCAL = 'http://localhost:3000';

  async function localSetup() {
    // The local runtime's own signer and key source, an http issuer: the JWKS comes from the key source.
    const signer = await LocalTokenSigner.load({ alg: 'RS256' });
    const source = jwksSource(() => []);
    const verifier = new AccessTokenVerifier({
      issuer: LOCAL,
      audience: `${LOCAL}/admin`,
      fetchJwks: async (uri) => {
        await source.fetchJwks(uri);
        return { keys: await signer.publicJwks() };
      },
    });
    const seen: HttpApiEvent[] = [];
    const inner: HttpApiHandler = (event) => {
      seen.push(event);
      return Promise.resolve({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' });
    };
    const guarded = withBearerAuthorization(
      { verifier, routeScopes: ADMIN_ROUTE_SCOPES, logger: silentLogger },
      LOCAL,
      inner,
    );
    const token = (scopes: string[]) =>
      signAccessToken(
        projectClaims({ issuer: LOCAL, audience: `${LOCAL}/admin`, clientId: 'admin-1', jti: 'j-local', scopes }),
        signer,
      );
    const event = (method: string, authorization?: string): HttpApiEvent => ({
      rawPath: '/admin/clients',
      rawQueryString: '',
      headers: authorization === undefined ? {} : { authorization },
      isBase64Encoded: false,
      requestContext: { http: { method } },
    });
    return { guarded, seen, token, event, source, signer };
  }

  it('ADMIN_ROUTE_SCOPES is the design map', () => {
    expect(ADMIN_ROUTE_SCOPES).toEqual(parseRouteScopes('{"GET":["admin:read"],"*":["admin:write"]}'));
  });

  it('allowed: calls the handler with requestContext.authorizer.lambda as API Gateway sets it', async () => {
    const { guarded, seen, token, event, source } = await localSetup();
    const res = await guarded(event('GET', `Bearer ${await token(['admin:read'])}`));
    expect(res).toEqual({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.requestContext).toEqual({
      http: { method: 'GET' },
      authorizer: {
        lambda: { clientId: 'admin-1', sub: 'admin-1', jti: 'j-local', scope: 'admin:read', claims: '{}' },
      },
    });
    expect(source.uris).toEqual([`${LOCAL}/.well-known/jwks.json`]);
  });

  it('no token: 401 with the realm only', async () => {
    const { guarded, seen, event } = await localSetup();
    expect(await guarded(event('GET'))).toEqual({
      statusCode: 401,
      headers: {
        'Content-Type': 'application/problem+json',
        'WWW-Authenticate': 'Bearer realm="http://localhost:3000"',
        'Cache-Control': 'no-store',
      },
      body:
        '{"type":"https://serverless-idp.dev/problems/unauthorized","title":"Authentication required","status":401,' +
        '"detail":"a Bearer access token is required","instance":"/admin/clients"}',
      isBase64Encoded: false,
    });
    expect(seen).toHaveLength(0);
  });

  it('bad token: 401 invalid_token with the reason', async () => {
    const { guarded, seen, token, event, signer } = await localSetup();
    const valid = await token(['admin:read']);
    const wrongAudience = await signAccessToken(
      projectClaims({ issuer: LOCAL, audience: 'https://api.example.test' }),
      signer,
    );
    for (const [bad, description] of [
      [`${valid.slice(0, -4)}AAAA`, 'the access token signature is invalid'],
      [wrongAudience, 'the access token is not for this API'],
    ] as const) {
      const res = await guarded(event('GET', `Bearer ${bad}`));
      expect(res.statusCode).toBe(401);
      expect(res.headers?.['WWW-Authenticate']).toBe(
        `Bearer realm="http://localhost:3000", error="invalid_token", error_description="${description}"`,
      );
      expect(JSON.parse(res.body ?? '')).toEqual({
        type: 'https://serverless-idp.dev/problems/unauthorized',
        title: 'Authentication required',
        status: 401,
        detail: description,
        instance: '/admin/clients',
        error: 'invalid_token',
      });
    }
    expect(seen).toHaveLength(0);
  });

  it('read-only token on a write: 403 insufficient_scope naming admin:write', async () => {
    const { guarded, seen, token, event } = await localSetup();
    const res = await guarded(event('POST', `Bearer ${await token(['admin:read'])}`));
    expect(res).toEqual({
      statusCode: 403,
      headers: {
        'Content-Type': 'application/problem+json',
        'WWW-Authenticate':
          'Bearer realm="http://localhost:3000", error="insufficient_scope", ' +
          'error_description="the access token lacks the required scope: admin:write", scope="admin:write"',
        'Cache-Control': 'no-store',
      },
      body:
        '{"type":"https://serverless-idp.dev/problems/insufficient-scope","title":"The access token lacks a required scope","status":403,' +
        '"detail":"the access token lacks the required scope: admin:write","instance":"/admin/clients",' +
        '"error":"insufficient_scope","scope":"admin:write"}',
      isBase64Encoded: false,
    });
    expect(seen).toHaveLength(0);
  });

  it('JWKS unavailable: 503 problem, handler not called', async () => {
    const { deps, source } = setup();
    source.fail = true;
    const seen: HttpApiEvent[] = [];
    const guarded = withBearerAuthorization(deps, ISSUER, (e) => {
      seen.push(e);
      return Promise.resolve({ statusCode: 200 });
    });
    const res = await guarded({
      rawPath: '/admin/apis',
      rawQueryString: '',
      headers: { authorization: `Bearer ${await projectToken(rsa, { audience: AUDIENCE })}` },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET' } },
    });
    expect(res).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '1', 'Cache-Control': 'no-store' },
      body:
        '{"type":"https://serverless-idp.dev/problems/service-unavailable","title":"The service is temporarily unavailable",' +
        '"status":503,"detail":"the signing keys could not be obtained","instance":"/admin/apis"}',
      isBase64Encoded: false,
    });
    expect(seen).toHaveLength(0);
  });
});
