/**
 * Faults at the token endpoint. A throttled or failing store or signer → 503
 * `temporarily_unavailable` with `Retry-After`, a JSON body, no stack trace, no token, and a log line
 * without secrets; anything unexpected → 500 `server_error` with no details. Then a property test:
 * thousands of random bodies, content types, Authorization values and queries thrown at the token
 * handler (healthy dependencies) never get a 5xx, and always get an RFC 6749 §5.1 / §5.2 JSON answer
 * with `Cache-Control: no-store`.
 */
import fc from 'fast-check';
import type { HttpResponse } from '../../../lambdas/domain/http';
import { makeHandler } from '../../../lambdas/handlers/token-handler';
import type { HttpApiEvent } from '../../../lambdas/handlers/api-gateway';
import {
  INVENTORY_API,
  ISSUER,
  JSON_TYPE,
  FORM,
  ORDERS_API,
  ORDERS_TTL,
  basicAuth,
  bodyOf,
  rawBasicAuth,
  tokenRequest,
  useTokenHarness,
} from '../../support/in-memory';
import type { TokenHarness, TokenRequestInit } from '../../support/in-memory';

const HEADERS = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** RFC 6749 §4.1.2.1 `temporarily_unavailable`, sent with Retry-After (RFC 9110 §10.2.3). */
const UNAVAILABLE: HttpResponse = {
  status: 503,
  headers: { ...HEADERS, 'Retry-After': '1' },
  body: JSON.stringify({
    error: 'temporarily_unavailable',
    error_description: 'the service is temporarily unavailable, retry later',
  }),
};

/** 500 `server_error`: the cause is logged, never sent. */
const SERVER_ERROR: HttpResponse = {
  status: 500,
  headers: HEADERS,
  body: JSON.stringify({ error: 'server_error', error_description: 'internal server error' }),
};

// RFC 6749 §5.1 / §5.2: useTokenHarness checks no-store on every response of every test.
const harness = useTokenHarness();
let h: TokenHarness;
beforeEach(() => {
  h = harness();
});

const send = (init: TokenRequestInit) => h.send(tokenRequest(init));

function basicRequest(form: [string, string][] = [['audience', ORDERS_API]]) {
  return send({
    form: [['grant_type', 'client_credentials'], ...form],
    authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret),
  });
}

function postRequest() {
  return send({
    json: {
      grant_type: 'client_credentials',
      client_id: h.fixtures.post.clientId,
      client_secret: h.fixtures.post.secret,
      audience: ORDERS_API,
    },
  });
}

/** Nothing internal reaches the caller: no stack, no SDK error name, no token, no secret. */
function expectNothingLeaked(res: HttpResponse): void {
  for (const leak of [
    /\bat .+:\d+:\d+/, // a stack frame
    /Exception|InternalServerError|Rate exceeded|stack/,
    /access_token|eyJ/,
    /sidp_/,
  ]) {
    expect(res.body).not.toMatch(leak);
  }
}

/** The log lines hold no secret, no token, no Authorization header. */
function expectLogsClean(): void {
  const text = h.logger.text();
  for (const secret of [h.fixtures.basic.secret, h.fixtures.post.secret]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/sidp_|eyJ|Basic /);
}

describe('dependency failures → 503 temporarily_unavailable', () => {
  it('store throttled: 503 with Retry-After, nothing signed, the throttle logged without secrets', async () => {
    h.store.failNext(1, { throttled: true });
    const res = await basicRequest();
    expect(res).toEqual(UNAVAILABLE);
    expectNothingLeaked(res);
    expect(h.store.calls.loadClientBundle).toBe(1);
    expect(h.signer.signCalls).toBe(0);
    expect(h.logger.entries).toEqual([
      {
        level: 'warn',
        message: 'dependency unavailable',
        fields: {
          dependency: 'store',
          throttled: true,
          cause: 'ProvisionedThroughputExceededException: The level of configured provisioned throughput was exceeded',
        },
      },
    ]);
    expectLogsClean();
    expect(h.outcomes).toEqual([{ outcome: 'denied', error: 'temporarily_unavailable', clientId: 'client-basic' }]);
  });

  it('store failing (not throttled), client_secret_post with a JSON body: the same 503', async () => {
    h.store.failNext(1);
    const res = await postRequest();
    expect(res).toEqual(UNAVAILABLE);
    expectNothingLeaked(res);
    expect(h.logger.entries).toEqual([
      {
        level: 'warn',
        message: 'dependency unavailable',
        fields: { dependency: 'store', throttled: false, cause: 'InternalServerError: Internal server error' },
      },
    ]);
    expectLogsClean();
  });

  it('the error-path read (is the audience a known API?) failing → 503, not invalid_target', async () => {
    h.store.failNext(1, { only: ['apiExists'] });
    expect(await basicRequest([['audience', 'https://unknown.example.com']])).toEqual(UNAVAILABLE);
    expect(h.store.calls).toEqual({
      loadClientBundle: 1,
      apiExists: 1,
      createApi: 0,
      createClient: 0,
      putSecret: 0,
      deleteSecret: 0,
    });
  });

  it('signer throttled: 503 with Retry-After, no token, logged', async () => {
    h.signer.failNext(1, { throttled: true });
    const res = await basicRequest();
    expect(res).toEqual(UNAVAILABLE);
    expectNothingLeaked(res);
    expect(h.store.calls.loadClientBundle).toBe(1);
    expect(h.signer.signCalls).toBe(1);
    expect(h.logger.entries).toEqual([
      {
        level: 'warn',
        message: 'dependency unavailable',
        fields: { dependency: 'signer', throttled: true, cause: 'ThrottlingException: Rate exceeded' },
      },
    ]);
    expectLogsClean();
    expect(h.outcomes).toEqual([{ outcome: 'denied', error: 'temporarily_unavailable', clientId: 'client-basic' }]);
  });

  it('signer failing: the same 503, and no WWW-Authenticate although Basic was used', async () => {
    h.signer.failNext(1);
    const res = await basicRequest();
    expect(res).toEqual(UNAVAILABLE);
    expect(res.headers).not.toHaveProperty('WWW-Authenticate');
    expect(h.logger.entries).toEqual([
      {
        level: 'warn',
        message: 'dependency unavailable',
        fields: {
          dependency: 'signer',
          throttled: false,
          cause: 'KMSInternalException: The request was rejected because an internal exception occurred',
        },
      },
    ]);
    expectLogsClean();
  });

  it('transient: every failing call is a 503, the first healthy one issues a token', async () => {
    h.store.failNext(2, { throttled: true });
    h.signer.failNext(1);
    expect(await basicRequest()).toEqual(UNAVAILABLE);
    expect(await basicRequest()).toEqual(UNAVAILABLE);
    expect(await basicRequest()).toEqual(UNAVAILABLE); // the store answers, the signer fails
    const ok = await basicRequest();
    expect(ok.status).toBe(200);
    expect(bodyOf(ok)).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: ORDERS_TTL,
      scope: 'orders:read orders:write',
    });
    expect(h.store.calls.loadClientBundle).toBe(4);
    expect(h.signer.signCalls).toBe(2);
    expect(h.logger.entries.map((e) => e.fields?.['dependency'])).toEqual(['store', 'store', 'signer']);
  });

  it('a request that fails before any I/O is answered as usual while the store is down', async () => {
    h.store.failNext(10);
    const res = await send({ form: [['grant_type', 'password']], authorization: basicAuth('a', 'b') });
    expect(res).toEqual({
      status: 400,
      headers: HEADERS,
      body: JSON.stringify({
        error: 'unsupported_grant_type',
        error_description: 'grant type password is not supported',
      }),
    });
    expect(h.store.totalCalls()).toBe(0);
  });
});

describe('unexpected failures → 500 server_error with no details', () => {
  it('a store that throws something other than a dependency error', async () => {
    h.store.throwNext(new TypeError("Cannot read properties of undefined (reading 'secrets')"));
    const res = await basicRequest();
    expect(res).toEqual(SERVER_ERROR);
    expect(res.body).not.toMatch(/secrets|TypeError|Cannot read/);
    expect(h.logger.entries).toEqual([
      {
        level: 'error',
        message: 'unexpected error at the token endpoint',
        fields: { error: "TypeError: Cannot read properties of undefined (reading 'secrets')" },
      },
    ]);
    expectLogsClean();
    expect(h.outcomes).toEqual([{ outcome: 'denied', error: 'server_error', clientId: 'client-basic' }]);
  });

  it('a signer that throws a plain Error, or a non-Error value', async () => {
    h.signer.throwNext(new Error('key material unavailable'));
    expect(await basicRequest()).toEqual(SERVER_ERROR);
    h.signer.throwNext('a string');
    expect(await postRequest()).toEqual(SERVER_ERROR);
    expect(h.logger.entries).toEqual([
      {
        level: 'error',
        message: 'unexpected error at the token endpoint',
        fields: { error: 'Error: key material unavailable' },
      },
      { level: 'error', message: 'unexpected error at the token endpoint', fields: { error: 'a string' } },
    ]);
    for (const res of h.responses) expectNothingLeaked(res);
  });
});

describe('property: random requests against healthy dependencies', () => {
  /** RFC 6749 §5.2 error codes, plus RFC 8707 §2 invalid_target. */
  const OAUTH_ERRORS = [
    'invalid_request',
    'invalid_client',
    'invalid_grant',
    'unauthorized_client',
    'unsupported_grant_type',
    'invalid_scope',
    'invalid_target',
  ];

  it('never a 5xx; always JSON with access_token or an RFC 6749 §5.2 error; always no-store', async () => {
    const handler = makeHandler(h.deps);
    const { basic, post, special, colon, disabled } = h.fixtures;
    const clients = [basic, post, special, colon, disabled];
    const ids = clients.map((c) => c.clientId);
    const secrets = clients.map((c) => c.secret);

    const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
    const name = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope', 'audience', 'resource'),
      },
      { weight: 1, arbitrary: text(12) },
    );
    const value = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'client_credentials',
          'password',
          'refresh_token',
          '',
          ...ids,
          ...secrets,
          'orders:read',
          'orders:read orders:write',
          'orders:write',
          'inventory:read',
          'orders:read inventory:read',
          'orders:read  orders:write',
          ORDERS_API,
          INVENTORY_API,
          'https://unknown.example.com',
          'https://api.example.com#x',
          'not a uri',
        ),
      },
      { weight: 2, arbitrary: text(40) },
    );
    const pairs = fc.array(fc.tuple(name, value), { maxLength: 8 });

    /** A plausible request of a fixture client (so a fair share succeeds), possibly perturbed. */
    const plausible = fc
      .record({
        client: fc.constantFrom(...clients),
        // Mostly the method the client is registered with.
        method: fc.oneof(
          { weight: 3, arbitrary: fc.constant('registered') },
          { weight: 1, arbitrary: fc.constantFrom('basic', 'raw-basic', 'post', 'post-json') },
        ),
        json: fc.boolean(),
        grantType: fc.oneof(
          { weight: 6, arbitrary: fc.constant('client_credentials') },
          { weight: 1, arbitrary: fc.constantFrom('password', 'refresh_token', 'authorization_code') },
        ),
        audience: fc.option(fc.constantFrom(ORDERS_API, INVENTORY_API, 'https://unknown.example.com'), {
          nil: undefined,
        }),
        scope: fc.option(
          fc.constantFrom('orders:read', 'orders:read orders:write', 'inventory:read', 'orders:read x'),
          {
            nil: undefined,
          },
        ),
        extra: fc.oneof(
          { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
          { weight: 1, arbitrary: fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 2 }) },
        ),
      })
      .map(({ client, method: chosen, json, grantType, audience, scope, extra }) => {
        const registered = client === post ? (json ? 'post-json' : 'post') : 'basic';
        const method = chosen === 'registered' ? registered : chosen;
        const params: [string, string][] = [['grant_type', grantType]];
        if (audience !== undefined) params.push(['audience', audience]);
        if (scope !== undefined) params.push(['scope', scope]);
        params.push(...extra);
        let authorization: string | undefined;
        if (method === 'basic') authorization = basicAuth(client.clientId, client.secret);
        else if (method === 'raw-basic') authorization = rawBasicAuth(client.clientId, client.secret);
        else params.push(['client_id', client.clientId], ['client_secret', client.secret]);
        if (method === 'post-json') {
          return { body: JSON.stringify(Object.fromEntries(params)), contentType: JSON_TYPE, authorization };
        }
        return { body: new URLSearchParams(params).toString(), contentType: FORM, authorization };
      });

    const body = fc.oneof(
      pairs.map((p) => new URLSearchParams(p).toString()),
      pairs.map((p) => p.map(([k, v]) => `${k}=${v}`).join('&')), // not encoded at all
      fc.dictionary(name, fc.oneof(value, fc.jsonValue({ maxDepth: 2 }))).map((d) => JSON.stringify(d)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 300 }),
      text(200),
      fc.integer({ min: 8150, max: 8300 }).map((n) => `grant_type=client_credentials&x=${'a'.repeat(n)}`),
    );
    const contentType = fc.option(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom(
            FORM,
            JSON_TYPE,
            'application/json; charset=utf-8',
            'APPLICATION/X-WWW-FORM-URLENCODED;charset="UTF-8"',
          ),
        },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            `${FORM}; charset=latin1`,
            'text/plain',
            'multipart/form-data; boundary=x',
            '',
            ';',
            'application/json;charset',
          ),
        },
        { weight: 1, arbitrary: text(40) },
      ),
      { nil: undefined, freq: 8 },
    );
    const authorization = fc.option(
      fc.oneof(
        fc.constantFrom(...clients.map((c) => basicAuth(c.clientId, c.secret))),
        text(40).map((s) => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`),
        fc
          .tuple(fc.oneof(fc.constantFrom(...ids), text(20)), fc.oneof(fc.constantFrom(...secrets), text(20)))
          .chain(([i, s]) => fc.constantFrom(basicAuth(i, s), rawBasicAuth(i, s))),
        fc
          .tuple(fc.constantFrom('Basic', 'basic', 'BASIC', 'Bearer', 'Digest', 'Negotiate', 'X'), text(60))
          .map(([scheme, rest]) => `${scheme} ${rest}`),
        fc.base64String({ maxLength: 40 }).map((b) => `Basic ${b}`),
        text(60),
      ),
      { nil: undefined },
    );
    const query = fc.oneof({ weight: 9, arbitrary: fc.constant('') }, { weight: 1, arbitrary: text(30) });
    const otherHeaders = fc.dictionary(
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((n) => !['authorization', 'content-type'].includes(n.toLowerCase())),
      text(20),
      { maxKeys: 3 },
    );
    const request = fc.oneof(
      { weight: 2, arbitrary: plausible.map((r) => ({ ...r, query: '', headers: {} as Record<string, string> })) },
      {
        weight: 3,
        arbitrary: fc.record({ body, contentType, authorization, query, headers: otherHeaders }),
      },
    );

    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        runs += 1;
        const headers: Record<string, string> = { ...r.headers };
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.authorization !== undefined) headers['Authorization'] = r.authorization;
        const binary = typeof r.body !== 'string';
        const event: HttpApiEvent = {
          rawPath: '/oauth2/token',
          rawQueryString: r.query,
          headers,
          body: typeof r.body === 'string' ? r.body : Buffer.from(r.body).toString('base64'),
          isBase64Encoded: binary,
          requestContext: { http: { method: 'POST' } },
        };
        const result = await handler(event);
        const status = result.statusCode ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);

        expect(status).toBeLessThan(500);
        const resHeaders = result.headers ?? {};
        expect(resHeaders['Cache-Control']).toBe('no-store');
        expect(resHeaders['Pragma']).toBe('no-cache');
        expect(resHeaders['Content-Type']).toBe('application/json;charset=UTF-8');
        const json = JSON.parse(result.body ?? '') as Record<string, unknown>;
        if (status === 200) {
          expect(Object.keys(json)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
          expect(json['token_type']).toBe('Bearer');
          expect(String(json['access_token']).split('.')).toHaveLength(3);
          expect(resHeaders).not.toHaveProperty('WWW-Authenticate');
        } else {
          expect(Object.keys(json)).toEqual(['error', 'error_description']);
          expect(OAUTH_ERRORS).toContain(json['error']);
          expect(typeof json['error_description']).toBe('string');
          errors.set(json['error'] as string, (errors.get(json['error'] as string) ?? 0) + 1);
          // RFC 6749 §5.2: invalid_client is 401, everything else here 400; the challenge only
          // when the Authorization header was used.
          expect(status).toBe(json['error'] === 'invalid_client' ? 401 : 400);
          if (resHeaders['WWW-Authenticate'] !== undefined) {
            expect(json['error']).toBe('invalid_client');
            expect(r.authorization).toBeDefined();
            expect(resHeaders['WWW-Authenticate']).toBe(`Basic realm="${ISSUER}"`);
          }
        }
      }),
      { numRuns: 3000 },
    );

    // The generators reach the whole endpoint: tokens issued, and most error paths taken.
    expect(runs).toBeGreaterThanOrEqual(3000);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
    expect([...statuses.keys()].sort()).toEqual([200, 400, 401]);
    for (const code of [
      'invalid_request',
      'invalid_client',
      'unsupported_grant_type',
      'invalid_scope',
      'invalid_target',
    ]) {
      expect(errors.get(code) ?? 0).toBeGreaterThan(0);
    }
    expect(h.logger.entries.filter((e) => e.level !== 'info')).toEqual([]);
    // One response through the harness too, so the file-wide no-store check has something to check.
    expect((await basicRequest()).status).toBe(200);
    process.stdout.write(
      `token endpoint property: ${runs} runs; statuses ${JSON.stringify(Object.fromEntries(statuses))}; errors ${JSON.stringify(Object.fromEntries(errors))}\n`,
    );
  }, 120_000);
});
