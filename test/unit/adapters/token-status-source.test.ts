/**
 * The authorizer's token status (lambdas/adapters/token-status-source.ts) over a scripted DynamoDB
 * client and a manual clock: exactly one BatchGetItem per cache miss with the keys it names, none on a
 * hit, concurrent misses share one call, each item read as it should be (denied by presence; status
 * `enabled` only), unprocessed keys are a failed read, and a failed read is served from the stale
 * window and then fails closed.
 */
import type { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { ClientStatusUnavailableError } from '../../../lambdas/domain/bearer-authorization';
import type { TokenStatusQuery } from '../../../lambdas/domain/bearer-authorization';
import {
  DynamoDbTokenStatusSource,
  tokenStatusKeys,
  tokenStatusRequest,
} from '../../../lambdas/adapters/token-status-source';
import { silentLogger } from '../../../lambdas/domain/ports';

const TABLE = 'idp';
type Item = Record<string, { S: string }>;

function scriptedClient(items: Item[]) {
  const sent: BatchGetItemCommand['input'][] = [];
  let fail: Error | undefined;
  let unprocessed = false;
  const client = {
    send: async (command: BatchGetItemCommand) => {
      sent.push(command.input);
      await Promise.resolve();
      if (fail !== undefined) throw fail;
      const keys = command.input.RequestItems![TABLE]!.Keys!;
      const found = items.filter((item) =>
        keys.some((k) => k['pk']!.S === item['pk']!.S && k['sk']!.S === item['sk']!.S),
      );
      return {
        Responses: { [TABLE]: found },
        ...(unprocessed ? { UnprocessedKeys: { [TABLE]: { Keys: keys.slice(0, 1) } } } : {}),
      };
    },
  };
  return {
    client,
    sent,
    failWith: (err: Error | undefined) => (fail = err),
    leaveUnprocessed: (value: boolean) => (unprocessed = value),
  };
}

function manualClock(t = 1_000_000) {
  const clock = { t, now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

const item = (pk: string, sk: string, status?: string): Item => ({
  pk: { S: pk },
  sk: { S: sk },
  ...(status === undefined ? {} : { status: { S: status } }),
});

const PERSON: TokenStatusQuery = { clientId: 'spa', jti: 'j1', sid: 's1', userId: 'u1' };
const CLIENT_TOKEN: TokenStatusQuery = { clientId: 'svc', jti: 'j2' };

describe('token status source', () => {
  it('one BatchGetItem of the client, jti, sid and user items, keys and status only, eventually consistent', () => {
    expect(tokenStatusRequest(TABLE, PERSON).input).toEqual({
      RequestItems: {
        idp: {
          Keys: [
            { pk: { S: 'CLIENT#spa' }, sk: { S: 'CLIENT' } },
            { pk: { S: 'DENY#j1' }, sk: { S: 'DENY' } },
            { pk: { S: 'DENYSID#s1' }, sk: { S: 'DENY' } },
            { pk: { S: 'USER#u1' }, sk: { S: 'USER' } },
          ],
          ProjectionExpression: '#pk, #sk, #status',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#status': 'status' },
          ConsistentRead: false,
        },
      },
    });
    expect(tokenStatusKeys(CLIENT_TOKEN)).toHaveLength(2);
  });

  it('reads each item: deny entries by presence, status enabled only; missing client or user is missing', async () => {
    const db = scriptedClient([
      item('CLIENT#spa', 'CLIENT', 'enabled'),
      item('DENYSID#s1', 'DENY'),
      item('USER#u1', 'USER', 'disabled'),
      item('CLIENT#svc', 'CLIENT', 'weird'),
    ]);
    const source = new DynamoDbTokenStatusSource({ client: db.client, tableName: TABLE, ttlSeconds: 0 });
    expect(await source.status(PERSON)).toEqual({
      client: 'enabled',
      jtiDenied: false,
      sidDenied: true,
      user: 'disabled',
    });
    expect(await source.status(CLIENT_TOKEN)).toEqual({ client: 'disabled', jtiDenied: false, sidDenied: false });
    expect(await source.status({ clientId: 'gone', jti: 'j3', userId: 'nobody' })).toEqual({
      client: 'missing',
      jtiDenied: false,
      sidDenied: false,
      user: 'missing',
    });
  });

  it('a hit costs no call; a miss one; 50 concurrent misses for one token one', async () => {
    const db = scriptedClient([item('CLIENT#svc', 'CLIENT', 'enabled'), item('DENY#j2', 'DENY')]);
    const clock = manualClock();
    const source = new DynamoDbTokenStatusSource({ client: db.client, tableName: TABLE, ttlSeconds: 30, clock });
    const answers = await Promise.all(Array.from({ length: 50 }, () => source.status(CLIENT_TOKEN)));
    expect(db.sent).toHaveLength(1);
    expect(answers.every((a) => a.jtiDenied)).toBe(true);
    clock.advance(29_999);
    await source.status(CLIENT_TOKEN);
    expect(db.sent).toHaveLength(1);
    clock.advance(1);
    await source.status(CLIENT_TOKEN);
    expect(db.sent).toHaveLength(2);
  });

  it('a failed read: the last answer for ttl + stale window, then it fails closed; unprocessed keys count as failed', async () => {
    const db = scriptedClient([item('CLIENT#svc', 'CLIENT', 'enabled')]);
    const clock = manualClock();
    const source = new DynamoDbTokenStatusSource({
      client: db.client,
      tableName: TABLE,
      ttlSeconds: 30,
      staleIfErrorSeconds: 60,
      clock,
      logger: silentLogger,
    });
    const first = await source.status(CLIENT_TOKEN);
    db.failWith(new Error('ECONNRESET'));
    clock.advance(89_999);
    expect(await source.status(CLIENT_TOKEN)).toEqual(first);
    clock.advance(1);
    await expect(source.status(CLIENT_TOKEN)).rejects.toBeInstanceOf(ClientStatusUnavailableError);
    db.failWith(undefined);
    db.leaveUnprocessed(true);
    await expect(source.status({ clientId: 'svc', jti: 'new' })).rejects.toBeInstanceOf(ClientStatusUnavailableError);
  });
});
