/**
 * DynamoDbTokenStatusSource against dynalite: the status the admin API writes (through the real
 * DynamoDbClientRepository) and the deny entries revocation writes (DynamoDbRevocationRepository) are
 * what the authorizer reads, one BatchGetItem per token per TTL (counted on the SDK client), disabled
 * and deleted clients seen once the TTL has passed and cached too, at most `maxEntries` tokens held,
 * and a DynamoDB that cannot be reached is served from the stale window, then refused. The clock is
 * injected; no timers are awaited.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenStatusSource, tokenStatusRequest } from '../../lambdas/adapters/token-status-source';
import type { AuditEvent } from '../../lambdas/domain/admin/audit';
import { ClientStatusUnavailableError } from '../../lambdas/domain/bearer-authorization';
import type { TokenStatusQuery } from '../../lambdas/domain/bearer-authorization';
import type { Client, ClientBundle } from '../../lambdas/domain/model';
import { silentLogger } from '../../lambdas/domain/ports';
import { authorizeRequest } from '../../lambdas/handlers/authorizer-handler';
import { composeAuthorizerDeps } from '../../lambdas/handlers/compose/authorizer';
import { dynamoClient, startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';
import { generateTestKey, projectToken } from '../support/token-forge';

const AT = '2026-11-23T08:00:00.000Z';
let eventSeq = 0;

function bundle(clientId: string): ClientBundle {
  return {
    client: {
      clientId,
      name: `Partner ${clientId}`,
      status: 'enabled',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      createdAt: AT,
      updatedAt: AT,
      version: 1,
    },
    secrets: [{ secretId: `sec_${clientId}`, hash: `hash_${clientId}`, createdAt: AT }],
    rules: [],
  };
}

function audit(action: AuditEvent['action'], clientId: string): AuditEvent {
  eventSeq += 1;
  return {
    eventId: `evt${String(eventSeq).padStart(4, '0')}`,
    at: AT,
    actor: 'admin-client',
    actorJti: `jti-${eventSeq}`,
    action,
    targetType: 'client',
    targetId: clientId,
    clientId,
    diff: { status: { from: 'enabled', to: 'disabled' } },
  };
}

function manualClock() {
  const clock = { t: Date.parse(AT), now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

/** A client-credentials token of `clientId` (one per client: `jti-<clientId>`). */
const query = (clientId: string): TokenStatusQuery => ({ clientId, jti: `jti-${clientId}` });

/** The answer for a token nothing denies, with its client's status. */
const clientIs = (client: string) => ({ client, jtiDenied: false, sidDenied: false });

/** A loopback port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('DynamoDbTokenStatusSource (dynalite)', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo('token-status-test');
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.resetCalls());

  const source = (clock: { now(): number }, ttlSeconds = 60, client: Pick<DynamoDBClient, 'send'> = db.client) =>
    new DynamoDbTokenStatusSource({ client, tableName: db.tableName, ttlSeconds, clock, logger: silentLogger });

  it('reads the status the store wrote with one BatchGetItem projected to the keys and status', async () => {
    await db.clients.createClient(bundle('ts-projection'));
    db.resetCalls();
    const out = await db.client.send(tokenStatusRequest(db.tableName, query('ts-projection')));
    expect(out.Responses).toEqual({
      [db.tableName]: [{ pk: { S: 'CLIENT#ts-projection' }, sk: { S: 'CLIENT' }, status: { S: 'enabled' } }],
    });
    expect(out.UnprocessedKeys).toEqual({});
    expect(db.calls).toEqual({ BatchGetItemCommand: 1 });
  });

  it('enabled, then disabled through store.updateClient: seen once the TTL has passed, one BatchGetItem per TTL', async () => {
    const created = bundle('ts-partner');
    await db.clients.createClient(created);
    db.resetCalls();
    const clock = manualClock();
    const statuses = source(clock);

    expect(await statuses.status(query('ts-partner'))).toEqual(clientIs('enabled'));
    for (let i = 0; i < 20; i++) expect(await statuses.status(query('ts-partner'))).toEqual(clientIs('enabled'));
    expect(db.calls).toEqual({ BatchGetItemCommand: 1 });

    const disabled: Client = { ...created.client, status: 'disabled', updatedAt: AT, version: 2 };
    await db.clients.updateClient(disabled, 1, audit('client.update', 'ts-partner'));
    db.resetCalls();

    clock.advance(59_000);
    expect(await statuses.status(query('ts-partner'))).toEqual(clientIs('enabled')); // inside the documented bound
    expect(db.calls).toEqual({});
    clock.advance(1_000);
    expect(await statuses.status(query('ts-partner'))).toEqual(clientIs('disabled'));
    expect(await statuses.status(query('ts-partner'))).toEqual(clientIs('disabled')); // negative answers are cached too
    expect(db.calls).toEqual({ BatchGetItemCommand: 1 });
  });

  it('a client that never existed, and one deleted through the store, are missing (and cached)', async () => {
    const created = bundle('ts-deleted');
    await db.clients.createClient(created);
    db.resetCalls();
    const clock = manualClock();
    const statuses = source(clock, 30);
    expect(await statuses.status(query('ts-never'))).toEqual(clientIs('missing'));
    expect(await statuses.status(query('ts-never'))).toEqual(clientIs('missing'));
    expect(await statuses.status(query('ts-deleted'))).toEqual(clientIs('enabled'));
    expect(db.calls).toEqual({ BatchGetItemCommand: 2 });

    await db.clients.deleteClient('ts-deleted', 1, audit('client.delete', 'ts-deleted'));
    clock.advance(30_000);
    expect(await statuses.status(query('ts-deleted'))).toEqual(clientIs('missing'));
  });

  it('an item without a known status value counts as disabled (fail closed)', async () => {
    for (const [id, status] of [
      ['ts-odd', { S: 'suspended' }],
      ['ts-none', undefined],
      ['ts-number', { N: '1' }],
    ] as const) {
      await db.client.send(
        new PutItemCommand({
          TableName: db.tableName,
          Item: { pk: { S: `CLIENT#${id}` }, sk: { S: 'CLIENT' }, ...(status === undefined ? {} : { status }) },
        }),
      );
      expect(await source(manualClock()).status(query(id))).toEqual(clientIs('disabled'));
    }
  });

  it('a jti and a sid denied through the revocation store are seen once the TTL has passed', async () => {
    await db.clients.createClient(bundle('ts-revoked'));
    const clock = manualClock();
    const statuses = source(clock, 30);
    const token = { clientId: 'ts-revoked', jti: 'ts-jti', sid: 'ts-sid' };
    const exp = Math.floor(Date.parse(AT) / 1000) + 3600;
    expect(await statuses.status(token)).toEqual(clientIs('enabled'));
    await db.revocations.denyAccessToken('ts-jti', exp);
    expect(await statuses.status(token)).toEqual(clientIs('enabled')); // cached: inside the bound
    clock.advance(30_000);
    expect(await statuses.status(token)).toEqual({ client: 'enabled', jtiDenied: true, sidDenied: false });
    await db.revocations.denySession('ts-sid', exp);
    clock.advance(30_000);
    expect(await statuses.status(token)).toEqual({ client: 'enabled', jtiDenied: true, sidDenied: true });
    // Another token of the session: its own cache entry, its sid denied.
    expect(await statuses.status({ ...token, jti: 'ts-jti-2' })).toEqual({
      client: 'enabled',
      jtiDenied: false,
      sidDenied: true,
    });
  });

  it('100 concurrent lookups for one token send one BatchGetItem', async () => {
    await db.clients.createClient(bundle('ts-burst'));
    db.resetCalls();
    const statuses = source(manualClock());
    const answers = await Promise.all(Array.from({ length: 100 }, () => statuses.status(query('ts-burst'))));
    expect(answers).toEqual(Array(100).fill(clientIs('enabled')));
    expect(db.calls).toEqual({ BatchGetItemCommand: 1 });
  });

  it('holds at most maxEntries tokens: the least recently used one is read again', async () => {
    for (const id of ['ts-lru-a', 'ts-lru-b', 'ts-lru-c']) await db.clients.createClient(bundle(id));
    db.resetCalls();
    const statuses = new DynamoDbTokenStatusSource({
      client: db.client,
      tableName: db.tableName,
      maxEntries: 2,
      clock: manualClock(),
    });
    for (const id of ['ts-lru-a', 'ts-lru-b', 'ts-lru-c', 'ts-lru-b', 'ts-lru-c']) await statuses.status(query(id));
    expect(statuses.size).toBe(2);
    expect(db.calls).toEqual({ BatchGetItemCommand: 3 });
    await statuses.status(query('ts-lru-a')); // dropped: read again
    expect(db.calls).toEqual({ BatchGetItemCommand: 4 });
  });

  it('DynamoDB unreachable: the last enabled is served for the stale window, then it fails closed', async () => {
    await db.clients.createClient(bundle('ts-outage'));
    const unreachable = dynamoClient(`http://127.0.0.1:${await closedPort()}`);
    try {
      let down = false;
      const switching: Pick<DynamoDBClient, 'send'> = {
        send: ((command: Parameters<DynamoDBClient['send']>[0]) =>
          (down ? unreachable : db.client).send(command)) as DynamoDBClient['send'],
      };
      const clock = manualClock();
      const statuses = new DynamoDbTokenStatusSource({
        client: switching,
        tableName: db.tableName,
        ttlSeconds: 60,
        staleIfErrorSeconds: 60,
        clock,
      });
      expect(await statuses.status(query('ts-outage'))).toEqual(clientIs('enabled'));
      down = true;
      clock.advance(119_000);
      expect(await statuses.status(query('ts-outage'))).toEqual(clientIs('enabled'));
      clock.advance(1_000);
      const err = await statuses.status(query('ts-outage')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientStatusUnavailableError);
      // Never-seen tokens fail closed at once.
      await expect(statuses.status(query('ts-other'))).rejects.toBeInstanceOf(ClientStatusUnavailableError);
      down = false;
      expect(await statuses.status(query('ts-outage'))).toEqual(clientIs('enabled'));
    } finally {
      unreachable.destroy();
    }
  });

  it('wired into the authorizer by IDP_TABLE_NAME: a disabled partner is refused (TTL 0: at once)', async () => {
    const key = await generateTestKey('RS256');
    const created = bundle('ts-wired');
    await db.clients.createClient(created);
    const issuer = 'https://idp.example.test';
    const deps = composeAuthorizerDeps(
      {
        IDP_ISSUER: issuer,
        IDP_AUDIENCE: `${issuer}/admin`,
        IDP_ROUTE_SCOPES: '{"GET":["admin:read"]}',
        IDP_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
        IDP_TABLE_NAME: db.tableName,
        IDP_CLIENT_STATUS_TTL_SECONDS: '0',
      },
      { dynamoDb: db.client, logger: silentLogger },
    );
    const token = await projectToken(key, {
      audience: `${issuer}/admin`,
      clientId: 'ts-wired',
      scopes: ['admin:read'],
    });
    const request = { method: 'GET', headers: { authorization: `Bearer ${token}` } };
    db.resetCalls();
    expect(await authorizeRequest(deps, request)).toHaveProperty('allow.clientId', 'ts-wired');
    // The token status: one BatchGetItem of the client, deny-list and (here none) user items.
    expect(db.calls).toEqual({ BatchGetItemCommand: 1 });

    await db.clients.updateClient(
      { ...created.client, status: 'disabled', version: 2 },
      1,
      audit('client.update', 'ts-wired'),
    );
    expect(await authorizeRequest(deps, request)).toEqual({
      deny: { status: 401, error: 'invalid_token', description: 'client disabled' },
    });
  });
});
