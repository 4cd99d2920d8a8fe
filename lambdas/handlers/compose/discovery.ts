/**
 * Composition of the discovery function (metadata and JWKS, ../discovery-handler.ts): the published
 * public keys via `kms:GetPublicKey` (`kms` mode) or from the envelope key records in the table
 * (`envelope` mode), cached per cold start. Variables: ./environment.ts.
 */
import { DynamoDbEnvelopeKeyStore } from '../../adapters/dynamodb-envelope-key-store';
import { EnvelopeKeySource, envelopeEncryptionContext } from '../../adapters/envelope-keys';
import { KmsKeySource } from '../../adapters/kms-token-signer';
import type { DiscoveryDeps } from '../../domain/endpoints/discovery-endpoint';
import type { KeySource, SigningAlgorithm } from '../../domain/ports';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import type { EnvironmentVariables } from './environment';
import {
  env,
  functionEnvironment,
  optionalEnv,
  parseSigningAlg,
  readSigningAlg,
  readSigningMode,
  requireIssuer,
} from './environment';
import { httpEntry } from './http-entry';
import type { SdkClients } from './sdk-clients';
import { awsLogger } from './observability';

/** A comma-separated list, trimmed, without empty items. */
function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * The published keys: `IDP_PUBLISHED_KEY_ARNS` (comma-separated, active first; default the active
 * `IDP_SIGNING_KEY_ARN`) — in `envelope` mode `IDP_PUBLISHED_KEY_IDS`, the config's key ids — each with its algorithm from `IDP_PUBLISHED_KEY_ALGS` (same order; default
 * `IDP_SIGNING_ALG` for each).
 */
function publishedKeys(vars: EnvironmentVariables): { keyId: string; alg: SigningAlgorithm }[] {
  const published =
    readSigningMode(vars) === 'envelope'
      ? list(env(vars, 'IDP_PUBLISHED_KEY_IDS'))
      : list(optionalEnv(vars, 'IDP_PUBLISHED_KEY_ARNS') ?? env(vars, 'IDP_SIGNING_KEY_ARN'));
  const algs = list(optionalEnv(vars, 'IDP_PUBLISHED_KEY_ALGS') ?? '').map((alg) =>
    parseSigningAlg(alg, 'IDP_PUBLISHED_KEY_ALGS'),
  );
  if (algs.length > 0 && algs.length !== published.length) {
    throw new Error('IDP_PUBLISHED_KEY_ALGS must name one algorithm per published key');
  }
  const fallback = readSigningAlg(vars);
  return published.map((keyId, i) => ({ keyId, alg: algs[i] ?? fallback }));
}

/** Dependencies of the discovery function; `sdk` replaces the shared SDK clients (tests). */
export async function composeDiscoveryDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<DiscoveryDeps> {
  const keys = publishedKeys(vars);
  let keySource: KeySource;
  if (readSigningMode(vars) === 'envelope') {
    const stage = env(vars, 'IDP_STAGE_NAME');
    keySource = new EnvelopeKeySource({
      store: new DynamoDbEnvelopeKeyStore({ client: sdk.dynamodb, tableName: env(vars, 'IDP_TABLE_NAME') }),
      keys: keys.map(({ keyId, alg }) => ({ keyId, alg, context: envelopeEncryptionContext(stage, keyId) })),
    });
  } else {
    keySource = new KmsKeySource({ client: sdk.kms, keys });
  }
  return {
    issuer: requireIssuer(vars),
    signingAlgorithms: [...new Set(keys.map((key) => key.alg))],
    keySource,
    logger: awsLogger(),
  };
}

/**
 * The discovery function's Lambda entry: {@link composeDiscoveryDeps} under the origin check
 * (./http-entry.ts).
 */
export function discoveryEntry(
  make: (deps: DiscoveryDeps) => HttpApiHandler,
  unavailable: () => HttpApiResult,
): HttpApiHandler {
  return httpEntry({
    name: 'discovery',
    vars: functionEnvironment(),
    compose: composeDiscoveryDeps,
    make,
    unavailable,
  });
}
