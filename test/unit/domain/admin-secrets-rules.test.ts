/**
 * `/admin/clients/{id}/secrets` and `/admin/clients/{id}/rules`: rotation without downtime, expiry and
 * revocation reaching the token endpoint at once, listings without values, rules checked against the
 * API's scopes, reserved claims refused, limits, and the last-admin guard rail on secrets and rules.
 */
import { ConflictError } from '../../../lambdas/domain/errors';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ORDERS = 'https://api.example.com/orders';
const enc = encodeURIComponent;

let h: AdminHarness;
let clientId: string;
let firstSecret: { id: string; value: string };

beforeEach(async () => {
  h = await makeAdminHarness();
  await h.call('POST', '/admin/apis', {
    body: {
      identifier: ORDERS,
      name: 'Orders',
      scopes: [{ value: 'orders:read' }, { value: 'orders:write' }],
      accessTokenTtl: 300,
    },
  });
  const created = await h.call('POST', '/admin/clients', {
    body: { name: 'Shop', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' },
  });
  clientId = created.body.client.clientId;
  firstSecret = created.body.secret;
  await h.call('POST', `/admin/clients/${clientId}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
});

describe('secrets', () => {
  it('rotation without downtime: add a second secret, both work, revoke the old one, only the new works', async () => {
    h.advance(1000);
    const added = await h.call('POST', `/admin/clients/${clientId}/secrets`);
    expect(added.status).toBe(201);
    const at = new Date(h.now()).toISOString();
    expect(added.body).toEqual({
      id: expect.stringMatching(/^sec_/),
      value: expect.stringMatching(/^sidp_/),
      createdAt: at,
    });
    expect(added.headers['Location']).toBe(`/admin/clients/${clientId}/secrets/${added.body.id}`);
    expect((await h.token(clientId, firstSecret.value, { audience: ORDERS })).status).toBe(200);
    expect((await h.token(clientId, added.body.value, { audience: ORDERS })).status).toBe(200);

    const revoke = await h.call('DELETE', `/admin/clients/${clientId}/secrets/${firstSecret.id}`);
    expect(revoke).toEqual({ status: 204, headers: { 'Cache-Control': 'no-store' }, text: '', body: undefined });
    expect(await h.token(clientId, firstSecret.value, { audience: ORDERS })).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
    });
    expect((await h.token(clientId, added.body.value, { audience: ORDERS })).status).toBe(200);
    const again = await h.call('DELETE', `/admin/clients/${clientId}/secrets/${firstSecret.id}`);
    expect(again.status).toBe(404);
    expect(again.body.detail).toBe(`client ${clientId} has no secret ${firstSecret.id}`);
  });

  it('lists secrets newest first without value or hash, with status, expiry and lastUsedAt', async () => {
    const created = new Date(h.now()).toISOString();
    h.advance(1000);
    const expiresAt = new Date(h.now() + 3_600_000).toISOString();
    const second = await h.call('POST', `/admin/clients/${clientId}/secrets`, {
      body: { expiresAt: expiresAt.replace('Z', '+00:00') },
    });
    expect(second.body.expiresAt).toBe(expiresAt);
    // The token path records use at most once per interval (ClientRepository.touchSecret).
    const usedAt = new Date(h.now()).toISOString();
    expect(await h.clients.touchSecret(clientId, firstSecret.id, usedAt, 300)).toBe(true);
    expect(await h.clients.touchSecret(clientId, firstSecret.id, usedAt, 300)).toBe(false);

    const list = await h.call('GET', `/admin/clients/${clientId}/secrets`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        { id: second.body.id, status: 'active', createdAt: usedAt, expiresAt },
        { id: firstSecret.id, status: 'active', createdAt: created, lastUsedAt: usedAt },
      ],
    });
    expect(list.text).not.toContain(firstSecret.value);
    expect(list.text).not.toContain(second.body.value);
    expect(list.text).not.toContain('hash');

    // Expired secrets stop working at once and are listed as expired.
    h.advance(3_600_000);
    expect((await h.token(clientId, second.body.value, { audience: ORDERS })).status).toBe(401);
    const later = await h.call('GET', `/admin/clients/${clientId}/secrets`);
    expect(later.body.items[0].status).toBe('expired');
  });

  it('validates the body: expiry in the future, ISO 8601, no other field', async () => {
    const past = await h.call('POST', `/admin/clients/${clientId}/secrets`, {
      body: { expiresAt: new Date(h.now()).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(past.body).toEqual({
      type: `${P}validation-error`,
      title: 'The request is not valid',
      status: 400,
      detail: 'one input is not valid',
      instance: `/admin/clients/${clientId}/secrets`,
      errors: [{ pointer: '/expiresAt', detail: 'must be in the future' }],
    });
    const bad = await h.call('POST', `/admin/clients/${clientId}/secrets`, {
      body: { expiresAt: 'tomorrow', value: 'my-own-secret', hash: 'x' },
    });
    expect(bad.body.errors).toEqual([
      { pointer: '/expiresAt', detail: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z' },
      { pointer: '/value', detail: 'is set by the server and cannot be written' },
      { pointer: '/hash', detail: 'is set by the server and cannot be written' },
    ]);
    const noZone = await h.call('POST', `/admin/clients/${clientId}/secrets`, {
      body: { expiresAt: '2030-01-01T00:00:00' },
    });
    expect(noZone.status).toBe(400);
    expect(h.table.clients.get(clientId)!.secrets.size).toBe(1);
  });

  it('caps secrets per client at 10, 404s unknown clients, 405s GET on one secret', async () => {
    for (let i = 1; i < 10; i++) expect((await h.call('POST', `/admin/clients/${clientId}/secrets`)).status).toBe(201);
    const full = await h.call('POST', `/admin/clients/${clientId}/secrets`);
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({
      type: `${P}limit-exceeded`,
      title: 'A limit was reached',
      detail: `client ${clientId} has 10 secrets, the most allowed; revoke one first`,
    });
    expect((await h.call('POST', '/admin/clients/ghost/secrets')).status).toBe(404);
    expect((await h.call('GET', '/admin/clients/ghost/secrets')).status).toBe(404);
    const get = await h.call('GET', `/admin/clients/${clientId}/secrets/${firstSecret.id}`);
    expect(get.status).toBe(405);
    expect(get.headers['Allow']).toBe('DELETE');
  });

  it('the last admin cannot revoke its last active secret', async () => {
    const boot = h.table.clients.get(h.bootstrap.clientId)!;
    const [secretId] = [...boot.secrets.keys()];
    const res = await h.call('DELETE', `/admin/clients/${h.bootstrap.clientId}/secrets/${secretId}`);
    expect(res.status).toBe(409);
    expect(res.body.type).toBe(`${P}last-admin`);
    expect(res.body.detail).toContain('revoking its last active secret would lock everyone out');
    // With a second secret it may rotate.
    await h.call('POST', `/admin/clients/${h.bootstrap.clientId}/secrets`);
    expect((await h.call('DELETE', `/admin/clients/${h.bootstrap.clientId}/secrets/${secretId}`)).status).toBe(204);
  });
});

describe('rules', () => {
  it('grants scopes with static claims; tokens carry them with the API TTL snapshot', async () => {
    const res = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: ORDERS, scopes: ['orders:read', 'orders:write'], claims: { tenant: 'acme', tier: 2 } },
    });
    expect(res.status).toBe(200);
    expect(res.headers['Location']).toBe(`/admin/clients/${clientId}/rules/${enc(ORDERS)}`);
    expect(res.body).toEqual({
      audience: ORDERS,
      scopes: ['orders:read', 'orders:write'],
      claims: { tenant: 'acme', tier: 2 },
      createdAt: new Date(h.now()).toISOString(),
    });
    const token = await h.token(clientId, firstSecret.value, { audience: ORDERS });
    expect(token.body).toMatchObject({ scope: 'orders:read orders:write', expires_in: 300 });
    const payload = JSON.parse(Buffer.from(String(token.body['access_token']).split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ tenant: 'acme', tier: 2, aud: ORDERS, client_id: clientId });
  });

  it('201 for a new rule, 200 for a replacement, 200 without a write for the same rule', async () => {
    await h.call('POST', '/admin/apis', {
      body: { identifier: 'urn:inventory', name: 'Inv', scopes: [{ value: 'inv' }] },
    });
    const created = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: 'urn:inventory', scopes: ['inv'] },
    });
    expect(created.status).toBe(201);
    const auditCount = h.table.audit.size;
    const same = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: 'urn:inventory', scopes: ['inv'] },
    });
    expect(same.status).toBe(200);
    expect(h.table.audit.size).toBe(auditCount);
    const list = await h.call('GET', `/admin/clients/${clientId}/rules`);
    expect(list.body.items.map((r: { audience: string }) => r.audience)).toEqual([ORDERS, 'urn:inventory']);
    const one = await h.call('GET', `/admin/clients/${clientId}/rules/${enc('urn:inventory')}`);
    expect(one.body).toEqual(created.body);
    const none = await h.call('GET', `/admin/clients/${clientId}/rules/${enc('urn:nothing')}`);
    expect(none.status).toBe(404);
    expect(none.body.detail).toBe(`client ${clientId} has no rule for urn:nothing`);
  });

  it('refuses unknown APIs, scopes the API does not define, reserved claims, bad shapes', async () => {
    const unknownApi = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: 'https://nope.example.com', scopes: ['x'] },
    });
    expect(unknownApi.body.errors).toEqual([
      { pointer: '/audience', detail: 'is not the identifier of a registered API' },
    ]);
    const unknownScope = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: ORDERS, scopes: ['orders:read', 'orders:delete', 'admin:write'] },
    });
    expect(unknownScope.body.errors).toEqual([
      { pointer: '/scopes/1', detail: `is not a scope of ${ORDERS}` },
      { pointer: '/scopes/2', detail: `is not a scope of ${ORDERS}` },
    ]);
    const reserved = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: {
        audience: ORDERS,
        scopes: ['orders:read'],
        claims: { iss: 'evil', sub: 'x', scope: 'all', ok: 1, 'a/b': 2 },
      },
    });
    expect(reserved.body.errors).toEqual([
      { pointer: '/claims/iss', detail: 'is a reserved JWT claim and cannot be set' },
      { pointer: '/claims/sub', detail: 'is a reserved JWT claim and cannot be set' },
      { pointer: '/claims/scope', detail: 'is a reserved JWT claim and cannot be set' },
    ]);
    const shapes = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: ORDERS, scopes: [], clientId: 'x', apiAccessTokenTtl: 5 },
    });
    expect(shapes.body.errors).toEqual([
      { pointer: '/scopes', detail: 'must have at least 1 item' },
      { pointer: '/clientId', detail: 'is set by the server and cannot be written' },
      { pointer: '/apiAccessTokenTtl', detail: 'is set by the server and cannot be written' },
    ]);
    const dup = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: ORDERS, scopes: ['orders:read', 'orders:read'] },
    });
    expect(dup.body.errors).toEqual([{ pointer: '/scopes/1', detail: 'repeats the scope at index 0' }]);
    // Nothing changed.
    expect(h.table.clients.get(clientId)!.rules.get(ORDERS)!.scopes).toEqual(['orders:read']);
  });

  it('deleting a rule stops the scopes at once', async () => {
    const res = await h.call('DELETE', `/admin/clients/${clientId}/rules/${enc(ORDERS)}`);
    expect(res.status).toBe(204);
    const token = await h.token(clientId, firstSecret.value, { audience: ORDERS });
    expect(token.status).toBe(400);
    expect(token.body['error']).toBe('invalid_scope');
    expect((await h.call('DELETE', `/admin/clients/${clientId}/rules/${enc(ORDERS)}`)).status).toBe(404);
  });

  it('a lost race on the API version is a 409 and writes nothing', async () => {
    h.table.failNext('putRule', new ConflictError('the API changed'));
    const res = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: ORDERS, scopes: ['orders:write'] },
    });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe(`${P}version-conflict`);
    expect(h.table.clients.get(clientId)!.rules.get(ORDERS)!.scopes).toEqual(['orders:read']);
  });

  it('caps rules per client at 50', async () => {
    for (let i = 1; i < 50; i++) {
      await h.call('POST', '/admin/apis', {
        body: { identifier: `urn:api:${i}`, name: `${i}`, scopes: [{ value: 's' }] },
      });
      expect(
        (
          await h.call('POST', `/admin/clients/${clientId}/rules`, {
            body: { audience: `urn:api:${i}`, scopes: ['s'] },
          })
        ).status,
      ).toBe(201);
    }
    await h.call('POST', '/admin/apis', { body: { identifier: 'urn:api:50', name: '50', scopes: [{ value: 's' }] } });
    const full = await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: 'urn:api:50', scopes: ['s'] },
    });
    expect(full.status).toBe(409);
    expect(full.body.detail).toBe(`client ${clientId} has 50 rules, the most allowed`);
    // Replacing an existing rule is still allowed.
    expect(
      (
        await h.call('POST', `/admin/clients/${clientId}/rules`, {
          body: { audience: ORDERS, scopes: ['orders:write'] },
        })
      ).status,
    ).toBe(200);
  });

  it('guard rail: the last admin cannot lose or narrow its admin:write rule', async () => {
    const boot = h.bootstrap.clientId;
    const narrow = await h.call('POST', `/admin/clients/${boot}/rules`, {
      body: { audience: h.adminAudience, scopes: ['admin:read'] },
    });
    expect(narrow.status).toBe(409);
    expect(narrow.body.detail).toContain('narrowing this rule would lock everyone out');
    const del = await h.call('DELETE', `/admin/clients/${boot}/rules/${enc(h.adminAudience)}`);
    expect(del.status).toBe(409);
    expect(del.body.detail).toContain('deleting this rule would lock everyone out');
    expect(h.table.clients.get(boot)!.rules.get(h.adminAudience)!.scopes).toEqual(['admin:read', 'admin:write']);
    // Admin scopes need an explicit rule: the shop client cannot get one.
    const adminToken = await h.token(clientId, firstSecret.value, { audience: h.adminAudience });
    expect(adminToken.body['error']).toBe('invalid_scope');
    // Once another client holds admin:write, the bootstrap rule may be narrowed.
    await h.call('POST', `/admin/clients/${clientId}/rules`, {
      body: { audience: h.adminAudience, scopes: ['admin:write'] },
    });
    expect((await h.token(clientId, firstSecret.value, { audience: h.adminAudience })).body['scope']).toBe(
      'admin:write',
    );
    const ok = await h.call('POST', `/admin/clients/${boot}/rules`, {
      body: { audience: h.adminAudience, scopes: ['admin:read'] },
    });
    expect(ok.status).toBe(200);
  });
});
