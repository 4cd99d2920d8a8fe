/**
 * The envelope signing mode in the local runtime (`IDP_SIGNING_MODE=envelope`; docs/contract.md,
 * Configuration › Local): the same records and code as on AWS (lambdas/adapters/envelope-keys.ts) in the
 * local table, wrapped by the local AES-GCM key (lambdas/adapters/local-key-wrapper.ts) instead of KMS.
 * One key, id `local-<alg>`, created on first start with the stage name `local` in its encryption
 * context; the signer decrypts it once at start, the JWKS publishes its public key from the record.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEnvelopeKeyStore } from '../adapters/dynamodb-envelope-key-store';
import {
  EnvelopeKeySource,
  EnvelopeTokenSigner,
  ensureEnvelopeKey,
  envelopeEncryptionContext,
} from '../adapters/envelope-keys';
import { LocalKeyWrapper } from '../adapters/local-key-wrapper';
import type { KeySource, SigningAlgorithm, TokenSigner } from '../domain/ports';

/** The local stage name in the encryption context. */
export const LOCAL_STAGE_NAME = 'local';

/** The signer and key source of the local envelope mode, the key created when the table has none. */
export async function loadLocalEnvelopeKeys(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  dataDir?: string;
  alg: SigningAlgorithm;
}): Promise<{ signer: TokenSigner; keySource: KeySource }> {
  const store = new DynamoDbEnvelopeKeyStore({ client: options.client, tableName: options.tableName });
  const wrapper = await LocalKeyWrapper.load(options.dataDir);
  const keyId = `local-${options.alg}`;
  const key = { keyId, alg: options.alg, context: envelopeEncryptionContext(LOCAL_STAGE_NAME, keyId) };
  await ensureEnvelopeKey(store, wrapper, key);
  return {
    signer: await EnvelopeTokenSigner.load({ store, wrapper, key }),
    keySource: new EnvelopeKeySource({ store, keys: [key] }),
  };
}
