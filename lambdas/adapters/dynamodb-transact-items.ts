/**
 * Builders of the writes that go into one TransactWriteItems (docs/data-model.md): every repository
 * composes its changes from these, so a condition is spelt once. The audit event of an admin change
 * is one more item of the same transaction ({@link TransactItems.audit}).
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/admin/audit';
import { auditItem } from './dynamodb-items';
import type { Item } from './dynamodb-items';
import { ATTR } from './dynamodb-table';

/** One write of a transaction: a Put, Update, Delete or ConditionCheck as TransactWriteItems takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** TransactWriteItems takes at most this many writes. */
export const MAX_TRANSACT_ITEMS = 100;

/** The transact-item builders of one table. Keys are `{pk, sk}` items (dynamodb-items.ts, itemKeys). */
export interface TransactItems {
  /** A Put that fails when the item exists. */
  putIfAbsent(item: Item): TransactItem;
  /** A Put that creates or replaces the item unconditionally. */
  put(item: Item): TransactItem;
  /** A Put that replaces the item only while it exists. */
  putIfExists(item: Item): TransactItem;
  /** A Put that replaces the item only while its `version` is `expectedVersion`. */
  putIfVersion(item: Item, expectedVersion: number): TransactItem;
  /** A Delete that succeeds only while the item's `version` is `expectedVersion`. */
  deleteIfVersion(key: Item, expectedVersion: number): TransactItem;
  /**
   * A Delete of an API that succeeds only while its `version` is `expectedVersion` and its
   * `rulesVersion` is `rulesVersion` (absent when `undefined`): no rule was put on it since it was read.
   */
  deleteApiIfUnchanged(key: Item, expectedVersion: number, rulesVersion: number | undefined): TransactItem;
  /**
   * An Update that bumps an API's `rulesVersion` (`ADD 1`), on condition that its `version` is
   * `version`: the rule put in the same transaction was checked against this API.
   */
  bumpRulesVersion(key: Item, version: number): TransactItem;
  /** A Delete that fails when the item does not exist. */
  deleteIfExists(key: Item): TransactItem;
  /** An unconditional Delete (a missing item is fine). */
  delete(key: Item): TransactItem;
  /** A condition that the item exists. */
  checkExists(key: Item): TransactItem;
  /** A condition that the item exists with this `version`. */
  checkVersion(key: Item, version: number): TransactItem;
  /**
   * An Update of an existing item (a missing one fails the condition): sets every attribute with a
   * value, removes every attribute given as `undefined`.
   */
  updateIfExists(key: Item, attributes: Readonly<Record<string, unknown>>): TransactItem;
  /** The audit event's Put (never overwriting one), or nothing when there is no event. */
  audit(event: AuditEvent | undefined): TransactItem[];
}

/** The builders for `tableName`. */
export function transactItems(tableName: string): TransactItems {
  const versionIs = (expectedVersion: number) => ({
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': ATTR.version },
    ExpressionAttributeValues: { ':expected': expectedVersion },
  });
  const exists = { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': ATTR.pk } };
  const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': ATTR.pk } };
  const putIfAbsent = (item: Item): TransactItem => ({ Put: { TableName: tableName, Item: item, ...absent } });
  return {
    putIfAbsent,
    putIfExists: (item) => ({ Put: { TableName: tableName, Item: item, ...exists } }),
    put: (item) => ({ Put: { TableName: tableName, Item: item } }),
    putIfVersion: (item, expectedVersion) => ({
      Put: { TableName: tableName, Item: item, ...versionIs(expectedVersion) },
    }),
    deleteIfVersion: (key, expectedVersion) => ({
      Delete: { TableName: tableName, Key: key, ...versionIs(expectedVersion) },
    }),
    deleteApiIfUnchanged: (key, expectedVersion, rulesVersion) => ({
      Delete: {
        TableName: tableName,
        Key: key,
        ConditionExpression:
          rulesVersion === undefined
            ? '#version = :expected AND attribute_not_exists(#rulesVersion)'
            : '#version = :expected AND #rulesVersion = :rulesVersion',
        ExpressionAttributeNames: { '#version': ATTR.version, '#rulesVersion': ATTR.rulesVersion },
        ExpressionAttributeValues: {
          ':expected': expectedVersion,
          ...(rulesVersion === undefined ? {} : { ':rulesVersion': rulesVersion }),
        },
      },
    }),
    bumpRulesVersion: (key, version) => ({
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: 'ADD #rulesVersion :one',
        // A missing API fails the condition too, so the Update never creates one.
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': ATTR.version, '#rulesVersion': ATTR.rulesVersion },
        ExpressionAttributeValues: { ':version': version, ':one': 1 },
      },
    }),
    deleteIfExists: (key) => ({ Delete: { TableName: tableName, Key: key, ...exists } }),
    delete: (key) => ({ Delete: { TableName: tableName, Key: key } }),
    checkExists: (key) => ({ ConditionCheck: { TableName: tableName, Key: key, ...exists } }),
    checkVersion: (key, version) => ({
      ConditionCheck: {
        TableName: tableName,
        Key: key,
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': ATTR.version },
        ExpressionAttributeValues: { ':version': version },
      },
    }),
    updateIfExists: (key, attributes) => {
      const names: Record<string, string> = { '#pk': ATTR.pk };
      const values: Record<string, unknown> = {};
      const set: string[] = [];
      const remove: string[] = [];
      Object.entries(attributes).forEach(([name, value], i) => {
        names[`#a${i}`] = name;
        if (value === undefined) remove.push(`#a${i}`);
        else {
          set.push(`#a${i} = :a${i}`);
          values[`:a${i}`] = value;
        }
      });
      const expression = [
        set.length > 0 ? `SET ${set.join(', ')}` : '',
        remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
      ]
        .filter((part) => part !== '')
        .join(' ');
      return {
        Update: {
          TableName: tableName,
          Key: key,
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        },
      };
    },
    audit: (event) => (event === undefined ? [] : [putIfAbsent(auditItem(event))]),
  };
}
