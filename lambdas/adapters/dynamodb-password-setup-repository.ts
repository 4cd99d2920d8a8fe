/**
 * One-time password setups on DynamoDB (docs/data-model.md, "Users"): `pk = SETUP#<digest>` — the
 * SHA-256 of the link's token, never the token — with `expiresAt` (checked by the caller) and a
 * DynamoDB `ttl` for clean-up. Using a setup is one transaction: delete the setup on condition that
 * it exists, update the user on condition of its version, and the audit event; of two concurrent
 * uses exactly one lands.
 */
import type { AuditEvent } from '../domain/admin/audit';
import type { PasswordSetup, StoredUser } from '../domain/people/model';
import type { PasswordSetupRepository } from '../domain/people/ports';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import { itemType } from './dynamodb-items';
import { setupFromItem, userItem, userItemKeys } from './dynamodb-user-items';
import { revokeUserTokens } from './dynamodb-user-revocation';

export class DynamoDbPasswordSetupRepository implements PasswordSetupRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** One consistent GetItem. */
  async findSetup(digest: string): Promise<PasswordSetup | undefined> {
    const item = await this.table.get(userItemKeys.setup(digest));
    return item === undefined || itemType(item) !== 'setup' ? undefined : setupFromItem(item);
  }

  /** @throws ConflictError when the setup was used meanwhile or the user changed */
  async completeSetup(digest: string, user: StoredUser, expectedVersion: number, audit: AuditEvent): Promise<void> {
    const { items } = this.table;
    const own = [
      items.deleteIfExists(userItemKeys.setup(digest)),
      items.putIfVersion(userItem(user), expectedVersion),
      ...items.audit(audit),
    ];
    // A new password ends every session (docs/contract.md, Users), in the same transaction.
    await revokeUserTokens(this.table, user.userId, 'password-changed', audit.at, own);
  }
}
