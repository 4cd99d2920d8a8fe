/**
 * The client aggregate on DynamoDB (docs/data-model.md): a client, its secrets and its rules are one
 * item collection, `pk = CLIENT#<clientId>`. The token path costs one strongly consistent Query of
 * it; every admin change is one TransactWriteItems holding its audit event.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/admin/audit';
import { ConflictError } from '../domain/errors';
import { ruleSubjectType } from '../domain/model';
import type { Client, ClientBundle, ClientSecret, Rule, SubjectType } from '../domain/model';
import type { AudienceRule, ClientQuery, ClientRepository, Page } from '../domain/ports';
import {
  bundleFromItems,
  bundleItems,
  clientFromItem,
  clientItem,
  itemKeys,
  ruleFromItem,
  ruleItem,
  secretItem,
} from './dynamodb-items';
import { ATTR, GSI1, keys } from './dynamodb-table';
import { conflictAsFalse, DynamoDbTableAccess } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';

/** Every rule on `audience` (client and user rules) with its client: the GSI `RULES#<audience>`, all pages. */
export async function queryRulesForAudience(table: DynamoDbTableAccess, audience: string): Promise<AudienceRule[]> {
  const items = await table.queryAll({
    IndexName: GSI1,
    KeyConditionExpression: '#gpk = :gpk',
    ExpressionAttributeNames: { '#gpk': ATTR.gsi1pk },
    ExpressionAttributeValues: { ':gpk': keys.rulesIndexPk(audience) },
  });
  return items.map((item) => ({ clientId: item['clientId'] as string, rule: ruleFromItem(item) }));
}

export class DynamoDbClientRepository implements ClientRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  /**
   * One strongly consistent Query of `pk = CLIENT#<clientId>`: the client, its secrets and its rules
   * (a disabled client or a revoked secret must stop working at once). An item collection fits one
   * page; a longer one is read to the end rather than truncated.
   */
  async loadClientBundle(clientId: string): Promise<ClientBundle | undefined> {
    return bundleFromItems(await this.collection(clientId));
  }

  async listClients(query: ClientQuery): Promise<Page<Client>> {
    const search = { indexPk: keys.clientsIndexPk, searchFields: ['nameLower'], idField: 'clientId' };
    return this.table.searchIndex({ ...search, q: query.q, status: query.status }, query, clientFromItem);
  }

  /**
   * Creates a client with its secrets and rules in one transaction.
   * @throws ConflictError when the client id is taken
   */
  async createClient(bundle: ClientBundle, audit?: AuditEvent): Promise<void> {
    const { items } = this.table;
    await this.table.transact([...bundleItems(bundle).map(items.putIfAbsent), ...items.audit(audit)]);
  }

  async updateClient(client: Client, expectedVersion: number, audit?: AuditEvent): Promise<void> {
    const { items } = this.table;
    await this.table.transact([items.putIfVersion(clientItem(client), expectedVersion), ...items.audit(audit)]);
  }

  async deleteClient(clientId: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    const { items } = this.table;
    const bundle = await this.loadClientBundle(clientId);
    if (bundle === undefined) throw new ConflictError('the client does not exist');
    await this.table.transact([
      items.deleteIfVersion(itemKeys.client(clientId), expectedVersion),
      ...bundle.secrets.map((secret) => items.delete(itemKeys.secret(clientId, secret.secretId))),
      ...bundle.rules.map((rule) => items.delete(itemKeys.rule(clientId, rule.audience, ruleSubjectType(rule)))),
      ...items.audit(audit),
    ]);
    // A secret or rule added between the read above and the transaction would be left behind; none can
    // be added now (putSecret and putRule check that the client exists), so one more read sweeps them.
    const pk = keys.clientPk(clientId);
    for (const item of await this.collection(clientId)) {
      await this.table.transact([items.delete({ [ATTR.pk]: pk, [ATTR.sk]: item[ATTR.sk] })]);
    }
  }

  /**
   * Adds a secret to an existing client.
   * @throws ConflictError when the client does not exist or the secret id is taken
   */
  async putSecret(clientId: string, secret: ClientSecret, audit?: AuditEvent): Promise<void> {
    const { items } = this.table;
    await this.table.transact([
      items.checkExists(itemKeys.client(clientId)),
      items.putIfAbsent(secretItem(clientId, secret)),
      ...items.audit(audit),
    ]);
  }

  async deleteSecret(clientId: string, secretId: string, audit?: AuditEvent): Promise<boolean> {
    const { items } = this.table;
    return this.table
      .transact([items.deleteIfExists(itemKeys.secret(clientId, secretId)), ...items.audit(audit)])
      .then(() => true, conflictAsFalse);
  }

  /** One conditional UpdateItem; skipped by the condition when the last write is recent enough. */
  async touchSecret(clientId: string, secretId: string, at: string, minIntervalSeconds: number): Promise<boolean> {
    const threshold = new Date(Date.parse(at) - minIntervalSeconds * 1000).toISOString();
    return this.table
      .call(
        () =>
          this.table.client.send(
            new UpdateCommand({
              TableName: this.table.tableName,
              Key: itemKeys.secret(clientId, secretId),
              UpdateExpression: 'SET #lastUsedAt = :at',
              ConditionExpression:
                'attribute_exists(#pk) AND (attribute_not_exists(#lastUsedAt) OR #lastUsedAt < :threshold)',
              ExpressionAttributeNames: { '#pk': ATTR.pk, '#lastUsedAt': 'lastUsedAt' },
              ExpressionAttributeValues: { ':at': at, ':threshold': threshold },
            }),
          ),
        'secret missing or used recently',
      )
      .then(() => true, conflictAsFalse);
  }

  /**
   * One transaction: the client exists, the rule is put (conditioned on `existing`), the API — still at
   * `apiVersion` — has its `rulesVersion` bumped (so a deletion that read the API before fails), and the
   * audit event. The existence conditions come first, so a store that reports only the first failed
   * item (the local front) names the same one DynamoDB does.
   */
  async putRule(
    clientId: string,
    rule: Rule,
    apiVersion: number,
    audit?: AuditEvent,
    existing?: boolean,
  ): Promise<void> {
    const { items } = this.table;
    const item = ruleItem(clientId, rule);
    const put = existing === undefined ? items.put(item) : existing ? items.putIfExists(item) : items.putIfAbsent(item);
    await this.table.transact(
      [
        items.checkExists(itemKeys.client(clientId)),
        put,
        items.bumpRulesVersion(itemKeys.api(rule.audience), apiVersion),
        ...items.audit(audit),
      ],
      (failed) => {
        if (failed.has(0)) return new ConflictError('the client does not exist', 'client-gone');
        if (failed.has(1) && existing === true) return new ConflictError('the rule does not exist', 'rule-gone');
        return undefined;
      },
    );
  }

  async deleteRule(
    clientId: string,
    audience: string,
    audit: AuditEvent,
    subjectType: SubjectType = 'client',
  ): Promise<boolean> {
    const { items } = this.table;
    return this.table
      .transact([items.deleteIfExists(itemKeys.rule(clientId, audience, subjectType)), ...items.audit(audit)])
      .then(() => true, conflictAsFalse);
  }

  listRulesForAudience(audience: string): Promise<AudienceRule[]> {
    return queryRulesForAudience(this.table, audience);
  }

  /** The client's whole item collection, strongly consistent, all pages. */
  private collection(clientId: string) {
    return this.table.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.pk },
      ExpressionAttributeValues: { ':pk': keys.clientPk(clientId) },
      ConsistentRead: true,
    });
  }
}
