/**
 * Composition of the deploy-time bootstrap custom resource (../bootstrap-handler.ts). It reads no
 * environment: the table and the secrets come with each event as resource properties, so the
 * dependencies are factories over the function's shared clients (one Secrets Manager client for the
 * bootstrap secret, the admin person secret and the pepper, one DynamoDB document client for every
 * table) and the password KDF over the pepper.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { makeDynamoDbRepositories } from '../../adapters/dynamodb-repositories';
import { randomIds } from '../../adapters/random-ids';
import { ScryptPasswordKdf } from '../../adapters/scrypt-password-kdf';
import { loadPepperFromSecretsManager, readSecretString } from '../../adapters/secrets-manager-pepper';
import { systemClock } from '../../adapters/system-clock';
import type { BootstrapHandlerDeps, BootstrapResponse } from '../bootstrap-handler';
import { awsLogger } from './observability';
import type { SdkClients } from './sdk-clients';

/** Dependencies of the bootstrap function; `sdk` replaces the shared SDK clients (tests). */
export function composeBootstrapDeps(sdk: SdkClients = {}): BootstrapHandlerDeps {
  return {
    readSecretString: (secretId) => readSecretString({ client: sdk.secretsManager, secretId }),
    loadPepper: (secretId) => loadPepperFromSecretsManager({ client: sdk.secretsManager, secretId }),
    repositoriesFor: (tableName) => makeDynamoDbRepositories({ client: sdk.dynamodb, tableName }),
    // The OWASP parameters, as the sign-in and admin functions hash (the function has the memory).
    kdfFor: (pepper) => new ScryptPasswordKdf(pepper),
    clock: systemClock,
    ids: randomIds,
    logger: awsLogger(),
  };
}

/** The bootstrap function's Lambda entry: {@link composeBootstrapDeps} on the first event. */
export function bootstrapEntry(
  make: (deps: BootstrapHandlerDeps) => (event: CloudFormationCustomResourceEvent) => Promise<BootstrapResponse>,
): (event: CloudFormationCustomResourceEvent) => Promise<BootstrapResponse> {
  let composed: ReturnType<typeof make> | undefined;
  return (event) => {
    composed ??= make(composeBootstrapDeps());
    return composed(event);
  };
}
