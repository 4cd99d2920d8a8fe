/**
 * The local runtime's transactional front over dynalite: TransactWriteItems lands completely or not
 * at all, and cancellations answer as DynamoDB does, so the store's code is the same locally and on AWS.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';

describe('TransactWriteItems on the local DynamoDB', () => {
  let db: TestDynamo;
  const get = async (pk: string) =>
    (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { pk, sk: 'X' } }))).Item;

  beforeAll(async () => {
    db = await startTestDynamo();
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { pk: 'B', sk: 'X', version: 1 } }));
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { pk: 'D', sk: 'X', keep: true } }));
  });
  afterAll(async () => {
    await db.close();
  });

  it('undoes every applied write when a later condition fails, and names the failing item', async () => {
    const err = await db.doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: db.tableName, Item: { pk: 'A', sk: 'X', v: 1 } } },
            {
              Update: {
                TableName: db.tableName,
                Key: { pk: 'B', sk: 'X' },
                UpdateExpression: 'SET version = :two',
                ConditionExpression: 'version = :one',
                ExpressionAttributeValues: { ':one': 1, ':two': 2 },
              },
            },
            { Delete: { TableName: db.tableName, Key: { pk: 'D', sk: 'X' } } },
            {
              ConditionCheck: {
                TableName: db.tableName,
                Key: { pk: 'C', sk: 'X' },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TransactionCanceledException);
    expect((err as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'None',
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(await get('A')).toBeUndefined();
    expect(await get('B')).toEqual({ pk: 'B', sk: 'X', version: 1 });
    expect(await get('D')).toEqual({ pk: 'D', sk: 'X', keep: true });
    expect(await get('C')).toBeUndefined();
  });

  it('applies all writes when every condition holds; a passing check on a missing item leaves nothing', async () => {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.tableName, Item: { pk: 'E', sk: 'X' } } },
          {
            ConditionCheck: {
              TableName: db.tableName,
              Key: { pk: 'F', sk: 'X' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    expect(await get('E')).toEqual({ pk: 'E', sk: 'X' });
    expect(await get('F')).toBeUndefined();
  });

  it('refuses two operations on one item, as DynamoDB does', async () => {
    const err = await db.doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: db.tableName, Item: { pk: 'G', sk: 'X' } } },
            { Delete: { TableName: db.tableName, Key: { pk: 'G', sk: 'X' } } },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('ValidationException');
    expect(await get('G')).toBeUndefined();
  });
});
