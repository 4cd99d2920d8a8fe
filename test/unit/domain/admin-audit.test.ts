/**
 * The audit trail: one event per change, atomic with it, with actor (client id and token jti), time,
 * action, target and a diff; filters and stable pagination at `/admin/audit`; retention as an
 * expiry; and, after a full scripted run, no secret value (or hash) anywhere in the store's items,
 * the audit trail or the captured logs.
 */
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { BUILT_IN_CLIENTS, makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const ORDERS = 'https://api.example.com/orders';
const enc = encodeURIComponent;

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness({ auditRetentionDays: 90 });
});

const clientBody = { name: 'Shop', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function allAudit(query = ''): Promise<any[]> {
  const items = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await h.call('GET', '/admin/audit', {
      query: [query, 'limit=2', cursor === undefined ? '' : `cursor=${enc(cursor)}`].filter((p) => p !== '').join('&'),
    });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === undefined) break;
  }
  return items;
}

describe('audit events', () => {
  it('records every change with actor, jti, time, target and diff, newest first, with a retention expiry', async () => {
    const t0 = h.now();
    await h.call('POST', '/admin/apis', { body: { identifier: ORDERS, name: 'O', scopes: [{ value: 'r' }] } });
    h.advance(1000);
    const created = await h.call('POST', '/admin/clients', { body: clientBody, actor: 'ops-pipeline' });
    const id = created.body.client.clientId;
    h.advance(1000);
    const secret = await h.call('POST', `/admin/clients/${id}/secrets`);
    h.advance(1000);
    await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: ORDERS, scopes: ['r'], claims: { t: 1 } } });
    h.advance(1000);
    await h.call('PATCH', `/admin/clients/${id}`, { body: { status: 'disabled' } });
    h.advance(1000);
    await h.call('DELETE', `/admin/clients/${id}/secrets/${secret.body.id}`);
    h.advance(1000);
    await h.call('DELETE', `/admin/clients/${id}/rules/${enc(ORDERS)}`);

    const events = await allAudit();
    expect(events.map((e) => e.action)).toEqual([
      'rule.delete',
      'secret.revoke',
      'client.update',
      'rule.put',
      'secret.create',
      'client.create',
      'api.create',
    ]);
    expect(events.map((e) => e.at)).toEqual([6, 5, 4, 3, 2, 1, 0].map((s) => new Date(t0 + s * 1000).toISOString()));
    expect(new Set(events.map((e) => e.actor.jti)).size).toBe(7);
    expect(events[5].actor.clientId).toBe('ops-pipeline');
    expect(events[0]).toEqual({
      id: expect.any(String),
      at: new Date(t0 + 6000).toISOString(),
      actor: { clientId: h.bootstrap.clientId, jti: expect.any(String) },
      action: 'rule.delete',
      target: { type: 'rule', id: ORDERS, clientId: id },
      diff: {
        audience: { from: ORDERS },
        scopes: { from: ['r'] },
        claims: { from: { t: 1 } },
        createdAt: { from: new Date(t0 + 3000).toISOString() },
      },
    });
    expect(events[1].target).toEqual({ type: 'secret', id: secret.body.id, clientId: id });
    expect(events[1].diff).toEqual({
      id: { from: secret.body.id },
      createdAt: { from: new Date(t0 + 2000).toISOString() },
    });
    expect(events[2].diff).toEqual({ status: { from: 'enabled', to: 'disabled' } });
    expect(events[3].diff).toEqual({
      audience: { to: ORDERS },
      scopes: { to: ['r'] },
      claims: { to: { t: 1 } },
      createdAt: { to: new Date(t0 + 3000).toISOString() },
    });
    expect(events[5].diff['secrets']).toEqual({
      to: [{ id: created.body.secret.id, createdAt: new Date(t0 + 1000).toISOString() }],
    });
    // Retention: the stored event expires 90 days after it was written.
    const stored = [...h.table.audit.values()].find((e) => e.action === 'api.create')!;
    expect(stored.expiresAt).toBe(Math.floor(t0 / 1000) + 90 * 86400);
  });

  it('filters by actor, action, target type, target id (a client id selects its secrets and rules) and time', async () => {
    const t0 = h.now();
    await h.call('POST', '/admin/apis', { body: { identifier: ORDERS, name: 'O', scopes: [{ value: 'r' }] } });
    h.advance(1000);
    const a = (await h.call('POST', '/admin/clients', { body: clientBody })).body.client.clientId;
    h.advance(1000);
    const b = (await h.call('POST', '/admin/clients', { body: clientBody, actor: 'other-admin' })).body.client.clientId;
    h.advance(1000);
    await h.call('POST', `/admin/clients/${a}/rules`, { body: { audience: ORDERS, scopes: ['r'] } });
    h.advance(1000);
    await h.call('POST', `/admin/clients/${b}/secrets`);

    const actions = (items: { action: string }[]) => items.map((e) => e.action);
    expect(actions(await allAudit('actor=other-admin'))).toEqual(['client.create']);
    expect(actions(await allAudit('action=client.create'))).toEqual(['client.create', 'client.create']);
    expect(actions(await allAudit('targetType=rule'))).toEqual(['rule.put']);
    expect(actions(await allAudit(`targetId=${a}`))).toEqual(['rule.put', 'client.create']);
    expect(actions(await allAudit(`targetId=${enc(ORDERS)}`))).toEqual(['rule.put', 'api.create']);
    const from = enc(new Date(t0 + 1000).toISOString());
    const to = enc(new Date(t0 + 3000).toISOString());
    expect(actions(await allAudit(`from=${from}&to=${to}`))).toEqual(['client.create', 'client.create']);
    // Offsets are accepted and normalised to UTC.
    expect(actions(await allAudit(`from=${enc('2026-03-01T10:00:03+01:00')}`))).toEqual(['secret.create', 'rule.put']);

    const bad = await h.call('GET', '/admin/audit', {
      query: 'action=client.explode&from=yesterday&targetType=person',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { parameter: 'from', detail: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z' },
      {
        parameter: 'action',
        detail:
          'must be one of: "api.create", "api.update", "api.delete", "client.create", "client.update", ' +
          '"client.delete", "secret.create", "secret.revoke", "rule.put", "rule.delete", "user.create", ' +
          '"user.update", "user.delete", "grant.put", "grant.delete", "session.revoke"',
      },
      {
        parameter: 'targetType',
        detail: 'must be one of: "api", "client", "secret", "rule", "user", "grant", "session"',
      },
    ]);
  });

  it('pages are stable while new events arrive', async () => {
    for (let i = 0; i < 5; i++) {
      h.advance(1000);
      await h.call('POST', '/admin/apis', { body: { identifier: `urn:a:${i}`, name: `${i}`, scopes: [] } });
    }
    const first = await h.call('GET', '/admin/audit', { query: 'limit=2' });
    h.advance(1000);
    await h.call('POST', '/admin/apis', { body: { identifier: 'urn:late', name: 'late', scopes: [] } });
    const second = await h.call('GET', '/admin/audit', { query: `limit=2&cursor=${enc(first.body.nextCursor)}` });
    const third = await h.call('GET', '/admin/audit', { query: `limit=2&cursor=${enc(second.body.nextCursor)}` });
    const ids = [...first.body.items, ...second.body.items, ...third.body.items].map((e) => e.target.id);
    expect(ids).toEqual(['urn:a:4', 'urn:a:3', 'urn:a:2', 'urn:a:1', 'urn:a:0']);
    expect(third.body.nextCursor).toBeUndefined();
  });

  it('a change and its audit event land together or not at all', async () => {
    h.table.failNext('createClient', new DependencyUnavailableError('store', new Error('down')));
    const before = h.table.audit.size;
    const res = await h.call('POST', '/admin/clients', { body: clientBody });
    expect(res.status).toBe(503);
    expect(h.table.clients.size).toBe(BUILT_IN_CLIENTS);
    expect(h.table.audit.size).toBe(before);
    // Refused changes (validation, guard rails, conflicts) leave no event either.
    await h.call('PATCH', `/admin/clients/${h.bootstrap.clientId}`, { body: { status: 'disabled' } });
    await h.call('POST', '/admin/clients', { body: { name: '' } });
    expect(h.table.audit.size).toBe(before);
  });
});

describe('no secret anywhere', () => {
  it('after a full scripted run, no secret value or hash is in any stored item other than the secret hashes, the audit trail or the logs', async () => {
    const values: string[] = [h.bootstrap.clientSecret];
    await h.call('POST', '/admin/apis', {
      body: { identifier: ORDERS, name: 'O', scopes: [{ value: 'r' }, { value: 'w' }] },
    });
    const ids: string[] = [];
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      const created = await h.call('POST', '/admin/clients', {
        body: { ...clientBody, tokenEndpointAuthMethod: method, metadata: { owner: 'team' } },
      });
      const id = created.body.client.clientId;
      ids.push(id);
      values.push(created.body.secret.value);
      await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: ORDERS, scopes: ['r'] } });
      expect((await h.token(id, created.body.secret.value, { audience: ORDERS }, method)).status).toBe(200);
      const rotated = await h.call('POST', `/admin/clients/${id}/secrets`, {
        body: { expiresAt: new Date(h.now() + 86_400_000).toISOString() },
      });
      values.push(rotated.body.value);
      expect((await h.token(id, rotated.body.value, { audience: ORDERS }, method)).status).toBe(200);
      await h.call('DELETE', `/admin/clients/${id}/secrets/${created.body.secret.id}`);
      expect((await h.token(id, created.body.secret.value, { audience: ORDERS }, method)).status).toBe(401);
      await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: ORDERS, scopes: ['r', 'w'] } });
      await h.call('PATCH', `/admin/clients/${id}`, { body: { status: 'disabled', name: 'Shop (off)' } });
      await h.call('GET', `/admin/clients/${id}/secrets`);
    }
    // A bad request carrying a would-be secret is refused and not echoed into logs or audit.
    await h.call('POST', `/admin/clients/${ids[0]}/secrets`, { body: { value: values[1] } });
    await h.call('DELETE', `/admin/clients/${ids[1]}`);
    const audit = await h.call('GET', '/admin/audit', { query: 'limit=100' });
    expect(audit.body.items.length).toBeGreaterThan(10);

    const hashes = values.map((v) => h.deps.hasher.hash(v));
    const auditJson = JSON.stringify([...h.table.audit.values()]);
    const logsJson = JSON.stringify(h.logs);
    const dump = h.table.dump();
    expect(values).toHaveLength(5);
    for (const value of values) {
      expect(dump).not.toContain(value);
      expect(auditJson).not.toContain(value);
      expect(audit.text).not.toContain(value);
      expect(logsJson).not.toContain(value);
    }
    for (const hash of hashes) {
      expect(auditJson).not.toContain(hash);
      expect(audit.text).not.toContain(hash);
      expect(logsJson).not.toContain(hash);
    }
    // The only place a hash lives: the secret items of clients that still exist.
    const live = [...h.table.clients.values()].flatMap((c) => [...c.secrets.values()].map((s) => s.hash));
    for (const hash of hashes) expect(dump.includes(hash)).toBe(live.includes(hash));
    expect(logsJson).not.toMatch(/sidp_/);
    expect(auditJson).not.toMatch(/sidp_|"hash"/);
  });
});

describe('audit query validation', () => {
  it('refuses a window whose end is not after its start, naming the parameter', async () => {
    const res = await h.call('GET', '/admin/audit', {
      query: 'from=2030-01-01T00:00:00.000Z&to=2020-01-01T00:00:00.000Z',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ parameter: 'to', detail: 'must be later than from' }]);
  });
});

describe('JSON values the store could not keep', () => {
  it('refuses an integer beyond ±2^53 and nesting beyond 30 levels in metadata, naming the field', async () => {
    const big = await h.call('POST', '/admin/clients', { body: { ...clientBody, metadata: { crm: { id: 1e200 } } } });
    expect(big.status).toBe(400);
    expect(big.body.errors).toEqual([
      { pointer: '/metadata/crm/id', detail: 'is a number that cannot be stored exactly (integers up to ±2^53)' },
    ]);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i += 1) deep = { d: deep };
    const nested = await h.call('POST', '/admin/clients', { body: { ...clientBody, metadata: { deep } } });
    expect(nested.status).toBe(400);
    expect(nested.body.errors[0].detail).toBe('nests deeper than 30 levels');
  });
});
