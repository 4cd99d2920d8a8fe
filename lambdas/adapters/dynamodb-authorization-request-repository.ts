/**
 * Pending authorization requests on DynamoDB (docs/data-model.md, "People"): one item per request,
 * `pk = AUTHREQ#<SHA-256 of its handle>`, `sk = AUTHREQ`, `ttl` at its expiry. Consuming is one
 * conditional Delete, so of two submits of the same form exactly one goes on.
 */
import type { AuthorizationRequest } from '../domain/people/model';
import type { AuthorizationRequestRepository } from '../domain/people/ports';
import type { Item } from './dynamodb-items';
import { fromPeopleItem, peopleItem } from './dynamodb-people-items';
import { ATTR, keys } from './dynamodb-table';
import { conflictAsFalse, DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

function requestKey(digest: string): Item {
  return { [ATTR.pk]: keys.authRequestPk(digest), [ATTR.sk]: keys.authRequestSk };
}

function requestItem(request: AuthorizationRequest): Item {
  return peopleItem(request, requestKey(request.digest), 'authreq', request.expiresAt);
}

export class DynamoDbAuthorizationRequestRepository implements AuthorizationRequestRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** @throws ConflictError when a request with this digest exists */
  async createAuthorizationRequest(request: AuthorizationRequest): Promise<void> {
    await this.table.transact([this.table.items.putIfAbsent(requestItem(request))]);
  }

  async findAuthorizationRequest(digest: string): Promise<AuthorizationRequest | undefined> {
    const item = await this.table.get(requestKey(digest));
    return item === undefined ? undefined : fromPeopleItem<AuthorizationRequest>(item);
  }

  /** @throws ConflictError when the request is gone (consumed meanwhile) */
  async updateAuthorizationRequest(request: AuthorizationRequest): Promise<void> {
    const item = requestItem(request);
    await this.table.transact([
      {
        Put: {
          TableName: this.table.tableName,
          Item: item,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        },
      },
    ]);
  }

  async consumeAuthorizationRequest(digest: string): Promise<boolean> {
    return this.table
      .transact([this.table.items.deleteIfExists(requestKey(digest))])
      .then(() => true)
      .catch(conflictAsFalse);
  }
}
