/**
 * Table creation for the local runtime and tests (on AWS the CDK creates the table from the same
 * {@link tableSchema}), the document client with the options the repositories rely on, and the
 * function's default one (aws-clients.ts).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_SDK_CLIENT_CONFIG, sharedClient } from './aws-clients';
import { tableSchema } from './dynamodb-table';

/**
 * Creates the table (on-demand, key schema and `gsi1` from {@link tableSchema}) unless it exists, and
 * waits until it is active. Idempotent; a concurrent creator is tolerated.
 * (dynalite does not implement UpdateTimeToLive, so audit expiry is an AWS-only feature.)
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  const { partitionKey, sortKey, gsi1 } = tableSchema;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi1.name,
            KeySchema: [
              { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}

/** The document client: plain JS values in and out, `undefined` optional fields omitted. */
export function makeDynamoDbDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

/**
 * The function's document client, built on first use over a DynamoDB client with
 * {@link DEFAULT_SDK_CLIENT_CONFIG}; every repository of the function shares it.
 */
export const defaultDynamoDbDocumentClient: () => DynamoDBDocumentClient = sharedClient(() =>
  makeDynamoDbDocumentClient(new DynamoDBClient(DEFAULT_SDK_CLIENT_CONFIG)),
);
