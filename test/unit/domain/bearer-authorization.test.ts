import {
  MAX_BEARER_TOKEN_LENGTH,
  bearerChallenge,
  parseBearerAuthorization,
  parseRouteScopes,
  requiredScopesFor,
  scopeDecision,
  scopeTokens,
} from '../../../lambdas/domain/bearer-authorization';
import type { BearerGrant } from '../../../lambdas/domain/bearer-authorization';
import { bearerDenialResponse } from '../../../lambdas/handlers/bearer-challenge';

const NO_CREDENTIALS = { deny: { status: 401, description: 'a Bearer access token is required' } };
const invalidRequest = (description: string) => ({ deny: { status: 401, error: 'invalid_request', description } });

describe('parseBearerAuthorization (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc.DEF-_~+/9==', 'abc.DEF-_~+/9=='],
    ['bearer tok', 'tok'],
    ['BEARER tok', 'tok'],
    ['BeArEr tok', 'tok'],
    ['  Bearer    tok  ', 'tok'],
    ['Bearer\ttok', 'tok'],
  ])('accepts %j', (header, token) => {
    expect(parseBearerAuthorization(header)).toEqual({ token });
  });

  it.each([[undefined], [''], ['   ']])('treats %j as no credentials (no error code, RFC 6750 §3.1)', (header) => {
    expect(parseBearerAuthorization(header)).toEqual(NO_CREDENTIALS);
  });

  it.each([['Basic dXNlcjpwYXNz'], ['Digest username="a"'], ['Bearertok'], ['Token abc']])(
    'treats another scheme %j as no credentials',
    (header) => {
      expect(parseBearerAuthorization(header)).toEqual(NO_CREDENTIALS);
    },
  );

  it.each([['Bearer'], ['Bearer   '], ['bearer']])('%j without a token is invalid_request', (header) => {
    expect(parseBearerAuthorization(header)).toEqual(invalidRequest('the Bearer access token is missing'));
  });

  it.each([['Bearer a b'], ['Bearer a,Bearer b'], ['Bearer a, Bearer b'], ['Bearer a\tb']])(
    '%j (more than one token) is invalid_request',
    (header) => {
      expect(parseBearerAuthorization(header)).toEqual(invalidRequest('exactly one Bearer access token is allowed'));
    },
  );

  it.each([['Bearer a=b'], ['Bearer "tok"'], ['Bearer tök'], ['Bearer =abc'], ['Bearer a;b'], ['Bearer a\nb']])(
    '%j violates the b64token grammar',
    (header) => {
      expect(parseBearerAuthorization(header)).toEqual(
        invalidRequest('the Bearer access token is not a valid b64token'),
      );
    },
  );

  it('refuses a token longer than API Gateway would forward, before parsing it', () => {
    expect(parseBearerAuthorization(`Bearer ${'a'.repeat(MAX_BEARER_TOKEN_LENGTH)}`)).toEqual({
      token: 'a'.repeat(MAX_BEARER_TOKEN_LENGTH),
    });
    expect(parseBearerAuthorization(`Bearer ${'a'.repeat(MAX_BEARER_TOKEN_LENGTH + 1)}`)).toEqual({
      deny: { status: 401, error: 'invalid_token', description: 'the access token is too long' },
    });
  });
});

describe('route scopes', () => {
  const routes = parseRouteScopes('{"GET": ["admin:read"], "*": ["admin:write"]}');

  it('parses the IDP_ROUTE_SCOPES JSON, upper-casing methods', () => {
    expect(parseRouteScopes('{"get": ["a"], "Post": ["b", "c"], "*": []}')).toEqual({
      GET: ['a'],
      POST: ['b', 'c'],
      '*': [],
    });
  });

  it.each([
    ['not json', 'route scopes must be JSON'],
    ['["admin:read"]', 'route scopes must be a JSON object of method → scopes'],
    ['null', 'route scopes must be a JSON object of method → scopes'],
    ['{"GET": "admin:read"}', 'route scopes: GET must map to an array of scope tokens'],
    ['{"GET": ["admin read"]}', 'route scopes: GET must map to an array of scope tokens'],
    ['{"GET": ["a\\"b"]}', 'route scopes: GET must map to an array of scope tokens'],
    ['{"GET": [1]}', 'route scopes: GET must map to an array of scope tokens'],
    ['{"G(T": []}', 'route scopes: G(T is not an HTTP method'],
    ['{"G(T /x": []}', 'route scopes: G(T /x is not an HTTP method'],
    ['{"GET x": []}', 'route scopes: GET x does not name a resource path'],
    ['{"GET ": []}', 'route scopes: GET  does not name a resource path'],
    ['{"GET /a b": []}', 'route scopes: GET /a b does not name a resource path'],
    ['{"GET /a*": []}', 'route scopes: GET /a* does not name a resource path'],
    ['{"GET /a?b": []}', 'route scopes: GET /a?b does not name a resource path'],
    ['{"GET /a//b": []}', 'route scopes: GET /a//b does not name a resource path'],
    ['{"GET /{}": []}', 'route scopes: GET /{} does not name a resource path'],
    ['{"get": [], "GET": []}', 'route scopes: GET is given twice'],
    ['{"get /x": [], "GET /x": []}', 'route scopes: GET /x is given twice'],
  ])('rejects %s', (json, message) => {
    expect(() => parseRouteScopes(json)).toThrow(new Error(message));
  });

  it('parses "<METHOD> <resource>" keys: method upper-cased, resource template kept as written', () => {
    expect(
      parseRouteScopes(
        '{"get /Orders/{id}": ["a"], "* /admin/{proxy+}": [], "POST /": ["b"], "delete /a/{b}/c:d": ["c"]}',
      ),
    ).toEqual({ 'GET /Orders/{id}': ['a'], '* /admin/{proxy+}': [], 'POST /': ['b'], 'DELETE /a/{b}/c:d': ['c'] });
  });

  it('an entry naming the resource wins over the method-only entries', () => {
    const map = parseRouteScopes(
      JSON.stringify({
        GET: ['read'],
        '*': ['write'],
        'GET /public': [],
        'POST /orders': ['orders:create'],
        '* /orders/{id}': ['orders:admin'],
        'GET /orders/{id}': ['orders:read'],
      }),
    );
    expect(requiredScopesFor(map, 'GET', '/public')).toEqual([]);
    expect(requiredScopesFor(map, 'HEAD', '/public')).toEqual([]);
    expect(requiredScopesFor(map, 'POST', '/public')).toEqual(['write']);
    expect(requiredScopesFor(map, 'post', '/orders')).toEqual(['orders:create']);
    expect(requiredScopesFor(map, 'GET', '/orders')).toEqual(['read']);
    expect(requiredScopesFor(map, 'GET', '/orders/{id}')).toEqual(['orders:read']);
    expect(requiredScopesFor(map, 'HEAD', '/orders/{id}')).toEqual(['orders:read']);
    expect(requiredScopesFor(map, 'DELETE', '/orders/{id}')).toEqual(['orders:admin']);
    expect(requiredScopesFor(map, 'GET', '/other')).toEqual(['read']);
    expect(requiredScopesFor(map, 'GET')).toEqual(['read']);
    // Resource templates are case-sensitive, like API Gateway paths.
    expect(requiredScopesFor(map, 'GET', '/PUBLIC')).toEqual(['read']);
  });

  it('looks up the method, HEAD as GET, then *', () => {
    expect(requiredScopesFor(routes, 'GET')).toEqual(['admin:read']);
    expect(requiredScopesFor(routes, 'get')).toEqual(['admin:read']);
    expect(requiredScopesFor(routes, 'HEAD')).toEqual(['admin:read']);
    expect(requiredScopesFor(routes, 'POST')).toEqual(['admin:write']);
    expect(requiredScopesFor(routes, 'DELETE')).toEqual(['admin:write']);
    expect(requiredScopesFor(routes, '')).toEqual(['admin:write']);
  });

  it('has no answer for a method without an entry and without *', () => {
    const getOnly = parseRouteScopes('{"GET": ["r"]}');
    expect(requiredScopesFor(getOnly, 'POST')).toBeUndefined();
    expect(requiredScopesFor(getOnly, 'CONSTRUCTOR')).toBeUndefined();
    expect(requiredScopesFor(getOnly, '__PROTO__')).toBeUndefined();
  });

  it('splits the scope claim on spaces', () => {
    expect(scopeTokens('a  b c')).toEqual(['a', 'b', 'c']);
    expect(scopeTokens(undefined)).toEqual([]);
    expect(scopeTokens(['a'])).toEqual([]);
  });
});

describe('scopeDecision (all-of)', () => {
  const grant = (scope: string[]): BearerGrant => ({ clientId: 'c1', jti: 'j1', scope, claims: {} });

  it('allows when every required scope is held', () => {
    const g = grant(['admin:read', 'admin:write', 'other']);
    expect(scopeDecision(g, ['admin:read', 'admin:write'])).toEqual({ allow: g });
    expect(scopeDecision(grant([]), [])).toEqual({ allow: grant([]) });
  });

  it('refuses one of two required scopes, naming all required ones', () => {
    expect(scopeDecision(grant(['admin:read']), ['admin:read', 'admin:write'])).toEqual({
      deny: {
        status: 403,
        error: 'insufficient_scope',
        description: 'the access token lacks the required scope: admin:write',
        scope: ['admin:read', 'admin:write'],
      },
    });
  });

  it('refuses a method no scope is configured for', () => {
    expect(scopeDecision(grant(['admin:write']), undefined)).toEqual({
      deny: { status: 403, error: 'insufficient_scope', description: 'no scope grants this method' },
    });
  });
});

describe('bearerChallenge (RFC 6750 §3)', () => {
  const realm = 'https://idp.example.test';

  it('gives only the realm when no credentials were sent (§3.1)', () => {
    expect(bearerChallenge(realm, { status: 401, description: 'a Bearer access token is required' })).toBe(
      'Bearer realm="https://idp.example.test"',
    );
  });

  it('adds error and error_description for a bad token', () => {
    expect(
      bearerChallenge(realm, { status: 401, error: 'invalid_token', description: 'the access token expired' }),
    ).toBe(
      'Bearer realm="https://idp.example.test", error="invalid_token", error_description="the access token expired"',
    );
  });

  it('adds the required scope for insufficient_scope', () => {
    expect(
      bearerChallenge(realm, {
        status: 403,
        error: 'insufficient_scope',
        description: 'the access token lacks the required scope: admin:write',
        scope: ['admin:read', 'admin:write'],
      }),
    ).toBe(
      'Bearer realm="https://idp.example.test", error="insufficient_scope", ' +
        'error_description="the access token lacks the required scope: admin:write", scope="admin:read admin:write"',
    );
  });

  it('escapes the realm as a quoted-string and keeps other values inside the RFC 6750 character set', () => {
    expect(
      bearerChallenge('a "quoted" \\ realm\r\n', {
        status: 401,
        error: 'invalid_token',
        description: 'bad "kid" \\ é\r\n',
      }),
    ).toBe('Bearer realm="a \\"quoted\\" \\\\ realm??", error="invalid_token", error_description="bad ?kid? ? ???"');
  });
});

describe('bearerDenialResponse (local server)', () => {
  const issuer = 'http://localhost:3000';

  it('401 without credentials: realm only, problem+json', () => {
    const res = bearerDenialResponse(
      { deny: { status: 401, description: 'a Bearer access token is required' } },
      issuer,
    );
    expect(res).toEqual({
      status: 401,
      headers: {
        'Content-Type': 'application/problem+json',
        'WWW-Authenticate': 'Bearer realm="http://localhost:3000"',
        'Cache-Control': 'no-store',
      },
      body: '{"type":"https://serverless-idp.dev/problems/unauthorized","title":"Authentication required","status":401,"detail":"a Bearer access token is required"}',
    });
  });

  it('401 invalid_token, with the request path as instance', () => {
    const res = bearerDenialResponse(
      { deny: { status: 401, error: 'invalid_token', description: 'the access token expired' } },
      issuer,
      '/admin/clients',
    );
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe(
      'Bearer realm="http://localhost:3000", error="invalid_token", error_description="the access token expired"',
    );
    expect(res.body).toBe(
      '{"type":"https://serverless-idp.dev/problems/unauthorized","title":"Authentication required","status":401,"detail":"the access token expired","instance":"/admin/clients","error":"invalid_token"}',
    );
  });

  it('403 insufficient_scope with the required scope', () => {
    const res = bearerDenialResponse(
      {
        deny: {
          status: 403,
          error: 'insufficient_scope',
          description: 'the access token lacks the required scope: admin:write',
          scope: ['admin:write'],
        },
      },
      issuer,
    );
    expect(res).toEqual({
      status: 403,
      headers: {
        'Content-Type': 'application/problem+json',
        'WWW-Authenticate':
          'Bearer realm="http://localhost:3000", error="insufficient_scope", ' +
          'error_description="the access token lacks the required scope: admin:write", scope="admin:write"',
        'Cache-Control': 'no-store',
      },
      body:
        '{"type":"https://serverless-idp.dev/problems/insufficient-scope","title":"The access token lacks a required scope","status":403,' +
        '"detail":"the access token lacks the required scope: admin:write","error":"insufficient_scope","scope":"admin:write"}',
    });
  });
});
