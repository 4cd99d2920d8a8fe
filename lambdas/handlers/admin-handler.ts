/**
 * Admin API Lambda handler (`ANY /admin/{proxy+}` and `GET /admin/openapi.json`): a thin shell around
 * the core's {@link AdminApi}. The acting admin comes from the Lambda authorizer's context in
 * `event.requestContext.authorizer.lambda` (`{clientId, jti, scope}`, scope space-delimited); the
 * core re-checks the route's scope. `makeHandler(deps)` is for tests and the local server; `handler`
 * composes AWS adapters once per cold start.
 *
 * Environment (set by the CDK stack): `IDP_ISSUER`, `IDP_TABLE_NAME`, `IDP_PEPPER_SECRET_ARN`,
 * optional `IDP_AUDIT_RETENTION_DAYS` (whole days; audit events kept forever without it), optional
 * `IDP_LASTING_SECRET_MARGIN_SECONDS` (the last-admin guard rail's margin, 86400 without it).
 * IAM: DynamoDB read/write on the table and its index, secretsmanager:GetSecretValue on the pepper.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AdminApi } from '../domain/admin/admin-api';
import type { AdminPrincipal } from '../domain/admin/admin-api';
import type { AdminDeps } from '../domain/admin/context';
import { DEFAULT_LASTING_SECRET_MARGIN_SECONDS } from '../domain/admin/guard-rails';
import { ProblemError, problemResponse } from '../domain/admin/problem';
import { describeError } from '../domain/errors';
import { makeDynamoDbRepositories } from '../adapters/dynamodb-repositories';
import { makeDynamoDbDocumentClient } from '../adapters/dynamodb-setup';
import { HmacSecretHasher } from '../adapters/hmac-secret-hasher';
import { randomIds } from '../adapters/random-ids';
import { ScryptPasswordKdf } from '../adapters/scrypt-password-kdf';
import { loadPepperFromSecretsManager } from '../adapters/secrets-manager-pepper';
import { systemClock } from '../adapters/system-clock';
import type { HttpApiEvent, HttpApiHandler } from './api-gateway';
import { lazyHandler, toHttpRequest, toResult } from './api-gateway';
import { awsLogger, env, envInteger, guardedByOrigin, requireIssuer } from './compose';

/** An HTTP API v2 event with the Lambda authorizer's context (payload format 2.0). */
export type AdminApiEvent = HttpApiEvent & {
  requestContext: HttpApiEvent['requestContext'] & {
    authorizer?: { lambda?: Record<string, unknown> | null } | null;
  };
};

/** The principal the authorizer passed on, or `undefined` when there is none (answered 401). */
export function principalFromEvent(event: AdminApiEvent): AdminPrincipal | undefined {
  const context = event.requestContext.authorizer?.lambda;
  if (context === undefined || context === null) return undefined;
  const { clientId, jti, scope } = context;
  if (typeof clientId !== 'string' || clientId === '' || typeof jti !== 'string' || jti === '') return undefined;
  let scopes: string[] = [];
  if (typeof scope === 'string') scopes = scope.split(' ').filter((s) => s !== '');
  else if (Array.isArray(scope)) scopes = scope.filter((s): s is string => typeof s === 'string');
  return { clientId, jti, scopes: new Set(scopes) };
}

export function makeHandler(deps: AdminDeps): (event: AdminApiEvent) => ReturnType<HttpApiHandler> {
  const api = new AdminApi(deps);
  return async (event) => toResult(await api.handle(toHttpRequest(event), principalFromEvent(event)));
}

/** Dependencies of the admin function; the pepper (secret hasher and password KDF) is read once per cold start. */
export async function composeAdminDeps(): Promise<AdminDeps> {
  const pepper = await loadPepperFromSecretsManager(new SecretsManagerClient({}), env('IDP_PEPPER_SECRET_ARN'));
  const retention = envInteger('IDP_AUDIT_RETENTION_DAYS', undefined, 1, 36_500);
  const margin = envInteger('IDP_LASTING_SECRET_MARGIN_SECONDS', DEFAULT_LASTING_SECRET_MARGIN_SECONDS, 0, 31_536_000);
  return {
    ...makeDynamoDbRepositories({
      client: makeDynamoDbDocumentClient(new DynamoDBClient({ maxAttempts: 3 })),
      tableName: env('IDP_TABLE_NAME'),
    }),
    hasher: new HmacSecretHasher(pepper),
    kdf: new ScryptPasswordKdf(pepper),
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
    config: {
      issuer: requireIssuer(),
      ...(retention === undefined ? {} : { auditRetentionDays: retention }),
      ...(margin === undefined ? {} : { lastingSecretMarginSeconds: margin }),
    },
  };
}

const unavailable = (err: unknown) => {
  awsLogger().error('admin handler initialisation failed', { error: describeError(err) });
  return toResult(
    problemResponse(
      new ProblemError('service-unavailable', 'the admin API is starting; retry', { headers: { 'Retry-After': '1' } }),
    ),
  );
};

export const handler = guardedByOrigin(lazyHandler(composeAdminDeps, makeHandler, unavailable), unavailable);
