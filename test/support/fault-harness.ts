/**
 * The functions as composed for AWS (lambdas/handlers/compose/*.ts), over real adapters and real SDK
 * clients pointed at loopback services — dynalite (test/support/dynalite.ts), the KMS protocol fake
 * and the Secrets Manager fake — each client wrapped by {@link faultyClient} so a test plans SDK
 * faults and interleavings on it. The table is bootstrapped (admin API and admin client). Logs are
 * captured. Used by the fault and race tests; the sign-in and revocation tests compose their functions
 * the same way (`composeXDeps(vars, harness.sdk)`) and reuse {@link FaultHarness.scan}, `call` and
 * the clients.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';
import { randomIds } from '../../lambdas/adapters/random-ids';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { ensureBootstrap } from '../../lambdas/domain/bootstrap';
import type { AdminDeps } from '../../lambdas/domain/admin/context';
import type { Logger } from '../../lambdas/domain/ports';
import { makeHandler as makeAdminHandler } from '../../lambdas/handlers/admin-handler';
import type { AdminApiEvent } from '../../lambdas/handlers/admin-handler';
import type { HttpApiEvent, HttpApiResult } from '../../lambdas/handlers/api-gateway';
import { composeAdminDeps } from '../../lambdas/handlers/compose/admin';
import type { EnvironmentVariables } from '../../lambdas/handlers/compose/environment';
import type { SdkClients } from '../../lambdas/handlers/compose/sdk-clients';
import { startSecretsManagerFake } from './secrets-manager-fake';
import type { SecretsManagerFake } from './secrets-manager-fake';
import { startTestDynamo } from './dynalite';
import type { TestDynamo } from './dynalite';
import { faultyClient } from './faulty-client';
import type { FaultyClient } from './faulty-client';
import { startKmsFake } from './kms-fake';
import type { KmsFake } from './kms-fake';

export const FAULT_ISSUER = 'https://idp.faults.test';

/** One captured log line. */
export interface CapturedLog {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps its lines. */
export function capturingLogger(): Logger & { lines: CapturedLog[]; text(): string } {
  const lines: CapturedLog[] = [];
  const push = (level: CapturedLog['level']) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
  return {
    lines,
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    text: () => JSON.stringify(lines),
  };
}

/** An HTTP API answer, its body parsed when JSON. */
export interface CallAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

export function answerOf(result: HttpApiResult): CallAnswer {
  const text = typeof result.body === 'string' ? result.body : '';
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: result.statusCode ?? 0, headers: (result.headers ?? {}) as Record<string, string>, text, body };
}

/** An HTTP API v2 event. */
export function httpEvent(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): HttpApiEvent {
  const [rawPath, rawQueryString = ''] = path.split('?', 2) as [string, string?];
  return { rawPath, rawQueryString, headers, body, isBase64Encoded: false, requestContext: { http: { method } } };
}

export interface FaultHarness {
  dynamo: TestDynamo;
  kms: KmsFake;
  secrets: SecretsManagerFake;
  keyId: string;
  /** The function variables, as lib/api-functions.ts sets them, pointing at the fakes. */
  vars: EnvironmentVariables;
  /** The bootstrap admin client. */
  bootstrap: { clientId: string; clientSecret: string };
  /** Wrapped clients: plan faults and hooks on them. */
  faulty: {
    dynamodb: FaultyClient<DynamoDBDocumentClient>;
    kms: FaultyClient<KMSClient>;
    secretsManager: FaultyClient<SecretsManagerClient>;
  };
  /** The wrapped clients, for `composeXDeps(vars, sdk)`. */
  sdk: Required<SdkClients>;
  /** The same services without faults, for the other side of an interleaving. */
  plain: Required<SdkClients>;
  /** Every item of the table, sorted by key (strongly consistent Scan, through the plain client). */
  scan(): Promise<Record<string, unknown>[]>;
  /** The admin handler over `sdk` (faults apply) or `plain`, with a captured logger. */
  admin(
    over?: 'sdk' | 'plain',
  ): Promise<{ call: AdminCall; logger: ReturnType<typeof capturingLogger>; deps: AdminDeps }>;
  /** Drops every planned fault and hook. */
  resetFaults(): void;
  close(): Promise<void>;
}

/** One admin request as the bootstrap admin (admin:read admin:write), through the authorizer's context. */
export type AdminCall = (method: string, path: string, body?: unknown) => Promise<CallAnswer>;

export async function startFaultHarness(tableName = 'serverless-idp-faults'): Promise<FaultHarness> {
  const dynamo = await startTestDynamo(tableName);
  const kms = await startKmsFake({ region: 'local' });
  const secrets = await startSecretsManagerFake();
  const keyId = kms.createKey('RSA_2048');
  const pepper = randomIds.clientSecret();
  const pepperArn = secrets.put('serverless-idp-faults-pepper', pepper);
  const bootstrap = { clientId: `admin-${randomIds.clientId()}`, clientSecret: randomIds.clientSecret() };
  await ensureBootstrap(
    {
      clients: dynamo.clients,
      apis: dynamo.apis,
      hasher: new HmacSecretHasher(Buffer.from(pepper, 'utf8')),
      clock: systemClock,
      ids: randomIds,
    },
    { issuer: FAULT_ISSUER, ...bootstrap },
  );
  const secretsManager = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const faulty = {
    dynamodb: faultyClient(dynamo.doc),
    kms: faultyClient(kms.client),
    secretsManager: faultyClient(secretsManager),
  };
  const sdk = {
    dynamodb: faulty.dynamodb.client,
    kms: faulty.kms.client,
    secretsManager: faulty.secretsManager.client,
  };
  const plain = { dynamodb: dynamo.doc, kms: kms.client, secretsManager };
  const vars: EnvironmentVariables = {
    IDP_ISSUER: FAULT_ISSUER,
    IDP_TABLE_NAME: dynamo.tableName,
    IDP_SIGNING_KEY_ARN: kms.arnOf(keyId),
    IDP_PUBLISHED_KEY_ARNS: kms.arnOf(keyId),
    IDP_SIGNING_ALG: 'RS256',
    IDP_PEPPER_SECRET_ARN: pepperArn,
  };

  const scan = async () => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.doc.send(
        new ScanCommand({ TableName: dynamo.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const key = (item: Record<string, unknown>) => `${String(item['pk'])}|${String(item['sk'])}`;
    return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  };

  const admin = async (over: 'sdk' | 'plain' = 'sdk') => {
    const logger = capturingLogger();
    const deps: AdminDeps = { ...(await composeAdminDeps(vars, over === 'sdk' ? sdk : plain)), logger };
    const handler = makeAdminHandler(deps);
    let jti = 0;
    const call: AdminCall = async (method, path, body) => {
      const event: AdminApiEvent = {
        ...httpEvent(
          method,
          path,
          body === undefined ? {} : { 'content-type': 'application/json' },
          body === undefined ? undefined : JSON.stringify(body),
        ),
        requestContext: {
          http: { method },
          authorizer: {
            lambda: { clientId: bootstrap.clientId, jti: `jti-${(jti += 1)}`, scope: 'admin:read admin:write' },
          },
        },
      };
      return answerOf(await handler(event));
    };
    return { call, logger, deps };
  };

  return {
    dynamo,
    kms,
    secrets,
    keyId,
    vars,
    bootstrap,
    faulty,
    sdk,
    plain,
    scan,
    admin,
    resetFaults: () => {
      for (const client of Object.values(faulty)) client.reset();
    },
    close: async () => {
      secretsManager.destroy();
      await secrets.close();
      await kms.close();
      await dynamo.close();
    },
  };
}
