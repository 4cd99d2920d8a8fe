/**
 * The access-token deny-list on DynamoDB (docs/data-model.md, Deny-list): one item per revoked `jti`,
 * `pk = DENY#<jti>`, `sk = DENY`, `ttl` = the token's `exp` (after which the token fails on its own, so
 * DynamoDB may clean the entry up).
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
}
