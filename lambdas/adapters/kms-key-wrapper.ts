/**
 * {@link KeyWrapper} over a symmetric KMS key (the envelope mode, ./envelope-keys.ts):
 * `GenerateDataKeyPairWithoutPlaintext` at deploy (the signing-key custom resource) and `Decrypt` once
 * per cold start (the token function), both with the key's encryption context, which the key policy
 * requires (lib/envelope-signing.ts). Decrypt is retried within {@link DECRYPT_RETRY_BUDGET}; SDK errors
 * are translated here (./aws-errors.ts).
 */
import { DecryptCommand, GenerateDataKeyPairWithoutPlaintextCommand } from '@aws-sdk/client-kms';
import type { DataKeyPairSpec, KMSClient } from '@aws-sdk/client-kms';
import type { SigningAlgorithm } from '../domain/ports';
import { dependencyUnavailable } from './aws-errors';
import type { EncryptionContext, KeyWrapper, WrappedKeyPair } from './envelope-keys';
import { defaultSigningKmsClient } from './kms-token-signer';
import { DECRYPT_RETRY_BUDGET, withRetries } from './kms-retry';
import type { KmsCallObserver, RetryBudget } from './kms-retry';

/** The data key pair spec of each JWS algorithm (KMS API Reference, GenerateDataKeyPairWithoutPlaintext). */
export const DATA_KEY_PAIR_SPECS: Record<SigningAlgorithm, DataKeyPairSpec> = {
  RS256: 'RSA_2048',
  ES256: 'ECC_NIST_P256',
};

/** Options of {@link KmsKeyWrapper}. */
export interface KmsKeyWrapperOptions {
  /** @default {@link defaultSigningKmsClient}() */
  client?: KMSClient;
  /** ARN of the symmetric wrapping key (`SYMMETRIC_DEFAULT`). */
  keyArn: string;
  /** Retries of Decrypt. @default DECRYPT_RETRY_BUDGET */
  retry?: RetryBudget;
  /** Told of every Decrypt attempt (metrics). */
  observe?: KmsCallObserver;
  /** Waits between attempts (tests). @default a timer */
  sleep?: (ms: number) => Promise<void>;
}

export class KmsKeyWrapper implements KeyWrapper {
  private readonly client: KMSClient;

  constructor(private readonly options: KmsKeyWrapperOptions) {
    this.client = options.client ?? defaultSigningKmsClient();
  }

  async generateKeyPair(alg: SigningAlgorithm, context: EncryptionContext): Promise<WrappedKeyPair> {
    let output;
    try {
      output = await this.client.send(
        new GenerateDataKeyPairWithoutPlaintextCommand({
          KeyId: this.options.keyArn,
          KeyPairSpec: DATA_KEY_PAIR_SPECS[alg],
          EncryptionContext: { ...context },
        }),
      );
    } catch (err) {
      throw dependencyUnavailable('signer', err);
    }
    if (output.PublicKey === undefined || output.PrivateKeyCiphertextBlob === undefined) {
      throw new Error('KMS GenerateDataKeyPairWithoutPlaintext returned no key pair');
    }
    return { publicKeySpki: output.PublicKey, privateKeyCiphertext: output.PrivateKeyCiphertextBlob };
  }

  async decrypt(ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    // KeyId pins the wrapping key: a ciphertext of any other key is refused (KMS API Reference, Decrypt).
    const command = new DecryptCommand({
      KeyId: this.options.keyArn,
      CiphertextBlob: ciphertext,
      EncryptionContext: { ...context },
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    });
    let output;
    try {
      output = await withRetries(() => this.client.send(command), {
        operation: 'Decrypt',
        budget: this.options.retry ?? DECRYPT_RETRY_BUDGET,
        observe: this.options.observe,
        sleep: this.options.sleep,
      });
    } catch (err) {
      throw dependencyUnavailable('signer', err);
    }
    if (output.Plaintext === undefined || output.Plaintext.byteLength === 0) {
      throw new Error('KMS Decrypt returned no plaintext');
    }
    return output.Plaintext;
  }
}
