/**
 * The signing-key custom resource of the envelope mode (lib/envelope-signing.ts; README, "Signing
 * modes"): one resource per configured signing key. Create and Update run the idempotent
 * {@link ensureEnvelopeKey} — a new key pair from `kms:GenerateDataKeyPairWithoutPlaintext` under the
 * stage's wrapping key and the key's encryption context, written once to the table; an existing record
 * is kept, so an Update never replaces a key (a new key is a new key id). Delete — the key has left the
 * stage's config, after its retention — removes the record.
 *
 * Resource properties: `TableName`, `WrappingKeyArn`, `StageName`, `KeyId`, `Algorithm`.
 * The response's `Data` carries the key's `Kid` (its RFC 7638 thumbprint), never key material.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ensureEnvelopeKey, envelopeEncryptionContext } from '../adapters/envelope-keys';
import type { EnvelopeKeyStore, KeyWrapper } from '../adapters/envelope-keys';
import { DependencyUnavailableError, describeError } from '../domain/errors';
import type { Logger, SigningAlgorithm } from '../domain/ports';
import { envelopeKeyEntry } from './compose/envelope-key';

/** What the provider framework expects back from `onEvent`. */
export interface EnvelopeKeyResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** Factories: the table and the wrapping key come with each event. */
export interface EnvelopeKeyHandlerDeps {
  storeFor(tableName: string): EnvelopeKeyStore & { delete(keyId: string): Promise<void> };
  wrapperFor(wrappingKeyArn: string): KeyWrapper;
  logger: Logger;
}

interface EnvelopeKeyProperties {
  tableName: string;
  wrappingKeyArn: string;
  stageName: string;
  keyId: string;
  alg: SigningAlgorithm;
}

function properties(event: CloudFormationCustomResourceEvent): EnvelopeKeyProperties {
  const props = event.ResourceProperties as Record<string, unknown>;
  const get = (name: string): string => {
    const value = props[name];
    if (typeof value !== 'string' || value === '') throw new Error(`resource property ${name} is required`);
    return value;
  };
  const alg = get('Algorithm');
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`resource property Algorithm must be RS256 or ES256`);
  return {
    tableName: get('TableName'),
    wrappingKeyArn: get('WrappingKeyArn'),
    stageName: get('StageName'),
    keyId: get('KeyId'),
    alg,
  };
}

/** The physical id: one per stage and key id, so an Update never looks like a replacement. */
export function envelopeKeyPhysicalId(stageName: string, keyId: string): string {
  return `serverless-idp-${stageName}-signing-key-${keyId}`;
}

/** The handler over given dependencies. */
export function makeHandler(deps: EnvelopeKeyHandlerDeps) {
  return async (event: CloudFormationCustomResourceEvent): Promise<EnvelopeKeyResponse> => {
    const props = properties(event);
    const physicalId = envelopeKeyPhysicalId(props.stageName, props.keyId);
    const store = deps.storeFor(props.tableName);
    try {
      if (event.RequestType === 'Delete') {
        // A Delete of another physical id (a failed Create's rollback) leaves the record of this one.
        if (event.PhysicalResourceId === physicalId) await store.delete(props.keyId);
        deps.logger.info('envelope signing key deleted', { keyId: props.keyId });
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      const record = await ensureEnvelopeKey(store, deps.wrapperFor(props.wrappingKeyArn), {
        keyId: props.keyId,
        alg: props.alg,
        context: envelopeEncryptionContext(props.stageName, props.keyId),
      });
      deps.logger.info('envelope signing key ready', { keyId: record.keyId, kid: record.kid, alg: record.alg });
      return { PhysicalResourceId: physicalId, Data: { Kid: record.kid } };
    } catch (err) {
      if (err instanceof DependencyUnavailableError) {
        deps.logger.warn('envelope signing key: dependency unavailable', {
          dependency: err.dependency,
          cause: describeError(err.cause),
        });
        throw new Error(`the ${err.dependency} is temporarily unavailable; retry the deployment`);
      }
      throw err;
    }
  };
}

/** The Lambda entry: dependencies composed on the first event (./compose/envelope-key.ts). */
export const handler = envelopeKeyEntry(makeHandler);
