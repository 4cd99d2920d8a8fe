/**
 * Composition of the discovery function (metadata and JWKS, ../discovery-handler.ts): the published
 * public keys via `kms:GetPublicKey`, cached per cold start. Variables: ./environment.ts.
 */
import { KmsKeySource } from '../../adapters/kms-token-signer';
import type { DiscoveryDeps } from '../../domain/endpoints/discovery-endpoint';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import type { EnvironmentVariables } from './environment';
import { env, functionEnvironment, optionalEnv, readSigningAlg, requireIssuer } from './environment';
import { httpEntry } from './http-entry';
import type { SdkClients } from './sdk-clients';
import { awsLogger } from './observability';

/** `IDP_PUBLISHED_KEY_ARNS` (comma-separated, active first), or else the active `IDP_SIGNING_KEY_ARN`. */
function publishedKeyIds(vars: EnvironmentVariables): string[] {
  return (optionalEnv(vars, 'IDP_PUBLISHED_KEY_ARNS') ?? env(vars, 'IDP_SIGNING_KEY_ARN'))
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn !== '');
}

/** Dependencies of the discovery function; `sdk` replaces the shared SDK clients (tests). */
export async function composeDiscoveryDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  sdk: SdkClients = {},
): Promise<DiscoveryDeps> {
  const alg = readSigningAlg(vars);
  return {
    issuer: requireIssuer(vars),
    signingAlgorithms: [alg],
    keySource: new KmsKeySource({ client: sdk.kms, keys: publishedKeyIds(vars).map((keyId) => ({ keyId, alg })) }),
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
