/**
 * Embedded DynamoDB for tests: the local runtime's dynalite (with its signed, transactional front) on
 * an ephemeral loopback port, a table created from the shared schema, and SDK clients that count the
 * requests they send (one SDK operation = one round trip: retries are off).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, makeDynamoDbDocumentClient } from '../../lambdas/adapters/dynamodb-setup';
import { makeDynamoDbRepositories } from '../../lambdas/adapters/dynamodb-repositories';
import type { DynamoDbRepositories } from '../../lambdas/adapters/dynamodb-repositories';
import { tokenPathReads } from '../../lambdas/domain/ports';
import type { TokenPathReads } from '../../lambdas/domain/ports';
import { startLocalDynamoDb } from '../../lambdas/local/local-dynamodb';
import type { LocalDynamoDb } from '../../lambdas/local/local-dynamodb';

export interface TestDynamo extends DynamoDbRepositories {
  endpoint: string;
  /** The credential the front accepts (random per start), for clients in other processes. */
  credentials: LocalDynamoDb['credentials'];
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** The token path's reads over {@link clients} and {@link apis}. */
  tokenReads: TokenPathReads;
  /** Operations sent by `client` (and `doc`, which wraps it), by name, e.g. `{ QueryCommand: 1 }`. */
  calls: Record<string, number>;
  resetCalls(): void;
  /** The front's write generation (see LocalDynamoDb.writeGeneration). */
  writeGeneration(): number;
  close(): Promise<void>;
}

/**
 * An SDK client (no retries) for a local DynamoDB, signing with its per-start credential; for a bare
 * endpoint (nothing listening there, say), with dummy credentials.
 */
export function dynamoClient(
  target: Pick<LocalDynamoDb, 'endpoint' | 'region' | 'credentials'> | string,
): DynamoDBClient {
  const { endpoint, region, credentials } =
    typeof target === 'string'
      ? { endpoint: target, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : target;
  return new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
}

export async function startTestDynamo(tableName = 'serverless-idp-test'): Promise<TestDynamo> {
  const db = await startLocalDynamoDb();
  const client = dynamoClient(db);
  const calls: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  await ensureTable(client, tableName);
  const doc = makeDynamoDbDocumentClient(client);
  const repositories = makeDynamoDbRepositories({ client: doc, tableName });
  return {
    ...repositories,
    tokenReads: tokenPathReads(repositories.clients, repositories.apis),
    endpoint: db.endpoint,
    credentials: db.credentials,
    client,
    doc,
    tableName,
    calls,
    writeGeneration: db.writeGeneration,
    resetCalls: () => {
      for (const name of Object.keys(calls)) delete calls[name];
    },
    close: async () => {
      client.destroy();
      await db.close();
    },
  };
}
