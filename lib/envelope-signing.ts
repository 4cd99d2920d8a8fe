/**
 * The envelope signing mode's deploy-time parts, in the stateful stack (README, "Signing modes";
 * lambdas/adapters/envelope-keys.ts): one symmetric KMS key per stage that wraps the signing keys, a
 * custom resource per envelope signing key that has KMS generate its key pair
 * (`kms:GenerateDataKeyPairWithoutPlaintext`, so no plaintext private key exists at creation) and
 * writes the public key and the private key's ciphertext to the table, and the key policy:
 * - the token function's role may `kms:Decrypt`, only with the stage's signing encryption context
 *   (purpose, stage, and a key id — no other context key) and `SYMMETRIC_DEFAULT`;
 * - the signing-key function's role may `kms:GenerateDataKeyPairWithoutPlaintext`, only with the same
 *   context and the configured key pair specs;
 * - account administrators manage the key but cannot use it; nobody else may do anything.
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ENVELOPE_CONTEXT_KEYS, ENVELOPE_PURPOSE } from '../lambdas/adapters/envelope-keys';
import { keys } from '../lambdas/adapters/dynamodb-table';
import type { SigningAlgorithm, SigningKeyConfig, StageConfig } from './config';
import { INITIAL_SIGNING_KEY_ID } from './config';
import { customResourceProvider } from './custom-resource-provider';
import { IdpFunction, handlerEntry } from './function-defaults';
import { KEY_ADMIN_ACTIONS_WITH_ROTATION } from './kms-key-admin';

/** The data key pair spec of each JWS algorithm (as lambdas/adapters/kms-key-wrapper.ts asks for it). */
export const DATA_KEY_PAIR_SPEC: Record<SigningAlgorithm, string> = { RS256: 'RSA_2048', ES256: 'ECC_NIST_P256' };

/** The KMS alias of a stage's wrapping key. */
export function wrappingKeyAlias(stageName: string): string {
  return `alias/serverless-idp/${stageName}/signing-wrapping-key`;
}

/** The construct id of an envelope key's custom resource: `SigningKeyMaterial` for the initial key. */
export function signingKeyMaterialId(keyId: string): string {
  return keyId === INITIAL_SIGNING_KEY_ID ? 'SigningKeyMaterial' : `SigningKeyMaterial-${keyId}`;
}

/**
 * The conditions every use of the wrapping key must meet: the context names signing keys of this
 * stage, and holds no other key (`ForAllValues` over the context's keys; a request with no context
 * fails the `StringEquals` on the purpose).
 */
export function envelopeContextConditions(stageName: string): Record<string, Record<string, unknown>> {
  return {
    StringEquals: {
      [`kms:EncryptionContext:${ENVELOPE_CONTEXT_KEYS.purpose}`]: ENVELOPE_PURPOSE,
      [`kms:EncryptionContext:${ENVELOPE_CONTEXT_KEYS.stage}`]: stageName,
    },
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': Object.values(ENVELOPE_CONTEXT_KEYS) },
    Null: { [`kms:EncryptionContext:${ENVELOPE_CONTEXT_KEYS.signingKey}`]: 'false' },
  };
}

/** Props of {@link addEnvelopeSigning}. */
export interface EnvelopeSigningProps {
  readonly config: StageConfig;
  readonly table: dynamodb.ITable;
  /** The only role that may decrypt the signing keys. */
  readonly tokenRole: iam.IRole;
  /** The envelope keys to create (publication order), each with its algorithm. */
  readonly keys: readonly { readonly config: SigningKeyConfig; readonly algorithm: SigningAlgorithm }[];
}

/** What {@link addEnvelopeSigning} made. */
export interface EnvelopeSigning {
  readonly wrappingKey: kms.Key;
  /** The signing-key custom resources, by key id; each returns the key's `Kid`. */
  readonly materials: ReadonlyMap<string, CustomResource>;
  readonly fn: IdpFunction;
}

/** Adds the wrapping key, the signing-key function and provider, and one custom resource per key. */
export function addEnvelopeSigning(scope: Construct, props: EnvelopeSigningProps): EnvelopeSigning {
  const { config, table, tokenRole } = props;
  const stage = config.stageName;
  const fn = new IdpFunction(scope, 'SigningKeyFunction', {
    logRetention: config.logRetention,
    logRemovalPolicy: config.removalPolicy,
    metricsNamespace: `serverless-idp/${stage}`,
    entry: handlerEntry('envelope-key-handler.ts'),
    description: `serverless-idp ${stage}: envelope signing keys (custom resource)`,
    serviceName: 'signing-key',
    memorySize: 256,
    timeout: Duration.minutes(1),
  });
  // The signing-key records only: read, write once, delete (lambdas/adapters/dynamodb-envelope-key-store.ts).
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.signingKeyPk('*')] } },
    }),
  );
  const specs = [...new Set(props.keys.map((k) => DATA_KEY_PAIR_SPEC[k.algorithm]))];
  const context = envelopeContextConditions(stage);
  const wrappingKey = new kms.Key(scope, 'SigningWrappingKey', {
    description: `serverless-idp ${stage}: wraps the envelope signing keys (only the token function decrypts)`,
    keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
    keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
    enableKeyRotation: true,
    removalPolicy: config.removalPolicy,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersButCannotUse',
          principals: [new iam.AccountRootPrincipal()],
          actions: [...KEY_ADMIN_ACTIONS_WITH_ROTATION],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'TokenFunctionDecryptsSigningKeysOnly',
          principals: [tokenRole],
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: {
            ...context,
            StringEquals: { ...context['StringEquals'], 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'SigningKeyFunctionGeneratesKeyPairsOnly',
          principals: [fn.role],
          actions: ['kms:GenerateDataKeyPairWithoutPlaintext'],
          resources: ['*'],
          // kms:DataKeyPairSpec is single-valued: StringEquals with a list matches any of them.
          conditions: { ...context, StringEquals: { ...context['StringEquals'], 'kms:DataKeyPairSpec': specs } },
        }),
      ],
    }),
  });
  wrappingKey.addAlias(wrappingKeyAlias(stage));

  const provider = customResourceProvider(scope, { id: 'SigningKey', fn, functionName: 'signing-key', config });
  const materials = new Map<string, CustomResource>();
  for (const key of props.keys) {
    const resource = new CustomResource(scope, signingKeyMaterialId(key.config.id), {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::IdpSigningKey',
      // The record outlives a replaced stack only with the table; a removed key's record goes with it.
      properties: {
        TableName: table.tableName,
        WrappingKeyArn: wrappingKey.keyArn,
        StageName: stage,
        KeyId: key.config.id,
        Algorithm: key.algorithm,
      },
    });
    resource.node.addDependency(wrappingKey);
    materials.set(key.config.id, resource);
  }
  return { wrappingKey, materials, fn };
}
