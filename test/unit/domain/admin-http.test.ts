/**
 * The admin API's HTTP edge: authorization from the authorizer context (401 / 403 with RFC 6750
 * challenges), routing (404, 405 with Allow), body limits and media types (413, 415, invalid JSON),
 * dependency failures (503 with Retry-After, 500 without detail), and `Cache-Control: no-store` on
 * every answer.
 */
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { principalFromEvent } from '../../../lambdas/handlers/admin-handler';
import type { AdminApiEvent } from '../../../lambdas/handlers/admin-handler';
import { BUILT_IN_CLIENTS, makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const PROBLEM_HEADERS = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' };

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness();
});

const clientBody = { name: 'c', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_post' };

describe('authorization', () => {
  it('401 with a Bearer challenge when the authorizer passed no context', async () => {
    const res = await h.call('GET', '/admin/clients', { scope: null });
    expect(res).toEqual({
      status: 401,
      headers: { ...PROBLEM_HEADERS, 'WWW-Authenticate': 'Bearer realm="https://idp.example.test"' },
      text: res.text,
      body: {
        type: `${P}unauthorized`,
        title: 'Authentication required',
        status: 401,
        detail: 'a Bearer access token for the admin API is required',
        instance: '/admin/clients',
      },
    });
    // Unknown paths do not reveal anything without a token either.
    expect((await h.call('GET', '/admin/nothing', { scope: null })).status).toBe(401);
  });

  it('403 insufficient_scope for a read-only token on a write, and for a token without admin scopes', async () => {
    const res = await h.call('POST', '/admin/clients', { body: clientBody, scope: 'admin:read' });
    expect(res.status).toBe(403);
    expect(res.headers).toEqual({
      ...PROBLEM_HEADERS,
      'WWW-Authenticate': 'Bearer realm="https://idp.example.test", error="insufficient_scope", scope="admin:write"',
    });
    expect(res.body).toEqual({
      type: `${P}insufficient-scope`,
      title: 'The access token lacks a required scope',
      status: 403,
      detail: 'this operation requires the scope admin:write',
      instance: '/admin/clients',
    });
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
    const read = await h.call('GET', '/admin/clients', { scope: 'orders:read' });
    expect(read.status).toBe(403);
    expect(read.headers['WWW-Authenticate']).toBe(
      'Bearer realm="https://idp.example.test", error="insufficient_scope", scope="admin:read"',
    );
    // admin:write alone does not grant reads (scopes are not hierarchical).
    expect((await h.call('GET', '/admin/clients', { scope: 'admin:write' })).status).toBe(403);
    expect((await h.call('GET', '/admin/clients', { scope: 'admin:read' })).status).toBe(200);
    expect((await h.call('DELETE', '/admin/clients/x', { scope: 'admin:read' })).status).toBe(403);
  });

  it('reads the principal from the Lambda authorizer context', () => {
    const event = (lambda: Record<string, unknown> | undefined): AdminApiEvent => ({
      rawPath: '/admin/clients',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET' }, ...(lambda === undefined ? {} : { authorizer: { lambda } }) },
    });
    expect(principalFromEvent(event({ clientId: 'a', jti: 'j', scope: 'admin:read  admin:write' }))).toEqual({
      clientId: 'a',
      jti: 'j',
      scopes: new Set(['admin:read', 'admin:write']),
    });
    expect(principalFromEvent(event({ clientId: 'a', jti: 'j', scope: ['admin:read', 3] }))?.scopes).toEqual(
      new Set(['admin:read']),
    );
    expect(principalFromEvent(event({ clientId: 'a', jti: 'j' }))?.scopes).toEqual(new Set());
    expect(principalFromEvent(event({ clientId: 'a', scope: 'admin:read' }))).toBeUndefined();
    expect(principalFromEvent(event({ clientId: '', jti: 'j' }))).toBeUndefined();
    expect(principalFromEvent(event(undefined))).toBeUndefined();
  });
});

describe('routing', () => {
  it('404 problem for unknown paths, trailing slashes and extra segments', async () => {
    for (const path of ['/admin/nothing', '/admin/clients/', '/admin/clients/a/b/c/d', '/admin', '/oauth2/token']) {
      const res = await h.call('GET', path);
      expect(res.status).toBe(404);
      expect(res.headers).toEqual(PROBLEM_HEADERS);
      expect(res.body).toEqual({
        type: `${P}not-found`,
        title: 'Not found',
        status: 404,
        detail: 'no admin resource at this path',
        instance: path,
      });
    }
  });

  it('405 with Allow for a method the path does not serve', async () => {
    const res = await h.call('PUT', '/admin/clients/abc', { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers).toEqual({ ...PROBLEM_HEADERS, Allow: 'GET, PATCH, DELETE' });
    expect(res.body).toEqual({
      type: `${P}method-not-allowed`,
      title: 'Method not allowed',
      status: 405,
      detail: 'PUT is not allowed on /admin/clients/{clientId}',
      instance: '/admin/clients/abc',
    });
    expect((await h.call('DELETE', '/admin/clients')).headers['Allow']).toBe('GET, POST');
    expect((await h.call('POST', '/admin/audit')).headers['Allow']).toBe('GET');
  });

  it('query parameters are strict on every route', async () => {
    const res = await h.call('GET', `/admin/clients/${h.bootstrap.clientId}`, { query: 'expand=secrets' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ parameter: 'expand', detail: 'is not a known parameter' }]);
  });
});

describe('request bodies', () => {
  it('413 above 64 KiB, before parsing', async () => {
    const res = await h.call('POST', '/admin/clients', {
      rawBody: `{"name":"${'x'.repeat(64 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      type: `${P}payload-too-large`,
      title: 'The request body is too large',
      status: 413,
      detail: `the body has ${64 * 1024 + 11} bytes; at most 65536 are accepted`,
      instance: '/admin/clients',
    });
  });

  it('415 for other media types and charsets; JSON with UTF-8 and merge-patch accepted', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const res = await h.call('POST', '/admin/clients', {
        rawBody: JSON.stringify(clientBody),
        headers: { 'content-type': type },
      });
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        type: `${P}unsupported-media-type`,
        title: 'Unsupported media type',
        status: 415,
        detail: 'the body must be application/json (UTF-8)',
        instance: '/admin/clients',
      });
    }
    const none = await h.call('POST', '/admin/clients', { rawBody: JSON.stringify(clientBody) });
    expect(none.status).toBe(415);
    const ok = await h.call('POST', '/admin/clients', {
      rawBody: Buffer.from(JSON.stringify(clientBody)),
      headers: { 'content-type': 'Application/JSON; charset="UTF-8"' },
    });
    expect(ok.status).toBe(201);
  });

  it('400 invalid-json for malformed JSON, invalid UTF-8 and an empty required body', async () => {
    const cases: [string | Uint8Array, string][] = [
      ['{"name": ', 'the body is not valid UTF-8 JSON (RFC 8259)'],
      [new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]), 'the body is not valid UTF-8 JSON (RFC 8259)'],
      ['', 'the body is empty; a JSON object is expected'],
    ];
    for (const [rawBody, detail] of cases) {
      const res = await h.call('POST', '/admin/clients', { rawBody, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        type: `${P}invalid-json`,
        title: 'The request body is not valid JSON',
        status: 400,
        detail,
        instance: '/admin/clients',
      });
    }
    const nullBody = await h.call('POST', '/admin/clients', {
      rawBody: 'null',
      headers: { 'content-type': 'application/json' },
    });
    expect(nullBody.body.errors).toEqual([{ pointer: '', detail: 'must be an object' }]);
  });
});

describe('failures', () => {
  it('503 with Retry-After when the store is unavailable, logged without request data', async () => {
    h.table.failNext('listClients', new DependencyUnavailableError('store', new Error('throttled'), true));
    const res = await h.call('GET', '/admin/clients');
    expect(res.status).toBe(503);
    expect(res.headers).toEqual({ ...PROBLEM_HEADERS, 'Retry-After': '1' });
    expect(res.body).toEqual({
      type: `${P}service-unavailable`,
      title: 'The service is temporarily unavailable',
      status: 503,
      detail: 'the store is temporarily unavailable; retry',
      instance: '/admin/clients',
    });
    expect(h.logs.find((l) => l.level === 'warn')).toEqual({
      level: 'warn',
      message: 'dependency unavailable',
      fields: { dependency: 'store', throttled: true, cause: 'Error: throttled' },
    });
  });

  it('500 without internal detail for an unexpected error, which is logged', async () => {
    h.table.failNext('getApi', new TypeError('boom at line 3'));
    const res = await h.call('GET', '/admin/apis/urn%3Ax');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      type: `${P}internal-error`,
      title: 'Internal server error',
      status: 500,
      detail: 'internal server error',
      instance: '/admin/apis/urn%3Ax',
    });
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', message: 'unexpected error in the admin API', fields: { error: 'TypeError: boom at line 3' } },
    ]);
  });

  it('logs one line per request with route, status and actor, never the body', async () => {
    await h.call('POST', '/admin/clients', { body: clientBody });
    const line = h.logs.find((l) => l.message === 'admin request')!;
    expect(line.fields).toEqual({
      method: 'POST',
      route: '/admin/clients',
      status: 201,
      actor: h.bootstrap.clientId,
      jti: expect.any(String),
    });
  });
});
