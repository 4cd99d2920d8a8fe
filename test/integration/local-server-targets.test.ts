/**
 * Request targets and bodies the local server's own edge answers (lambdas/local/local-server.ts),
 * sent as raw bytes over node:net: an absolute-form target with a broken authority (RFC 9112 §3.2.2),
 * a path that normalises out of `/admin` (RFC 3986 §5.2.4), a body over the 1 MiB limit
 * (RFC 9110 §15.5.14), a client that aborts mid-body. Each is a 4xx in the format of the endpoint the
 * path names — RFC 6749 §5.2 at the token endpoint, RFC 9457 problem+json under `/admin`, plain JSON
 * elsewhere — never a 500, and the server serves tokens afterwards.
 */
import type { LocalIdp } from '../../lambdas/local/local-idp';
import type { Logger } from '../../lambdas/domain/ports';
import { LOCAL_MAX_BODY_BYTES } from '../../lambdas/local/local-server';
import { rawRequest } from '../support/raw-http';
import { startTestIdp } from '../support/local-idp';

const P = 'https://serverless-idp.dev/problems/';
const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = {
  debug: (message, fields) => logs.push({ level: 'debug', message, fields }),
  info: () => {},
  warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
  error: (message, fields) => logs.push({ level: 'error', message, fields }),
};

let idp: LocalIdp;
beforeAll(async () => {
  idp = await startTestIdp({}, { logger });
});
afterAll(() => idp.stop());
afterEach(() => {
  expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  logs.length = 0;
});

const send = (method: string, target: string, body = '') =>
  rawRequest(
    idp.port,
    `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );

const BROKEN_AUTHORITIES = ['http://[::1', 'http://%zz', 'http://u@[x', 'http://localhost:65536', 'http://a:99999'];

describe('an absolute-form target with a broken authority → 400, never 500', () => {
  it.each(BROKEN_AUTHORITIES)('%s/oauth2/token → RFC 6749 invalid_request with no-store', async (authority) => {
    const res = await send('POST', `${authority}/oauth2/token`, '{"grant_type":"client_credentials"}');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_request',
      error_description: 'the request target is not a valid URI (RFC 9112 section 3.2)',
    });
  });

  it.each(BROKEN_AUTHORITIES)('%s/admin/clients → 400 problem+json', async (authority) => {
    const res = await send('POST', `${authority}/admin/clients`, '{}');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual({
      type: `${P}bad-request`,
      title: 'The request is malformed',
      status: 400,
      detail: 'the request target is not a valid URI (RFC 9112 section 3.2)',
    });
  });

  it.each(BROKEN_AUTHORITIES)('%s/.well-known/jwks.json → plain JSON 400', async (authority) => {
    const res = await send('GET', `${authority}/.well-known/jwks.json`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_request',
      error_description: 'the request target is not a valid URI (RFC 9112 section 3.2)',
    });
  });

  it.each(['http://[::1', 'http://%zz?x', 'http://u@[x#', '*', 'localhost:80'])(
    '%s (no path) → plain JSON 400',
    async (target) => {
      const res = await send('GET', target);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' });
    },
  );

  it('a well-formed absolute-form target is served like its origin form (RFC 9112 §3.2.2)', async () => {
    const res = await send('GET', `http://localhost:${idp.port}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).keys).toHaveLength(1);
  });
});

describe('a path that normalises out of /admin → 404 problem+json', () => {
  it.each([
    '/admin/clients/../../x',
    '/admin/../x',
    '/admin/clients/%2e%2e/%2e%2e/x',
    '/admin/clients/%2E%2E/%2e./x',
    '/admin/./../.well-known/x',
  ])('%s', async (target) => {
    const res = await send('GET', target);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual({
      type: `${P}not-found`,
      title: 'Not found',
      status: 404,
      detail: 'no admin resource at this path',
    });
  });

  it('elsewhere a 404 stays plain JSON', async () => {
    const res = await send('GET', '/nowhere');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: 'not_found' });
  });
});

describe(`a body over ${LOCAL_MAX_BODY_BYTES} bytes → 413 in the endpoint's format`, () => {
  const big = 'x'.repeat(LOCAL_MAX_BODY_BYTES + 1);

  it('under /admin: problem+json payload-too-large', async () => {
    const res = await send('POST', '/admin/clients', big);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toEqual({
      type: `${P}payload-too-large`,
      title: 'The request body is too large',
      status: 413,
      detail: `the body has more than ${LOCAL_MAX_BODY_BYTES} bytes`,
    });
  });

  it('at the token endpoint: RFC 6749 invalid_request with no-store', async () => {
    const res = await send('POST', '/oauth2/token', big);
    expect(res.status).toBe(413);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'request body too large' });
  });
});

describe('found by the property test (hostile-input.fuzz.test.ts)', () => {
  it('an HTTP/1.1 request without Host → 400 in the endpoint format (RFC 9112 §3.2)', async () => {
    const res = await rawRequest(
      idp.port,
      'POST /oauth2/token HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    expect(res.status).toBe(400);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_request',
      error_description: 'the Host header is required (RFC 9112 section 3.2)',
    });
  });

  it('405 at the token endpoint is RFC 6749 JSON with UTF-8 (RFC 6749 §5.1)', async () => {
    const res = await send('PATCH', '/oauth2/token');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers['allow']).toBe('OPTIONS, POST');
  });
});

describe('what the HTTP parser refuses → a plain JSON 4xx and a closed connection', () => {
  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['bad chunking', 'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    [
      'Content-Length and chunked',
      'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['a header over 16 KiB', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s', async (_what, request, status) => {
    const res = await rawRequest(idp.port, request);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['connection']).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' });
  });
});

it('a client that aborts mid-body is logged at debug level, not as an error', async () => {
  await rawRequest(
    idp.port,
    'POST /oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"gr',
    200,
  );
  const deadline = Date.now() + 5_000;
  while (!logs.some((l) => l.level === 'debug') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(logs.map((l) => [l.level, l.message])).toEqual([['debug', 'client aborted the request']]);
});
