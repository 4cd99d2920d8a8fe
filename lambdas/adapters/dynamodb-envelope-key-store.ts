/**
 * The envelope signing keys on DynamoDB (docs/data-model.md, Signing keys): one item per key,
 * `pk = SIGNKEY#<keyId>`, `sk = SIGNKEY`, holding the public key and the private key's ciphertext (never
 * a plaintext key). Written once by the signing-key custom resource (a conditional PutItem), read with
 * one strongly consistent GetItem per cold start by the token and discovery functions.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SigningAlgorithm } from '../domain/ports';
import type { Item } from './dynamodb-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import type { EnvelopeKeyRecord, EnvelopeKeyStore } from './envelope-keys';
import { ConflictError } from '../domain/errors';

/** The item key of envelope signing key `keyId`. */
export function signingKeyItemKey(keyId: string): Item {
  return { [ATTR.pk]: keys.signingKeyPk(keyId), [ATTR.sk]: keys.signingKeySk };
}

function recordOf(item: Item): EnvelopeKeyRecord {
  const str = (name: string): string => {
    const value = item[name];
    if (typeof value !== 'string' || value === '') throw new Error(`signing key item without ${name}`);
    return value;
  };
  const alg = str('alg');
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`signing key item with algorithm ${alg}`);
  const context = item['encryptionContext'];
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new Error('signing key item without encryptionContext');
  }
  return {
    keyId: str('keyId'),
    alg: alg as SigningAlgorithm,
    kid: str('kid'),
    publicKeySpki: str('publicKeySpki'),
    privateKeyCiphertext: str('privateKeyCiphertext'),
    encryptionContext: Object.fromEntries(
      Object.entries(context as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    ),
    createdAt: str('createdAt'),
  };
}

export class DynamoDbEnvelopeKeyStore implements EnvelopeKeyStore {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** One strongly consistent GetItem. */
  async get(keyId: string): Promise<EnvelopeKeyRecord | undefined> {
    const item = await this.table.get(signingKeyItemKey(keyId));
    return item === undefined ? undefined : recordOf(item);
  }

  /** One PutItem conditioned on the key being new; on a lost race, the winner's record. */
  async putIfAbsent(record: EnvelopeKeyRecord): Promise<EnvelopeKeyRecord> {
    try {
      await this.table.call(
        () =>
          this.table.client.send(
            new PutCommand({
              TableName: this.table.tableName,
              Item: { ...signingKeyItemKey(record.keyId), [ATTR.type]: 'signkey', ...record },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': ATTR.pk },
            }),
          ),
        `signing key ${record.keyId} exists`,
      );
      return record;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const stored = await this.get(record.keyId);
      if (stored === undefined) throw new Error(`signing key ${record.keyId} vanished`);
      return stored;
    }
  }

  /** One DeleteItem (the signing-key custom resource's Delete: the key left the stage's config). */
  async delete(keyId: string): Promise<void> {
    await this.table.call(() =>
      this.table.client.send(new DeleteCommand({ TableName: this.table.tableName, Key: signingKeyItemKey(keyId) })),
    );
  }
}
