/**
 * Composition of the envelope mode's signing-key custom resource (../envelope-key-handler.ts). It reads
 * no environment: the table and the wrapping key come with each event, so the dependencies are
 * factories over the function's shared clients.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DynamoDbEnvelopeKeyStore } from '../../adapters/dynamodb-envelope-key-store';
import { KmsKeyWrapper } from '../../adapters/kms-key-wrapper';
import { defaultKmsClient } from '../../adapters/kms-token-signer';
import type { EnvelopeKeyHandlerDeps, EnvelopeKeyResponse } from '../envelope-key-handler';
import { awsLogger } from './observability';
import type { SdkClients } from './sdk-clients';

/** Dependencies of the signing-key function; `sdk` replaces the shared SDK clients (tests). */
export function composeEnvelopeKeyDeps(sdk: SdkClients = {}): EnvelopeKeyHandlerDeps {
  return {
    storeFor: (tableName) => new DynamoDbEnvelopeKeyStore({ client: sdk.dynamodb, tableName }),
    // At deploy time the SDK's own retries (3 attempts) suit: nobody is waiting on a token.
    wrapperFor: (keyArn) => new KmsKeyWrapper({ client: sdk.kms ?? defaultKmsClient(), keyArn }),
    logger: awsLogger(),
  };
}

/** The signing-key function's Lambda entry: {@link composeEnvelopeKeyDeps} on the first event. */
export function envelopeKeyEntry(
  make: (deps: EnvelopeKeyHandlerDeps) => (event: CloudFormationCustomResourceEvent) => Promise<EnvelopeKeyResponse>,
): (event: CloudFormationCustomResourceEvent) => Promise<EnvelopeKeyResponse> {
  let composed: ReturnType<typeof make> | undefined;
  return (event) => {
    composed ??= make(composeEnvelopeKeyDeps());
    return composed(event);
  };
}
