/**
 * The API aggregate on DynamoDB (docs/data-model.md): one item per API, `pk = API#<identifier>`,
 * listed through the GSI (`APIS`). An API change also brings the TTL and reuse snapshots of the
 * rules of its audience (and the `userAccess` snapshot of its user rules) in step, so the token and
 * authorize paths keep reading one partition.
 */
import type { AuditEvent } from '../domain/admin/audit';
import { ConflictError } from '../domain/errors';
import { ruleSubjectType } from '../domain/model';
import type { Api, SubjectType } from '../domain/model';
import type { ApiRepository, Page, PageRequest } from '../domain/ports';
import { queryRulesForAudience } from './dynamodb-client-repository';
import { apiFromItem, apiItem, itemKeys } from './dynamodb-items';
import { ATTR, GSI1, keys } from './dynamodb-table';
import { DynamoDbTableAccess, ignoreConflict, INDEX_KEY_ATTRS } from './dynamodb-table-access';
import type { DynamoDbTableOptions } from './dynamodb-table-access';
import { MAX_TRANSACT_ITEMS } from './dynamodb-transact-items';
import type { TransactItem } from './dynamodb-transact-items';

export class DynamoDbApiRepository implements ApiRepository {
  private readonly table: DynamoDbTableAccess;

  constructor(table: DynamoDbTableOptions | DynamoDbTableAccess) {
    this.table = table instanceof DynamoDbTableAccess ? table : new DynamoDbTableAccess(table);
  }

  async getApi(identifier: string): Promise<Api | undefined> {
    const item = await this.table.get(itemKeys.api(identifier));
    return item === undefined ? undefined : apiFromItem(item);
  }

  async apiExists(identifier: string): Promise<boolean> {
    return (await this.getApi(identifier)) !== undefined;
  }

  async listApis(page: PageRequest): Promise<Page<Api>> {
    return this.table.queryPage(
      {
        IndexName: GSI1,
        KeyConditionExpression: '#gpk = :gpk',
        ExpressionAttributeNames: { '#gpk': ATTR.gsi1pk },
        ExpressionAttributeValues: { ':gpk': keys.apisIndexPk },
      },
      page,
      INDEX_KEY_ATTRS,
      apiFromItem,
    );
  }

  /** @throws ConflictError when an API with this identifier exists */
  async createApi(api: Api, audit?: AuditEvent): Promise<void> {
    const { items } = this.table;
    await this.table.transact([items.putIfAbsent(apiItem(api)), ...items.audit(audit)]);
  }

  /**
   * Replaces the API (optimistic lock on `version`) and brings the TTL and reuse snapshots of every
   * rule of its audience in step, in the same transaction as far as it reaches (100 writes); rules
   * beyond that are updated right after, idempotently.
   */
  async updateApi(api: Api, expectedVersion: number, audit?: AuditEvent): Promise<void> {
    const { items } = this.table;
    const rules = await queryRulesForAudience(this.table, api.identifier);
    const ruleWrites = rules.map(({ clientId, rule }) => this.ruleSnapshotUpdate(clientId, ruleSubjectType(rule), api));
    const head = ruleWrites.slice(0, MAX_TRANSACT_ITEMS - 1 - items.audit(audit).length);
    await this.table.transact([items.putIfVersion(apiItem(api), expectedVersion), ...items.audit(audit), ...head]);
    for (const write of ruleWrites.slice(head.length)) await this.table.transact([write]).catch(ignoreConflict);
  }

  /**
   * Deletes the API unless a rule refers to it, closed against a concurrent rule put: the API's
   * `rulesVersion` is read (consistently) before the rules of its audience are listed, and the delete
   * is conditioned on both `version` and that `rulesVersion`. A rule put after the read bumps it and
   * fails the delete; one put before it is in the table when the listing runs. On a failed delete one
   * consistent re-read tells a rule granted meanwhile (same `version`) from a changed API.
   * @throws ConflictError `in-use` when a rule refers to the API, `changed` when it is gone or changed
   */
  async deleteApi(identifier: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    const { items } = this.table;
    const key = itemKeys.api(identifier);
    const stored = await this.table.get(key);
    if (stored === undefined || stored[ATTR.version] !== expectedVersion) {
      throw new ConflictError('the API does not exist or changed');
    }
    if ((await queryRulesForAudience(this.table, identifier)).length > 0) {
      throw new ConflictError('rules refer to the API', 'in-use');
    }
    const rulesVersion = stored[ATTR.rulesVersion] as number | undefined;
    try {
      await this.table.transact([
        items.deleteApiIfUnchanged(key, expectedVersion, rulesVersion),
        ...items.audit(audit),
      ]);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const now = await this.table.get(key);
      if (now !== undefined && now[ATTR.version] === expectedVersion) {
        throw new ConflictError('a rule was granted on the API meanwhile', 'in-use');
      }
      throw err;
    }
  }

  /**
   * Sets (or removes) a rule's snapshot of its API's TTL and reuse flag — and, on a user rule, its
   * `userAccess` — if the rule still exists.
   */
  private ruleSnapshotUpdate(clientId: string, subjectType: SubjectType, api: Api): TransactItem {
    return this.table.items.updateIfExists(itemKeys.rule(clientId, api.identifier, subjectType), {
      apiAccessTokenTtl: api.accessTokenTtl,
      apiTokenReuse: api.tokenReuse,
      ...(subjectType === 'user' ? { apiUserAccess: api.userAccess } : {}),
    });
  }
}
