/**
 * `/admin/apis`: create, list, get, update, delete — happy paths with exact bodies and headers, each
 * validation error as its exact problem, concurrency (412 / 409), built-in admin API protection,
 * rule snapshots kept in step, and the audit events with their diffs.
 */
import { ConflictError } from '../../../lambdas/domain/errors';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ORDERS = 'https://api.example.com/orders';
const enc = encodeURIComponent;

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness();
});

async function createOrders(extra: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/admin/apis', {
    body: {
      identifier: ORDERS,
      name: 'Orders',
      scopes: [{ value: 'orders:read', description: 'Read orders' }, { value: 'orders:write' }],
      ...extra,
    },
  });
  expect(res.status).toBe(201);
  return res;
}

describe('POST /admin/apis', () => {
  it('creates an API: 201, Location, ETag, exact body, no-store', async () => {
    const at = new Date(h.now()).toISOString();
    const res = await createOrders({ accessTokenTtl: 600 });
    expect(res.headers).toEqual({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      Location: `/admin/apis/${enc(ORDERS)}`,
      ETag: '"1"',
    });
    expect(res.body).toEqual({
      identifier: ORDERS,
      name: 'Orders',
      scopes: [{ value: 'orders:read', description: 'Read orders' }, { value: 'orders:write' }],
      accessTokenTtl: 600,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    expect(h.table.apis.get(ORDERS)?.version).toBe(1);
  });

  it('names every bad field with a JSON pointer, server-owned and unknown fields included', async () => {
    const res = await h.call('POST', '/admin/apis', {
      body: {
        identifier: 'orders',
        name: '',
        scopes: [{ value: 'a b' }, { value: 'x', extra: 1 }, { value: 'x' }],
        accessTokenTtl: 0,
        version: 3,
        createdAt: '2020-01-01T00:00:00Z',
        colour: 'blue',
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers['Content-Type']).toBe('application/problem+json');
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(res.body).toEqual({
      type: `${P}validation-error`,
      title: 'The request is not valid',
      status: 400,
      detail: '9 inputs are not valid',
      instance: '/admin/apis',
      errors: [
        { pointer: '/identifier', detail: 'must be an absolute URI without a fragment (RFC 8707 §2)' },
        { pointer: '/name', detail: 'must not be empty' },
        {
          pointer: '/scopes/0/value',
          detail: 'must be a scope token (RFC 6749 §3.3: printable ASCII, no space, " or \\)',
        },
        { pointer: '/scopes/1/extra', detail: 'is not a known field' },
        { pointer: '/scopes/2/value', detail: 'repeats the scope at index 1' },
        { pointer: '/accessTokenTtl', detail: 'must be at least 1' },
        { pointer: '/version', detail: 'is set by the server and cannot be written' },
        { pointer: '/createdAt', detail: 'is set by the server and cannot be written' },
        { pointer: '/colour', detail: 'is not a known field' },
      ],
    });
  });

  it('reports missing required fields, wrong types and the 30-day TTL bound', async () => {
    const res = await h.call('POST', '/admin/apis', { body: { name: 7, scopes: 'x', accessTokenTtl: 2592001 } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { pointer: '/identifier', detail: 'is required' },
      { pointer: '/name', detail: 'must be a string' },
      { pointer: '/scopes', detail: 'must be an array' },
      { pointer: '/accessTokenTtl', detail: 'must be at most 2592000' },
    ]);
    const frac = await h.call('POST', '/admin/apis', {
      body: { identifier: ORDERS, name: 'O', scopes: [], accessTokenTtl: 1.5 },
    });
    expect(frac.body.errors).toEqual([{ pointer: '/accessTokenTtl', detail: 'must be an integer' }]);
    const fragment = await h.call('POST', '/admin/apis', {
      body: { identifier: 'https://api.example.com/#x', name: 'O', scopes: [] },
    });
    expect(fragment.body.errors).toEqual([
      { pointer: '/identifier', detail: 'must be an absolute URI without a fragment (RFC 8707 §2)' },
    ]);
  });

  it('rejects a body that is not an object', async () => {
    const res = await h.call('POST', '/admin/apis', { body: ['x'] });
    expect(res.body.errors).toEqual([{ pointer: '', detail: 'must be an object' }]);
  });

  it('answers 409 already-exists for a taken identifier, and for the built-in admin API', async () => {
    await createOrders();
    const again = await h.call('POST', '/admin/apis', { body: { identifier: ORDERS, name: 'x', scopes: [] } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      type: `${P}already-exists`,
      title: 'The resource already exists',
      status: 409,
      detail: `an API with identifier ${ORDERS} exists`,
      instance: '/admin/apis',
    });
    const admin = await h.call('POST', '/admin/apis', { body: { identifier: h.adminAudience, name: 'x', scopes: [] } });
    expect(admin.status).toBe(409);
  });
});

describe('GET /admin/apis and /admin/apis/{identifier}', () => {
  it('lists newest first with stable cursor pagination', async () => {
    const ids: string[] = [h.adminAudience];
    for (let i = 0; i < 5; i++) {
      h.advance(1000);
      const id = `https://api.example.com/a${i}`;
      ids.push(id);
      await h.call('POST', '/admin/apis', { body: { identifier: id, name: `A${i}`, scopes: [] } });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await h.call('GET', '/admin/apis', {
        query: `limit=2${cursor === undefined ? '' : `&cursor=${enc(cursor)}`}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((a: { identifier: string }) => a.identifier));
      cursor = res.body.nextCursor;
      // A write between pages does not disturb the listing (newer items sort before the cursor).
      if (pages === 0) await h.call('POST', '/admin/apis', { body: { identifier: 'urn:late', name: 'L', scopes: [] } });
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });

  it('defaults to 20 items and validates limit and cursor', async () => {
    const all = await h.call('GET', '/admin/apis');
    expect(all.body).toEqual({ items: [expect.objectContaining({ identifier: h.adminAudience })] });
    const bad = await h.call('GET', '/admin/apis', { query: 'limit=0&cursor=zzz&limit=3&x=1' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { parameter: 'limit', detail: 'is repeated' },
      { parameter: 'limit', detail: 'must be at least 1' },
      { parameter: 'x', detail: 'is not a known parameter' },
    ]);
    const big = await h.call('GET', '/admin/apis', { query: 'limit=101' });
    expect(big.body.errors).toEqual([{ parameter: 'limit', detail: 'must be at most 100' }]);
    const word = await h.call('GET', '/admin/apis', { query: 'limit=ten' });
    expect(word.body.errors).toEqual([{ parameter: 'limit', detail: 'must be an integer from 1 to 100' }]);
    const cursor = await h.call('GET', '/admin/apis', { query: 'cursor=not-ours' });
    expect(cursor.status).toBe(400);
    expect(cursor.body.errors).toEqual([{ parameter: 'cursor', detail: 'is not a cursor this listing issued' }]);
  });

  it('reads one API by its percent-encoded identifier, 404 otherwise', async () => {
    const created = await createOrders();
    const res = await h.call('GET', `/admin/apis/${enc(ORDERS)}`);
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('"1"');
    expect(res.body).toEqual(created.body);
    const missing = await h.call('GET', `/admin/apis/${enc('https://nope.example.com')}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      type: `${P}not-found`,
      title: 'Not found',
      status: 404,
      detail: 'no API with identifier https://nope.example.com',
      instance: `/admin/apis/${enc('https://nope.example.com')}`,
    });
    const notAUri = await h.call('GET', '/admin/apis/orders');
    expect(notAUri.status).toBe(404);
    expect(notAUri.body.detail).toBe('no API matches this path');
    const badEncoding = await h.call('GET', '/admin/apis/%E0%A4%A');
    expect(badEncoding.status).toBe(400);
    expect(badEncoding.body.errors).toEqual([
      { parameter: 'identifier', detail: 'is not valid percent-encoding (RFC 3986 §2.1)' },
    ]);
  });
});

describe('introspectors (RFC 7662: clients that may introspect the API’s tokens)', () => {
  it('set on create, replaced and cleared by PATCH, validated, audited with the change', async () => {
    const created = await h.call('POST', '/admin/apis', {
      body: { identifier: ORDERS, name: 'Orders', scopes: [{ value: 'orders:read' }], introspectors: ['rs-1'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.introspectors).toEqual(['rs-1']);
    const replaced = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { introspectors: ['rs-2', 'rs-3'] } });
    expect(replaced.body.introspectors).toEqual(['rs-2', 'rs-3']);
    const cleared = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { introspectors: [] } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.introspectors).toBeUndefined();
    const repeated = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { introspectors: ['a', 'a'] } });
    expect(repeated.status).toBe(400);
    const tooMany = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { introspectors: Array.from({ length: 21 }, (_, i) => `c${i}`) },
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('PATCH /admin/apis/{identifier}', () => {
  it('changes fields, bumps the version, and keeps rule TTL snapshots in step', async () => {
    await createOrders();
    const client = await h.call('POST', '/admin/clients', {
      body: { name: 'c', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' },
    });
    const clientId = client.body.client.clientId as string;
    await h.call('POST', `/admin/clients/${clientId}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    h.advance(5000);
    const res = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { name: 'Orders v2', accessTokenTtl: 120, tokenReuse: true },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('"2"');
    expect(res.body).toMatchObject({ name: 'Orders v2', accessTokenTtl: 120, tokenReuse: true, version: 2 });
    expect(res.body.updatedAt).toBe(new Date(h.now()).toISOString());
    const rule = h.table.clients.get(clientId)!.rules.get(ORDERS)!;
    expect(rule.apiAccessTokenTtl).toBe(120);
    expect(rule.apiTokenReuse).toBe(true);

    const cleared = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { accessTokenTtl: null } });
    expect(cleared.body.accessTokenTtl).toBeUndefined();
    expect(h.table.clients.get(clientId)!.rules.get(ORDERS)!.apiAccessTokenTtl).toBeUndefined();

    // The token endpoint sees the new lifetime at once: min(client, API) with the API's back to default.
    const token = await h.token(clientId, client.body.secret.value, { audience: ORDERS });
    expect(token.body['expires_in']).toBe(3600);
  });

  it('412 for a stale If-Match (with the current ETag), 409 for a stale body version, 400 for a bad header', async () => {
    await createOrders();
    await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { name: 'B' } });
    const stale = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { name: 'C' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers['ETag']).toBe('"2"');
    expect(stale.body).toEqual({
      type: `${P}precondition-failed`,
      title: 'The If-Match precondition failed',
      status: 412,
      detail: 'the resource is at version 2; If-Match did not match it',
      instance: `/admin/apis/${enc(ORDERS)}`,
    });
    const weak = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { name: 'C' },
      headers: { 'if-match': 'W/"2"' },
    });
    expect(weak.status).toBe(412);
    const body = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { name: 'C', version: 1 } });
    expect(body.status).toBe(409);
    expect(body.body).toEqual({
      type: `${P}version-conflict`,
      title: 'The resource was changed by someone else',
      status: 409,
      detail: 'the resource is at version 2, the request was based on version 1',
      instance: `/admin/apis/${enc(ORDERS)}`,
    });
    const malformed = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { name: 'C' },
      headers: { 'if-match': '2' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([
      { header: 'If-Match', detail: 'must be "*" or a list of entity tags such as "3"' },
    ]);
    const star = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { name: 'C' },
      headers: { 'if-match': '"7", "2"' },
    });
    expect(star.status).toBe(200);
    expect(star.body.version).toBe(3);
    expect(h.table.apis.get(ORDERS)!.name).toBe('C');
  });

  it('a write that loses the race after the checks is 409 (412 with If-Match), and nothing is written', async () => {
    await createOrders();
    h.table.failNext('updateApi', new ConflictError('version moved on'));
    const raced = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { name: 'X' } });
    expect(raced.status).toBe(409);
    expect(raced.body.detail).toBe('the resource was changed concurrently; read it again and retry');
    h.table.failNext('updateApi', new ConflictError('version moved on'));
    const racedIfMatch = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, {
      body: { name: 'X' },
      headers: { 'if-match': '*' },
    });
    expect(racedIfMatch.status).toBe(412);
    expect(h.table.apis.get(ORDERS)!.name).toBe('Orders');
    expect([...h.table.audit.values()].filter((e) => e.action === 'api.update')).toEqual([]);
  });

  it('an unchanged PATCH writes nothing and records no audit event', async () => {
    await createOrders();
    const before = h.table.audit.size;
    const res = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { name: 'Orders' } });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    expect(h.table.audit.size).toBe(before);
  });

  it('refuses to remove a scope that a rule grants, and the admin API built-in scopes', async () => {
    await createOrders();
    const client = await h.call('POST', '/admin/clients', {
      body: { name: 'c', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_post' },
    });
    const clientId = client.body.client.clientId as string;
    await h.call('POST', `/admin/clients/${clientId}/rules`, { body: { audience: ORDERS, scopes: ['orders:write'] } });
    const res = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { scopes: [{ value: 'orders:read' }] } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      type: `${P}in-use`,
      title: 'The resource is in use',
      detail: `scope orders:write is granted by the rules of 1 client(s) (${clientId}); change those rules first`,
    });
    const ok = await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { scopes: [{ value: 'orders:write' }] } });
    expect(ok.status).toBe(200);
    const admin = await h.call('PATCH', `/admin/apis/${enc(h.adminAudience)}`, {
      body: { scopes: [{ value: 'admin:read' }] },
    });
    expect(admin.status).toBe(409);
    expect(admin.body.detail).toBe('admin:write are built-in scopes of the admin API and cannot be removed');
  });
});

describe('DELETE /admin/apis/{identifier}', () => {
  it('deletes an unused API: 204, then 404', async () => {
    await createOrders();
    const res = await h.call('DELETE', `/admin/apis/${enc(ORDERS)}`, { headers: { 'if-match': '"1"' } });
    expect(res).toEqual({ status: 204, headers: { 'Cache-Control': 'no-store' }, text: '', body: undefined });
    expect(h.table.apis.has(ORDERS)).toBe(false);
    expect((await h.call('DELETE', `/admin/apis/${enc(ORDERS)}`)).status).toBe(404);
  });

  it('refuses while rules reference it, refuses the admin API, honours If-Match', async () => {
    await createOrders();
    const client = await h.call('POST', '/admin/clients', {
      body: { name: 'c', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_post' },
    });
    const clientId = client.body.client.clientId as string;
    await h.call('POST', `/admin/clients/${clientId}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    const inUse = await h.call('DELETE', `/admin/apis/${enc(ORDERS)}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.detail).toBe(`1 client(s) hold rules on this API (${clientId}); delete those rules first`);
    const stale = await h.call('DELETE', `/admin/apis/${enc(ORDERS)}`, { headers: { 'if-match': '"9"' } });
    expect(stale.status).toBe(412);
    const admin = await h.call('DELETE', `/admin/apis/${enc(h.adminAudience)}`);
    expect(admin.status).toBe(409);
    expect(admin.body.detail).toBe('the admin API is built in and cannot be deleted');
    expect(h.table.apis.has(ORDERS)).toBe(true);
  });
});

describe('audit of API changes', () => {
  it('records create, update and delete with actor, jti, time and field diffs', async () => {
    const t0 = new Date(h.now()).toISOString();
    await createOrders();
    h.advance(1000);
    await h.call('PATCH', `/admin/apis/${enc(ORDERS)}`, { body: { name: 'Orders 2', accessTokenTtl: 60 } });
    h.advance(1000);
    await h.call('DELETE', `/admin/apis/${enc(ORDERS)}`);
    const res = await h.call('GET', '/admin/audit', { query: `targetType=api&targetId=${enc(ORDERS)}` });
    expect(res.status).toBe(200);
    const events = res.body.items;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['api.delete', 'api.update', 'api.create']);
    for (const e of events) {
      expect(e.actor.clientId).toBe(h.bootstrap.clientId);
      expect(e.actor.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.target).toEqual({ type: 'api', id: ORDERS });
    }
    expect(events[2].at).toBe(t0);
    expect(events[2].diff).toEqual({
      identifier: { to: ORDERS },
      name: { to: 'Orders' },
      scopes: { to: [{ value: 'orders:read', description: 'Read orders' }, { value: 'orders:write' }] },
      createdAt: { to: t0 },
      updatedAt: { to: t0 },
      version: { to: 1 },
    });
    expect(events[1].diff).toEqual({ name: { from: 'Orders', to: 'Orders 2' }, accessTokenTtl: { to: 60 } });
    expect(Object.keys(events[0].diff).sort()).toEqual(
      ['accessTokenTtl', 'createdAt', 'identifier', 'name', 'scopes', 'updatedAt', 'version'].sort(),
    );
    expect(events[0].diff.name).toEqual({ from: 'Orders 2' });
  });
});
