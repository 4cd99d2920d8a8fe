/**
 * parseTokenRequest (RFC 6749 §2.3, §3.2, §3.3, §4.4.2; RFC 8707 §2; RFC 7617): what it returns for
 * valid requests, which error class and code it throws for invalid ones, and two properties: every
 * VSCHAR id/secret survives RFC 6749 §2.3.1 form-encoding inside Basic, and the scope grammar
 * accepts exactly the RFC 6749 §3.3 characters.
 */
import fc from 'fast-check';
import {
  InvalidClientError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  OAuthError,
} from '../../../lambdas/domain/errors';
import { MAX_TOKEN_REQUEST_BYTES, parseTokenRequest } from '../../../lambdas/domain/endpoints/token-request';
import type { TokenRequest } from '../../../lambdas/domain/endpoints/token-request';
import { JSON_TYPE, basicAuth, rawBasicAuth, tokenRequest } from '../../support/in-memory';
import type { TokenRequestInit } from '../../support/in-memory';

const parse = (init: TokenRequestInit): TokenRequest => parseTokenRequest(tokenRequest(init));

interface Failure {
  class: string;
  code: string;
  status: number;
  description: string;
}

/** The error parseTokenRequest throws, as `{class, code, status, description}`. */
function failure(init: TokenRequestInit): Failure {
  try {
    parse(init);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    return { class: err.constructor.name, code: err.code, status: err.status, description: err.description };
  }
  throw new Error('parseTokenRequest accepted the request');
}

const VSCHARS = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i));
const vschar = fc.constantFrom(...VSCHARS);

describe('parseTokenRequest: valid requests', () => {
  it('client_secret_basic with form parameters', () => {
    const req = parse({
      form: [
        ['grant_type', 'client_credentials'],
        ['scope', 'b a b'],
        ['audience', 'https://api.example.com'],
      ],
      authorization: basicAuth('client:1', 'p+ss %'),
    });
    expect(req).toEqual({
      grantType: 'client_credentials',
      credentials: { method: 'client_secret_basic', clientId: 'client:1', clientSecret: 'p+ss %' },
      usedAuthorizationHeader: true,
      scopes: ['b', 'a'],
      audience: 'https://api.example.com',
      params: new Map([
        ['grant_type', 'client_credentials'],
        ['scope', 'b a b'],
        ['audience', 'https://api.example.com'],
      ]),
    });
  });

  it('client_secret_post; omitted scope and audience are undefined', () => {
    const req = parse({
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', 'c'],
        ['client_secret', 's'],
      ],
    });
    expect(req.credentials).toEqual({ method: 'client_secret_post', clientId: 'c', clientSecret: 's' });
    expect(req.usedAuthorizationHeader).toBe(false);
    expect(req.scopes).toBeUndefined();
    expect(req.audience).toBeUndefined();
  });

  it('no credentials: undefined (the endpoint answers invalid_client)', () => {
    const req = parse({
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', 'c'],
      ],
    });
    expect(req.credentials).toBeUndefined();
    expect(req.usedAuthorizationHeader).toBe(false);
  });

  it('JSON body: a flat object of strings', () => {
    const req = parse({ json: { grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scope: 'x' } });
    expect(req.credentials).toEqual({ method: 'client_secret_post', clientId: 'c', clientSecret: 's' });
    expect(req.scopes).toEqual(['x']);
  });

  it('parameters without a value are omitted (RFC 6749 §3.2)', () => {
    const req = parse({ form: 'grant_type=client_credentials&scope=&audience=&client_id=&client_secret=&x=' });
    expect([...req.params.keys()]).toEqual(['grant_type']);
    expect(req.scopes).toBeUndefined();
    expect(req.audience).toBeUndefined();
    expect(req.credentials).toBeUndefined();
  });

  it('resource (RFC 8707) is the audience; with audience too, they must agree', () => {
    expect(
      parse({
        form: [
          ['grant_type', 'x'],
          ['resource', 'urn:example:api'],
        ],
      }).audience,
    ).toBe('urn:example:api');
    expect(
      parse({
        form: [
          ['grant_type', 'x'],
          ['resource', 'https://a.example/'],
          ['audience', 'https://a.example/'],
        ],
      }).audience,
    ).toBe('https://a.example/');
    // API identifiers are registered as absolute URIs (at most 256 characters): anything else names no
    // API, before any store read (a key DynamoDB would refuse never reaches it).
    for (const audience of ['orders', `https://a.example/${'x'.repeat(256)}`, 'https://a.example/#f']) {
      expect(() =>
        parse({
          form: [
            ['grant_type', 'x'],
            ['audience', audience],
          ],
        }),
      ).toThrow(expect.objectContaining({ code: 'invalid_target', description: 'unknown audience' }));
    }
  });

  it('Basic with a client_id in the body naming the same client', () => {
    const req = parse({
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', 'c 1'],
      ],
      authorization: basicAuth('c 1', 's'),
    });
    expect(req.credentials).toEqual({ method: 'client_secret_basic', clientId: 'c 1', clientSecret: 's' });
  });

  it('Basic: scheme case-insensitive, extra spaces around the token tolerated', () => {
    const token = Buffer.from('c:s').toString('base64');
    for (const authorization of [`basic ${token}`, `BASIC   ${token}`, `  Basic ${token}  `]) {
      expect(parse({ form: [['grant_type', 'x']], authorization }).credentials).toEqual({
        method: 'client_secret_basic',
        clientId: 'c',
        clientSecret: 's',
      });
    }
  });

  it('a body of exactly MAX_TOKEN_REQUEST_BYTES (8 KiB) is accepted', () => {
    expect(MAX_TOKEN_REQUEST_BYTES).toBe(8192);
    const prefix = 'grant_type=client_credentials&pad=';
    expect(parse({ body: prefix + 'x'.repeat(8192 - prefix.length) }).grantType).toBe('client_credentials');
  });
});

describe('parseTokenRequest: errors', () => {
  const invalidRequest = (description: string): Failure => ({
    class: 'InvalidRequestError',
    code: 'invalid_request',
    status: 400,
    description,
  });

  it.each<[string, TokenRequestInit, Failure]>([
    [
      'a query string',
      { form: 'grant_type=x', query: 'a=b' },
      invalidRequest('parameters must be sent in the request body, not in the URI'),
    ],
    ['8 KiB + 1', { body: 'x'.repeat(8193) }, invalidRequest('request body exceeds 8192 bytes')],
    [
      'no content type',
      { form: 'grant_type=x', contentType: null },
      invalidRequest('content type must be application/x-www-form-urlencoded or application/json'),
    ],
    [
      'a UTF-16 charset',
      { form: 'grant_type=x', contentType: 'application/json; charset=utf-16' },
      invalidRequest('request body must be UTF-8 encoded'),
    ],
    [
      'invalid UTF-8',
      { body: Buffer.from([0x67, 0x3d, 0xc0, 0xaf]) },
      invalidRequest('request body must be UTF-8 encoded'),
    ],
    ['invalid JSON', { body: '{', contentType: JSON_TYPE }, invalidRequest('request body is not valid JSON')],
    ['a JSON array', { json: [], contentType: JSON_TYPE }, invalidRequest('request body must be a JSON object')],
    ['a JSON number value', { json: { grant_type: 1 } }, invalidRequest('parameter grant_type must be a string')],
    ['a repeated parameter', { form: 'grant_type=x&grant_type=x' }, invalidRequest('parameter grant_type is repeated')],
    ['no grant_type', { form: 'scope=a' }, invalidRequest('missing required parameter: grant_type')],
    [
      'Basic and client_secret',
      { form: 'grant_type=x&client_secret=s', authorization: basicAuth('c', 's') },
      invalidRequest('more than one client authentication method used'),
    ],
    [
      'Basic and another client_id',
      { form: 'grant_type=x&client_id=d', authorization: basicAuth('c', 's') },
      invalidRequest('client_id in the body does not match the Authorization header'),
    ],
    [
      'client_secret alone',
      { form: 'grant_type=x&client_secret=s' },
      invalidRequest('missing required parameter: client_id'),
    ],
    [
      'a client_id with a TAB',
      {
        form: [
          ['grant_type', 'x'],
          ['client_id', 'a\tb'],
          ['client_secret', 's'],
        ],
      },
      invalidRequest('parameter client_id has characters outside %x20-7E'),
    ],
    [
      'a header that is no scheme',
      { form: 'grant_type=x', authorization: '' },
      invalidRequest('malformed Authorization header'),
    ],
    [
      'Basic without a colon',
      { form: 'grant_type=x', authorization: `Basic ${Buffer.from('cs').toString('base64')}` },
      invalidRequest('malformed Basic credentials'),
    ],
    [
      'Basic with unpadded base64',
      { form: 'grant_type=x', authorization: 'Basic YTpiYw' },
      invalidRequest('malformed Basic credentials'),
    ],
    [
      'Basic with base64url characters',
      { form: 'grant_type=x', authorization: 'Basic YTp-_w==' },
      invalidRequest('malformed Basic credentials'),
    ],
    [
      'Basic with non-ASCII once decoded',
      { form: 'grant_type=x', authorization: basicAuth('c', 'sé') },
      invalidRequest('malformed Basic credentials'),
    ],
    [
      'audience and resource that differ',
      { form: 'grant_type=x&audience=https%3A%2F%2Fa&resource=https%3A%2F%2Fb' },
      invalidRequest('audience and resource name different APIs'),
    ],
    [
      'a scope with a double space',
      { form: 'grant_type=x&scope=a++b' },
      {
        class: 'InvalidScopeError',
        code: 'invalid_scope',
        status: 400,
        description: 'scope is malformed (RFC 6749 section 3.3)',
      },
    ],
    [
      'a relative resource',
      { form: 'grant_type=x&resource=%2Fapi' },
      {
        class: 'InvalidTargetError',
        code: 'invalid_target',
        status: 400,
        description: 'resource must be an absolute URI without a fragment',
      },
    ],
    [
      'a repeated resource',
      { form: 'grant_type=x&resource=urn%3Aa&resource=urn%3Aa' },
      {
        class: 'InvalidTargetError',
        code: 'invalid_target',
        status: 400,
        description: 'only one resource may be requested per token',
      },
    ],
    [
      'a Bearer header',
      { form: 'grant_type=x', authorization: 'Bearer x' },
      {
        class: 'InvalidClientError',
        code: 'invalid_client',
        status: 401,
        description: 'unsupported client authentication scheme',
      },
    ],
  ])('%s', (_case, init, expected) => {
    expect(failure(init)).toEqual(expected);
  });

  it('error classes and their RFC 6749 §5.2 codes', () => {
    expect(() => parse({ form: 'x=1' })).toThrow(InvalidRequestError);
    expect(() => parse({ form: 'grant_type=x&scope=%22' })).toThrow(InvalidScopeError);
    expect(() => parse({ form: 'grant_type=x&resource=a' })).toThrow(InvalidTargetError);
    let error: unknown;
    try {
      parse({ form: 'grant_type=x', authorization: 'Digest x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ reason: 'unsupported_auth_scheme', viaAuthorizationHeader: true });
  });

  it('checks run before anything else: the query string wins over every other fault', () => {
    expect(failure({ body: Buffer.alloc(9000, 0xff), contentType: 'text/plain', query: 'x' })).toEqual(
      invalidRequest('parameters must be sent in the request body, not in the URI'),
    );
    expect(failure({ body: Buffer.alloc(9000, 0xff), contentType: 'text/plain' })).toEqual(
      invalidRequest('request body exceeds 8192 bytes'),
    );
  });
});

describe('RFC 6749 §2.3.1: form-encoding inside Basic', () => {
  it('every id and secret of VSCHARs (%x20-7E) comes back exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: vschar, minLength: 1, maxLength: 40 }),
        fc.string({ unit: vschar, minLength: 1, maxLength: 60 }),
        (clientId, clientSecret) => {
          const req = parse({
            form: [['grant_type', 'client_credentials']],
            authorization: basicAuth(clientId, clientSecret),
          });
          expect(req.credentials).toEqual({ method: 'client_secret_basic', clientId, clientSecret });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('sent raw, values without `+`, `%` in either and `:` in the id are unchanged', () => {
    const plain = fc.constantFrom(...VSCHARS.filter((c) => !'+%:'.includes(c)));
    fc.assert(
      fc.property(
        fc.string({ unit: plain, minLength: 1, maxLength: 30 }),
        fc.string({ unit: fc.oneof(plain, fc.constant(':')), minLength: 1, maxLength: 30 }),
        (clientId, clientSecret) => {
          // Spaces are the exception only in the encoded form (`+`); raw spaces stay spaces.
          const req = parse({ form: [['grant_type', 'x']], authorization: rawBasicAuth(clientId, clientSecret) });
          expect(req.credentials).toEqual({ method: 'client_secret_basic', clientId, clientSecret });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('RFC 6749 §3.3 scope grammar', () => {
  // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  const allowed = (c: number) => c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);

  it('accepts exactly %x21 / %x23-5B / %x5D-7E in a token, for every code point up to U+00FF', () => {
    const accepted: number[] = [];
    for (let c = 1; c <= 0xff; c += 1) {
      const scope = `a${String.fromCharCode(c)}b`;
      try {
        expect(
          parse({
            form: [
              ['grant_type', 'x'],
              ['scope', scope],
            ],
          }).scopes,
        ).toEqual(c === 0x20 ? ['a', 'b'] : [scope]);
        accepted.push(c);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidScopeError);
      }
    }
    const expected = Array.from({ length: 0xff }, (_, i) => i + 1).filter((c) => allowed(c) || c === 0x20);
    expect(accepted).toEqual(expected);
  });

  it.each([[' a'], ['a '], ['a  b'], [' ']])('rejects empty tokens: %j', (scope) => {
    expect(() =>
      parse({
        form: [
          ['grant_type', 'x'],
          ['scope', scope],
        ],
      }),
    ).toThrow(InvalidScopeError);
  });

  it('de-duplicates, keeping the first occurrence order', () => {
    expect(
      parse({
        form: [
          ['grant_type', 'x'],
          ['scope', 'c a c b a'],
        ],
      }).scopes,
    ).toEqual(['c', 'a', 'b']);
  });
});
