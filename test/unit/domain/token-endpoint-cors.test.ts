/**
 * CORS on the token endpoint (docs/contract.md, Token endpoint › CORS; Fetch standard, CORS
 * protocol): `Access-Control-Allow-Origin` + `Vary: Origin` only for an `Origin` among the allowed
 * origins of the client the request names; never `*`, never credentials; preflights allowed for a
 * valid origin, POST and the Content-Type / Authorization headers only; the local server routes
 * OPTIONS to the token handler.
 */
import { preflightResponse, withCors } from '../../../lambdas/domain/endpoints/cors';
import type { HttpRequest } from '../../../lambdas/domain/http';
import type { HttpApiHandler } from '../../../lambdas/handlers/api-gateway';
import { route } from '../../../lambdas/local/local-server';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const ORDERS = 'https://api.example.com/orders';
const WEB = 'https://web.example.com';

const TOKEN_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

let h: AdminHarness;
let web: { clientId: string; secret: string };
let m2m: { clientId: string; secret: string };
beforeEach(async () => {
  h = await makeAdminHarness();
  await h.call('POST', '/admin/apis', {
    body: { identifier: ORDERS, name: 'Orders', scopes: [{ value: 'orders:read' }] },
  });
  const register = async (body: Record<string, unknown>) => {
    const res = await h.call('POST', '/admin/clients', {
      body: { tokenEndpointAuthMethod: 'client_secret_post', ...body },
    });
    const clientId = res.body.client.clientId as string;
    await h.call('POST', `/admin/clients/${clientId}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    return { clientId, secret: res.body.secret.value as string };
  };
  web = await register({
    name: 'Web',
    grantTypes: ['client_credentials', 'authorization_code'],
    redirectUris: [`${WEB}/cb`],
    allowedOrigins: [WEB, 'http://127.0.0.1:5173'],
  });
  m2m = await register({ name: 'M2M', grantTypes: ['client_credentials'] });
});

function post(
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string>;
}> {
  const req: HttpRequest = {
    method: 'POST',
    path: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    rawQuery: '',
    body: Buffer.from(new URLSearchParams(form).toString()),
  };
  return h.tokenEndpoint.handle(req);
}

const ccForm = (client: { clientId: string; secret: string }, secret = client.secret) => ({
  grant_type: 'client_credentials',
  audience: ORDERS,
  client_id: client.clientId,
  client_secret: secret,
});

describe('token responses', () => {
  it('an allowed origin of the named client: Access-Control-Allow-Origin and Vary, nothing else', async () => {
    const res = await post(ccForm(web), { origin: WEB });
    expect(res.status).toBe(200);
    expect(res.headers).toEqual({ ...TOKEN_HEADERS, 'Access-Control-Allow-Origin': WEB, Vary: 'Origin' });
    const loopback = await post(ccForm(web), { origin: 'http://127.0.0.1:5173' });
    expect(loopback.headers['Access-Control-Allow-Origin']).toBe('http://127.0.0.1:5173');
  });

  it('error answers for the named client carry them too, so the app can read the error', async () => {
    const res = await post(ccForm(web, 'sidp_wrong'), { origin: WEB });
    expect(res.status).toBe(401);
    expect(res.headers).toEqual({ ...TOKEN_HEADERS, 'Access-Control-Allow-Origin': WEB, Vary: 'Origin' });
  });

  it.each([
    ['another origin', 'https://evil.example.com'],
    ['the origin in another case', 'https://WEB.example.com'],
    ['the origin with a trailing slash', `${WEB}/`],
    ['the opaque origin', 'null'],
  ])('%s: no CORS header', async (_name, origin) => {
    const res = await post(ccForm(web), { origin });
    expect(res.status).toBe(200);
    expect(res.headers).toEqual(TOKEN_HEADERS);
  });

  it('no Origin, a client without allowed origins, an unknown client, a request refused before the read: none', async () => {
    expect((await post(ccForm(web))).headers).toEqual(TOKEN_HEADERS);
    expect((await post(ccForm(m2m), { origin: WEB })).headers).toEqual(TOKEN_HEADERS);
    const unknown = await post(ccForm({ clientId: 'ghost', secret: 'x' }), { origin: WEB });
    expect(unknown.status).toBe(401);
    expect(unknown.headers).toEqual(TOKEN_HEADERS);
    const unsupported = await post({ ...ccForm(web), grant_type: 'password' }, { origin: WEB });
    expect(unsupported.status).toBe(400);
    expect(unsupported.headers).toEqual(TOKEN_HEADERS);
  });

  it('withCors never adds credentials or a wildcard', () => {
    const base = { status: 200, headers: { A: 'b' }, body: '' };
    expect(withCors(base, '*', ['*'])).toEqual({
      ...base,
      headers: { A: 'b', 'Access-Control-Allow-Origin': '*', Vary: 'Origin' },
    });
    // `*` can never be registered (the admin API refuses it), so only an exact listed origin matches.
    expect(withCors(base, WEB, [])).toBe(base);
    expect(JSON.stringify(withCors(base, WEB, [WEB]))).not.toContain('Credentials');
  });
});

describe('preflight (OPTIONS)', () => {
  function options(headers: Record<string, string>) {
    return h.tokenEndpoint.handle({
      method: 'OPTIONS',
      path: '/oauth2/token',
      headers,
      rawQuery: '',
      body: new Uint8Array(),
    });
  }

  it('a valid origin asking for POST with Content-Type / Authorization: allowed, without credentials', async () => {
    const reads = h.table.calls.get('loadClientBundle');
    const res = await options({
      origin: 'https://any.example.org',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, Authorization',
    });
    expect(res).toEqual({
      status: 204,
      headers: {
        Allow: 'OPTIONS, POST',
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
        'Access-Control-Allow-Origin': 'https://any.example.org',
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      },
      body: '',
    });
    // No store read: a preflight names no client.
    expect(h.table.calls.get('loadClientBundle')).toBe(reads);
    const bare = await options({ origin: 'http://[::1]:8080', 'access-control-request-method': 'POST' });
    expect(bare.headers['Access-Control-Allow-Origin']).toBe('http://[::1]:8080');
  });

  it.each([
    ['no Origin', { 'access-control-request-method': 'POST' }],
    ['an http origin off loopback', { origin: 'http://evil.example.com', 'access-control-request-method': 'POST' }],
    ['a path in the origin', { origin: 'https://a.example.com/x', 'access-control-request-method': 'POST' }],
    ['the opaque origin', { origin: 'null', 'access-control-request-method': 'POST' }],
    ['another method', { origin: WEB, 'access-control-request-method': 'PUT' }],
    ['no method (not a preflight)', { origin: WEB }],
    [
      'another header',
      { origin: WEB, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom' },
    ],
  ])('%s: 204 with Allow and no CORS header', async (_name, headers) => {
    expect(await options(headers)).toEqual({
      status: 204,
      headers: { Allow: 'OPTIONS, POST', 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      body: '',
    });
  });

  it('preflightResponse reads header names in any case', () => {
    const res = preflightResponse({
      method: 'OPTIONS',
      path: '/oauth2/token',
      headers: { Origin: WEB, 'Access-Control-Request-Method': 'POST' },
      rawQuery: '',
      body: new Uint8Array(),
    });
    expect(res.headers['Access-Control-Allow-Origin']).toBe(WEB);
  });
});

describe('local server routing', () => {
  it('POST and OPTIONS go to the token handler; another method is 405 with Allow', () => {
    const token: HttpApiHandler = async () => ({ statusCode: 200 });
    const routes = { token, discovery: token };
    expect(route(routes, 'POST', '/oauth2/token')).toBe(token);
    expect(route(routes, 'OPTIONS', '/oauth2/token')).toBe(token);
    const get = route(routes, 'GET', '/oauth2/token');
    expect(get).toEqual({
      statusCode: 405,
      headers: {
        'Content-Type': 'application/json;charset=UTF-8',
        Allow: 'OPTIONS, POST',
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
      },
      body: JSON.stringify({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' }),
    });
  });
});
