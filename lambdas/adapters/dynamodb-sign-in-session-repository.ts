/**
 * Browser sign-in sessions on DynamoDB (docs/data-model.md, "People"): one item per session,
 * `pk = SIGNIN#<SHA-256 of the cookie's handle>`, `sk = SIGNIN`, `ttl` at its expiry.
 */
import type { SignInSession } from '../domain/people/model';
import type { SignInSessionRepository } from '../domain/people/ports';
import type { Item } from './dynamodb-items';
import { fromPeopleItem, peopleItem } from './dynamodb-people-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

function signInKey(digest: string): Item {
  return { [ATTR.pk]: keys.signInPk(digest), [ATTR.sk]: keys.signInSk };
}

export class DynamoDbSignInSessionRepository implements SignInSessionRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /** @throws ConflictError when a session with this digest exists */
  async createSignInSession(session: SignInSession): Promise<void> {
    const item = peopleItem(session, signInKey(session.digest), 'signin', session.expiresAt);
    await this.table.transact([this.table.items.putIfAbsent(item)]);
  }

  async findSignInSession(digest: string): Promise<SignInSession | undefined> {
    const item = await this.table.get(signInKey(digest));
    return item === undefined ? undefined : fromPeopleItem<SignInSession>(item);
  }

  async deleteSignInSession(digest: string): Promise<void> {
    await this.table.transact([this.table.items.delete(signInKey(digest))]);
  }
}
