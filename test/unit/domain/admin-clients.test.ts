/**
 * `/admin/clients`: create (secret once, curl), list (search, status, pagination), get, update
 * (concurrency, enable/disable reaching the token endpoint at once), delete (item collection), and
 * the last-admin guard rail on disable and delete.
 */
import { CLI_CLIENT_ID, CONSOLE_CLIENT_ID } from '../../../lambdas/domain/bootstrap';
import { BUILT_IN_CLIENTS, makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ORDERS = 'https://api.example.com/orders';

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness();
  await h.call('POST', '/admin/apis', {
    body: { identifier: ORDERS, name: 'Orders', scopes: [{ value: 'orders:read' }] },
  });
});

const base = { grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' };

async function createClient(body: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/admin/clients', { body: { name: 'Billing', ...base, ...body } });
  expect(res.status).toBe(201);
  return res;
}

/** A second working admin writer, so the bootstrap admin is no longer the last one. */
async function secondAdmin() {
  const admin = await createClient({ name: 'Second admin' });
  const id = admin.body.client.clientId as string;
  const rule = await h.call('POST', `/admin/clients/${id}/rules`, {
    body: { audience: h.adminAudience, scopes: ['admin:write'] },
  });
  expect(rule.status).toBe(201);
  return { id, secret: admin.body.secret.value as string };
}

describe('POST /admin/clients', () => {
  it('creates a client: the secret once, a ready curl, only the hash stored', async () => {
    const at = new Date(h.now()).toISOString();
    const res = await createClient({
      description: 'Billing backend',
      accessTokenTtl: 900,
      external: true,
      metadata: { team: 'billing', tier: 2, tags: ['a'] },
    });
    const { clientId } = res.body.client;
    const { id: secretId, value } = res.body.secret;
    expect(clientId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(value).toMatch(/^sidp_[A-Za-z0-9_-]{43}$/);
    expect(res.headers).toEqual({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      Location: `/admin/clients/${clientId}`,
      ETag: '"1"',
    });
    expect(res.body).toEqual({
      client: {
        clientId,
        name: 'Billing',
        description: 'Billing backend',
        status: 'enabled',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'client_secret_basic',
        accessTokenTtl: 900,
        external: true,
        tokenReuse: false,
        metadata: { team: 'billing', tier: 2, tags: ['a'] },
        createdAt: at,
        updatedAt: at,
        version: 1,
      },
      secret: { id: secretId, value, createdAt: at },
      curl:
        `curl -sS -X POST 'https://idp.example.test/oauth2/token' -u '${clientId}:${value}' ` +
        `-d 'grant_type=client_credentials' --data-urlencode 'audience=YOUR_API_IDENTIFIER'`,
    });
    const stored = h.table.clients.get(clientId)!;
    expect([...stored.secrets.values()]).toEqual([{ secretId, hash: h.deps.hasher.hash(value), createdAt: at }]);
    expect(h.table.dump()).not.toContain(value);
    // The secret is never shown again.
    const again = await h.call('GET', `/admin/clients/${clientId}`);
    expect(again.text).not.toContain(value);
  });

  it('the curl uses client_secret_post for post clients, and the credentials work once a rule exists', async () => {
    const res = await createClient({ tokenEndpointAuthMethod: 'client_secret_post' });
    const { clientId } = res.body.client;
    const value = res.body.secret.value;
    expect(res.body.curl).toBe(
      `curl -sS -X POST 'https://idp.example.test/oauth2/token' -d 'client_id=${clientId}' ` +
        `-d 'client_secret=${value}' -d 'grant_type=client_credentials' --data-urlencode 'audience=YOUR_API_IDENTIFIER'`,
    );
    const before = await h.token(clientId, value, { audience: ORDERS }, 'client_secret_post');
    expect(before).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_scope' }) });
    await h.call('POST', `/admin/clients/${clientId}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    const after = await h.token(clientId, value, { audience: ORDERS }, 'client_secret_post');
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read', expires_in: 3600 });
  });

  it('validates every field and rejects server-owned ones', async () => {
    const res = await h.call('POST', '/admin/clients', {
      body: {
        clientId: 'mine',
        status: 'enabled',
        secret: 'x',
        grantTypes: ['password', 'client_credentials', 'client_credentials'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        accessTokenTtl: 2592001,
        external: 'yes',
        metadata: { big: 'x'.repeat(5000) },
        description: 'd'.repeat(1001),
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { pointer: '/name', detail: 'is required' },
      { pointer: '/description', detail: 'must have at most 1000 characters' },
      {
        pointer: '/grantTypes/0',
        detail: 'must be one of: "client_credentials", "authorization_code", "refresh_token"',
      },
      {
        pointer: '/tokenEndpointAuthMethod',
        detail: 'must be one of: "client_secret_basic", "client_secret_post", "none"',
      },
      { pointer: '/accessTokenTtl', detail: 'must be at most 2592000' },
      { pointer: '/external', detail: 'must be a boolean' },
      { pointer: '/metadata', detail: 'must serialize to at most 4096 bytes' },
      { pointer: '/clientId', detail: 'is set by the server and cannot be written' },
      { pointer: '/status', detail: 'is not a known field' },
      { pointer: '/secret', detail: 'is not a known field' },
    ]);
    const empty = await h.call('POST', '/admin/clients', { body: { name: 'x', grantTypes: [] } });
    expect(empty.body.errors).toEqual([
      { pointer: '/grantTypes', detail: 'must have at least 1 item' },
      { pointer: '/tokenEndpointAuthMethod', detail: 'is required' },
    ]);
    const dup = await h.call('POST', '/admin/clients', {
      body: { name: 'x', ...base, grantTypes: ['client_credentials', 'client_credentials'] },
    });
    expect(dup.body.errors).toEqual([{ pointer: '/grantTypes/1', detail: 'repeats the grant type at index 0' }]);
    const meta = await h.call('POST', '/admin/clients', { body: { name: 'x', ...base, metadata: ['a'] } });
    expect(meta.body.errors).toEqual([{ pointer: '/metadata', detail: 'must be an object' }]);
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
  });
});

describe('GET /admin/clients', () => {
  it('lists newest first (or oldest, ?order=oldest); q searches names (any case) or the exact id; status filters; cursors are stable', async () => {
    const ids: string[] = [];
    for (const name of ['Alpha Billing', 'Beta', 'billing-eu', 'Gamma', 'BILLING-us']) {
      h.advance(1000);
      ids.push((await createClient({ name })).body.client.clientId);
    }
    await h.call('PATCH', `/admin/clients/${ids[2]}`, { body: { status: 'disabled' } });

    const all = await h.call('GET', '/admin/clients');
    expect(all.body.items.map((c: { clientId: string }) => c.clientId)).toEqual([
      ...[...ids].reverse(),
      CONSOLE_CLIENT_ID,
      CLI_CLIENT_ID,
      h.bootstrap.clientId,
    ]);
    expect(all.body.nextCursor).toBeUndefined();

    const billing = await h.call('GET', '/admin/clients', { query: 'q=billing' });
    expect(billing.body.items.map((c: { name: string }) => c.name)).toEqual([
      'BILLING-us',
      'billing-eu',
      'Alpha Billing',
    ]);
    const byId = await h.call('GET', '/admin/clients', { query: `q=${ids[1]}` });
    expect(byId.body.items.map((c: { name: string }) => c.name)).toEqual(['Beta']);
    const disabled = await h.call('GET', '/admin/clients', { query: 'status=disabled' });
    expect(disabled.body.items.map((c: { name: string }) => c.name)).toEqual(['billing-eu']);
    const oldest = await h.call('GET', '/admin/clients', { query: 'order=oldest&q=billing' });
    expect(oldest.body.items.map((c: { name: string }) => c.name)).toEqual([
      'Alpha Billing',
      'billing-eu',
      'BILLING-us',
    ]);
    const badOrder = await h.call('GET', '/admin/clients', { query: 'order=name' });
    expect(badOrder.status).toBe(400);
    expect(badOrder.body.errors).toEqual([expect.objectContaining({ parameter: 'order' })]);

    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await h.call('GET', '/admin/clients', {
        query: `q=billing&status=enabled&limit=1${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      });
      names.push(...res.body.items.map((c: { name: string }) => c.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(names).toEqual(['BILLING-us', 'Alpha Billing']);

    const bad = await h.call('GET', '/admin/clients', { query: 'status=paused&q=' });
    expect(bad.body.errors).toEqual([
      { parameter: 'q', detail: 'must not be empty' },
      { parameter: 'status', detail: 'must be one of: "enabled", "disabled"' },
    ]);
  });
});

describe('GET /admin/clients/{clientId}', () => {
  it('reads a client with its ETag; 404 for unknown and impossible ids', async () => {
    const created = await createClient();
    const id = created.body.client.clientId;
    const res = await h.call('GET', `/admin/clients/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('"1"');
    expect(res.body).toEqual(created.body.client);
    const unknown = await h.call('GET', '/admin/clients/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      type: `${P}not-found`,
      title: 'Not found',
      status: 404,
      detail: 'no client with id nobody',
      instance: '/admin/clients/nobody',
    });
    const impossible = await h.call('GET', '/admin/clients/a%20b');
    expect(impossible.status).toBe(404);
    expect(impossible.body.detail).toBe('no client matches this path');
  });
});

describe('PATCH /admin/clients/{clientId}', () => {
  it('changes fields, removes optional ones with null, bumps version, keeps the rest', async () => {
    const created = await createClient({ description: 'd', accessTokenTtl: 60, metadata: { a: 1 } });
    const id = created.body.client.clientId;
    h.advance(1000);
    const res = await h.call('PATCH', `/admin/clients/${id}`, {
      body: { name: 'Billing 2', description: null, accessTokenTtl: null, metadata: { b: [true] }, tokenReuse: true },
      headers: { 'if-match': '"1"', 'content-type': 'application/merge-patch+json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('"2"');
    expect(res.body).toEqual({
      ...created.body.client,
      name: 'Billing 2',
      description: undefined,
      accessTokenTtl: undefined,
      metadata: { b: [true] },
      tokenReuse: true,
      updatedAt: new Date(h.now()).toISOString(),
      version: 2,
    });
    expect('description' in res.body).toBe(false);
  });

  it('disabling stops token issuance at once; enabling restores it', async () => {
    const created = await createClient();
    const id = created.body.client.clientId;
    const secret = created.body.secret.value;
    await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    expect((await h.token(id, secret, { audience: ORDERS })).status).toBe(200);
    const off = await h.call('PATCH', `/admin/clients/${id}`, { body: { status: 'disabled' } });
    expect(off.body.status).toBe('disabled');
    expect(await h.token(id, secret, { audience: ORDERS })).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
    });
    await h.call('PATCH', `/admin/clients/${id}`, { body: { status: 'enabled' } });
    expect((await h.token(id, secret, { audience: ORDERS })).status).toBe(200);
  });

  it('412 on a stale If-Match, 409 on a stale body version, 400 on bad fields', async () => {
    const id = (await createClient()).body.client.clientId;
    await h.call('PATCH', `/admin/clients/${id}`, { body: { name: 'B' } });
    const stale = await h.call('PATCH', `/admin/clients/${id}`, {
      body: { name: 'C' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe(`${P}precondition-failed`);
    const version = await h.call('PATCH', `/admin/clients/${id}`, { body: { name: 'C', version: 1 } });
    expect(version.status).toBe(409);
    expect(version.body.detail).toBe('the resource is at version 2, the request was based on version 1');
    const current = await h.call('PATCH', `/admin/clients/${id}`, { body: { name: 'C', version: 2 } });
    expect(current.status).toBe(200);
    const bad = await h.call('PATCH', `/admin/clients/${id}`, {
      body: { status: 'paused', name: null, createdAt: 'x', updatedAt: 'y', version: 0 },
    });
    expect(bad.body.errors).toEqual([
      { pointer: '/name', detail: 'must be a string' },
      { pointer: '/status', detail: 'must be one of: "enabled", "disabled"' },
      { pointer: '/version', detail: 'must be at least 1' },
      { pointer: '/createdAt', detail: 'is set by the server and cannot be written' },
      { pointer: '/updatedAt', detail: 'is set by the server and cannot be written' },
    ]);
    expect(h.table.clients.get(id)!.client.name).toBe('C');
  });
});

describe('DELETE /admin/clients/{clientId}', () => {
  it('deletes the client with its secrets and rules; its token requests fail; audit lists what went', async () => {
    const created = await createClient();
    const id = created.body.client.clientId;
    const secret = created.body.secret.value;
    await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    const stale = await h.call('DELETE', `/admin/clients/${id}`, { headers: { 'if-match': '"5"' } });
    expect(stale.status).toBe(412);
    const res = await h.call('DELETE', `/admin/clients/${id}`, { headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(204);
    expect(h.table.clients.has(id)).toBe(false);
    expect((await h.token(id, secret, { audience: ORDERS })).status).toBe(401);
    expect((await h.call('GET', `/admin/clients/${id}`)).status).toBe(404);
    const audit = await h.call('GET', '/admin/audit', { query: 'action=client.delete' });
    expect(audit.body.items).toHaveLength(1);
    const diff = audit.body.items[0].diff;
    expect(diff.secrets).toEqual({ from: [{ id: created.body.secret.id, createdAt: created.body.client.createdAt }] });
    expect(diff.rules).toEqual({
      from: [{ audience: ORDERS, scopes: ['orders:read'], createdAt: created.body.client.createdAt }],
    });
    expect(JSON.stringify(audit.body)).not.toContain(secret);
  });
});

describe('guard rail: the last admin:write holder', () => {
  const lastAdmin = (id: string, change: string) => ({
    type: `${P}last-admin`,
    title: 'The last admin client cannot lose admin:write',
    status: 409,
    detail:
      `client ${id} is the last enabled client holding admin:write on https://idp.example.test/admin with an ` +
      `active secret; ${change} would lock everyone out of the admin API. Grant admin:write to another client first.`,
    instance: `/admin/clients/${id}`,
  });

  it('cannot be disabled or deleted', async () => {
    const id = h.bootstrap.clientId;
    const disable = await h.call('PATCH', `/admin/clients/${id}`, { body: { status: 'disabled' } });
    expect(disable.status).toBe(409);
    expect(disable.body).toEqual(lastAdmin(id, 'disabling it'));
    const del = await h.call('DELETE', `/admin/clients/${id}`);
    expect(del.body).toEqual(lastAdmin(id, 'deleting it'));
    expect(h.table.clients.get(id)!.client.status).toBe('enabled');
    // Other changes to it are fine.
    expect((await h.call('PATCH', `/admin/clients/${id}`, { body: { name: 'Root' } })).status).toBe(200);
  });

  it('a disabled or secret-less second holder does not count; a working one does', async () => {
    const second = await secondAdmin();
    await h.call('PATCH', `/admin/clients/${second.id}`, { body: { status: 'disabled' } });
    expect(
      (await h.call('PATCH', `/admin/clients/${h.bootstrap.clientId}`, { body: { status: 'disabled' } })).status,
    ).toBe(409);
    await h.call('PATCH', `/admin/clients/${second.id}`, { body: { status: 'enabled' } });
    // Its only secret expires: not a working admin either.
    const withExpiring = await h.call('POST', `/admin/clients/${second.id}/secrets`, {
      body: { expiresAt: new Date(h.now() + 60_000).toISOString() },
    });
    const first = h.table.clients.get(second.id)!.secrets;
    for (const secretId of [...first.keys()]) {
      if (secretId !== withExpiring.body.id) {
        expect((await h.call('DELETE', `/admin/clients/${second.id}/secrets/${secretId}`)).status).toBe(204);
      }
    }
    h.advance(120_000);
    expect((await h.call('DELETE', `/admin/clients/${h.bootstrap.clientId}`)).status).toBe(409);
    await h.call('POST', `/admin/clients/${second.id}/secrets`, { body: {} });
    const ok = await h.call('PATCH', `/admin/clients/${h.bootstrap.clientId}`, { body: { status: 'disabled' } });
    expect(ok.status).toBe(200);
    // Now the second one is the last.
    const blocked = await h.call('DELETE', `/admin/clients/${second.id}`, { actor: second.id });
    expect(blocked.status).toBe(409);
    expect(blocked.body).toEqual(lastAdmin(second.id, 'deleting it'));
  });
});
