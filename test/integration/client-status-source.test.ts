/**
 * DynamoDbClientStatusSource against dynalite: the status the admin API writes (through the real
 * DynamoDbClientRepository) is what the authorizer reads, one GetItem per client per TTL (counted on the SDK
 * client), disabled and deleted clients seen once the TTL has passed, and a DynamoDB that cannot be
 * reached is served from the stale window, then refused. The clock is injected; no timers are awaited.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbClientStatusSource, clientStatusRequest } from '../../lambdas/adapters/client-status-source';
import type { AuditEvent } from '../../lambdas/domain/admin/audit';
import { ClientStatusUnavailableError } from '../../lambdas/domain/bearer-authorization';
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

/** A loopback port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('DynamoDbClientStatusSource (dynalite)', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo('client-status-test');
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.resetCalls());

  const source = (clock: { now(): number }, ttlSeconds = 60, client: Pick<DynamoDBClient, 'send'> = db.client) =>
    new DynamoDbClientStatusSource({ client, tableName: db.tableName, ttlSeconds, clock, logger: silentLogger });

  it('reads the status the store wrote with one GetItem projected to status', async () => {
    await db.clients.createClient(bundle('cs-projection'));
    db.resetCalls();
    const out = await db.client.send(clientStatusRequest(db.tableName, 'cs-projection'));
    expect(out.Item).toEqual({ status: { S: 'enabled' } });
    expect(db.calls).toEqual({ GetItemCommand: 1 });
  });

  it('enabled, then disabled through store.updateClient: seen once the TTL has passed, one GetItem per TTL', async () => {
    const created = bundle('cs-partner');
    await db.clients.createClient(created);
    db.resetCalls();
    const clock = manualClock();
    const statuses = source(clock);

    expect(await statuses.status('cs-partner')).toBe('enabled');
    for (let i = 0; i < 20; i++) expect(await statuses.status('cs-partner')).toBe('enabled');
    expect(db.calls).toEqual({ GetItemCommand: 1 });

    const disabled: Client = { ...created.client, status: 'disabled', updatedAt: AT, version: 2 };
    await db.clients.updateClient(disabled, 1, audit('client.update', 'cs-partner'));
    db.resetCalls();

    clock.advance(59_000);
    expect(await statuses.status('cs-partner')).toBe('enabled'); // inside the documented bound
    expect(db.calls).toEqual({});
    clock.advance(1_000);
    expect(await statuses.status('cs-partner')).toBe('disabled');
    expect(await statuses.status('cs-partner')).toBe('disabled'); // negative answers are cached too
    expect(db.calls).toEqual({ GetItemCommand: 1 });
  });

  it('a client that never existed, and one deleted through the store, are missing', async () => {
    const created = bundle('cs-deleted');
    await db.clients.createClient(created);
    db.resetCalls();
    const clock = manualClock();
    const statuses = source(clock, 30);
    expect(await statuses.status('cs-never')).toBe('missing');
    expect(await statuses.status('cs-never')).toBe('missing');
    expect(await statuses.status('cs-deleted')).toBe('enabled');
    expect(db.calls).toEqual({ GetItemCommand: 2 });

    await db.clients.deleteClient('cs-deleted', 1, audit('client.delete', 'cs-deleted'));
    clock.advance(30_000);
    expect(await statuses.status('cs-deleted')).toBe('missing');
  });

  it('an item without a known status value counts as disabled (fail closed)', async () => {
    for (const [id, status] of [
      ['cs-odd', { S: 'suspended' }],
      ['cs-none', undefined],
      ['cs-number', { N: '1' }],
    ] as const) {
      await db.client.send(
        new PutItemCommand({
          TableName: db.tableName,
          Item: { pk: { S: `CLIENT#${id}` }, sk: { S: 'CLIENT' }, ...(status === undefined ? {} : { status }) },
        }),
      );
      expect(await source(manualClock()).status(id)).toBe('disabled');
    }
  });

  it('100 concurrent lookups for one client send one GetItem', async () => {
    await db.clients.createClient(bundle('cs-burst'));
    db.resetCalls();
    const statuses = source(manualClock());
    const answers = await Promise.all(Array.from({ length: 100 }, () => statuses.status('cs-burst')));
    expect(new Set(answers)).toEqual(new Set(['enabled']));
    expect(db.calls).toEqual({ GetItemCommand: 1 });
  });

  it('DynamoDB unreachable: the last enabled is served for the stale window, then it fails closed', async () => {
    await db.clients.createClient(bundle('cs-outage'));
    const unreachable = dynamoClient(`http://127.0.0.1:${await closedPort()}`);
    try {
      let down = false;
      const switching: Pick<DynamoDBClient, 'send'> = {
        send: ((command: Parameters<DynamoDBClient['send']>[0]) =>
          (down ? unreachable : db.client).send(command)) as DynamoDBClient['send'],
      };
      const clock = manualClock();
      const statuses = new DynamoDbClientStatusSource({
        client: switching,
        tableName: db.tableName,
        ttlSeconds: 60,
        staleIfErrorSeconds: 60,
        clock,
      });
      expect(await statuses.status('cs-outage')).toBe('enabled');
      down = true;
      clock.advance(119_000);
      expect(await statuses.status('cs-outage')).toBe('enabled');
      clock.advance(1_000);
      const err = await statuses.status('cs-outage').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientStatusUnavailableError);
      // Never-seen clients fail closed at once.
      await expect(statuses.status('cs-other')).rejects.toBeInstanceOf(ClientStatusUnavailableError);
      down = false;
      expect(await statuses.status('cs-outage')).toBe('enabled');
    } finally {
      unreachable.destroy();
    }
  });

  it('wired into the authorizer by IDP_TABLE_NAME: a disabled partner is refused (TTL 0: at once)', async () => {
    const key = await generateTestKey('RS256');
    const created = bundle('cs-wired');
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
      clientId: 'cs-wired',
      scopes: ['admin:read'],
    });
    const request = { method: 'GET', headers: { authorization: `Bearer ${token}` } };
    db.resetCalls();
    expect(await authorizeRequest(deps, request)).toHaveProperty('allow.clientId', 'cs-wired');
    // The token status: one BatchGetItem of the client, deny-list and (here none) user items.
    expect(db.calls).toEqual({ BatchGetItemCommand: 1 });

    await db.clients.updateClient(
      { ...created.client, status: 'disabled', version: 2 },
      1,
      audit('client.update', 'cs-wired'),
    );
    expect(await authorizeRequest(deps, request)).toEqual({
      deny: { status: 401, error: 'invalid_token', description: 'client disabled' },
    });
  });
});
