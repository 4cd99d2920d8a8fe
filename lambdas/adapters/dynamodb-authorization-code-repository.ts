/**
 * Authorization codes on DynamoDB (docs/data-model.md, "People"), the minimum the authorization
 * endpoint needs until the code grant's own adapter replaces it: one item per code,
 * `pk = CODE#<SHA-256 of the code>`, `sk = CODE`, `ttl` at its expiry. Redemption is one conditional
 * UpdateItem (`attribute_exists(pk) AND attribute_not_exists(consumedAt)`), so of any number of
 * concurrent redemptions exactly one wins; a failed condition is told apart (reused or unknown) by one
 * strongly consistent GetItem.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthorizationCode, IssuedFromCode } from '../domain/people/model';
import type { AuthorizationCodeRepository, CodeRedemption } from '../domain/people/ports';
import { dependencyUnavailable } from './aws-errors';
import type { Item } from './dynamodb-items';
import { fromPeopleItem, peopleItem } from './dynamodb-people-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess, ignoreConflict } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

/** The code item's primary key. */
export function codeKey(digest: string): Item {
  return { [ATTR.pk]: keys.codePk(digest), [ATTR.sk]: keys.codeSk };
}

export class DynamoDbAuthorizationCodeRepository implements AuthorizationCodeRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** @throws ConflictError when a code with this digest exists */
  async createCode(code: AuthorizationCode): Promise<void> {
    const item = peopleItem(code, codeKey(code.digest), 'code', code.expiresAt);
    await this.table.transact([this.table.items.putIfAbsent(item)]);
  }

  async redeemCode(digest: string, at: string): Promise<CodeRedemption> {
    try {
      const out = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: codeKey(digest),
          UpdateExpression: 'SET #consumedAt = :at',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#consumedAt)',
          ExpressionAttributeNames: { '#pk': ATTR.pk, '#consumedAt': 'consumedAt' },
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'redeemed', code: fromPeopleItem<AuthorizationCode>(out.Attributes ?? {}) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw dependencyUnavailable('store', err);
    }
    const item = await this.table.get(codeKey(digest));
    return item === undefined
      ? { outcome: 'unknown' }
      : { outcome: 'reused', code: fromPeopleItem<AuthorizationCode>(item) };
  }

  async recordIssued(digest: string, issued: IssuedFromCode): Promise<void> {
    await this.table.transact([this.table.items.updateIfExists(codeKey(digest), { issued })]).catch(ignoreConflict);
  }
}
