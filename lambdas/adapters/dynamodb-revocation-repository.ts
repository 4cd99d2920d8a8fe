/**
 * The access-token deny-list on DynamoDB (docs/data-model.md, Deny-list): one item per revoked `jti`,
 * `pk = DENY#<jti>`, `sk = DENY`, `ttl` = the token's `exp` (after which the token fails on its own, so
 * DynamoDB may clean the entry up); one item per revoked refresh-token session's `sid`,
 * `pk = DENYSID#<sid>`, `sk = DENY`, `ttl` = the session's expiry plus the longest access-token lifetime.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RevocationRepository } from '../domain/people/ports';
import type { Item } from './dynamodb-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

/** The deny-list item's primary key. */
export function denyKey(jti: string): Item {
  return { [ATTR.pk]: keys.denyPk(jti), [ATTR.sk]: keys.denySk };
}

/** The primary key of a denied session id. */
export function denySidKey(sid: string): Item {
  return { [ATTR.pk]: keys.denySidPk(sid), [ATTR.sk]: keys.denySk };
}

/** The item that denies `sid` until `until` (seconds since the epoch). */
export function denySidItem(sid: string, until: number): Item {
  return { ...denySidKey(sid), [ATTR.type]: 'denysid', sid, until, [ATTR.ttl]: until };
}

export class DynamoDbRevocationRepository implements RevocationRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** One unconditional PutItem: denying twice is denying once. */
  async denyAccessToken(jti: string, exp: number): Promise<void> {
    await this.table.call(() =>
      this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...denyKey(jti), [ATTR.type]: 'deny', jti, exp, [ATTR.ttl]: exp },
        }),
      ),
    );
  }

  /** One strongly consistent GetItem. */
  async isAccessTokenDenied(jti: string): Promise<boolean> {
    return (await this.table.get(denyKey(jti))) !== undefined;
  }

  /** One unconditional PutItem (idempotent). */
  async denySession(sid: string, until: number): Promise<void> {
    await this.table.call(() =>
      this.table.client.send(new PutCommand({ TableName: this.table.tableName, Item: denySidItem(sid, until) })),
    );
  }

  /** One strongly consistent GetItem. */
  async isSessionDenied(sid: string): Promise<boolean> {
    return (await this.table.get(denySidKey(sid))) !== undefined;
  }
}
