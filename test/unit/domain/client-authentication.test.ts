/**
 * Client authentication at the token endpoint (RFC 6749 §2.3): one method per request, Basic with the
 * RFC 6749 §2.3.1 form-encoding, a `client_id` alone (no authentication for client credentials), and
 * one `invalid_client` answer for every reason a known or unknown client fails. Every response of this
 * file is checked for `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1) in `afterEach`.
 */
import { decodeJwt } from 'jose';
import {
  FIXED_NOW,
  ORDERS_API,
  ORDERS_TTL,
  basicAuth,
  bodyOf,
  formEncode,
  makeClient,
  randomSecret,
  rawBasicAuth,
  ruleFor,
  useTokenHarness,
} from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';
import {
  expectToken,
  invalidClientBasic,
  invalidClientPost,
  invalidRequest,
  tokenRequests,
} from '../../support/token-responses';

// RFC 6749 §5.1 / §5.2: useTokenHarness checks no-store on every response of every test.
const harness = useTokenHarness();
let h: TokenHarness;
beforeEach(() => {
  h = harness();
});

const { send, asBasic } = tokenRequests(() => h);

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
