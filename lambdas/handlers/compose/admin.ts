/**
 * Composition of the admin API function (../admin-handler.ts): every repository over the table and the
 * pepper-keyed secret hasher and password KDF; the pepper is read once per cold start. Variables: ./environment.ts.
 * IAM: DynamoDB read/write on the table and its index, `secretsmanager:GetSecretValue` on the pepper.
 */
import { HmacSecretHasher } from '../../adapters/hmac-secret-hasher';
import { makeDynamoDbRepositories } from '../../adapters/dynamodb-repositories';
import { randomIds } from '../../adapters/random-ids';
import { ScryptPasswordKdf } from '../../adapters/scrypt-password-kdf';
import { loadPepperFromSecretsManager } from '../../adapters/secrets-manager-pepper';
import { systemClock } from '../../adapters/system-clock';
import type { AdminDeps } from '../../domain/admin/context';
import { DEFAULT_LASTING_SECRET_MARGIN_SECONDS } from '../../domain/admin/guard-rails';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import type { EnvironmentVariables } from './environment';
import { env, envInteger, functionEnvironment, requireIssuer } from './environment';
import { httpEntry } from './http-entry';
import type { SdkClients } from './sdk-clients';
import { awsLogger } from './observability';

/**
 * Dependencies of the admin function. `IDP_AUDIT_RETENTION_DAYS` (whole days; audit events are kept
 * forever without it) and `IDP_LASTING_SECRET_MARGIN_SECONDS` (the last-admin guard rail's margin,
 * {@link DEFAULT_LASTING_SECRET_MARGIN_SECONDS} without it) are optional. `sdk` replaces the shared SDK
 * clients (tests).
 */
export async function composeAdminDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<AdminDeps> {
  const pepper = await loadPepperFromSecretsManager({
    client: sdk.secretsManager,
    secretId: env(vars, 'IDP_PEPPER_SECRET_ARN'),
  });
  const retention = envInteger(vars, 'IDP_AUDIT_RETENTION_DAYS', { min: 1, max: 36_500 });
  const margin = envInteger(
    vars,
    'IDP_LASTING_SECRET_MARGIN_SECONDS',
    { min: 0, max: 31_536_000 },
    DEFAULT_LASTING_SECRET_MARGIN_SECONDS,
  );
  return {
    ...makeDynamoDbRepositories({ client: sdk.dynamodb, tableName: env(vars, 'IDP_TABLE_NAME') }),
    hasher: new HmacSecretHasher(pepper),
    kdf: new ScryptPasswordKdf(pepper),
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
    config: {
      issuer: requireIssuer(vars),
      ...(retention === undefined ? {} : { auditRetentionDays: retention }),
      lastingSecretMarginSeconds: margin,
    },
  };
}

/** The admin function's Lambda entry: {@link composeAdminDeps} under the origin check (./http-entry.ts). */
export function adminEntry(
  make: (deps: AdminDeps) => HttpApiHandler,
  unavailable: () => HttpApiResult,
): HttpApiHandler {
  return httpEntry({ name: 'admin', vars: functionEnvironment(), compose: composeAdminDeps, make, unavailable });
}
