/**
 * Composition for AWS: reads the function's environment once per cold start, builds SDK clients and
 * adapters, and hands them to the handlers' `makeHandler`. The only place that reads `process.env`
 * on AWS (the local runtime has its own, lambdas/local/local-config.ts).
 *
 * Environment (set by the CDK stack, lib/):
 * - `IDP_ISSUER`: issuer URL, no trailing slash
 * - `IDP_TABLE_NAME`: the DynamoDB table
 * - `IDP_SIGNING_KEY_ARN`: the active KMS signing key; `IDP_SIGNING_ALG`: `RS256` | `ES256`
 * - `IDP_PUBLISHED_KEY_ARNS`: comma-separated keys published in the JWKS, active first (default: the active key)
 * - `IDP_PEPPER_SECRET_ARN`: Secrets Manager secret holding the pepper
 * - `IDP_DEFAULT_ACCESS_TOKEN_TTL`: seconds (default 3600)
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MAX_ACCESS_TOKEN_TTL } from '../domain/tokens/access-token';
import type { DiscoveryDeps } from '../domain/endpoints/discovery-endpoint';
import { tokenPathReads } from '../domain/ports';
import type { Logger, SigningAlgorithm } from '../domain/ports';
import { SecretUsageTracker } from '../domain/secret-usage';
import type { TokenEndpointDeps, TokenOutcome } from '../domain/endpoints/token-endpoint';
import { makeDynamoDbRepositories } from '../adapters/dynamodb-repositories';
import { makeDynamoDbDocumentClient } from '../adapters/dynamodb-setup';
import { HmacSecretHasher } from '../adapters/hmac-secret-hasher';
import { KmsKeySource, KmsTokenSigner } from '../adapters/kms-token-signer';
import { randomIds } from '../adapters/random-ids';
import { loadPepperFromSecretsManager, readSecretString } from '../adapters/secrets-manager-pepper';
import { systemClock } from '../adapters/system-clock';
import { tokenMetricsObserver } from '../adapters/token-metrics';
import type { HttpApiHandler, HttpApiResult } from './api-gateway';
import { originGuard } from './origin-guard';

/** Default access-token lifetime, seconds (docs/contract.md, access tokens). */
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;

/** A required environment variable; composition fails (and the handler answers 503) without it. */
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`missing environment variable ${name}`);
  return value;
}

/** An optional whole-number environment variable within bounds; a bad value fails composition. */
export function envInteger(name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** The issuer for answers composed before (or without) the configuration: never throws. */
export function readIssuer(): string {
  return (process.env['IDP_ISSUER'] ?? '').replace(/\/+$/, '');
}

/** The issuer, required: tokens with an empty `iss` are never issued. */
export function requireIssuer(): string {
  return env('IDP_ISSUER').replace(/\/+$/, '');
}

/** The stage's default access-token lifetime (seconds, 1 s .. 30 days). */
export function readDefaultAccessTokenTtl(): number {
  return envInteger('IDP_DEFAULT_ACCESS_TOKEN_TTL', DEFAULT_ACCESS_TOKEN_TTL, 1, MAX_ACCESS_TOKEN_TTL)!;
}

function readAlg(): SigningAlgorithm {
  const alg = process.env['IDP_SIGNING_ALG'] ?? 'RS256';
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`unsupported IDP_SIGNING_ALG ${alg}`);
  return alg;
}

let logger: Logger | undefined;

/** Structured JSON logs through Powertools; never given secrets or tokens. */
export function awsLogger(): Logger {
  if (logger === undefined) {
    const pt = new PowertoolsLogger({ serviceName: 'serverless-idp' });
    logger = {
      debug: (message, fields) => pt.debug(message, fields ?? {}),
      info: (message, fields) => pt.info(message, fields ?? {}),
      warn: (message, fields) => pt.warn(message, fields ?? {}),
      error: (message, fields) => pt.error(message, fields ?? {}),
    };
  }
  return logger;
}

let metrics: Metrics | undefined;

/**
 * CloudWatch metrics (EMF) through Powertools; namespace from `POWERTOOLS_METRICS_NAMESPACE`.
 * Handlers flush them once per invocation.
 */
export function awsMetrics(): Metrics {
  metrics ??= new Metrics({ serviceName: 'serverless-idp' });
  return metrics;
}

/** Dependencies of the token function; the pepper is read once per cold start. */
export async function composeTokenDeps(): Promise<TokenEndpointDeps> {
  const dynamo = new DynamoDBClient({ maxAttempts: 3 });
  const kms = new KMSClient({ maxAttempts: 3 });
  const pepper = await loadPepperFromSecretsManager(new SecretsManagerClient({}), env('IDP_PEPPER_SECRET_ARN'));
  const { clients, apis } = makeDynamoDbRepositories({
    client: makeDynamoDbDocumentClient(dynamo),
    tableName: env('IDP_TABLE_NAME'),
  });
  return {
    store: tokenPathReads(clients, apis),
    signer: new KmsTokenSigner({ client: kms, keyId: env('IDP_SIGNING_KEY_ARN'), alg: readAlg() }),
    hasher: new HmacSecretHasher(pepper),
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
    observe: observeAll(
      new SecretUsageTracker(clients, awsLogger(), Date.now).observe,
      tokenMetricsObserver(awsMetrics()),
    ),
    config: {
      issuer: requireIssuer(),
      defaultAccessTokenTtl: readDefaultAccessTokenTtl(),
    },
  };
}

function observeAll(...observers: ((outcome: TokenOutcome) => unknown)[]): (outcome: TokenOutcome) => Promise<void> {
  return async (outcome) => {
    await Promise.all(observers.map((observe) => observe(outcome)));
  };
}

/** Dependencies of the discovery function: public keys via kms:GetPublicKey, cached per cold start. */
export async function composeDiscoveryDeps(): Promise<DiscoveryDeps> {
  const alg = readAlg();
  const published = (process.env['IDP_PUBLISHED_KEY_ARNS'] ?? env('IDP_SIGNING_KEY_ARN'))
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn !== '');
  return {
    issuer: requireIssuer(),
    signingAlgorithms: [alg],
    keySource: new KmsKeySource({
      client: new KMSClient({ maxAttempts: 3 }),
      keys: published.map((keyId) => ({ keyId, alg })),
    }),
    logger: awsLogger(),
  };
}

/**
 * Behind CloudFront (`IDP_ORIGIN_VERIFY_SECRET_ARN` set by the stack): the handler answers only
 * requests carrying CloudFront's origin-verify header. Without the variable, the handler as is.
 */
export function guardedByOrigin(inner: HttpApiHandler, onUnavailable: (err: unknown) => HttpApiResult): HttpApiHandler {
  const secretArn = process.env['IDP_ORIGIN_VERIFY_SECRET_ARN'];
  if (secretArn === undefined || secretArn === '') return inner;
  return originGuard(inner, () => readSecretString(new SecretsManagerClient({}), secretArn), onUnavailable);
}
