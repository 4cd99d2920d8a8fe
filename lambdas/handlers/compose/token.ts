/**
 * Composition of the token function (`POST /oauth2/token`, ../token-handler.ts): the client, API,
 * authorization-code, user and deny-list repositories over the table, the signer — KMS (`kms:Sign` per
 * token, retried within a small budget) or, in `envelope` mode, the stage's wrapped key decrypted once
 * here and used in memory — the pepper-keyed hasher, secret-usage tracking, token and KMS metrics; the
 * pepper is read once per cold start. Variables: ./environment.ts.
 */
import { HmacSecretHasher } from '../../adapters/hmac-secret-hasher';
import { makeDynamoDbRepositories } from '../../adapters/dynamodb-repositories';
import { DynamoDbEnvelopeKeyStore } from '../../adapters/dynamodb-envelope-key-store';
import { EnvelopeTokenSigner, envelopeEncryptionContext } from '../../adapters/envelope-keys';
import { KmsKeyWrapper } from '../../adapters/kms-key-wrapper';
import { KmsTokenSigner } from '../../adapters/kms-token-signer';
import { randomIds } from '../../adapters/random-ids';
import { loadPepperFromSecretsManager } from '../../adapters/secrets-manager-pepper';
import { systemClock } from '../../adapters/system-clock';
import { kmsCallMetricsObserver, tokenMetricsObserver } from '../../adapters/token-metrics';
import type { TokenEndpointDeps, TokenOutcome } from '../../domain/endpoints/token-endpoint';
import { tokenPathReads } from '../../domain/ports';
import type { TokenSigner } from '../../domain/ports';
import { SecretUsageTracker } from '../../domain/secret-usage';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import type { EnvironmentVariables } from './environment';
import {
  env,
  functionEnvironment,
  readDefaultAccessTokenTtl,
  readIssuer,
  readSigningAlg,
  readSigningMode,
  requireIssuer,
} from './environment';
import { httpEntry } from './http-entry';
import type { SdkClients } from './sdk-clients';
import { awsKmsMetrics, awsLogger, awsMetrics } from './observability';

/**
 * The token signer of `IDP_SIGNING_MODE`: `kms` signs with `IDP_SIGNING_KEY_ARN` per token; `envelope`
 * reads signing key `IDP_SIGNING_KEY_ID` from the table and decrypts it with `IDP_ENVELOPE_KEY_ARN`
 * under the stage's encryption context, once (lambdas/adapters/envelope-keys.ts).
 */
export async function composeTokenSigner(vars: EnvironmentVariables, sdk: SdkClients = {}): Promise<TokenSigner> {
  const alg = readSigningAlg(vars);
  const observe = kmsCallMetricsObserver(awsKmsMetrics());
  if (readSigningMode(vars) === 'kms') {
    return new KmsTokenSigner({ client: sdk.kms, keyId: env(vars, 'IDP_SIGNING_KEY_ARN'), alg, observe });
  }
  const keyId = env(vars, 'IDP_SIGNING_KEY_ID');
  return EnvelopeTokenSigner.load({
    store: new DynamoDbEnvelopeKeyStore({ client: sdk.dynamodb, tableName: env(vars, 'IDP_TABLE_NAME') }),
    wrapper: new KmsKeyWrapper({ client: sdk.kms, keyArn: env(vars, 'IDP_ENVELOPE_KEY_ARN'), observe }),
    key: { keyId, alg, context: envelopeEncryptionContext(env(vars, 'IDP_STAGE_NAME'), keyId) },
  });
}

/** Dependencies of the token function; `sdk` replaces the shared SDK clients (tests). */
export async function composeTokenDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<TokenEndpointDeps> {
  const pepper = await loadPepperFromSecretsManager({
    client: sdk.secretsManager,
    secretId: env(vars, 'IDP_PEPPER_SECRET_ARN'),
  });
  const { clients, apis, codes, users, revocations } = makeDynamoDbRepositories({
    client: sdk.dynamodb,
    tableName: env(vars, 'IDP_TABLE_NAME'),
  });
  return {
    store: tokenPathReads(clients, apis),
    people: { codes, users, revocations },
    signer: await composeTokenSigner(vars, sdk),
    hasher: new HmacSecretHasher(pepper),
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
    observe: observeAll(
      new SecretUsageTracker(clients, awsLogger(), Date.now).observe,
      tokenMetricsObserver(awsMetrics()),
    ),
    config: {
      issuer: requireIssuer(vars),
      defaultAccessTokenTtl: readDefaultAccessTokenTtl(vars),
    },
  };
}

function observeAll(...observers: ((outcome: TokenOutcome) => unknown)[]): (outcome: TokenOutcome) => Promise<void> {
  return async (outcome) => {
    await Promise.all(observers.map((observe) => observe(outcome)));
  };
}

/**
 * The token function's Lambda entry: {@link composeTokenDeps} under the origin check (./http-entry.ts),
 * then each invocation's metrics flushed as one EMF record.
 * @param make the handler over the dependencies
 * @param unavailable the answer while the function cannot start, for the issuer (possibly empty)
 */
export function tokenEntry(
  make: (deps: TokenEndpointDeps) => HttpApiHandler,
  unavailable: (issuer: string) => HttpApiResult,
): HttpApiHandler {
  const vars = functionEnvironment();
  const composed = httpEntry({
    name: 'token',
    vars,
    compose: composeTokenDeps,
    make,
    unavailable: () => unavailable(readIssuer(vars)),
  });
  return async (event) => {
    try {
      return await composed(event);
    } finally {
      awsMetrics().publishStoredMetrics();
      if (awsKmsMetrics().hasStoredMetrics()) awsKmsMetrics().publishStoredMetrics();
    }
  };
}
