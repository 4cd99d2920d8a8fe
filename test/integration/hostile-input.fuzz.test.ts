/**
 * Property test: hostile requests against the local runtime (`startLocalIdp`, the same handlers as
 * Lambda, embedded DynamoDB), sent as raw bytes over loopback so node's HTTP parser is under test too.
 * Three targets, each a bounded number of generated requests:
 * - the token endpoint: form, JSON and raw bodies, content types, Authorization values, methods,
 *   queries, extra headers;
 * - the admin API with a valid admin token: deep nesting, huge strings, wrong types, unknown fields,
 *   odd and dot-segmented paths, queries;
 * - the HTTP parser: malformed request lines, absolute-form targets with broken hosts, odd versions,
 *   huge and malformed headers, bad chunking.
 * Every input carries a planted secret. Properties: never a 5xx (nor a dropped connection); the error
 * format of the endpoint (RFC 6749 §5.2 with no-store at the token endpoint, RFC 9457 problem+json
 * under /admin, JSON elsewhere); the planted secret never comes back in an error (outside `instance`,
 * which is the request path by contract); and afterwards the server still issues a token.
 */
import fc from 'fast-check';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { adminAudience } from '../../lambdas/domain/bootstrap';
import type { Logger } from '../../lambdas/domain/ports';
import type { RawResponse } from '../support/raw-http';
import { rawRequest } from '../support/raw-http';
import { startTestIdp } from '../support/local-idp';

/** Runs per target; with ~5–20 ms a request the three stay well under 30 s together. */
const RUNS = 300;
/** Looks like a real client secret (docs/data-model.md): `sidp_` + 43 base64url characters. */
const PLANTED = 'sidp_PLANTEDxSECRETxNEVERxECHOEDxxxxxxxxxxxxxxx';
const PLANTED_MARK = 'PLANTEDxSECRET';

const errors: string[] = [];
const logger: Logger = {
  info: () => {},
  warn: () => {},
  error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`),
};

let idp: LocalIdp;
let adminToken: string;
let victimId: string;
const basic = () =>
  `Basic ${Buffer.from(`${encodeURIComponent(idp.bootstrap.clientId)}:${encodeURIComponent(idp.bootstrap.clientSecret)}`).toString('base64')}`;

async function issueAdminToken(): Promise<{ status: number; token: string }> {
  const res = await fetch(`${idp.url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', audience: adminAudience(idp.issuer) }),
  });
  return { status: res.status, token: ((await res.json()) as { access_token: string }).access_token };
}

beforeAll(async () => {
  idp = await startTestIdp({}, { logger });
  adminToken = (await issueAdminToken()).token;
  const victim = await fetch(`${idp.url}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'victim',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    }),
  });
  victimId = ((await victim.json()) as { client: { clientId: string } }).client.clientId;
}, 30_000);
afterAll(() => idp.stop());

/** One request as bytes: request line, headers (Content-Length added unless given), body. */
function http1(method: string, target: string, headers: [string, string][], body: Buffer | string = ''): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all: [string, string][] = [['Host', 'localhost'], ...headers, ['Connection', 'close']];
  if (!all.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n))) {
    all.push(['Content-Length', String(bytes.length)]);
  }
  const head = `${method} ${target} HTTP/1.1\r\n${all.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** The common properties of every answer. */
function expectSafe(res: RawResponse, format: 'token' | 'admin' | 'any'): void {
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(500);
  const type = res.headers['content-type'] ?? '';
  if (format === 'token' && res.status === 204) {
    // OPTIONS (RFC 9110 §9.3.7; a CORS preflight): no body, `Allow`, never credentials.
    expect(res.body).toBe('');
    expect(res.headers['allow']).toBe('OPTIONS, POST');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    return;
  }
  if (format === 'token') {
    expect(type).toBe('application/json;charset=UTF-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
  }
  if (format === 'admin' && res.status >= 400) expect(type).toBe('application/problem+json');
  if (format === 'admin' && res.status >= 400) expect(res.headers['cache-control']).toBe('no-store');
  // No content (an OPTIONS answer, RFC 9110 §15.3.5): no body, so no media type either.
  if (res.status === 204 || res.status === 304) {
    expect(res.body).toBe('');
    return;
  }
  if (format === 'any') expect(type).toMatch(/^application\/([a-z-]+\+)?json/); // JSON, problem+json (RFC 9457), jwk-set+json (RFC 7517)
  const body = JSON.parse(res.body) as Record<string, unknown>;
  if (format === 'token' && res.status >= 400) {
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  }
  if (format === 'admin' && res.status >= 400) {
    expect(body).toMatchObject({ type: expect.stringMatching(/^https:\/\/serverless-idp\.dev\/problems\//) });
  }
  if (res.status >= 400) {
    const { instance: _instance, ...rest } = body;
    const headers = Object.entries(res.headers).map(([n, v]) => `${n}: ${v}`);
    expect(`${headers.join('\n')}\n${JSON.stringify(rest)}`).not.toContain(PLANTED_MARK);
  }
}

// ---------- generators ----------

const secretish = fc.constantFrom(PLANTED, `${PLANTED}${'x'.repeat(4_000)}`, `a${PLANTED}`, PLANTED.slice(5));
const text = fc.oneof(
  secretish,
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '%', '%zz', '\u0000', '\uD800', 'é', '"', '\\', 'client_credentials', 'a b'),
);
const paramName = fc.oneof(
  fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope', 'audience', 'resource'),
  secretish,
  fc.string({ maxLength: 20 }),
);
const deepText = fc
  .tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('[', '{"a":'), secretish)
  .map(([n, open, s]) => `${open.repeat(n)}"${s}"${(open === '[' ? ']' : '}').repeat(n)}`);
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.dictionary(paramName, fc.oneof(text, fc.jsonValue({ maxDepth: 2 }))).map((v) => JSON.stringify(v)),
  deepText,
  fc.string({ maxLength: 40 }).map((s) => `{"${PLANTED}":${s}`),
);

describe('hostile input never gets a 5xx, always the endpoint’s format, never the planted secret', () => {
  afterEach(() => expect(errors).toEqual([]));

  it(`the token endpoint (${RUNS} requests)`, async () => {
    const contentType = fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded;charset=UTF-8',
      'text/plain',
      'multipart/form-data; boundary=x',
      `application/${PLANTED}`,
      '',
    );
    const body = fc.oneof(
      fc.array(fc.tuple(paramName, text), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString()),
      jsonish,
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.constant(`grant_type=${'x'.repeat(9_000)}`),
    );
    const authorization = fc.option(
      fc.oneof(
        fc.constantFrom(
          `Basic ${Buffer.from(`x:${PLANTED}`).toString('base64')}`,
          `Basic ${Buffer.from(`${PLANTED}:${PLANTED}`).toString('base64')}`,
          `Bearer ${PLANTED}`,
          `Basic ${PLANTED}`,
          'Basic',
          'Basic ===',
        ),
        text.map((t) => t.replace(/[\r\n\0]/g, '').replace(/[^\x20-\x7e]/g, '?')),
      ),
    );
    const request = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      query: fc.option(fc.constantFrom(`client_secret=${PLANTED}`, 'a=b', PLANTED)),
      contentType,
      body,
      authorization,
      extra: fc.option(fc.tuple(fc.constantFrom('X-Extra', 'Accept', 'Cookie'), fc.constantFrom(PLANTED, '*/*'))),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: [string, string][] = [];
        if (r.contentType !== '') headers.push(['Content-Type', r.contentType]);
        if (r.authorization !== null) headers.push(['Authorization', r.authorization]);
        if (r.extra !== null) headers.push(r.extra);
        const target = r.query === null ? '/oauth2/token' : `/oauth2/token?${r.query}`;
        expectSafe(await rawRequest(idp.port, http1(r.method, target, headers, r.body)), 'token');
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it(`the admin API (${RUNS} requests)`, async () => {
    const path = fc.oneof(
      fc.constantFrom(
        '/admin/clients',
        '/admin/apis',
        '/admin/audit',
        '/admin/openapi.json',
        '/admin/clients/VICTIM',
        '/admin/clients/VICTIM/rules',
        '/admin/clients/VICTIM/secrets',
        '/admin/clients/VICTIM/secrets/sec_x',
        '/admin/clients/../../x',
        '/admin/clients/%2e%2e/%2e%2e/x',
        '/admin/%2e%2e',
        '/admin/clients/%zz',
        '/admin//clients',
        '/admin/clients/VICTIM/rules/https%3A%2F%2Fx',
      ),
      fc.string({ maxLength: 30 }).map((s) => `/admin/clients/${encodeURIComponent(s)}`),
    );
    const field = fc.constantFrom(
      'name',
      'description',
      'grantTypes',
      'tokenEndpointAuthMethod',
      'metadata',
      'status',
      'version',
      'identifier',
      'scopes',
      'audience',
      'claims',
      'expiresAt',
      'clientId',
      PLANTED,
    );
    const value = fc.oneof(
      text,
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(['client_credentials'], 'client_secret_basic', 'https://api.example/x', [{ value: PLANTED }]),
      fc.constant('x'.repeat(70_000)),
    );
    const body = fc.oneof(
      fc.dictionary(field, value, { maxKeys: 6 }).map((v) => JSON.stringify(v)),
      fc.tuple(fc.constantFrom('metadata', 'claims', 'scopes', 'name'), deepText).map(([k, d]) => `{"${k}":${d}}`),
      jsonish,
      fc.constantFrom('', 'null', '[]', '"x"', '{', `{"name":"${PLANTED}"`),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE'),
      path,
      query: fc.option(
        fc.constantFrom(`q=${PLANTED}`, `${PLANTED}=1`, 'limit=x', 'limit=1&limit=2', `cursor=${PLANTED}`),
      ),
      contentType: fc.constantFrom('application/json', 'application/merge-patch+json', 'text/plain', ''),
      body,
      ifMatch: fc.option(fc.constantFrom('*', '"1"', PLANTED, 'W/"1"')),
      auth: fc.constantFrom('admin', 'admin', 'admin', 'none', 'garbage'),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: [string, string][] = [];
        if (r.contentType !== '') headers.push(['Content-Type', r.contentType]);
        if (r.ifMatch !== null) headers.push(['If-Match', r.ifMatch]);
        if (r.auth !== 'none')
          headers.push(['Authorization', r.auth === 'admin' ? `Bearer ${adminToken}` : `Bearer ${PLANTED}`]);
        const target = `${r.path.replace('VICTIM', victimId)}${r.query === null ? '' : `?${r.query}`}`;
        expectSafe(await rawRequest(idp.port, http1(r.method, target, headers, r.body)), 'admin');
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it(`the local server's HTTP parser (${RUNS} requests)`, async () => {
    const authority = fc.constantFrom(
      'http://[::1',
      'http://%zz',
      'http://u@[x',
      'http://localhost:65536',
      'http://a:99999',
      `http://${PLANTED}@localhost`,
      'http://localhost',
      'https://x.example:0',
      '',
    );
    const pathPart = fc.constantFrom(
      '/oauth2/token',
      '/admin/clients',
      '/.well-known/jwks.json',
      '/.well-known/openid-configuration',
      `/${PLANTED}`,
      '/admin/../x',
      '',
      '?x',
    );
    const target = fc.oneof(
      fc.tuple(authority, pathPart).map(([a, p]) => `${a}${p}` || '/'),
      fc.constantFrom('*', 'localhost:80', '//x', '/%', `/${'a'.repeat(9_000)}`),
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[\s]/g, '') || '/'),
    );
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'G\u00e9T', '');
    const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'FOO', '');
    const header = fc.oneof(
      fc.constantFrom(
        `X-Secret: ${PLANTED}`,
        `X-Big: ${'b'.repeat(20_000)}`,
        'No-Colon',
        ': empty-name',
        'Bad Name: x',
        `Authorization: Bearer ${PLANTED}`,
        'Content-Type: application/json',
        'Content-Length: abc',
        'Content-Length: -1',
        'Transfer-Encoding: gzip',
        'Host: [::1',
        `Host: ${PLANTED}`,
      ),
      fc.string({ maxLength: 30 }).map((s) => `X-F: ${s.replace(/[\r\n]/g, '')}`),
    );
    const body = fc.oneof(
      fc.constant({ framing: 'none' as const, bytes: '' }),
      fc.string({ maxLength: 50 }).map((s) => ({ framing: 'length' as const, bytes: s })),
      fc
        .constantFrom(
          'zz\r\nabc\r\n0\r\n\r\n',
          '3\r\nabcdef\r\n0\r\n\r\n',
          '-1\r\n\r\n',
          `5;${PLANTED}\r\nabcde\r\n0\r\n\r\n`,
          '0\r\nX-Trailer: 1\r\n\r\n',
          `4\r\n${PLANTED.slice(0, 4)}\r\n0\r\n\r\n`,
          'ffffffffffffffffff\r\n\r\n',
        )
        .map((bytes) => ({ framing: 'chunked' as const, bytes })),
    );
    const request = fc.record({
      method,
      target,
      version,
      headers: fc.array(header, { maxLength: 4 }),
      body,
      hostless: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const lines = [`${r.method} ${r.target} ${r.version}`.trim()];
        if (!r.hostless) lines.push('Host: localhost');
        lines.push(...r.headers, 'Connection: close');
        if (r.body.framing === 'length') lines.push(`Content-Length: ${Buffer.byteLength(r.body.bytes)}`);
        if (r.body.framing === 'chunked') lines.push('Transfer-Encoding: chunked');
        const bytes = Buffer.from(`${lines.join('\r\n')}\r\n\r\n${r.body.bytes}`, 'utf8');
        const res = await rawRequest(idp.port, bytes, 3_000);
        expectSafe(res, 'any');
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it('afterwards the server still issues tokens', async () => {
    expect((await issueAdminToken()).status).toBe(200);
  });
});
