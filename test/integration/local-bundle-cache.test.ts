/**
 * The local runtime's bundle cache: no database round trip for a repeated read, and never a stale
 * bundle — any write to a client's or an API's item collection (through any path into the embedded
 * database) invalidates it; writes elsewhere (a code, a session, the audit trail) do not.
 */
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientBundle } from '../../lambdas/domain/model';
import { LocalBundleCache } from '../../lambdas/local/local-bundle-cache';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';

const T0 = '2026-11-23T08:00:00.000Z';
const bundle: ClientBundle = {
  client: {
    clientId: 'cached',
    name: 'cached',
    status: 'enabled',
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    createdAt: T0,
    updatedAt: T0,
    version: 1,
  },
  secrets: [{ secretId: 'sec_1', hash: 'h1', createdAt: T0 }],
  rules: [],
};

describe('LocalBundleCache', () => {
  let db: TestDynamo;
  let cache: LocalBundleCache;
  beforeAll(async () => {
    db = await startTestDynamo();
    cache = new LocalBundleCache(db.tokenReads, db.writeGeneration);
    await db.clients.createClient(bundle);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.resetCalls());

  it('serves a repeated read from memory', async () => {
    expect(await cache.loadClientBundle('cached')).toEqual(bundle);
    expect(await cache.loadClientBundle('cached')).toEqual(bundle);
    expect(await cache.loadClientBundle('unknown')).toBeUndefined();
    expect(await cache.loadClientBundle('unknown')).toBeUndefined();
    expect(db.calls).toEqual({ QueryCommand: 2 });
  });

  it('reads again after any write, so a disabled client is seen at once', async () => {
    await cache.loadClientBundle('cached');
    await db.clients.updateClient({ ...bundle.client, status: 'disabled', version: 2 }, 1, {
      eventId: 'e1',
      at: T0,
      actor: 'a',
      actorJti: 'j',
      action: 'client.update',
      targetType: 'client',
      targetId: 'cached',
      diff: {},
    });
    db.resetCalls();
    expect((await cache.loadClientBundle('cached'))?.client.status).toBe('disabled');
    expect(db.calls['QueryCommand']).toBe(1);
  });

  it('reads again after a write to a client or API collection, even one that ran while it read', async () => {
    const read = cache.loadClientBundle('cached-late');
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { pk: 'API#https://x', sk: 'Y' } }));
    await read;
    db.resetCalls();
    await cache.loadClientBundle('cached-late');
    expect(db.calls['QueryCommand']).toBe(1);
    // A rule written inside a transaction beside other items counts too.
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.tableName, Item: { pk: 'AUDIT', sk: 'z' } } },
          { Put: { TableName: db.tableName, Item: { pk: 'CLIENT#cached-late', sk: 'RULE#x' } } },
        ],
      }),
    );
    db.resetCalls();
    await cache.loadClientBundle('cached-late');
    expect(db.calls['QueryCommand']).toBe(1);
  });

  it('keeps serving after writes elsewhere: codes, sessions, users, the audit trail', async () => {
    await cache.loadClientBundle('cached');
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { pk: 'CODE#d', sk: 'CODE' } }));
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { pk: 'SESSION#s', sk: 'SESSION' },
        UpdateExpression: 'SET lastUsedAt = :at',
        ExpressionAttributeValues: { ':at': T0 },
      }),
    );
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.tableName, Item: { pk: 'USER#u', sk: 'USER' } } },
          { Put: { TableName: db.tableName, Item: { pk: 'AUDIT', sk: 'y' } } },
        ],
      }),
    );
    db.resetCalls();
    await cache.loadClientBundle('cached');
    expect(db.calls).toEqual({});
  });
});
