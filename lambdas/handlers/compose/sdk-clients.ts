/**
 * The SDK clients a composition may be given instead of the shared defaults (docs/architecture.md,
 * Composition): tests pass clients pointed at dynalite and the protocol fakes, or wrapped to inject
 * faults. Type-only imports: a bundle carries only the SDKs its adapters use.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Clients to use; each absent one is its SDK's shared default (lambdas/adapters/aws-clients.ts). */
export interface SdkClients {
  dynamodb?: DynamoDBDocumentClient;
  kms?: KMSClient;
  secretsManager?: SecretsManagerClient;
}
