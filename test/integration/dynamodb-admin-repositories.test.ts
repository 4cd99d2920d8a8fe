/**
 * The admin side of the DynamoDB repositories against dynalite: every change lands atomically with its audit
 * event, optimistic locking, rule snapshots kept in step with their API, listings newest first with
 * stable cursors and filters, cheap secret last-use tracking, and client and user rules side by side
 * (`RULE#<audience>` as always, `USERRULE#<audience>`) in one collection and one index partition.
 */
import type { AuditEvent } from '../../lambdas/domain/admin/audit';
import { InvalidCursorError } from '../../lambdas/domain/ports';
import { ConflictError } from '../../lambdas/domain/errors';
import type { Api, ClientBundle } from '../../lambdas/domain/model';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';

let clock = Date.parse('2026-11-23T08:00:00.000Z');
const tick = () => new Date((clock += 1000)).toISOString();
let eventSeq = 0;

function audit(
  action: AuditEvent['action'],
  targetType: AuditEvent['targetType'],
  targetId: string,
  clientId?: string,
): AuditEvent {
  eventSeq += 1;
  return {
    eventId: `evt${String(eventSeq).padStart(4, '0')}`,
    at: tick(),
    actor: 'admin-client',
    actorJti: `jti-${eventSeq}`,
    action,
    targetType,
    targetId,
    ...(clientId === undefined ? {} : { clientId }),
    diff: { name: { to: targetId } },
  };
}

function api(identifier: string, extra: Partial<Api> = {}): Api {
  const at = tick();
  return {
    identifier,
    name: identifier,
    scopes: [{ value: 'read' }, { value: 'write' }],
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...extra,
  };
}

function bundle(
  clientId: string,
  name = `Client ${clientId}`,
  status: 'enabled' | 'disabled' = 'enabled',
): ClientBundle {
  const at = tick();
  return {
    client: {
      clientId,
      name,
      status,
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      createdAt: at,
      updatedAt: at,
      version: 1,
    },
    secrets: [{ secretId: `sec_${clientId}`, hash: `hash_${clientId}`, createdAt: at }],
    rules: [],
  };
}

describe('DynamoDB repositories for the admin API', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db.close();
  });

  it('writes a change and its audit event together, and neither when the change fails', async () => {
    const orders = api('https://orders.example.com');
    const created = audit('api.create', 'api', orders.identifier);
    await db.apis.createApi(orders, created);
    const failed = audit('api.create', 'api', orders.identifier);
    await expect(db.apis.createApi(orders, failed)).rejects.toBeInstanceOf(ConflictError);

    const events = await db.auditTrail.listAudit({ limit: 100, targetId: orders.identifier });
    expect(events.items).toEqual([created]);
  });

  it('replaces an API only at the expected version and keeps its rules’ snapshots in step', async () => {
    const billing = api('https://billing.example.com', { accessTokenTtl: 600 });
    await db.apis.createApi(billing, audit('api.create', 'api', billing.identifier));
    await db.clients.createClient(bundle('c-billing-1'), audit('client.create', 'client', 'c-billing-1'));
    await db.clients.createClient(bundle('c-billing-2'), audit('client.create', 'client', 'c-billing-2'));
    for (const clientId of ['c-billing-1', 'c-billing-2']) {
      await db.clients.putRule(
        clientId,
        { audience: billing.identifier, scopes: ['read'], apiAccessTokenTtl: 600, createdAt: tick() },
        1,
        audit('rule.put', 'rule', billing.identifier, clientId),
      );
    }
    // A rule checked against an API version that moved on is refused.
    await expect(
      db.clients.putRule(
        'c-billing-1',
        { audience: billing.identifier, scopes: ['read'], createdAt: tick() },
        7,
        audit('rule.put', 'rule', billing.identifier, 'c-billing-1'),
      ),
    ).rejects.toBeInstanceOf(ConflictError);

    const updated: Api = { ...billing, accessTokenTtl: 120, tokenReuse: true, version: 2, updatedAt: tick() };
    await expect(db.apis.updateApi(updated, 5, audit('api.update', 'api', billing.identifier))).rejects.toBeInstanceOf(
      ConflictError,
    );
    await db.apis.updateApi(updated, 1, audit('api.update', 'api', billing.identifier));

    expect(await db.apis.getApi(billing.identifier)).toEqual(updated);
    const rules = await db.clients.listRulesForAudience(billing.identifier);
    expect(rules.map((r) => [r.clientId, r.rule.apiAccessTokenTtl, r.rule.apiTokenReuse]).sort()).toEqual([
      ['c-billing-1', 120, true],
      ['c-billing-2', 120, true],
    ]);

    // Removing the API's TTL removes the snapshot.
    const { accessTokenTtl: _ttl, tokenReuse: _reuse, ...withoutTtl } = updated;
    await db.apis.updateApi({ ...withoutTtl, version: 3 }, 2, audit('api.update', 'api', billing.identifier));
    const bundle1 = await db.clients.loadClientBundle('c-billing-1');
    expect(bundle1?.rules[0]).not.toHaveProperty('apiAccessTokenTtl');
    expect(bundle1?.rules[0]).not.toHaveProperty('apiTokenReuse');
  });

  it('deletes a client with its secrets and rules at the expected version only', async () => {
    const inventory = api('https://inventory.example.com');
    await db.apis.createApi(inventory, audit('api.create', 'api', inventory.identifier));
    await db.clients.createClient(bundle('c-gone'), audit('client.create', 'client', 'c-gone'));
    await db.clients.putSecret(
      'c-gone',
      { secretId: 'sec_two', hash: 'h2', createdAt: tick() },
      audit('secret.create', 'secret', 'sec_two', 'c-gone'),
    );
    await db.clients.putRule(
      'c-gone',
      { audience: inventory.identifier, scopes: ['read'], createdAt: tick() },
      1,
      audit('rule.put', 'rule', inventory.identifier, 'c-gone'),
    );

    await expect(
      db.clients.deleteClient('c-gone', 9, audit('client.delete', 'client', 'c-gone')),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await db.clients.loadClientBundle('c-gone')).toBeDefined();

    await db.clients.deleteClient('c-gone', 1, audit('client.delete', 'client', 'c-gone'));
    expect(await db.clients.loadClientBundle('c-gone')).toBeUndefined();
    expect(await db.clients.listRulesForAudience(inventory.identifier)).toEqual([]);
    await expect(
      db.clients.deleteClient('c-gone', 1, audit('client.delete', 'client', 'c-gone')),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('revokes secrets and rules, answering false (and auditing nothing) when there is nothing to delete', async () => {
    await db.clients.createClient(bundle('c-rotate'), audit('client.create', 'client', 'c-rotate'));
    const revoke = audit('secret.revoke', 'secret', 'sec_c-rotate', 'c-rotate');
    expect(await db.clients.deleteSecret('c-rotate', 'sec_c-rotate', revoke)).toBe(true);
    const again = audit('secret.revoke', 'secret', 'sec_c-rotate', 'c-rotate');
    expect(await db.clients.deleteSecret('c-rotate', 'sec_c-rotate', again)).toBe(false);
    expect(
      await db.clients.deleteRule(
        'c-rotate',
        'https://none.example.com',
        audit('rule.delete', 'rule', 'x', 'c-rotate'),
      ),
    ).toBe(false);

    const events = await db.auditTrail.listAudit({ limit: 100, targetId: 'c-rotate' });
    expect(events.items.map((e) => e.eventId)).toEqual([revoke.eventId, expect.any(String)]);
    expect(events.items.map((e) => e.action)).toEqual(['secret.revoke', 'client.create']);
  });

  it('updates a client only at the expected version', async () => {
    const b = bundle('c-locked');
    await db.clients.createClient(b, audit('client.create', 'client', 'c-locked'));
    const next = { ...b.client, name: 'Renamed', version: 2, updatedAt: tick() };
    await db.clients.updateClient(next, 1, audit('client.update', 'client', 'c-locked'));
    await expect(
      db.clients.updateClient({ ...next, version: 3 }, 1, audit('client.update', 'client', 'c-locked')),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await db.clients.loadClientBundle('c-locked'))?.client).toEqual(next);
  });

  it('lists clients newest (or oldest) first with stable cursors, search by name or id, and a status filter', async () => {
    const fresh = await startTestDynamo('listing');
    try {
      for (let i = 0; i < 25; i += 1) {
        const status = i % 5 === 0 ? 'disabled' : 'enabled';
        await fresh.clients.createClient(
          bundle(`list-${String(i).padStart(2, '0')}`, i % 2 === 0 ? `Acme Partner ${i}` : `Other ${i}`, status),
          audit('client.create', 'client', `list-${i}`),
        );
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await fresh.clients.listClients({ limit: 10, cursor });
        expect(page.items.length).toBeLessThanOrEqual(10);
        seen.push(...page.items.map((c) => c.clientId));
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `list-${String(24 - i).padStart(2, '0')}`));

      // Oldest first: the same listing the other way round, through its own cursors, and with a filter.
      const oldest: string[] = [];
      cursor = undefined;
      do {
        const page = await fresh.clients.listClients({ limit: 10, cursor, order: 'oldest' });
        oldest.push(...page.items.map((c) => c.clientId));
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(oldest).toEqual([...seen].reverse());
      const firstDisabled = await fresh.clients.listClients({ limit: 2, status: 'disabled', order: 'oldest' });
      expect(firstDisabled.items.map((c) => c.clientId)).toEqual(['list-00', 'list-05']);

      const acme = await fresh.clients.listClients({ limit: 5, q: 'acme' });
      expect(acme.items.map((c) => c.clientId)).toEqual(['list-24', 'list-22', 'list-20', 'list-18', 'list-16']);
      const rest = await fresh.clients.listClients({ limit: 50, q: 'acme', cursor: acme.cursor });
      expect(rest.items.map((c) => c.clientId)).toEqual([
        'list-14',
        'list-12',
        'list-10',
        'list-08',
        'list-06',
        'list-04',
        'list-02',
        'list-00',
      ]);
      expect(rest.cursor).toBeUndefined();

      expect((await fresh.clients.listClients({ limit: 10, q: 'list-07' })).items.map((c) => c.clientId)).toEqual([
        'list-07',
      ]);
      const disabled = await fresh.clients.listClients({ limit: 10, status: 'disabled' });
      expect(disabled.items.map((c) => c.clientId)).toEqual(['list-20', 'list-15', 'list-10', 'list-05', 'list-00']);

      await expect(fresh.clients.listClients({ limit: 10, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      const apisCursor = Buffer.from(JSON.stringify(['a', 'b', 'APIS', 'c'])).toString('base64url');
      await expect(fresh.clients.listClients({ limit: 10, cursor: apisCursor })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
    } finally {
      await fresh.close();
    }
  });

  it('a search that matches little answers a short page with a cursor instead of reading everything at once', async () => {
    const sparse = await startTestDynamo('sparse');
    try {
      await sparse.clients.createClient(bundle('needle', 'The Needle'), audit('client.create', 'client', 'needle'));
      for (let i = 0; i < 520; i += 1) {
        await sparse.clients.createClient(bundle(`hay-${i}`, `Hay ${i}`), audit('client.create', 'client', `hay-${i}`));
      }
      sparse.resetCalls();
      const first = await sparse.clients.listClients({ limit: 5, q: 'needle' });
      expect(first.items).toEqual([]);
      expect(first.cursor).toBeDefined();
      expect(sparse.calls['QueryCommand']).toBe(10);
      const rest = await sparse.clients.listClients({ limit: 5, q: 'needle', cursor: first.cursor });
      expect(rest.items.map((c) => c.clientId)).toEqual(['needle']);
      expect(rest.cursor).toBeUndefined();
    } finally {
      await sparse.close();
    }
  }, 60_000);

  it('filters the audit trail by time window, actor, action and target, newest first', async () => {
    const all = await db.auditTrail.listAudit({ limit: 100 });
    const ats = all.items.map((e) => e.at);
    expect([...ats].sort().reverse()).toEqual(ats);
    const middle = all.items[5]!;
    const window = await db.auditTrail.listAudit({ limit: 100, from: middle.at, to: all.items[2]!.at });
    expect(window.items.map((e) => e.eventId)).toEqual(all.items.slice(3, 6).map((e) => e.eventId));
    const updates = await db.auditTrail.listAudit({ limit: 100, action: 'api.update' });
    expect(updates.items.every((e) => e.action === 'api.update')).toBe(true);
    expect(updates.items.length).toBe(2);
    expect((await db.auditTrail.listAudit({ limit: 100, actor: 'someone-else' })).items).toEqual([]);
    // A cursor from a window is refused for another window it lies outside of, not sent to DynamoDB.
    const paged = await db.auditTrail.listAudit({ limit: 1, from: middle.at });
    await expect(db.auditTrail.listAudit({ limit: 1, to: middle.at, cursor: paged.cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('touches a secret’s lastUsedAt at most once per interval', async () => {
    await db.clients.createClient(bundle('c-used'), audit('client.create', 'client', 'c-used'));
    expect(await db.clients.touchSecret('c-used', 'sec_c-used', '2026-11-23T09:00:00.000Z', 300)).toBe(true);
    expect(await db.clients.touchSecret('c-used', 'sec_c-used', '2026-11-23T09:04:00.000Z', 300)).toBe(false);
    expect(await db.clients.touchSecret('c-used', 'sec_c-used', '2026-11-23T09:05:01.000Z', 300)).toBe(true);
    expect(await db.clients.touchSecret('c-used', 'sec_missing', '2026-11-23T09:05:01.000Z', 300)).toBe(false);
    const loaded = await db.clients.loadClientBundle('c-used');
    expect(loaded?.secrets[0]?.lastUsedAt).toBe('2026-11-23T09:05:01.000Z');
    expect(loaded?.secrets).toHaveLength(1);
  });
});

describe('DynamoDB rules by subject type', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db.close();
  });

  it('keeps a client rule at RULE#<audience> and a user rule beside it at USERRULE#<audience>; both indexed, both in step', async () => {
    const crm = api('https://crm.example.com', { accessTokenTtl: 900, userAccess: 'granted' });
    await db.apis.createApi(crm, audit('api.create', 'api', crm.identifier));
    const mixed = bundle('c-mixed');
    mixed.client.grantTypes = ['client_credentials', 'authorization_code'];
    mixed.client.redirectUris = ['https://crm-app.example.com/cb'];
    await db.clients.createClient(mixed, audit('client.create', 'client', 'c-mixed'));
    const clientRule = { audience: crm.identifier, scopes: ['read'], apiAccessTokenTtl: 900, createdAt: tick() };
    const userRule = {
      audience: crm.identifier,
      scopes: ['read', 'write'],
      subjectType: 'user' as const,
      apiAccessTokenTtl: 900,
      apiUserAccess: 'granted' as const,
      createdAt: tick(),
    };
    await db.clients.putRule('c-mixed', clientRule, 1, audit('rule.put', 'rule', crm.identifier, 'c-mixed'));
    await db.clients.putRule('c-mixed', userRule, 1, audit('rule.put', 'rule', crm.identifier, 'c-mixed'));

    // The raw items: the client rule exactly where rules always were, without a subjectType.
    const raw = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': 'CLIENT#c-mixed', ':r': 'RULE#' },
        ConsistentRead: true,
      }),
    );
    expect(raw.Items).toEqual([
      {
        pk: 'CLIENT#c-mixed',
        sk: `RULE#${crm.identifier}`,
        type: 'rule',
        gsi1pk: `RULES#${crm.identifier}`,
        gsi1sk: 'CLIENT#c-mixed',
        clientId: 'c-mixed',
        ...clientRule,
      },
    ]);
    const user = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'CLIENT#c-mixed', sk: `USERRULE#${crm.identifier}` } }),
    );
    expect(user.Item).toEqual({
      pk: 'CLIENT#c-mixed',
      sk: `USERRULE#${crm.identifier}`,
      type: 'rule',
      gsi1pk: `RULES#${crm.identifier}`,
      gsi1sk: 'CLIENT#c-mixed',
      clientId: 'c-mixed',
      ...userRule,
    });

    // One read of the collection holds both; the index finds both.
    const loaded = await db.clients.loadClientBundle('c-mixed');
    expect(loaded?.rules.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))).toEqual([clientRule, userRule]);
    const indexed = await db.clients.listRulesForAudience(crm.identifier);
    expect(indexed.map((r) => [r.clientId, r.rule.subjectType ?? 'client']).sort()).toEqual([
      ['c-mixed', 'client'],
      ['c-mixed', 'user'],
    ]);

    // An API change keeps both in step; userAccess reaches the user rule only.
    const changed: Api = { ...crm, accessTokenTtl: 300, userAccess: 'any', version: 2, updatedAt: tick() };
    await db.apis.updateApi(changed, 1, audit('api.update', 'api', crm.identifier));
    const after = (await db.clients.loadClientBundle('c-mixed'))!.rules;
    const byType = (t: string) => after.find((r) => (r.subjectType ?? 'client') === t)!;
    expect(byType('client')).toEqual({ ...clientRule, apiAccessTokenTtl: 300 });
    expect(byType('user')).toEqual({ ...userRule, apiAccessTokenTtl: 300, apiUserAccess: 'any' });

    // Bootstrap's repair writes without an audit event.
    const events = (await db.auditTrail.listAudit({ limit: 100, targetId: crm.identifier })).items.length;
    await db.apis.updateApi({ ...changed, userAccess: 'granted', version: 3 }, 2);
    expect((await db.auditTrail.listAudit({ limit: 100, targetId: crm.identifier })).items).toHaveLength(events);
    expect((await db.clients.loadClientBundle('c-mixed'))!.rules.find((r) => r.subjectType === 'user')).toMatchObject({
      apiUserAccess: 'granted',
    });

    // Deleting one leaves the other; deleting the client removes both.
    expect(
      await db.clients.deleteRule('c-mixed', crm.identifier, audit('rule.delete', 'rule', crm.identifier), 'user'),
    ).toBe(true);
    expect(
      await db.clients.deleteRule('c-mixed', crm.identifier, audit('rule.delete', 'rule', crm.identifier), 'user'),
    ).toBe(false);
    expect((await db.clients.loadClientBundle('c-mixed'))!.rules).toEqual([{ ...clientRule, apiAccessTokenTtl: 300 }]);
    await db.clients.putRule('c-mixed', userRule, 3, audit('rule.put', 'rule', crm.identifier, 'c-mixed'));
    await db.clients.deleteClient('c-mixed', 1, audit('client.delete', 'client', 'c-mixed'));
    expect(await db.clients.listRulesForAudience(crm.identifier)).toEqual([]);
  });
});
