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

/** One list of published keys and their algorithms (`<keys>` and `<algs>`, same order; default `IDP_SIGNING_ALG`). */
function keyList(vars: EnvironmentVariables, keysVar: string, algsVar: string, fallback?: string) {
  const published = list(optionalEnv(vars, keysVar) ?? fallback ?? '');
  const algs = list(optionalEnv(vars, algsVar) ?? '').map((alg) => parseSigningAlg(alg, algsVar));
  if (algs.length > 0 && algs.length !== published.length) {
    throw new Error(`${algsVar} must name one algorithm per key of ${keysVar}`);
  }
  const defaultAlg = readSigningAlg(vars);
  return published.map((keyId, i) => ({ keyId, alg: algs[i] ?? defaultAlg }));
}

/**
 * The published keys (every state: active, next, retired): KMS keys by ARN in `IDP_PUBLISHED_KEY_ARNS`
 * (comma-separated; default the active `IDP_SIGNING_KEY_ARN` in `kms` mode) with `IDP_PUBLISHED_KEY_ALGS`,
 * and envelope keys by config id in `IDP_PUBLISHED_KEY_IDS` with `IDP_PUBLISHED_KEY_ID_ALGS` — both
 * during a rotation from one mode to the other. The source holding the active key (`IDP_SIGNING_MODE`)
 * comes first.
 */
function publishedKeySource(
  vars: EnvironmentVariables,
  sdk: SdkClients,
): { source: KeySource; algs: SigningAlgorithm[] } {
  const mode = readSigningMode(vars);
  const kmsKeys = keyList(
    vars,
    'IDP_PUBLISHED_KEY_ARNS',
    'IDP_PUBLISHED_KEY_ALGS',
    mode === 'kms' ? optionalEnv(vars, 'IDP_SIGNING_KEY_ARN') : undefined,
  );
  const envelopeKeys = keyList(vars, 'IDP_PUBLISHED_KEY_IDS', 'IDP_PUBLISHED_KEY_ID_ALGS');
  const sources: KeySource[] = [];
  if (kmsKeys.length > 0) sources.push(new KmsKeySource({ client: sdk.kms, keys: kmsKeys }));
  if (envelopeKeys.length > 0) {
    const stage = env(vars, 'IDP_STAGE_NAME');
    const envelope = new EnvelopeKeySource({
      store: new DynamoDbEnvelopeKeyStore({ client: sdk.dynamodb, tableName: env(vars, 'IDP_TABLE_NAME') }),
      keys: envelopeKeys.map(({ keyId, alg }) => ({ keyId, alg, context: envelopeEncryptionContext(stage, keyId) })),
    });
    if (mode === 'envelope') sources.unshift(envelope);
    else sources.push(envelope);
  }
  if (sources.length === 0) throw new Error('missing environment variable IDP_SIGNING_KEY_ARN');
  const activeFirst = mode === 'envelope' ? [...envelopeKeys, ...kmsKeys] : [...kmsKeys, ...envelopeKeys];
  const algs = [...new Set(activeFirst.map((key) => key.alg))];
  const source: KeySource =
    sources.length === 1
      ? sources[0]!
      : { publicJwks: async () => (await Promise.all(sources.map((s) => s.publicJwks()))).flat() };
  return { source, algs };
}

/** Dependencies of the discovery function; `sdk` replaces the shared SDK clients (tests). */
export async function composeDiscoveryDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<DiscoveryDeps> {
  const { source, algs } = publishedKeySource(vars, sdk);
  return {
    issuer: requireIssuer(vars),
    signingAlgorithms: algs,
    keySource: source,
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
