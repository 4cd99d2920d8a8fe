/**
 * The token endpoint over in-memory fakes: exact RFC 6749 §5.1 / §5.2 wire bodies and headers for
 * every error path and for the client credentials grant, and the RFC 9068 token it issues.
 * Every response of this file is checked for `Cache-Control: no-store` and `Pragma: no-cache`
 * (RFC 6749 §5.1) in `afterEach`.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { HttpResponse } from '../../lambdas/domain/http';
import {
  DEFAULT_TTL,
  FIXED_NOW,
  FORM,
  INVENTORY_API,
  ISSUER,
  JSON_TYPE,
  ORDERS_API,
  ORDERS_TTL,
  POST_CLIENT_TTL,
  basicAuth,
  bodyOf,
  formEncode,
  makeApi,
  makeClient,
  randomSecret,
  rawBasicAuth,
  ruleFor,
  tokenRequest,
  useTokenHarness,
} from '../support/in-memory';
import type { TokenHarness, TokenRequestInit } from '../support/in-memory';

/** RFC 6749 §5.1: `application/json;charset=UTF-8`, never cached. */
const HEADERS = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const BASIC_CHALLENGE = { 'WWW-Authenticate': `Basic realm="${ISSUER}"` };
const INVALID_CLIENT = 'client authentication failed';
/** The description token-request.ts uses today (see the RFC 6749 §5.2 charset test below). */
const MALFORMED_SCOPE = 'scope is malformed (RFC 6749 section 3.3)';

/** The exact RFC 6749 §5.2 error response: status, headers and the body as sent on the wire. */
function oauthError(
  status: number,
  error: string,
  description: string,
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { ...HEADERS, ...extraHeaders },
    body: JSON.stringify({ error, error_description: description }),
  };
}

const invalidRequest = (description: string) => oauthError(400, 'invalid_request', description);
const invalidScope = (description: string) => oauthError(400, 'invalid_scope', description);
const invalidTarget = (description: string) => oauthError(400, 'invalid_target', description);
const invalidClientBasic = (description = INVALID_CLIENT) =>
  oauthError(401, 'invalid_client', description, BASIC_CHALLENGE);
const invalidClientPost = (description = INVALID_CLIENT) => oauthError(401, 'invalid_client', description);

// RFC 6749 §5.1 / §5.2: useTokenHarness checks no-store on every response of every test.
const harness = useTokenHarness();
let h: TokenHarness;
beforeEach(() => {
  h = harness();
});

const send = (init: TokenRequestInit) => h.send(tokenRequest(init));

/** A request of the basic fixture client with the given extra form parameters. */
function asBasic(form: [string, string][], init: TokenRequestInit = {}) {
  return send({
    form: [['grant_type', 'client_credentials'], ...form],
    authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret),
    ...init,
  });
}

/** A request of the post fixture client with the given extra form parameters. */
function asPost(form: [string, string][]) {
  return send({
    form: [
      ['grant_type', 'client_credentials'],
      ['client_id', h.fixtures.post.clientId],
      ['client_secret', h.fixtures.post.secret],
      ...form,
    ],
  });
}

function expectToken(res: HttpResponse, expiresIn: number, scope: string): string {
  expect(res.status).toBe(200);
  expect(res.headers).toEqual(HEADERS);
  const body = bodyOf(res);
  // RFC 6749 §5.1, no refresh token for client credentials (§4.4.3).
  expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
  expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expiresIn, scope });
  return body['access_token'] as string;
}

describe('grant type', () => {
  it('missing grant_type → 400 invalid_request', async () => {
    expect(await send({ form: [['scope', 'orders:read']], authorization: basicAuth('a', 'b') })).toEqual(
      invalidRequest('missing required parameter: grant_type'),
    );
    // RFC 6749 §3.2: a parameter without a value is treated as omitted.
    expect(await send({ form: [['grant_type', '']], authorization: basicAuth('a', 'b') })).toEqual(
      invalidRequest('missing required parameter: grant_type'),
    );
    expect(await send({ form: '' })).toEqual(invalidRequest('missing required parameter: grant_type'));
    expect(h.store.totalCalls()).toBe(0);
  });

  it.each([
    'password',
    'authorization_code',
    'refresh_token',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'CLIENT_CREDENTIALS',
  ])('grant_type=%s → 400 unsupported_grant_type', async (grantType) => {
    const res = await send({
      form: [
        ['grant_type', grantType],
        ['audience', ORDERS_API],
      ],
      authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret),
    });
    expect(res).toEqual(oauthError(400, 'unsupported_grant_type', `grant type ${grantType} is not supported`));
    expect(h.store.totalCalls()).toBe(0);
    expect(h.signer.signCalls).toBe(0);
  });

  it('a client registered for no grant type → 400 unauthorized_client', async () => {
    const { clientId, secret } = h.fixtures.noGrant;
    const res = await send({
      form: [
        ['grant_type', 'client_credentials'],
        ['audience', ORDERS_API],
      ],
      authorization: basicAuth(clientId, secret),
    });
    expect(res).toEqual(
      oauthError(400, 'unauthorized_client', 'client is not authorized to use the client_credentials grant'),
    );
    expect(h.signer.signCalls).toBe(0);
  });
});

describe('repeated parameters (RFC 6749 §3.2)', () => {
  it.each(['grant_type', 'scope', 'audience', 'client_id', 'client_secret'])(
    'a repeated %s → 400 invalid_request',
    async (name) => {
      const res = await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['client_id', h.fixtures.post.clientId],
          ['client_secret', h.fixtures.post.secret],
          ['scope', 'orders:read'],
          ['audience', ORDERS_API],
          [name, name === 'grant_type' ? 'client_credentials' : 'x'],
        ],
      });
      expect(res).toEqual(invalidRequest(`parameter ${name} is repeated`));
      expect(h.store.totalCalls()).toBe(0);
    },
  );

  it('a repetition counts even when one of the values is empty', async () => {
    expect(
      await asBasic([
        ['scope', 'orders:read'],
        ['scope', ''],
      ]),
    ).toEqual(invalidRequest('parameter scope is repeated'));
  });

  it('a repeated resource → 400 invalid_target (RFC 8707 §2: one audience per token)', async () => {
    expect(
      await asBasic([
        ['resource', ORDERS_API],
        ['resource', INVENTORY_API],
      ]),
    ).toEqual(invalidTarget('only one resource may be requested per token'));
    expect(
      await asBasic([
        ['resource', ORDERS_API],
        ['resource', ORDERS_API],
      ]),
    ).toEqual(invalidTarget('only one resource may be requested per token'));
  });

  // JSON.parse keeps the last of duplicate keys, so without an explicit check a JSON body could repeat
  // a parameter unnoticed (a parser differential with anything in front that reads the first).
  // DESIGN.md: "a repeated parameter → 400 invalid_request".
  it('a repeated key in a JSON body → 400 invalid_request, like a repeated form parameter', async () => {
    const { clientId, secret } = h.fixtures.basic;
    const res = await send({
      body: `{"grant_type":"client_credentials","audience":"${INVENTORY_API}","audience":"${ORDERS_API}"}`,
      contentType: JSON_TYPE,
      authorization: basicAuth(clientId, secret),
    });
    expect(res).toEqual(invalidRequest('parameter audience is repeated'));
  });
});

describe('where the parameters are', () => {
  it('credentials in the query string → 400 invalid_request, nothing read or signed', async () => {
    const { clientId, secret } = h.fixtures.post;
    const query = `client_id=${formEncode(clientId)}&client_secret=${formEncode(secret)}`;
    const form: [string, string][] = [
      ['grant_type', 'client_credentials'],
      ['audience', ORDERS_API],
    ];
    const expected = invalidRequest('parameters must be sent in the request body, not in the URI');
    expect(await send({ form, query })).toEqual(expected);
    // RFC 6749 §3.2: not even beside a complete, valid body.
    const valid: [string, string][] = [...form, ['client_id', clientId], ['client_secret', secret]];
    expect(await send({ form: valid, query: 'audience=https%3A%2F%2Fapi.example.com' })).toEqual(expected);
    expect(await send({ form: valid, query: 'x' })).toEqual(expected);
    expect(h.store.totalCalls()).toBe(0);
    expect(h.signer.signCalls).toBe(0);
    expectToken(await send({ form: valid }), POST_CLIENT_TTL, 'orders:read');
  });
});

describe('content type and body', () => {
  const CONTENT_TYPE_ERROR = 'content type must be application/x-www-form-urlencoded or application/json';

  it.each([
    ['text/plain'],
    ['multipart/form-data; boundary=x'],
    ['application/jsonx'],
    ['application/x-www-form-urlencoded-x'],
    [''],
  ])('Content-Type %j → 400 invalid_request', async (contentType) => {
    const res = await asBasic([['audience', ORDERS_API]], { contentType });
    expect(res).toEqual(invalidRequest(CONTENT_TYPE_ERROR));
    expect(h.store.totalCalls()).toBe(0);
  });

  it('no Content-Type → 400 invalid_request', async () => {
    expect(await asBasic([['audience', ORDERS_API]], { contentType: null })).toEqual(
      invalidRequest(CONTENT_TYPE_ERROR),
    );
  });

  it('a charset other than UTF-8 → 400 invalid_request', async () => {
    expect(await asBasic([['audience', ORDERS_API]], { contentType: `${FORM}; charset=ISO-8859-1` })).toEqual(
      invalidRequest('request body must be UTF-8 encoded'),
    );
  });

  it('media type and charset are case-insensitive', async () => {
    const res = await asBasic([['audience', ORDERS_API]], {
      contentType: 'Application/X-WWW-Form-URLEncoded; Charset="UTF-8"',
    });
    expectToken(res, ORDERS_TTL, 'orders:read orders:write');
  });

  it('a body that is not UTF-8 → 400 invalid_request (form and JSON)', async () => {
    const bytes = Buffer.concat([Buffer.from('grant_type=client_credentials&audience='), Buffer.from([0xff, 0xfe])]);
    expect(await asBasic([], { body: bytes })).toEqual(invalidRequest('request body must be UTF-8 encoded'));
    const json = Buffer.concat([Buffer.from('{"grant_type":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(await asBasic([], { body: json, contentType: JSON_TYPE })).toEqual(
      invalidRequest('request body must be UTF-8 encoded'),
    );
  });

  it('a body over 8 KiB → 400 invalid_request; exactly 8 KiB is accepted', async () => {
    const base = new URLSearchParams([
      ['grant_type', 'client_credentials'],
      ['audience', ORDERS_API],
      ['padding', ''],
    ]).toString();
    const exact = base + 'x'.repeat(8192 - base.length);
    expect(Buffer.byteLength(exact)).toBe(8192);
    expectToken(await asBasic([], { body: exact }), ORDERS_TTL, 'orders:read orders:write');
    expect(await asBasic([], { body: `${exact}x` })).toEqual(invalidRequest('request body exceeds 8192 bytes'));
    expect(await asBasic([], { body: 'x'.repeat(1024 * 1024), contentType: 'text/plain' })).toEqual(
      invalidRequest('request body exceeds 8192 bytes'),
    );
  });

  it.each([
    ['[]', 'request body must be a JSON object'],
    ['"client_credentials"', 'request body must be a JSON object'],
    ['null', 'request body must be a JSON object'],
    ['42', 'request body must be a JSON object'],
    ['{"grant_type":["client_credentials"]}', 'parameter grant_type must be a string'],
    ['{"grant_type":"client_credentials","audience":{"id":"x"}}', 'parameter audience must be a string'],
    ['{"grant_type":"client_credentials","expires":3600}', 'parameter expires must be a string'],
    ['{"grant_type":"client_credentials","audience":null}', 'parameter audience must be a string'],
    ['{"grant_type":"client_credentials"', 'request body is not valid JSON'],
    ["{'grant_type':'client_credentials'}", 'request body is not valid JSON'],
    ['', 'request body is not valid JSON'],
  ])('JSON body %s → 400 invalid_request', async (body, description) => {
    expect(await asBasic([], { body, contentType: JSON_TYPE })).toEqual(invalidRequest(description));
    expect(h.store.totalCalls()).toBe(0);
  });
});

describe('client authentication methods (RFC 6749 §2.3)', () => {
  it('Basic and client_secret in the body at once → 400 invalid_request', async () => {
    const { clientId, secret } = h.fixtures.basic;
    const res = await send({
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', clientId],
        ['client_secret', secret],
        ['audience', ORDERS_API],
      ],
      authorization: basicAuth(clientId, secret),
    });
    expect(res).toEqual(invalidRequest('more than one client authentication method used'));
    expect(h.store.totalCalls()).toBe(0);
  });

  it('Basic with a client_id in the body: must name the same client', async () => {
    const { clientId } = h.fixtures.basic;
    expect(
      await asBasic([
        ['client_id', 'someone-else'],
        ['audience', ORDERS_API],
      ]),
    ).toEqual(invalidRequest('client_id in the body does not match the Authorization header'));
    expectToken(
      await asBasic([
        ['client_id', clientId],
        ['audience', ORDERS_API],
      ]),
      ORDERS_TTL,
      'orders:read orders:write',
    );
  });

  it('no credentials at all → 401 invalid_client without a challenge', async () => {
    expect(
      await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['audience', ORDERS_API],
        ],
      }),
    ).toEqual(invalidClientPost('client authentication is required'));
    // A client_id alone is no authentication.
    expect(
      await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['client_id', h.fixtures.post.clientId],
          ['audience', ORDERS_API],
        ],
      }),
    ).toEqual(invalidClientPost('client authentication is required'));
    expect(h.store.totalCalls()).toBe(0);
  });

  it('client_secret without client_id → 400 invalid_request', async () => {
    expect(
      await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['client_secret', h.fixtures.post.secret],
        ],
      }),
    ).toEqual(invalidRequest('missing required parameter: client_id'));
  });

  it('client_id / client_secret outside %x20-7E (RFC 6749 Appendix A) → 400 invalid_request', async () => {
    expect(
      await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['client_id', 'clïent'],
          ['client_secret', 'x'],
        ],
      }),
    ).toEqual(invalidRequest('parameter client_id has characters outside %x20-7E'));
    expect(
      await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['client_id', 'client-post'],
          ['client_secret', 'line\nbreak'],
        ],
      }),
    ).toEqual(invalidRequest('parameter client_secret has characters outside %x20-7E'));
  });

  it.each([
    ['not base64', 'Basic !!!not-base64!!!'],
    ['bad base64 padding', 'Basic YWJj='],
    ['no colon', `Basic ${Buffer.from('client-basic').toString('base64')}`],
    ['empty client id', `Basic ${Buffer.from(':secret').toString('base64')}`],
    ['empty secret', `Basic ${Buffer.from('client-basic:').toString('base64')}`],
    ['no token', 'Basic'],
    ['only spaces after the scheme', 'Basic    '],
    ['not UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
    ['a broken %-escape', `Basic ${Buffer.from('client-basic:abc%zz').toString('base64')}`],
    ['a %-escape that is not UTF-8', `Basic ${Buffer.from('client-basic:abc%FF').toString('base64')}`],
    ['a control character once decoded', `Basic ${Buffer.from('client%0Abasic:secret').toString('base64')}`],
    ['two tokens', `Basic ${Buffer.from('a:b').toString('base64')} ${Buffer.from('c:d').toString('base64')}`],
  ])('malformed Basic (%s) → 400 invalid_request', async (_case, authorization) => {
    const res = await send({
      form: [
        ['grant_type', 'client_credentials'],
        ['audience', ORDERS_API],
      ],
      authorization,
    });
    expect(res).toEqual(invalidRequest('malformed Basic credentials'));
    expect(h.store.totalCalls()).toBe(0);
  });

  it.each([[''], ['   '], ['=abc'], ['Basic: abc']])(
    'an Authorization header %j that is no credentials at all → 400 invalid_request',
    async (authorization) => {
      const res = await send({ form: [['grant_type', 'client_credentials']], authorization });
      expect(res).toEqual(invalidRequest('malformed Authorization header'));
    },
  );

  it.each([['Bearer abc.def.ghi'], ['Digest username="client-basic"'], ['Negotiate YII='], ['AWS4-HMAC-SHA256 x']])(
    'a non-Basic scheme (%s) → 401 invalid_client with a Basic challenge',
    async (authorization) => {
      const res = await send({
        form: [
          ['grant_type', 'client_credentials'],
          ['audience', ORDERS_API],
        ],
        authorization,
      });
      expect(res).toEqual(invalidClientBasic('unsupported client authentication scheme'));
      expect(h.store.totalCalls()).toBe(0);
    },
  );

  it('the Basic scheme name is case-insensitive (RFC 7235 §2.1)', async () => {
    const { clientId, secret } = h.fixtures.basic;
    const res = await send({
      form: [
        ['grant_type', 'client_credentials'],
        ['audience', ORDERS_API],
      ],
      authorization: basicAuth(clientId, secret).replace(/^Basic/, 'bAsIc'),
    });
    expectToken(res, ORDERS_TTL, 'orders:read orders:write');
  });
});

describe('form-encoded Basic credentials (RFC 6749 §2.3.1)', () => {
  const audience: [string, string][] = [
    ['grant_type', 'client_credentials'],
    ['audience', ORDERS_API],
  ];

  it('id and secret form-encoded → 200', async () => {
    const { clientId, secret } = h.fixtures.special;
    for (const value of [clientId, secret]) for (const ch of [':', '+', '%', ' ']) expect(value).toContain(ch);
    const authorization = basicAuth(clientId, secret);
    // What the client sends: `:` → %3A, `+` → %2B, `%` → %25, space → `+`.
    expect(Buffer.from(authorization.slice(6), 'base64').toString()).toBe(
      `acme%3Aeu%2B1+50%25:${secret.split(':')[0]}%3Ap%2Bq+%2525+r`,
    );
    expectToken(await send({ form: audience, authorization }), ORDERS_TTL, 'orders:read');
    const claims = decodeJwt(bodyOf(h.responses[0]!)['access_token'] as string);
    expect(claims.sub).toBe(clientId);
    expect(claims.client_id).toBe(clientId);
  });

  it('spaces as %20 instead of `+` decode the same → 200', async () => {
    const { clientId, secret } = h.fixtures.special;
    const authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    expectToken(await send({ form: audience, authorization }), ORDERS_TTL, 'orders:read');
  });

  it('secret sent raw (`+` → space, `%25` → `%`: another value) → 401 invalid_client', async () => {
    const { clientId, secret } = h.fixtures.special;
    const authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${secret}`).toString('base64')}`;
    expect(await send({ form: audience, authorization })).toEqual(invalidClientBasic());
    expect(h.outcomes).toEqual([{ outcome: 'denied', error: 'invalid_client', reason: 'invalid_secret', clientId }]);
  });

  it('id sent raw (its `:` ends the user-id, the rest has a broken %-escape) → 400 invalid_request', async () => {
    const { clientId, secret } = h.fixtures.special;
    const authorization = `Basic ${Buffer.from(`${clientId}:${formEncode(secret)}`).toString('base64')}`;
    expect(await send({ form: audience, authorization })).toEqual(invalidRequest('malformed Basic credentials'));
  });

  it('both sent raw (RFC 7617 only) → 400 invalid_request', async () => {
    const { clientId, secret } = h.fixtures.special;
    expect(await send({ form: audience, authorization: rawBasicAuth(clientId, secret) })).toEqual(
      invalidRequest('malformed Basic credentials'),
    );
  });

  it('a `%41` sent raw decodes to `A`: another client → 401 invalid_client', async () => {
    h.store.seedClient({
      client: makeClient('pct%41+id'),
      secrets: [{ secretId: 's', hash: h.hasher.hash('s3cret'), createdAt: new Date(FIXED_NOW).toISOString() }],
      rules: [ruleFor(h.store.apis.get(ORDERS_API)!, ['orders:read'])],
    });
    expectToken(
      await send({ form: audience, authorization: basicAuth('pct%41+id', 's3cret') }),
      ORDERS_TTL,
      'orders:read',
    );
    expect(await send({ form: audience, authorization: rawBasicAuth('pct%41+id', 's3cret') })).toEqual(
      invalidClientBasic(),
    );
    expect(h.outcomes[1]).toEqual({
      outcome: 'denied',
      error: 'invalid_client',
      reason: 'unknown_client',
      clientId: 'pctA id',
    });
  });

  it('a `:` in the secret survives being sent raw (Basic splits at the first colon) → 200 either way', async () => {
    const { clientId, secret } = h.fixtures.colon;
    expectToken(
      await send({ form: audience, authorization: rawBasicAuth(clientId, secret) }),
      ORDERS_TTL,
      'orders:read',
    );
    expectToken(await send({ form: audience, authorization: basicAuth(clientId, secret) }), ORDERS_TTL, 'orders:read');
  });

  it('client_secret_post carries the same characters with ordinary form-encoding', async () => {
    const { clientId, secret } = h.fixtures.special;
    h.store.updateClient(clientId, (b) => {
      b.client.tokenEndpointAuthMethod = 'client_secret_post';
    });
    const res = await send({ form: [...audience, ['client_id', clientId], ['client_secret', secret]] });
    expectToken(res, ORDERS_TTL, 'orders:read');
  });
});

describe('failed client authentication: one answer for every reason (RFC 6749 §5.2)', () => {
  const form: [string, string][] = [
    ['grant_type', 'client_credentials'],
    ['audience', ORDERS_API],
  ];

  it('an over-long client id is an unknown client: the same answer, no store read, not echoed to observers', async () => {
    const longId = 'c'.repeat(257);
    const res = await send({ form, authorization: basicAuth(longId, h.fixtures.basic.secret) });
    expect(res).toEqual(invalidClientBasic());
    expect(h.store.totalCalls()).toBe(0);
    expect(h.outcomes).toEqual([
      { outcome: 'denied', error: 'invalid_client', reason: 'unknown_client', clientId: undefined },
    ]);
  });

  it('via Basic: wrong secret, unknown client, wrong method, expired secret, disabled client', async () => {
    const { basic, post, disabled } = h.fixtures;
    const wrongSecret = await send({ form, authorization: basicAuth(basic.clientId, randomSecret()) });
    const unknownClient = await send({ form, authorization: basicAuth('no-such-client', basic.secret) });
    const wrongMethod = await send({ form, authorization: basicAuth(post.clientId, post.secret) });
    const expired = await send({ form, authorization: basicAuth(basic.clientId, basic.expiredSecret) });
    const disabledClient = await send({ form, authorization: basicAuth(disabled.clientId, disabled.secret) });

    expect(wrongSecret).toEqual(invalidClientBasic());
    for (const res of [unknownClient, wrongMethod, expired, disabledClient]) expect(res).toStrictEqual(wrongSecret);
    // Each denial took the branch it is named after: the identical answers are not a coincidence.
    expect(h.outcomes.map((o) => (o.outcome === 'denied' ? o.reason : o.outcome))).toEqual([
      'invalid_secret',
      'unknown_client',
      'auth_method_mismatch',
      'secret_expired',
      'client_disabled',
    ]);
    expect(h.signer.signCalls).toBe(0);
  });

  it('via the body: the same answers, and no WWW-Authenticate', async () => {
    const { basic, post } = h.fixtures;
    const disabled = { clientId: 'client-disabled-post', secret: randomSecret() };
    h.store.seedClient({
      client: makeClient(disabled.clientId, { status: 'disabled', tokenEndpointAuthMethod: 'client_secret_post' }),
      secrets: [{ secretId: 's', hash: h.hasher.hash(disabled.secret), createdAt: new Date(FIXED_NOW).toISOString() }],
      rules: [ruleFor(h.store.apis.get(ORDERS_API)!, ['orders:read'])],
    });
    const viaBody = (clientId: string, secret: string) =>
      send({ form: [...form, ['client_id', clientId], ['client_secret', secret]] });
    const wrongSecret = await viaBody(post.clientId, randomSecret());
    const unknownClient = await viaBody('no-such-client', post.secret);
    const basicClientUsingPost = await viaBody(basic.clientId, basic.secret);
    const expired = await viaBody(basic.clientId, basic.expiredSecret);
    const disabledClient = await viaBody(disabled.clientId, disabled.secret);

    expect(wrongSecret).toEqual(invalidClientPost());
    expect(wrongSecret.headers).not.toHaveProperty('WWW-Authenticate');
    for (const res of [unknownClient, basicClientUsingPost, expired, disabledClient]) {
      expect(res).toStrictEqual(wrongSecret);
    }
    expect(h.outcomes.map((o) => (o.outcome === 'denied' ? o.reason : o.outcome))).toEqual([
      'invalid_secret',
      'unknown_client',
      'auth_method_mismatch',
      'secret_expired',
      'client_disabled',
    ]);
  });

  it('a disabled client stops at once; enabled again, it works', async () => {
    const { clientId, secret } = h.fixtures.basic;
    expectToken(
      await send({ form, authorization: basicAuth(clientId, secret) }),
      ORDERS_TTL,
      'orders:read orders:write',
    );
    h.store.updateClient(clientId, (b) => {
      b.client.status = 'disabled';
    });
    expect(await send({ form, authorization: basicAuth(clientId, secret) })).toEqual(invalidClientBasic());
    h.store.updateClient(clientId, (b) => {
      b.client.status = 'enabled';
    });
    expectToken(
      await send({ form, authorization: basicAuth(clientId, secret) }),
      ORDERS_TTL,
      'orders:read orders:write',
    );
  });

  it('a secret expires at its expiresAt instant', async () => {
    const { clientId, secret } = h.fixtures.basic;
    h.clock.advance(86_400 - 1);
    expectToken(
      await send({ form, authorization: basicAuth(clientId, secret) }),
      ORDERS_TTL,
      'orders:read orders:write',
    );
    h.clock.advance(1);
    expect(await send({ form, authorization: basicAuth(clientId, secret) })).toEqual(invalidClientBasic());
  });
});

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

describe('RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E', () => {
  // Unsupported grant types, repeated parameter names and JSON parameter names are echoed into
  // error_description; RFC 6749 §5.2 says it MUST NOT include characters outside that set (no `§`,
  // quotes, backslashes, non-ASCII or control characters), so they are replaced.
  const ALLOWED = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

  it('holds for every description, including those that echo what the client sent', async () => {
    const cases: [TokenRequestInit, string][] = [
      [
        {
          form: [
            ['grant_type', 'client_credentials'],
            ['scope', 'a  b'],
          ],
        },
        'invalid_scope',
      ],
      [{ form: [['grant_type', 'pass"word']] }, 'unsupported_grant_type'],
      [{ form: [['grant_type', 'pass\\word']] }, 'unsupported_grant_type'],
      [{ form: [['grant_type', 'pässwörd']] }, 'unsupported_grant_type'],
      [{ form: [['grant_type', 'password\r\nx']] }, 'unsupported_grant_type'],
      [
        {
          form: [
            ['grant_type', 'client_credentials'],
            ['a"b', '1'],
            ['a"b', '2'],
          ],
        },
        'invalid_request',
      ],
      [{ json: { grant_type: 'client_credentials', 'naïve\\': 1 } }, 'invalid_request'],
    ];
    const violations: string[] = [];
    for (const [init, error] of cases) {
      const body = bodyOf(
        await send({ authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret), ...init }),
      );
      expect(body['error']).toBe(error);
      const description = body['error_description'] as string;
      if (!ALLOWED.test(description)) violations.push(description);
    }
    expect(violations).toEqual([]);
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
    // DESIGN.md budget: one store round trip and one signature per token.
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
