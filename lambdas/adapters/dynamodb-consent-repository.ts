/**
 * Consents on DynamoDB (docs/data-model.md, "People"): one item per user and client,
 * `pk = CONSENT#<userId>`, `sk = CLIENT#<clientId>` (a user's consents are one item collection).
 */
import type { Consent } from '../domain/people/model';
import type { ConsentRepository } from '../domain/people/ports';
import type { Item } from './dynamodb-items';
import { fromPeopleItem, peopleItem } from './dynamodb-people-items';
import { ATTR, keys } from './dynamodb-table';
import { DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

function consentKey(userId: string, clientId: string): Item {
  return { [ATTR.pk]: keys.consentPk(userId), [ATTR.sk]: keys.consentSk(clientId) };
}

export class DynamoDbConsentRepository implements ConsentRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  async findConsent(userId: string, clientId: string): Promise<Consent | undefined> {
    const item = await this.table.get(consentKey(userId, clientId));
    return item === undefined ? undefined : fromPeopleItem<Consent>(item);
  }

  async putConsent(consent: Consent): Promise<void> {
    const item = peopleItem(consent, consentKey(consent.userId, consent.clientId), 'consent');
    await this.table.transact([this.table.items.put(item)]);
  }
}
