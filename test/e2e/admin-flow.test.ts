/**
 * The admin API over HTTP on the local server, through the same authorizer logic API Gateway runs:
 * create an API, a client and a rule; get a token with the new client (openid-client); rotate its
 * secret (both work), revoke the old one (old fails, new works); disable the client (refused at once);
 * delete it. Plus the RFC 6750 answers of the authorizer and the public OpenAPI document.
 */
import { Issuer } from 'openid-client';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { accessTokenVerifier, startTestIdp } from '../support/local-idp';
import { issuedLifetime } from '../support/token-lifetime';

const ORDERS = 'https://orders.example.com';

describe('admin API end to end', () => {
  let idp: LocalIdp;
  let adminToken: string;

  async function admin(method: string, path: string, body?: unknown, token = adminToken) {
    const res = await fetch(`${idp.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  async function clientToken(
    clientId: string,
    clientSecret: string,
    method: 'client_secret_basic' | 'client_secret_post',
  ) {
    const issuer = await Issuer.discover(idp.issuer);
    const client = new issuer.Client({
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: method,
    });
    return client.grant({ grant_type: 'client_credentials', audience: ORDERS });
  }

  beforeAll(async () => {
    idp = await startTestIdp();
    const res = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: idp.bootstrap.clientId,
        client_secret: idp.bootstrap.clientSecret,
        audience: `${idp.issuer}/admin`,
      }),
    });
    // The bootstrap client is registered for client_secret_basic: post is refused...
    expect(res.status).toBe(401);
    const basic = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${idp.bootstrap.clientId}:${idp.bootstrap.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience: `${idp.issuer}/admin` }),
    });
    adminToken = ((await basic.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('answers 401 without a token, 401 invalid_token for a bad one and 403 for a missing scope (RFC 6750 §3)', async () => {
    const none = await fetch(`${idp.url}/admin/clients`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="${idp.issuer}"`);
    expect(none.headers.get('content-type')).toBe('application/problem+json');

    const bad = await admin('GET', '/admin/clients', undefined, `${adminToken.slice(0, -4)}AAAA`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(
      new RegExp(`^Bearer realm="${idp.issuer}", error="invalid_token"`),
    );

    // A read-only admin token cannot write.
    const readOnly = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${idp.bootstrap.clientId}:${idp.bootstrap.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:read' }),
    });
    const readToken = ((await readOnly.json()) as { access_token: string }).access_token;
    expect((await admin('GET', '/admin/apis', undefined, readToken)).status).toBe(200);
    const denied = await admin(
      'POST',
      '/admin/apis',
      { identifier: 'https://x.example.com', name: 'x', scopes: [] },
      readToken,
    );
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toBe(
      `Bearer realm="${idp.issuer}", error="insufficient_scope", error_description="the access token lacks the required scope: admin:write", scope="admin:write"`,
    );
  });

  it('refuses an admin token at once when its client is disabled', async () => {
    const created = await admin('POST', '/admin/clients', {
      name: 'Read-only auditor',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const clientId = (created.body!['client'] as { clientId: string }).clientId;
    const secret = (created.body!['secret'] as { value: string }).value;
    expect(
      (
        await admin('POST', `/admin/clients/${clientId}/rules`, {
          audience: `${idp.issuer}/admin`,
          scopes: ['admin:read'],
        })
      ).status,
    ).toBe(201);
    const res = await fetch(`${idp.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:read' }),
    });
    const auditorToken = ((await res.json()) as { access_token: string }).access_token;
    expect((await admin('GET', '/admin/clients', undefined, auditorToken)).status).toBe(200);

    expect((await admin('PATCH', `/admin/clients/${clientId}`, { status: 'disabled' })).status).toBe(200);
    const refused = await admin('GET', '/admin/clients', undefined, auditorToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('serves its OpenAPI document without a token', async () => {
    const res = await fetch(`${idp.url}/admin/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/admin/clients', '/admin/clients/{clientId}/secrets']),
    );
  });

  it('registers an API, a client and a rule; rotates, revokes, disables and deletes', async () => {
    const api = await admin('POST', '/admin/apis', {
      identifier: ORDERS,
      name: 'Orders',
      scopes: [{ value: 'orders:read', description: 'Read orders' }, { value: 'orders:write' }],
      accessTokenTtl: 900,
    });
    expect(api.status).toBe(201);

    const created = await admin('POST', '/admin/clients', {
      name: 'Partner One',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_post',
      external: true,
    });
    expect(created.status).toBe(201);
    const clientId = (created.body!['client'] as { clientId: string }).clientId;
    const first = created.body!['secret'] as { id: string; value: string };
    expect(first.value).toMatch(/^sidp_[A-Za-z0-9_-]{43}$/);
    expect(created.body!['curl']).toContain(`${idp.issuer}/oauth2/token`);

    // No rule yet: the client can obtain nothing.
    await expect(clientToken(clientId, first.value, 'client_secret_post')).rejects.toMatchObject({
      error: 'invalid_scope',
    });

    const rule = await admin('POST', `/admin/clients/${clientId}/rules`, {
      audience: ORDERS,
      scopes: ['orders:read'],
      claims: { tier: 'gold' },
    });
    expect(rule.status).toBe(201);

    const tokens = await clientToken(clientId, first.value, 'client_secret_post');
    expect(issuedLifetime(tokens.access_token)).toBe(900);
    const verifier = await accessTokenVerifier(idp, ORDERS);
    expect(await verifier.verify(tokens.access_token!)).toMatchObject({
      client_id: clientId,
      scope: 'orders:read',
      tier: 'gold',
    });

    // Rotation: a second secret; both work.
    const added = await admin('POST', `/admin/clients/${clientId}/secrets`);
    expect(added.status).toBe(201);
    const second = added.body as unknown as { id: string; value: string };
    await expect(clientToken(clientId, first.value, 'client_secret_post')).resolves.toHaveProperty('access_token');
    await expect(clientToken(clientId, second.value, 'client_secret_post')).resolves.toHaveProperty('access_token');

    const listed = await admin('GET', `/admin/clients/${clientId}/secrets`);
    expect(JSON.stringify(listed.body)).not.toContain(first.value);
    expect(JSON.stringify(listed.body)).not.toContain(second.value);

    // Revoke the old one: it fails at once, the new one works.
    expect((await admin('DELETE', `/admin/clients/${clientId}/secrets/${first.id}`)).status).toBe(204);
    await expect(clientToken(clientId, first.value, 'client_secret_post')).rejects.toMatchObject({
      error: 'invalid_client',
    });
    await expect(clientToken(clientId, second.value, 'client_secret_post')).resolves.toHaveProperty('access_token');

    // Disable: refused at once.
    const disabled = await admin('PATCH', `/admin/clients/${clientId}`, { status: 'disabled' });
    expect(disabled.status).toBe(200);
    await expect(clientToken(clientId, second.value, 'client_secret_post')).rejects.toMatchObject({
      error: 'invalid_client',
    });

    // Delete: gone, with its secrets and rules.
    expect((await admin('DELETE', `/admin/clients/${clientId}`)).status).toBe(204);
    expect((await admin('GET', `/admin/clients/${clientId}`)).status).toBe(404);
    expect(await idp.repositories.clients.loadClientBundle(clientId)).toBeUndefined();

    // Every change is in the audit trail, attributed to the bootstrap admin.
    const audit = await admin('GET', `/admin/audit?targetId=${encodeURIComponent(clientId)}&limit=100`);
    const actions = (audit.body!['items'] as { action: string; actor: string }[]).map((e) => e.action);
    expect(actions).toEqual([
      'client.delete',
      'client.update',
      'secret.revoke',
      'secret.create',
      'rule.put',
      'client.create',
    ]);
    const actors = (audit.body!['items'] as { actor: { clientId: string; jti: string } }[]).map((e) => e.actor);
    expect(new Set(actors.map((a) => a.clientId))).toEqual(new Set([idp.bootstrap.clientId]));
    expect(actors.every((a) => a.jti.length > 0)).toBe(true);
  });
});
