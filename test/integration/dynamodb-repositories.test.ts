/**
 * The DynamoDB repositories against dynalite (through the local runtime's transactional front): exact
 * round trips of the model, one strongly consistent Query per bundle, atomic creation, conflicts and
 * unavailability translated at the edge, and persistence across a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoDbDocumentClient, ensureTable } from '../../lambdas/adapters/dynamodb-setup';
import { DynamoDbClientRepository } from '../../lambdas/adapters/dynamodb-client-repository';
import { ConflictError, DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { Api, ClientBundle } from '../../lambdas/domain/model';
import { startLocalDynamoDb } from '../../lambdas/local/local-dynamodb';
import { dynamoClient, startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';

const T0 = '2026-11-23T08:00:00.000Z';

function api(identifier: string, accessTokenTtl?: number): Api {
  return {
    identifier,
    name: `API ${identifier}`,
    scopes: [{ value: 'orders:read', description: 'Read orders' }, { value: 'orders:write' }],
    ...(accessTokenTtl === undefined ? {} : { accessTokenTtl }),
    createdAt: T0,
    updatedAt: T0,
    version: 1,
  };
}

function bundle(clientId: string, secrets = 2): ClientBundle {
  return {
    client: {
      clientId,
      name: 'Partner One',
      description: 'a partner backend',
      status: 'enabled',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_post',
      accessTokenTtl: 600,
      external: true,
      metadata: { crm: { id: 42, tags: ['gold'] }, note: null },
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    },
    secrets: Array.from({ length: secrets }, (_, i) => ({
      secretId: `sec_${clientId}_${i}`,
      hash: `hash-${i}`,
      createdAt: T0,
      ...(i === 0 ? { expiresAt: '2027-01-01T00:00:00.000Z' } : {}),
    })),
    rules: [
      {
        audience: 'https://api.example.com/orders',
        scopes: ['orders:read'],
        claims: { tier: 'gold' },
        apiAccessTokenTtl: 900,
        createdAt: T0,
      },
      { audience: 'https://api.example.com/billing', scopes: ['billing:read'], createdAt: T0 },
    ],
  };
}

function sorted(b: ClientBundle | undefined): ClientBundle | undefined {
  if (b === undefined) return undefined;
  return {
    client: b.client,
    secrets: [...b.secrets].sort((x, y) => x.secretId.localeCompare(y.secretId)),
    rules: [...b.rules].sort((x, y) => x.audience.localeCompare(y.audience)),
  };
}

describe('DynamoDB repositories on dynalite', () => {
  let db: TestDynamo;

  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.resetCalls());

  it('reads a client, its secrets and its rules back exactly, in one strongly consistent Query', async () => {
    const created = bundle('client-a');
    await db.clients.createClient(created);
    db.resetCalls();

    const loaded = await db.clients.loadClientBundle('client-a');

    expect(sorted(loaded)).toEqual(sorted(created));
    expect(db.calls).toEqual({ QueryCommand: 1 });
  });

  it('stores the listing and audience index keys with the items, never returning them', async () => {
    await db.clients.createClient(bundle('client-keys'));
    const items = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'CLIENT#client-keys' },
      }),
    );
    const byType = Object.fromEntries((items.Items ?? []).map((item) => [item['sk'], item]));
    expect(byType['CLIENT']).toMatchObject({
      type: 'client',
      gsi1pk: 'CLIENTS',
      gsi1sk: `${T0}#client-keys`,
      nameLower: 'partner one',
    });
    expect(byType['RULE#https://api.example.com/orders']).toMatchObject({
      type: 'rule',
      clientId: 'client-keys',
      gsi1pk: 'RULES#https://api.example.com/orders',
      gsi1sk: 'CLIENT#client-keys',
    });
    expect(byType['SECRET#sec_client-keys_0']).toMatchObject({ type: 'secret', hash: 'hash-0' });
  });

  it('reads an item collection larger than one page completely', async () => {
    // ~80 KB per secret item: the collection spans several 1 MB Query pages.
    const big = bundle('client-big', 0);
    const padding = 'x'.repeat(80_000);
    big.secrets = Array.from({ length: 30 }, (_, i) => ({
      secretId: `sec_${String(i).padStart(2, '0')}`,
      hash: `${padding}${i}`,
      createdAt: T0,
    }));
    await db.clients.createClient(big);
    db.resetCalls();
    const loaded = await db.clients.loadClientBundle('client-big');
    expect(loaded?.secrets).toHaveLength(30);
    expect(db.calls['QueryCommand']).toBeGreaterThan(1);
  });

  it('answers undefined for an unknown client', async () => {
    expect(await db.clients.loadClientBundle('nobody')).toBeUndefined();
  });

  it('creates a client atomically: a taken id writes none of the new secrets or rules', async () => {
    await db.clients.createClient(bundle('client-b'));
    const intruder = bundle('client-b', 3);
    intruder.secrets = intruder.secrets.map((s) => ({ ...s, secretId: `${s.secretId}-new` }));
    intruder.rules = [{ audience: 'https://evil.example.com', scopes: ['all'], createdAt: T0 }];

    await expect(db.clients.createClient(intruder)).rejects.toBeInstanceOf(ConflictError);

    expect(sorted(await db.clients.loadClientBundle('client-b'))).toEqual(sorted(bundle('client-b')));
  });

  it('lets exactly one of two concurrent creations of the same client win', async () => {
    const results = await Promise.allSettled([
      db.clients.createClient(bundle('client-race')),
      db.clients.createClient(bundle('client-race')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
  });

  it('adds a secret only to an existing client', async () => {
    await db.clients.createClient(bundle('client-c', 1));
    await db.clients.putSecret('client-c', { secretId: 'sec_rotated', hash: 'hash-rotated', createdAt: T0 });
    const loaded = await db.clients.loadClientBundle('client-c');
    expect(loaded?.secrets.map((s) => s.secretId).sort()).toEqual(['sec_client-c_0', 'sec_rotated']);

    await expect(
      db.clients.putSecret('no-such-client', { secretId: 'sec_orphan', hash: 'h', createdAt: T0 }),
    ).rejects.toBeInstanceOf(ConflictError);
    const orphan = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'CLIENT#no-such-client', sk: 'SECRET#sec_orphan' } }),
    );
    expect(orphan.Item).toBeUndefined();
  });

  it('creates APIs once and reads them back', async () => {
    const orders = api('https://api.example.com/orders', 900);
    await db.apis.createApi(orders);
    await expect(db.apis.createApi(orders)).rejects.toBeInstanceOf(ConflictError);
    expect(await db.apis.getApi(orders.identifier)).toEqual(orders);
    expect(await db.apis.apiExists(orders.identifier)).toBe(true);
    expect(await db.apis.apiExists('https://api.example.com/unknown')).toBe(false);
  });

  it('translates an unreachable database into DependencyUnavailableError, never a raw SDK error', async () => {
    const gone = await startLocalDynamoDb();
    const client = dynamoClient(gone);
    await gone.close();
    const clients = new DynamoDbClientRepository({
      client: makeDynamoDbDocumentClient(client),
      tableName: db.tableName,
    });
    const err = await clients.loadClientBundle('client-a').catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err).toMatchObject({ dependency: 'store', throttled: false });
    expect((err as Error).message).toBe('store unavailable');
  });

  it('treats a refusal that retrying cannot fix (a missing table) as an error, not as unavailability', async () => {
    const missing = new DynamoDbClientRepository({ client: db.doc, tableName: 'no-such-table' });
    const err = await missing.loadClientBundle('client-a').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toBe('store call refused: ResourceNotFoundException');
    expect(((err as Error).cause as Error).name).toBe('ResourceNotFoundException');
  });
});

describe('local DynamoDB persistence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'idp-dynamo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps what was written across a restart of the embedded database', async () => {
    const first = await startLocalDynamoDb({ path: dir });
    const client1 = dynamoClient(first);
    await ensureTable(client1, 'persisted');
    await new DynamoDbClientRepository({
      client: makeDynamoDbDocumentClient(client1),
      tableName: 'persisted',
    }).createClient(bundle('kept'));
    client1.destroy();
    await first.close();

    const second = await startLocalDynamoDb({ path: dir });
    const client2 = dynamoClient(second);
    try {
      await ensureTable(client2, 'persisted');
      const clients = new DynamoDbClientRepository({
        client: makeDynamoDbDocumentClient(client2),
        tableName: 'persisted',
      });
      expect(sorted(await clients.loadClientBundle('kept'))).toEqual(sorted(bundle('kept')));
    } finally {
      client2.destroy();
      await second.close();
    }
  });
});
