/**
 * `/admin/clients` for people (docs/contract.md, Admin API › Clients): the grant types
 * `authorization_code` and `refresh_token`, public clients (`none`: no secret, no curl, refused with
 * client_credentials, refused a secret), redirect URIs (each refusal with its JSON pointer), allowed
 * origins (default computed from a public client's redirect URIs), consent and refresh-token settings
 * with their defaults and bounds, and PATCH keeping every rule on the merged result.
 */
import { BUILT_IN_CLIENTS, makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ISSUER = 'https://idp.example.test';
const ORDERS = 'https://api.example.com/orders';

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness();
  await h.call('POST', '/admin/apis', {
    body: { identifier: ORDERS, name: 'Orders', scopes: [{ value: 'orders:read' }] },
  });
});

const spa = {
  name: 'SPA',
  grantTypes: ['authorization_code', 'refresh_token'],
  tokenEndpointAuthMethod: 'none',
  redirectUris: ['https://app.example.com/callback', 'com.example.app:/cb', 'http://127.0.0.1/cb'],
};

async function create(body: Record<string, unknown>) {
  return h.call('POST', '/admin/clients', { body });
}

async function createOk(body: Record<string, unknown>) {
  const res = await create(body);
  expect(res.status).toBe(201);
  return res;
}

function invalid(errors: { pointer: string; detail: string }[], instance = '/admin/clients') {
  return {
    type: `${P}validation-error`,
    title: 'The request is not valid',
    status: 400,
    detail: errors.length === 1 ? 'one input is not valid' : `${errors.length} inputs are not valid`,
    instance,
    errors,
  };
}

describe('a public client (none)', () => {
  it('is created without a secret or curl; the answer holds the endpoint URLs; defaults are computed', async () => {
    const at = new Date(h.now()).toISOString();
    const res = await createOk(spa);
    const { clientId } = res.body.client;
    expect(res.body).toEqual({
      client: {
        clientId,
        name: 'SPA',
        status: 'enabled',
        grantTypes: ['authorization_code', 'refresh_token'],
        tokenEndpointAuthMethod: 'none',
        external: false,
        tokenReuse: false,
        metadata: {},
        redirectUris: spa.redirectUris,
        // The https and loopback origins of its redirect URIs; none for the private-use scheme.
        allowedOrigins: ['https://app.example.com', 'http://127.0.0.1'],
        requireConsent: false,
        refreshTokenTtl: 2592000,
        maxSessionsPerUser: 10,
        createdAt: at,
        updatedAt: at,
        version: 1,
      },
      endpoints: { authorization: `${ISSUER}/oauth2/authorize`, token: `${ISSUER}/oauth2/token` },
    });
    const stored = h.table.clients.get(clientId)!;
    expect(stored.secrets.size).toBe(0);
    // Defaults are not stored: they follow the redirect URIs and the documented values.
    expect(stored.client).not.toHaveProperty('allowedOrigins');
    expect(stored.client).not.toHaveProperty('refreshTokenTtl');
    expect(stored.client).not.toHaveProperty('maxSessionsPerUser');
    expect(stored.client).not.toHaveProperty('requireConsent');
    const get = await h.call('GET', `/admin/clients/${clientId}`);
    expect(get.body).toEqual(res.body.client);
  });

  it('is refused a secret: 409 public-client, nothing written', async () => {
    const { clientId } = (await createOk(spa)).body.client;
    const audit = h.table.audit.size;
    const res = await h.call('POST', `/admin/clients/${clientId}/secrets`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      type: `${P}public-client`,
      title: 'A public client holds no secrets',
      status: 409,
      detail: `client ${clientId} is public (tokenEndpointAuthMethod none) and holds no secrets`,
      instance: `/admin/clients/${clientId}/secrets`,
    });
    expect(h.table.clients.get(clientId)!.secrets.size).toBe(0);
    expect(h.table.audit.size).toBe(audit);
  });

  it('never with client_credentials (RFC 6749 §4.4)', async () => {
    const none = {
      pointer: '/tokenEndpointAuthMethod',
      detail: 'none (a public client) cannot be used with the client_credentials grant (RFC 6749 §4.4)',
    };
    const cc = await create({ name: 'x', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'none' });
    expect(cc.status).toBe(400);
    expect(cc.body).toEqual(invalid([none]));
    const both = await create({ ...spa, grantTypes: ['client_credentials', 'authorization_code'] });
    expect(both.body).toEqual(invalid([none]));
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
  });

  it('a public client cannot obtain client-credentials tokens: client_id alone is no authentication', async () => {
    const { clientId } = (await createOk(spa)).body.client;
    const res = await h.tokenEndpoint.handle({
      method: 'POST',
      path: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawQuery: '',
      body: Buffer.from(new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString()),
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication is required',
    });
  });
});

describe('a confidential code-flow client', () => {
  it('gets its secret, the curl (with client_credentials) and the endpoints; its settings as given', async () => {
    const res = await createOk({
      name: 'Web',
      grantTypes: ['client_credentials', 'authorization_code'],
      tokenEndpointAuthMethod: 'client_secret_post',
      redirectUris: ['https://web.example.com/cb'],
      postLogoutRedirectUris: ['https://web.example.com/bye'],
      allowedOrigins: ['https://web.example.com'],
      requireConsent: true,
    });
    const { clientId } = res.body.client;
    const { value } = res.body.secret;
    expect(Object.keys(res.body).sort()).toEqual(['client', 'curl', 'endpoints', 'secret']);
    expect(res.body.client).toMatchObject({
      redirectUris: ['https://web.example.com/cb'],
      postLogoutRedirectUris: ['https://web.example.com/bye'],
      allowedOrigins: ['https://web.example.com'],
      requireConsent: true,
    });
    // No refresh_token grant: no refresh-token settings in the view.
    expect(res.body.client).not.toHaveProperty('refreshTokenTtl');
    expect(res.body.curl).toBe(
      `curl -sS -X POST '${ISSUER}/oauth2/token' -d 'client_id=${clientId}' -d 'client_secret=${value}' ` +
        `-d 'grant_type=client_credentials' --data-urlencode 'audience=YOUR_API_IDENTIFIER'`,
    );
    expect(res.body.endpoints).toEqual({
      authorization: `${ISSUER}/oauth2/authorize`,
      token: `${ISSUER}/oauth2/token`,
    });
  });

  it('without client_credentials: a secret and the endpoints, no curl; no default origins', async () => {
    const res = await createOk({ ...spa, tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(Object.keys(res.body).sort()).toEqual(['client', 'endpoints', 'secret']);
    expect(res.body.client.allowedOrigins).toEqual([]);
  });
});

describe('redirect URIs', () => {
  it('each refusal names the bad entry (RFC 6749 §3.1.2, RFC 8252)', async () => {
    const res = await create({
      ...spa,
      redirectUris: [
        'https://app.example.com/cb#frag',
        'https://user:pw@app.example.com/cb',
        'https://*.example.com/cb',
        'http://app.example.com/cb',
        'http://localhost:3000/cb',
        'javascript:alert(1)',
        'myapp:/cb',
        'cb',
        'https://app.example.com/a/../cb',
        'HTTPS://app.example.com/cb',
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([
        { pointer: '/redirectUris/0', detail: 'must not have a fragment' },
        { pointer: '/redirectUris/1', detail: 'must not contain userinfo' },
        { pointer: '/redirectUris/2', detail: 'must not contain a wildcard' },
        { pointer: '/redirectUris/3', detail: 'http is allowed only on the loopback IPs 127.0.0.1 and [::1]' },
        { pointer: '/redirectUris/4', detail: 'http is allowed only on the loopback IPs 127.0.0.1 and [::1]' },
        { pointer: '/redirectUris/5', detail: 'the javascript scheme is not allowed' },
        {
          pointer: '/redirectUris/6',
          detail: 'a native app scheme must be a reverse domain name such as com.example.app',
        },
        { pointer: '/redirectUris/7', detail: 'must be an absolute URI' },
        { pointer: '/redirectUris/8', detail: 'must not contain dot segments' },
        { pointer: '/redirectUris/9', detail: 'the scheme must be lower case' },
      ]),
    );
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
  });

  it('1 to 20 distinct strings; required with authorization_code; only with it', async () => {
    const dup = await create({ ...spa, redirectUris: ['https://a.example.com/cb', 'https://a.example.com/cb'] });
    expect(dup.body).toEqual(invalid([{ pointer: '/redirectUris/1', detail: 'repeats the URI at index 0' }]));
    const empty = await create({ ...spa, redirectUris: [] });
    expect(empty.body).toEqual(invalid([{ pointer: '/redirectUris', detail: 'must have at least 1 item' }]));
    const many = await create({
      ...spa,
      redirectUris: Array.from({ length: 21 }, (_, i) => `https://a.example.com/cb${i}`),
    });
    expect(many.body).toEqual(invalid([{ pointer: '/redirectUris', detail: 'must have at most 20 items' }]));
    const shapes = await create({ ...spa, redirectUris: 'https://a.example.com/cb', postLogoutRedirectUris: [7] });
    expect(shapes.body).toEqual(
      invalid([
        { pointer: '/redirectUris', detail: 'must be an array' },
        { pointer: '/postLogoutRedirectUris/0', detail: 'must be a string' },
      ]),
    );
    const missing = await create({ ...spa, redirectUris: undefined });
    expect(missing.body).toEqual(
      invalid([{ pointer: '/redirectUris', detail: 'is required with the authorization_code grant' }]),
    );
    const logout = await create({ ...spa, postLogoutRedirectUris: ['https://app.example.com/bye#x'] });
    expect(logout.body).toEqual(
      invalid([{ pointer: '/postLogoutRedirectUris/0', detail: 'must not have a fragment' }]),
    );
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
  });
});

describe('allowed origins', () => {
  it('each must be an origin as browsers send it: https or http loopback, no path, never *', async () => {
    const canonical =
      'must be an origin scheme://host[:port] with no path, query or trailing slash, as browsers send it (e.g. https://app.example.com)';
    const https = 'must be https, or http on the loopback IPs 127.0.0.1 and [::1]';
    const res = await create({
      ...spa,
      allowedOrigins: [
        '*',
        'https://*.example.com',
        'https://app.example.com/',
        'https://app.example.com/path',
        'http://app.example.com',
        'https://APP.example.com',
        'https://app.example.com:443',
        'null',
        'ftp://files.example.com',
        'app.example.com',
        'http://127.0.0.1:5173',
        'http://127.0.0.1:5173',
      ],
    });
    expect(res.body).toEqual(
      invalid([
        { pointer: '/allowedOrigins/0', detail: 'must not be a wildcard: list each origin' },
        { pointer: '/allowedOrigins/1', detail: 'must not be a wildcard: list each origin' },
        { pointer: '/allowedOrigins/2', detail: canonical },
        { pointer: '/allowedOrigins/3', detail: canonical },
        { pointer: '/allowedOrigins/4', detail: https },
        { pointer: '/allowedOrigins/5', detail: canonical },
        { pointer: '/allowedOrigins/6', detail: canonical },
        { pointer: '/allowedOrigins/7', detail: 'must not be the opaque origin null' },
        { pointer: '/allowedOrigins/8', detail: https },
        {
          pointer: '/allowedOrigins/9',
          detail: 'must be an origin scheme://host[:port], e.g. https://app.example.com',
        },
        { pointer: '/allowedOrigins/11', detail: 'repeats the origin at index 10' },
      ]),
    );
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
  });

  it('an explicit list (even empty) replaces the default; null in a PATCH returns to it', async () => {
    const res = await createOk({ ...spa, allowedOrigins: ['http://[::1]:8080'] });
    const { clientId } = res.body.client;
    expect(res.body.client.allowedOrigins).toEqual(['http://[::1]:8080']);
    const none = await h.call('PATCH', `/admin/clients/${clientId}`, { body: { allowedOrigins: [] } });
    expect(none.status).toBe(200);
    expect(none.body.allowedOrigins).toEqual([]);
    const back = await h.call('PATCH', `/admin/clients/${clientId}`, { body: { allowedOrigins: null } });
    expect(back.body.allowedOrigins).toEqual(['https://app.example.com', 'http://127.0.0.1']);
    expect(h.table.clients.get(clientId)!.client).not.toHaveProperty('allowedOrigins');
    // The default follows the redirect URIs; the audit diff shows both changes.
    h.advance(1000);
    const moved = await h.call('PATCH', `/admin/clients/${clientId}`, {
      body: { redirectUris: ['https://new.example.com/cb'] },
    });
    expect(moved.body.allowedOrigins).toEqual(['https://new.example.com']);
    const audit = await h.call('GET', '/admin/audit', { query: 'action=client.update&limit=1' });
    expect(audit.body.items[0].diff).toEqual({
      redirectUris: { from: spa.redirectUris, to: ['https://new.example.com/cb'] },
      allowedOrigins: {
        from: ['https://app.example.com', 'http://127.0.0.1'],
        to: ['https://new.example.com'],
      },
    });
  });
});

describe('consent and refresh-token settings', () => {
  it('bounds, types and idle ≤ absolute', async () => {
    const bounds = await create({
      ...spa,
      requireConsent: 'yes',
      refreshTokenTtl: 31536001,
      refreshTokenIdleTtl: 59,
      maxSessionsPerUser: 0,
    });
    expect(bounds.body).toEqual(
      invalid([
        { pointer: '/requireConsent', detail: 'must be a boolean' },
        { pointer: '/refreshTokenTtl', detail: 'must be at most 31536000' },
        { pointer: '/refreshTokenIdleTtl', detail: 'must be at least 60' },
        { pointer: '/maxSessionsPerUser', detail: 'must be at least 1' },
      ]),
    );
    const more = await create({ ...spa, refreshTokenTtl: 1.5, maxSessionsPerUser: 101 });
    expect(more.body).toEqual(
      invalid([
        { pointer: '/refreshTokenTtl', detail: 'must be an integer' },
        { pointer: '/maxSessionsPerUser', detail: 'must be at most 100' },
      ]),
    );
    const idle = await create({ ...spa, refreshTokenTtl: 3600, refreshTokenIdleTtl: 7200 });
    expect(idle.body).toEqual(
      invalid([{ pointer: '/refreshTokenIdleTtl', detail: 'must be at most refreshTokenTtl (3600)' }]),
    );
    const idleDefault = await create({ ...spa, refreshTokenIdleTtl: 2592001 });
    expect(idleDefault.body).toEqual(
      invalid([{ pointer: '/refreshTokenIdleTtl', detail: 'must be at most refreshTokenTtl (2592000)' }]),
    );
    const ok = await createOk({
      ...spa,
      requireConsent: true,
      refreshTokenTtl: 86400,
      refreshTokenIdleTtl: 3600,
      maxSessionsPerUser: 3,
    });
    expect(ok.body.client).toMatchObject({
      requireConsent: true,
      refreshTokenTtl: 86400,
      refreshTokenIdleTtl: 3600,
      maxSessionsPerUser: 3,
    });
  });

  it('only with the grants they belong to; refresh_token only with authorization_code', async () => {
    const cc = await create({
      name: 'M2M',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: ['https://a.example.com/cb'],
      postLogoutRedirectUris: ['https://a.example.com/bye'],
      allowedOrigins: [],
      requireConsent: false,
      refreshTokenTtl: 3600,
      refreshTokenIdleTtl: 600,
      maxSessionsPerUser: 5,
    });
    const code = 'applies only to clients with the authorization_code grant';
    const refresh = 'applies only to clients with the refresh_token grant';
    expect(cc.body).toEqual(
      invalid([
        { pointer: '/redirectUris', detail: code },
        { pointer: '/postLogoutRedirectUris', detail: code },
        { pointer: '/allowedOrigins', detail: code },
        { pointer: '/requireConsent', detail: code },
        { pointer: '/refreshTokenTtl', detail: refresh },
        { pointer: '/refreshTokenIdleTtl', detail: refresh },
        { pointer: '/maxSessionsPerUser', detail: refresh },
      ]),
    );
    const noRefresh = await create({ ...spa, grantTypes: ['authorization_code'], maxSessionsPerUser: 2 });
    expect(noRefresh.body).toEqual(invalid([{ pointer: '/maxSessionsPerUser', detail: refresh }]));
    const alone = await create({ name: 'x', grantTypes: ['refresh_token'], tokenEndpointAuthMethod: 'none' });
    expect(alone.body).toEqual(
      invalid([{ pointer: '/grantTypes/0', detail: 'refresh_token requires authorization_code' }]),
    );
    const dup = await create({ ...spa, grantTypes: ['authorization_code', 'authorization_code'] });
    expect(dup.body).toEqual(invalid([{ pointer: '/grantTypes/1', detail: 'repeats the grant type at index 0' }]));
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
  });
});

describe('PATCH keeps the rules on the merged client', () => {
  it('cannot remove the last redirect URI, nor leave settings behind a removed grant', async () => {
    const { clientId } = (await createOk({ ...spa, maxSessionsPerUser: 3 })).body.client;
    const path = `/admin/clients/${clientId}`;
    const before = structuredClone(h.table.clients.get(clientId)!.client);
    const cleared = await h.call('PATCH', path, { body: { redirectUris: null } });
    expect(cleared.body).toEqual(
      invalid([{ pointer: '/redirectUris', detail: 'is required with the authorization_code grant' }], path),
    );
    const emptied = await h.call('PATCH', path, { body: { redirectUris: [] } });
    expect(emptied.body).toEqual(invalid([{ pointer: '/redirectUris', detail: 'must have at least 1 item' }], path));
    const dropped = await h.call('PATCH', path, { body: { grantTypes: ['authorization_code'] } });
    expect(dropped.body).toEqual(
      invalid(
        [{ pointer: '/maxSessionsPerUser', detail: 'applies only to clients with the refresh_token grant' }],
        path,
      ),
    );
    const cc = await h.call('PATCH', path, {
      body: { grantTypes: ['client_credentials', 'authorization_code'], maxSessionsPerUser: null },
    });
    expect(cc.body).toEqual(
      invalid(
        [
          {
            pointer: '/tokenEndpointAuthMethod',
            detail: 'none (a public client) cannot be used with the client_credentials grant (RFC 6749 §4.4)',
          },
        ],
        path,
      ),
    );
    expect(h.table.clients.get(clientId)!.client).toEqual(before);
    const ok = await h.call('PATCH', path, { body: { grantTypes: ['authorization_code'], maxSessionsPerUser: null } });
    expect(ok.status).toBe(200);
    expect(ok.body).not.toHaveProperty('maxSessionsPerUser');
    expect(ok.body).not.toHaveProperty('refreshTokenTtl');
    expect(ok.body.version).toBe(2);
  });

  it('an M2M client gains the code flow only with redirect URIs', async () => {
    const created = await createOk({
      name: 'M2M',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const path = `/admin/clients/${created.body.client.clientId}`;
    const bare = await h.call('PATCH', path, { body: { grantTypes: ['client_credentials', 'authorization_code'] } });
    expect(bare.body).toEqual(
      invalid([{ pointer: '/redirectUris', detail: 'is required with the authorization_code grant' }], path),
    );
    const ok = await h.call('PATCH', path, {
      body: { grantTypes: ['client_credentials', 'authorization_code'], redirectUris: ['https://m.example.com/cb'] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      redirectUris: ['https://m.example.com/cb'],
      allowedOrigins: [],
      requireConsent: false,
    });
  });

  it('a client with secrets cannot become public: 409 public-client; a public one may become confidential', async () => {
    const web = await createOk({ ...spa, tokenEndpointAuthMethod: 'client_secret_basic' });
    const webPath = `/admin/clients/${web.body.client.clientId}`;
    const res = await h.call('PATCH', webPath, { body: { tokenEndpointAuthMethod: 'none' } });
    expect(res.body).toEqual({
      type: `${P}public-client`,
      title: 'A public client holds no secrets',
      status: 409,
      detail: `client ${web.body.client.clientId} holds 1 secret(s); revoke them before it becomes public (none)`,
      instance: webPath,
    });
    const pub = (await createOk(spa)).body.client.clientId as string;
    const turned = await h.call('PATCH', `/admin/clients/${pub}`, {
      body: { tokenEndpointAuthMethod: 'client_secret_post' },
    });
    expect(turned.status).toBe(200);
    // No longer public: the default origins are gone, and it may now hold a secret.
    expect(turned.body.allowedOrigins).toEqual([]);
    expect((await h.call('POST', `/admin/clients/${pub}/secrets`)).status).toBe(201);
  });

  it('cannot drop the grant type its rules need: 409 in-use', async () => {
    const mixed = await createOk({
      ...spa,
      grantTypes: ['client_credentials', 'authorization_code'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const id = mixed.body.client.clientId as string;
    await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    await h.call('POST', `/admin/clients/${id}/rules`, {
      body: { audience: ORDERS, scopes: ['orders:read'], subjectType: 'user' },
    });
    const noCc = await h.call('PATCH', `/admin/clients/${id}`, { body: { grantTypes: ['authorization_code'] } });
    expect(noCc.body).toEqual({
      type: `${P}in-use`,
      title: 'The resource is in use',
      status: 409,
      detail: `client ${id} holds 1 client rule(s) (${ORDERS}), which need the client_credentials grant; delete them first`,
      instance: `/admin/clients/${id}`,
    });
    await h.call('DELETE', `/admin/clients/${id}/rules/${encodeURIComponent(ORDERS)}`);
    const noCode = await h.call('PATCH', `/admin/clients/${id}`, {
      body: {
        grantTypes: ['client_credentials'],
        redirectUris: null,
      },
    });
    expect(noCode.status).toBe(409);
    expect(noCode.body.detail).toBe(
      `client ${id} holds 1 user rule(s) (${ORDERS}), which need the authorization_code grant; delete them first`,
    );
  });
});
