/**
 * Authorization codes on DynamoDB (docs/data-model.md, Authorization codes): one item per code,
 * `pk = CODE#<SHA-256 of the code>`, `sk = CODE`, with a `ttl` for cleanup (expiry is checked in code).
 *
 * Creation writes the code's entry in its user's token entries and checks that the user is enabled, in
 * one transaction (dynamodb-user-revocation.ts), so that disabling the user revokes a code not yet
 * redeemed (`revokedAt`) and the exchange needs no read of the user.
 *
 * Single use is ONE conditional UpdateItem (RFC 6749 §4.1.2): `SET consumedAt, issued, ttl` on
 * condition `attribute_exists(pk) AND attribute_not_exists(consumedAt) AND
 * attribute_not_exists(revokedAt)`, `ReturnValues: ALL_NEW`, so
 * of any number of concurrent redemptions exactly one wins, and what it issues is recorded by the same
 * write. A failed condition asks for `ReturnValuesOnConditionCheckFailure: ALL_OLD` to tell a reused
 * code (the item, with what its first redemption recorded) from an unknown one (no item). dynalite
 * does not implement that parameter; without the old item in the error, one strongly consistent
 * GetItem on that failure path tells them apart.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../domain/errors';
import type { AuthorizationCode, IssuedFromCode } from '../domain/people/model';
import type { AuthorizationCodeRepository, CodeRedemption } from '../domain/people/ports';
import { dependencyUnavailable } from './aws-errors';
import type { Item } from './dynamodb-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import { userEnabledCheck, userTokenRefItem } from './dynamodb-user-revocation';

/** The code item's primary key. */
export function codeKey(digest: string): Item {
  return { [ATTR.pk]: keys.codePk(digest), [ATTR.sk]: keys.codeSk };
}

/** Seconds since the epoch of an ISO 8601 instant (DynamoDB TTL). */
const epochSeconds = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

/** The item of a new code: the code's own attributes, its key, `type` and a cleanup `ttl` at its expiry. */
export function codeItem(code: AuthorizationCode): Item {
  return {
    ...code,
    [ATTR.pk]: keys.codePk(code.digest),
    [ATTR.sk]: keys.codeSk,
    [ATTR.type]: 'code',
    [ATTR.ttl]: epochSeconds(code.expiresAt),
  };
}

/** The code from its item, storage attributes stripped. */
export function codeFromItem(item: Item): AuthorizationCode {
  const { [ATTR.pk]: _pk, [ATTR.sk]: _sk, [ATTR.type]: _type, [ATTR.ttl]: _ttl, ...code } = item;
  return code as unknown as AuthorizationCode;
}

/** `issued` from an item in DynamoDB's wire format (the old item a failed condition returns). */
function issuedFromAttributes(item: Record<string, AttributeValue>): IssuedFromCode | undefined {
  const issued = item['issued']?.M;
  const jti = issued?.['accessTokenJti']?.S;
  const exp = issued?.['accessTokenExp']?.N;
  if (jti === undefined || exp === undefined) return undefined;
  const session = issued?.['refreshSessionId']?.S;
  return {
    accessTokenJti: jti,
    accessTokenExp: Number(exp),
    ...(session === undefined ? {} : { refreshSessionId: session }),
  };
}

export class DynamoDbAuthorizationCodeRepository implements AuthorizationCodeRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /**
   * One TransactWriteItems: the code (if no code has this digest), its entry in the user's token entries (`USERTOKENS#<userId>`)
   * and a ConditionCheck that the user is enabled (dynamodb-user-revocation.ts: disabling the user, a
   * new password or a revoke-all then revokes the code before it is redeemed).
   * @throws ConflictError when a code with this digest exists or the user is not enabled
   */
  async createCode(code: AuthorizationCode): Promise<void> {
    const ref = { kind: 'code' as const, id: code.digest, ...code };
    await this.table.transact(
      [
        this.table.items.putIfAbsent(codeItem(code)),
        this.table.items.put(userTokenRefItem(ref)),
        userEnabledCheck(this.table, code.userId),
      ],
      () => new ConflictError('an authorization code with this digest exists, or the user is not enabled'),
    );
  }

  /** ONE conditional UpdateItem; see the module comment. */
  async redeemCode(digest: string, at: string, issued: IssuedFromCode): Promise<CodeRedemption> {
    try {
      const out = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: codeKey(digest),
          // The item outlives the code while what it issued may need revoking: ttl = the token's exp.
          UpdateExpression: 'SET #consumedAt = :at, #issued = :issued, #ttl = :ttl',
          ConditionExpression:
            'attribute_exists(#pk) AND attribute_not_exists(#consumedAt) AND attribute_not_exists(#revokedAt)',
          ExpressionAttributeNames: {
            '#pk': ATTR.pk,
            '#consumedAt': 'consumedAt',
            '#revokedAt': 'revokedAt',
            '#issued': 'issued',
            '#ttl': ATTR.ttl,
          },
          ExpressionAttributeValues: { ':at': at, ':issued': issued, ':ttl': issued.accessTokenExp },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'redeemed', code: codeFromItem(out.Attributes ?? {}) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw dependencyUnavailable('store', err);
      // A code revoked before its redemption (its user disabled, say) is as good as unknown.
      if (err.Item !== undefined) {
        return err.Item['consumedAt'] === undefined ? { outcome: 'unknown' } : reused(issuedFromAttributes(err.Item));
      }
      // No old image (dynalite): the failure path alone pays one consistent read.
      const item = await this.table.get(codeKey(digest));
      if (item === undefined || item['consumedAt'] === undefined) return { outcome: 'unknown' };
      return reused(codeFromItem(item).issued);
    }
  }

  /** One UpdateItem of `issued` on condition that the code was redeemed. */
  async recordIssued(digest: string, issued: IssuedFromCode): Promise<void> {
    await this.table.call(
      () =>
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: codeKey(digest),
            UpdateExpression: 'SET #issued = :issued',
            ConditionExpression: 'attribute_exists(#consumedAt)',
            ExpressionAttributeNames: { '#issued': 'issued', '#consumedAt': 'consumedAt' },
            ExpressionAttributeValues: { ':issued': issued },
          }),
        ),
      'the authorization code was not redeemed',
    );
  }
}

function reused(issued: IssuedFromCode | undefined): CodeRedemption {
  return issued === undefined ? { outcome: 'reused' } : { outcome: 'reused', issued };
}
