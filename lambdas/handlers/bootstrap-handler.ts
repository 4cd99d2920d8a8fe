/**
 * Deploy-time bootstrap (docs/contract.md, Admin API): the `onEvent` handler of a CloudFormation custom
 * resource (aws-cdk-lib `custom_resources.Provider`, lib/api-stack.ts). On Create and Update it reads
 * the bootstrap admin credentials `{clientId, clientSecret}` and the pepper from Secrets Manager and
 * runs the idempotent {@link ensureBootstrap}: the built-in admin API `<issuer>/admin` and the
 * bootstrap admin client with a rule for `admin:read admin:write`. On Delete it does nothing: the
 * table keeps its data (and outlives the API stack).
 *
 * Resource properties: `Issuer`, `TableName`, `BootstrapSecretArn`, `PepperSecretArn`.
 * The response's `Data` carries the client id, never the secret.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ensureBootstrap } from '../domain/bootstrap';
import type { BootstrapRepositories } from '../domain/bootstrap';
import { DependencyUnavailableError, describeError } from '../domain/errors';
import type { Clock, Logger, RegistrationIds } from '../domain/ports';
import { HmacSecretHasher } from '../adapters/hmac-secret-hasher';
import { bootstrapEntry } from './compose/bootstrap';

/** Minimum length of the bootstrap client secret (the stack generates 48 alphanumerics, ~285 bits). */
export const MIN_BOOTSTRAP_SECRET_LENGTH = 32;

/** What the provider framework expects back from `onEvent`. */
export interface BootstrapResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** What the bootstrap needs: factories, because the table and secrets come with each event. */
export interface BootstrapHandlerDeps {
  /** The `SecretString` of a secret. */
  readSecretString(secretId: string): Promise<string>;
  /** The pepper bytes (lambdas/adapters/secrets-manager-pepper.ts on AWS). */
  loadPepper(secretId: string): Promise<Uint8Array>;
  /** The repositories over the named table. */
  repositoriesFor(tableName: string): BootstrapRepositories;
  clock: Clock;
  ids: RegistrationIds;
  logger: Logger;
}

interface BootstrapProperties {
  issuer: string;
  tableName: string;
  bootstrapSecretArn: string;
  pepperSecretArn: string;
}

function properties(event: CloudFormationCustomResourceEvent): BootstrapProperties {
  const props = event.ResourceProperties as Record<string, unknown>;
  const get = (name: string): string => {
    const value = props[name];
    if (typeof value !== 'string' || value === '') throw new Error(`resource property ${name} is required`);
    return value;
  };
  return {
    issuer: get('Issuer').replace(/\/+$/, ''),
    tableName: get('TableName'),
    bootstrapSecretArn: get('BootstrapSecretArn'),
    pepperSecretArn: get('PepperSecretArn'),
  };
}

/** Parses the bootstrap secret `{clientId, clientSecret}`; the error never quotes the value. */
export function parseBootstrapCredentials(secretString: string): { clientId: string; clientSecret: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error('bootstrap secret is not JSON');
  }
  const { clientId, clientSecret } = (parsed ?? {}) as { clientId?: unknown; clientSecret?: unknown };
  if (typeof clientId !== 'string' || clientId === '') throw new Error('bootstrap secret has no clientId');
  if (typeof clientSecret !== 'string' || clientSecret.length < MIN_BOOTSTRAP_SECRET_LENGTH) {
    throw new Error(`bootstrap secret has no clientSecret of at least ${MIN_BOOTSTRAP_SECRET_LENGTH} characters`);
  }
  return { clientId, clientSecret };
}

/**
 * A dependency was throttled or did not answer: the deployment fails with this (CloudFormation shows
 * the message as the reason) and succeeds when retried, since every step of {@link ensureBootstrap} is
 * atomic and idempotent. It carries no stack: the Lambda runtime logs a thrown error's stack, and a
 * transient fault is not a bug (the warning before it names the dependency and the SDK error).
 */
export class BootstrapUnavailableError extends Error {
  constructor(readonly dependency: DependencyUnavailableError['dependency']) {
    super(`the ${dependency} is temporarily unavailable; retry the deployment`);
    this.name = 'BootstrapUnavailableError';
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The handler over given dependencies: Delete leaves the data; Create and Update ensure the bootstrap. */
export function makeHandler(deps: BootstrapHandlerDeps) {
  return async (event: CloudFormationCustomResourceEvent): Promise<BootstrapResponse> => {
    if (event.RequestType === 'Delete') {
      deps.logger.info('bootstrap: delete leaves the table data in place', {
        physicalResourceId: event.PhysicalResourceId,
      });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    try {
      return await ensure(deps, event);
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      deps.logger.warn('bootstrap: dependency unavailable', {
        dependency: err.dependency,
        throttled: err.throttled,
        cause: describeError(err.cause),
      });
      throw new BootstrapUnavailableError(err.dependency);
    }
  };
}

/** Create and Update: the credentials and the pepper, then {@link ensureBootstrap}. */
async function ensure(
  deps: BootstrapHandlerDeps,
  event: CloudFormationCustomResourceEvent,
): Promise<BootstrapResponse> {
  const props = properties(event);
  const credentials = parseBootstrapCredentials(await deps.readSecretString(props.bootstrapSecretArn));
  const pepper = await deps.loadPepper(props.pepperSecretArn);
  const result = await ensureBootstrap(
    {
      ...deps.repositoriesFor(props.tableName),
      hasher: new HmacSecretHasher(pepper),
      clock: deps.clock,
      ids: deps.ids,
    },
    { issuer: props.issuer, ...credentials },
  );
  deps.logger.info('bootstrap done', { requestType: event.RequestType, clientId: credentials.clientId, ...result });
  return {
    PhysicalResourceId: `serverless-idp-bootstrap-${credentials.clientId}`,
    Data: {
      ClientId: credentials.clientId,
      CreatedApi: String(result.createdApi),
      CreatedClient: String(result.createdClient),
      RegisteredSecret: String(result.registeredSecret),
    },
  };
}

/** The Lambda entry: dependencies composed on the first event (./compose/bootstrap.ts). */
export const handler = bootstrapEntry(makeHandler);
