/**
 * The user aggregate on DynamoDB (docs/data-model.md, "Users"): a user and its grants are one item
 * collection, `pk = USER#<userId>`, read with one strongly consistent Query; a username item
 * `USERNAME#<lowercase>` written in the user's transaction makes usernames unique in any case; every
 * admin change is one TransactWriteItems holding its audit event; the sign-in counters are conditional
 * UpdateItems, never a read-modify-write.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/admin/audit';
import { ConflictError } from '../domain/errors';
import type { PasswordSetup, StoredUser, User, UserBundle, UserGrant } from '../domain/people/model';
import type { UserQuery, UserRepository } from '../domain/people/ports';
import type { Page } from '../domain/ports';
import { ATTR, keys } from './dynamodb-table';
import { conflictAsFalse, DynamoDbTableAccess, ignoreConflict } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import {
  grantItem,
  setupItem,
  userBundleFromItems,
  userFromItem,
  userItem,
  userItemKeys,
  usernameItem,
} from './dynamodb-user-items';

/** Rounds of the two-step failure count before giving up (each round loses only to a concurrent count). */
const MAX_COUNT_ROUNDS = 10;

export class DynamoDbUserRepository implements UserRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** One strongly consistent Query of `pk = USER#<userId>`: the user and its grants (≤ 50). */
  async loadUser(userId: string): Promise<UserBundle | undefined> {
    return userBundleFromItems(await this.collection(userId));
  }

  /** A consistent GetItem of the username item, then the user's Query. */
  async findByUsername(username: string): Promise<UserBundle | undefined> {
    const item = await this.table.get(userItemKeys.username(username));
    const userId = item?.['userId'];
    return typeof userId === 'string' ? this.loadUser(userId) : undefined;
  }

  async listUsers(query: UserQuery): Promise<Page<User>> {
    const search = {
      indexPk: keys.usersIndexPk,
      searchFields: ['usernameLower', 'emailLower', 'nameLower'],
      idField: 'userId',
    };
    return this.table.searchIndex({ ...search, q: query.q, status: query.status }, query, userFromItem);
  }

  /**
   * The user, its username item (both new) and the setup, with the audit event, in one transaction.
   * @throws ConflictError when the username (any case) or the id is taken
   */
  async createUser(
    user: StoredUser,
    audit?: AuditEvent,
    setup?: PasswordSetup,
    grants: readonly UserGrant[] = [],
  ): Promise<void> {
    const { items } = this.table;
    await this.table.transact([
      items.putIfAbsent(userItem(user)),
      items.putIfAbsent(usernameItem(user)),
      ...(setup === undefined ? [] : [items.putIfAbsent(setupItem(setup))]),
      ...grants.map((grant) => items.put(grantItem(user.userId, grant))),
      ...items.audit(audit),
    ]);
  }

  async updateUser(user: StoredUser, expectedVersion: number, audit?: AuditEvent): Promise<void> {
    const { items } = this.table;
    await this.table.transact([items.putIfVersion(userItem(user), expectedVersion), ...items.audit(audit)]);
  }

  /**
   * The user (at `expectedVersion`), its username item and its grants, with the audit event, in one
   * transaction (≤ 50 grants, the admin API's cap: ≤ 53 writes); grants added between the read and
   * the transaction are swept after it (none can be added once the user is gone).
   */
  async deleteUser(userId: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    const { items } = this.table;
    const bundle = await this.loadUser(userId);
    if (bundle === undefined) throw new ConflictError('the user does not exist');
    await this.table.transact([
      items.deleteIfVersion(userItemKeys.user(userId), expectedVersion),
      items.delete(userItemKeys.username(bundle.user.username)),
      ...bundle.grants.map((grant) => items.delete(userItemKeys.grant(userId, grant.audience))),
      ...items.audit(audit),
    ]);
    for (const item of await this.collection(userId)) {
      await this.table.transact([items.delete({ [ATTR.pk]: item[ATTR.pk], [ATTR.sk]: item[ATTR.sk] })]);
    }
  }

  async putGrant(userId: string, grant: UserGrant, audit: AuditEvent): Promise<void> {
    const { items } = this.table;
    await this.table.transact([
      items.checkExists(userItemKeys.user(userId)),
      items.put(grantItem(userId, grant)),
      ...items.audit(audit),
    ]);
  }

  async deleteGrant(userId: string, audience: string, audit: AuditEvent): Promise<boolean> {
    const { items } = this.table;
    return this.table
      .transact([items.deleteIfExists(userItemKeys.grant(userId, audience)), ...items.audit(audit)])
      .then(() => true, conflictAsFalse);
  }

  /**
   * Counts one failure with conditional UpdateItems, no read-modify-write: below the threshold, one
   * `SET failedSignIns = failedSignIns + 1` on condition that the count stays below `lockAfter - 1`;
   * the failure that reaches it instead resets the count and sets `lockedUntil`, on condition that the
   * count is `lockAfter - 1` or more. Each failure lands in exactly one of the two (a concurrent count
   * between them only means another round). Only when both conditions failed does a GetItem tell a
   * missing user (no error, nothing to count) from such a race.
   */
  async recordFailedSignIn(userId: string, lockAfter: number, lockUntil: string): Promise<void> {
    const key = userItemKeys.user(userId);
    const names = { '#pk': ATTR.pk, '#failed': 'failedSignIns' };
    for (let round = 0; round < MAX_COUNT_ROUNDS; round++) {
      const counted = await this.update(
        {
          Key: key,
          UpdateExpression: 'SET #failed = #failed + :one',
          ConditionExpression: 'attribute_exists(#pk) AND #failed < :last',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':one': 1, ':last': lockAfter - 1 },
        },
        'no user, or the count reaches the threshold',
      );
      if (counted) return;
      const locked = await this.update(
        {
          Key: key,
          UpdateExpression: 'SET #failed = :zero, #lockedUntil = :until',
          ConditionExpression: 'attribute_exists(#pk) AND #failed >= :last',
          ExpressionAttributeNames: { ...names, '#lockedUntil': 'lockedUntil' },
          ExpressionAttributeValues: { ':zero': 0, ':last': lockAfter - 1, ':until': lockUntil },
        },
        'no user, or the count was reset',
      );
      if (locked) return;
      if ((await this.table.get(key)) === undefined) return;
    }
    throw new ConflictError('the failure count kept changing concurrently');
  }

  /** One UpdateItem resetting the count, skipped by its condition when the count is 0 already. */
  async recordSuccessfulSignIn(userId: string): Promise<void> {
    await this.update(
      {
        Key: userItemKeys.user(userId),
        UpdateExpression: 'SET #failed = :zero',
        ConditionExpression: 'attribute_exists(#pk) AND #failed <> :zero',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#failed': 'failedSignIns' },
        ExpressionAttributeValues: { ':zero': 0 },
      },
      'no user, or nothing to reset',
    ).catch(ignoreConflict);
  }

  /** One conditional UpdateItem; `false` when its condition failed. */
  private update(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
    conflict: string,
  ): Promise<boolean> {
    return this.table
      .call(() => this.table.client.send(new UpdateCommand({ TableName: this.table.tableName, ...input })), conflict)
      .then(() => true, conflictAsFalse);
  }

  /** The user's whole item collection, strongly consistent, all pages. */
  private collection(userId: string) {
    return this.table.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.pk },
      ExpressionAttributeValues: { ':pk': keys.userPk(userId) },
      ConsistentRead: true,
    });
  }
}
