/**
 * Rules by subject type and APIs' `userAccess` (docs/contract.md, Admin API › Rules, APIs): a client
 * holds a client rule and a user rule for one API side by side, each tied to its grant type; listing,
 * reading and deleting address them by audience and `?subjectType`; the client credentials grant
 * reads client rules only; `userAccess` is snapshotted into user rules and kept in step; the built-in
 * admin API is `granted` (set and repaired by bootstrap); a user rule never makes an admin writer.
 */
import { randomIds } from '../../../lambdas/adapters/random-ids';
import { ensureBootstrap } from '../../../lambdas/domain/bootstrap';
import { makeAdminHarness, ruleKey } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ORDERS = 'https://api.example.com/orders';
const enc = encodeURIComponent;

let h: AdminHarness;
let mixed: string;
let secret: string;
let spa: string;
let m2m: string;
beforeEach(async () => {
  h = await makeAdminHarness();
  await h.call('POST', '/admin/apis', {
    body: {
      identifier: ORDERS,
      name: 'Orders',
      scopes: [{ value: 'orders:read' }, { value: 'orders:write' }],
      userAccess: 'granted',
    },
  });
  const created = await h.call('POST', '/admin/clients', {
    body: {
      name: 'Mixed',
      grantTypes: ['client_credentials', 'authorization_code'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: ['https://web.example.com/cb'],
    },
  });
  mixed = created.body.client.clientId;
  secret = created.body.secret.value;
  spa = (
    await h.call('POST', '/admin/clients', {
      body: {
        name: 'SPA',
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: ['https://app.example.com/cb'],
      },
    })
  ).body.client.clientId;
  m2m = (
    await h.call('POST', '/admin/clients', {
      body: { name: 'M2M', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' },
    })
  ).body.client.clientId;
});

const rules = (id: string) => `/admin/clients/${id}/rules`;
const userRule = { audience: ORDERS, scopes: ['orders:read', 'orders:write'], subjectType: 'user' };

describe('subject types', () => {
  it('a client rule and a user rule for one API, stored apart, listed client first', async () => {
    const at = new Date(h.now()).toISOString();
    const client = await h.call('POST', rules(mixed), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    expect(client.status).toBe(201);
    expect(client.body).toEqual({ audience: ORDERS, scopes: ['orders:read'], createdAt: at });
    const user = await h.call('POST', rules(mixed), { body: userRule });
    expect(user.status).toBe(201);
    expect(user.headers['Location']).toBe(`/admin/clients/${mixed}/rules/${enc(ORDERS)}?subjectType=user`);
    expect(user.body).toEqual({
      audience: ORDERS,
      scopes: ['orders:read', 'orders:write'],
      subjectType: 'user',
      createdAt: at,
    });
    const stored = h.table.clients.get(mixed)!.rules;
    // The client rule is stored as before people; the user rule beside it, with the userAccess snapshot.
    expect(stored.get(ORDERS)).toEqual({ audience: ORDERS, scopes: ['orders:read'], createdAt: at });
    expect(stored.get(ruleKey(ORDERS, 'user'))).toEqual({
      audience: ORDERS,
      scopes: ['orders:read', 'orders:write'],
      subjectType: 'user',
      apiUserAccess: 'granted',
      createdAt: at,
    });
    const list = await h.call('GET', rules(mixed));
    expect(list.body).toEqual({ items: [client.body, user.body] });
    expect((await h.call('GET', `${rules(mixed)}/${enc(ORDERS)}`)).body).toEqual(client.body);
    expect((await h.call('GET', `${rules(mixed)}/${enc(ORDERS)}`, { query: 'subjectType=user' })).body).toEqual(
      user.body,
    );
    expect((await h.call('GET', `${rules(mixed)}/${enc(ORDERS)}`, { query: 'subjectType=client' })).body).toEqual(
      client.body,
    );
    // Replacing the user rule leaves the client rule alone.
    const replaced = await h.call('POST', rules(mixed), { body: { ...userRule, scopes: ['orders:write'] } });
    expect(replaced.status).toBe(200);
    expect(stored.size).toBe(2);
    expect(h.table.clients.get(mixed)!.rules.get(ORDERS)!.scopes).toEqual(['orders:read']);
  });

  it('each subject type needs its grant type; a bad subject type is refused', async () => {
    const onM2m = await h.call('POST', rules(m2m), { body: userRule });
    expect(onM2m.status).toBe(400);
    expect(onM2m.body).toEqual({
      type: `${P}validation-error`,
      title: 'The request is not valid',
      status: 400,
      detail: 'one input is not valid',
      instance: rules(m2m),
      errors: [{ pointer: '/subjectType', detail: 'is user, which needs a client with the authorization_code grant' }],
    });
    const onSpa = await h.call('POST', rules(spa), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    expect(onSpa.body.errors).toEqual([
      {
        pointer: '/subjectType',
        detail:
          'is client (the default), which needs a client with the client_credentials grant; send user for a code-flow client',
      },
    ]);
    const bad = await h.call('POST', rules(spa), { body: { ...userRule, subjectType: 'robot' } });
    expect(bad.body.errors).toEqual([{ pointer: '/subjectType', detail: 'must be one of: "client", "user"' }]);
    const snapshot = await h.call('POST', rules(spa), { body: { ...userRule, apiUserAccess: 'any' } });
    expect(snapshot.body.errors).toEqual([
      { pointer: '/apiUserAccess', detail: 'is set by the server and cannot be written' },
    ]);
    expect((await h.call('POST', rules(spa), { body: userRule })).status).toBe(201);
    expect(h.table.clients.get(m2m)!.rules.size).toBe(0);
  });

  it('delete addresses a rule by audience and ?subjectType (default client); the audit names user rules', async () => {
    await h.call('POST', rules(mixed), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    await h.call('POST', rules(mixed), { body: userRule });
    const path = `${rules(mixed)}/${enc(ORDERS)}`;
    const bad = await h.call('DELETE', path, { query: 'subjectType=robot' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ parameter: 'subjectType', detail: 'must be one of: "client", "user"' }]);
    expect((await h.call('DELETE', path, { query: 'subjectType=user' })).status).toBe(204);
    const again = await h.call('DELETE', path, { query: 'subjectType=user' });
    expect(again.status).toBe(404);
    expect(again.body.detail).toBe(`client ${mixed} has no user rule for ${ORDERS}`);
    expect([...h.table.clients.get(mixed)!.rules.keys()]).toEqual([ORDERS]);
    // The client rule still issues tokens.
    expect((await h.token(mixed, secret, { audience: ORDERS })).status).toBe(200);
    const audit = await h.call('GET', '/admin/audit', { query: `targetId=${enc(ORDERS)}` });
    const targets = audit.body.items.map((e: { action: string; target: unknown }) => [e.action, e.target]);
    expect(targets).toEqual(
      expect.arrayContaining([
        ['rule.put', { type: 'rule', id: ORDERS, clientId: mixed }],
        ['rule.put', { type: 'rule', id: ORDERS, clientId: mixed, subjectType: 'user' }],
        ['rule.delete', { type: 'rule', id: ORDERS, clientId: mixed, subjectType: 'user' }],
      ]),
    );
  });
});

describe('the token path reads client rules only', () => {
  it('a user rule never lets a client obtain client-credentials tokens for itself', async () => {
    await h.call('POST', rules(mixed), { body: userRule });
    expect(await h.token(mixed, secret, { audience: ORDERS })).toEqual({
      status: 400,
      body: {
        error: 'invalid_scope',
        error_description: 'no scope is granted to this client on the requested audience',
      },
    });
    expect(await h.token(mixed, secret, { scope: 'orders:write' })).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'scope not granted: orders:write' },
    });
    await h.call('POST', rules(mixed), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    const token = await h.token(mixed, secret, { audience: ORDERS });
    expect(token.status).toBe(200);
    expect(token.body['scope']).toBe('orders:read');
    expect((await h.token(mixed, secret, { audience: ORDERS, scope: 'orders:write' })).body).toEqual({
      error: 'invalid_scope',
      error_description: 'scope not granted: orders:write',
    });
  });

  it('a user rule with admin:write does not make an admin writer (last-admin guard rail)', async () => {
    await h.call('POST', rules(mixed), {
      body: { audience: h.adminAudience, scopes: ['admin:write'], subjectType: 'user' },
    });
    const res = await h.call('PATCH', `/admin/clients/${h.bootstrap.clientId}`, { body: { status: 'disabled' } });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe(`${P}last-admin`);
  });
});

describe('userAccess', () => {
  it('any by default (absent), granted on request; kept in step in user rules, never in client rules', async () => {
    const inv = await h.call('POST', '/admin/apis', {
      body: { identifier: 'urn:inventory', name: 'Inventory', scopes: [{ value: 'inv' }] },
    });
    expect(inv.body).not.toHaveProperty('userAccess');
    const orders = await h.call('GET', `/admin/apis/${enc(ORDERS)}`);
    expect(orders.body.userAccess).toBe('granted');
    const bad = await h.call('POST', '/admin/apis', {
      body: { identifier: 'urn:x', name: 'X', scopes: [], userAccess: 'some' },
    });
    expect(bad.body.errors).toEqual([{ pointer: '/userAccess', detail: 'must be one of: "any", "granted"' }]);

    await h.call('POST', rules(mixed), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    await h.call('POST', rules(mixed), { body: userRule });
    await h.call('POST', rules(spa), { body: userRule });
    const changed = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { userAccess: 'any' } });
    expect(changed.status).toBe(200);
    expect(changed.body.userAccess).toBe('any');
    expect(h.table.clients.get(mixed)!.rules.get(ruleKey(ORDERS, 'user'))!.apiUserAccess).toBe('any');
    expect(h.table.clients.get(spa)!.rules.get(ruleKey(ORDERS, 'user'))!.apiUserAccess).toBe('any');
    expect(h.table.clients.get(mixed)!.rules.get(ORDERS)).not.toHaveProperty('apiUserAccess');
    // Rule views never show the snapshot.
    expect((await h.call('GET', rules(spa))).text).not.toContain('apiUserAccess');
  });

  it('the built-in admin API is granted and stays so', async () => {
    const admin = await h.call('GET', `/admin/apis/${enc(h.adminAudience)}`);
    expect(admin.body.userAccess).toBe('granted');
    const res = await h.call('PATCH', `/admin/apis/${enc(h.adminAudience)}`, { body: { userAccess: 'any' } });
    expect(res.body).toEqual({
      type: `${P}in-use`,
      title: 'The resource is in use',
      status: 409,
      detail: 'the admin API is built in with userAccess granted; it cannot change',
      instance: `/admin/apis/${enc(h.adminAudience)}`,
    });
    expect(h.table.apis.get(h.adminAudience)!.userAccess).toBe('granted');
  });

  it('bootstrap repairs an admin API from before people, and its user rules snapshots', async () => {
    await h.call('POST', rules(spa), {
      body: { audience: h.adminAudience, scopes: ['admin:read'], subjectType: 'user' },
    });
    const api = h.table.apis.get(h.adminAudience)!;
    delete api.userAccess;
    delete h.table.clients.get(spa)!.rules.get(ruleKey(h.adminAudience, 'user'))!.apiUserAccess;
    const deps = { clients: h.clients, apis: h.apis, hasher: h.deps.hasher, clock: h.deps.clock, ids: randomIds };
    await ensureBootstrap(deps, { issuer: h.issuer, ...h.bootstrap });
    expect(h.table.apis.get(h.adminAudience)).toMatchObject({ userAccess: 'granted', version: api.version + 1 });
    expect(h.table.clients.get(spa)!.rules.get(ruleKey(h.adminAudience, 'user'))!.apiUserAccess).toBe('granted');
    const audit = h.table.audit.size;
    await ensureBootstrap(deps, { issuer: h.issuer, ...h.bootstrap });
    expect(h.table.apis.get(h.adminAudience)!.version).toBe(api.version + 1);
    expect(h.table.audit.size).toBe(audit);
  });
});
