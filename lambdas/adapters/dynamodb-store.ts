/**
 * The DynamoDB single-table store (DESIGN.md, Data). The token path costs one strongly consistent
 * Query of the client's item collection; writes that belong together go in one TransactWriteItems.
 * SDK errors are translated here (DESIGN.md, style 4): a failed condition → {@link ConflictError},
 * anything else the service answers or fails with → {@link DependencyUnavailableError}.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../domain/admin/admin-store';
import type {
  AdminStore,
  AudienceRule,
  AuditEvent,
  AuditQuery,
  ClientQuery,
  Page,
  PageRequest,
  SecretUsageStore,
} from '../domain/admin/admin-store';
import type { BootstrapStore } from '../domain/bootstrap';
import { ConflictError } from '../domain/errors';
import type { Api, Client, ClientBundle, ClientSecret, Rule } from '../domain/model';
import type { TokenStore } from '../domain/ports';
import { dependencyUnavailable } from './aws-errors';
import {
  apiFromItem,
  apiItem,
  auditFromItem,
  auditItem,
  clientFromItem,
  clientItem,
  itemType,
  ruleFromItem,
  ruleItem,
  secretFromItem,
  secretItem,
} from './dynamodb-items';
import type { Item } from './dynamodb-items';
import { ATTR, GSI1, keys } from './dynamodb-table';

export interface DynamoDbStoreOptions {
  /** Document client built once per cold start (see makeDynamoDbDocumentClient). */
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** One write of a transaction: a Put, Update, Delete or ConditionCheck as TransactWriteItems takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Whether a transaction was cancelled because one of its conditions failed. */
function conditionFailed(err: unknown): boolean {
  if (err instanceof ConditionalCheckFailedException) return true;
  if (err instanceof TransactionCanceledException) {
    // A concurrent transaction on the same item (TransactionConflict) is a lost race like a failed
    // condition: the caller answers 409 and the client retries.
    return (err.CancellationReasons ?? []).some(
      (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
    );
  }
  return false;
}

export class DynamoDbStore implements TokenStore, BootstrapStore, AdminStore, SecretUsageStore {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;

  constructor(options: DynamoDbStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /**
   * One strongly consistent Query of `pk = CLIENT#<clientId>`: the client, its secrets and its rules
   * (DESIGN.md: a disabled client or a revoked secret must stop working at once). An item collection
   * fits one page; a longer one is read to the end rather than truncated.
   */
  async loadClientBundle(clientId: string): Promise<ClientBundle | undefined> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
            ExpressionAttributeValues: { ':pk': keys.clientPk(clientId) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return bundleFromItems(items);
  }

  async apiExists(identifier: string): Promise<boolean> {
    return (await this.getApi(identifier)) !== undefined;
  }

  async getApi(identifier: string): Promise<Api | undefined> {
    const out = await this.call(() =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [ATTR.pk]: keys.apiPk(identifier), [ATTR.sk]: keys.apiSk },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item === undefined ? undefined : apiFromItem(out.Item);
  }

  /** @throws ConflictError when an API with this identifier exists */
  async createApi(api: Api, audit?: AuditEvent): Promise<void> {
    await this.transact([this.putNew(apiItem(api)), ...this.auditWrites(audit)]);
  }

  /**
   * Creates a client with its secrets and rules in one transaction.
   * @throws ConflictError when the client id is taken
   */
  async createClient(bundle: ClientBundle, audit?: AuditEvent): Promise<void> {
    await this.transact([...this.clientBundleWrites(bundle), ...this.auditWrites(audit)]);
  }

  /**
   * Adds a secret to an existing client.
   * @throws ConflictError when the client does not exist or the secret id is taken
   */
  async putSecret(clientId: string, secret: ClientSecret, audit?: AuditEvent): Promise<void> {
    await this.transact([
      this.clientExists(clientId),
      this.putNew(secretItem(clientId, secret)),
      ...this.auditWrites(audit),
    ]);
  }

  // --- admin API (AdminStore) ---

  async listApis(page: PageRequest): Promise<Page<Api>> {
    return this.queryPage(
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

  /**
   * Replaces the API (optimistic lock on `version`) and brings the TTL and reuse snapshots of every
   * rule of its audience in step, in the same transaction as far as it reaches (100 writes); rules
   * beyond that are updated right after, idempotently.
   */
  async updateApi(api: Api, expectedVersion: number, audit: AuditEvent): Promise<void> {
    const rules = await this.listRulesForAudience(api.identifier);
    const ruleWrites = rules.map(({ clientId }) => this.ruleSnapshotUpdate(clientId, api));
    const head = ruleWrites.slice(0, MAX_TRANSACT_ITEMS - 2);
    await this.transact([this.putVersioned(apiItem(api), expectedVersion), ...this.auditWrites(audit), ...head]);
    for (const write of ruleWrites.slice(head.length)) await this.transact([write]).catch(ignoreConflict);
  }

  async deleteApi(identifier: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    await this.transact([
      this.deleteVersioned({ [ATTR.pk]: keys.apiPk(identifier), [ATTR.sk]: keys.apiSk }, expectedVersion),
      ...this.auditWrites(audit),
    ]);
  }

  async listRulesForAudience(audience: string): Promise<AudienceRule[]> {
    const items = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: '#gpk = :gpk',
      ExpressionAttributeNames: { '#gpk': ATTR.gsi1pk },
      ExpressionAttributeValues: { ':gpk': keys.rulesIndexPk(audience) },
    });
    return items.map((item) => ({ clientId: item['clientId'] as string, rule: ruleFromItem(item) }));
  }

  async listClients(query: ClientQuery): Promise<Page<Client>> {
    const names: Record<string, string> = { '#gpk': ATTR.gsi1pk };
    const values: Record<string, unknown> = { ':gpk': keys.clientsIndexPk };
    const filters: string[] = [];
    if (query.q !== undefined && query.q !== '') {
      names['#nameLower'] = 'nameLower';
      names['#clientId'] = 'clientId';
      values[':qLower'] = query.q.toLowerCase();
      values[':q'] = query.q;
      filters.push('(contains(#nameLower, :qLower) OR #clientId = :q)');
    }
    if (query.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = query.status;
      filters.push('#status = :status');
    }
    return this.queryPage(
      {
        IndexName: GSI1,
        KeyConditionExpression: '#gpk = :gpk',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      },
      query,
      INDEX_KEY_ATTRS,
      clientFromItem,
    );
  }

  async updateClient(client: Client, expectedVersion: number, audit: AuditEvent): Promise<void> {
    await this.transact([this.putVersioned(clientItem(client), expectedVersion), ...this.auditWrites(audit)]);
  }

  async deleteClient(clientId: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    const bundle = await this.loadClientBundle(clientId);
    if (bundle === undefined) throw new ConflictError('the client does not exist');
    const pk = keys.clientPk(clientId);
    await this.transact([
      this.deleteVersioned({ [ATTR.pk]: pk, [ATTR.sk]: keys.clientSk }, expectedVersion),
      ...bundle.secrets.map((secret) => this.deleteItem({ [ATTR.pk]: pk, [ATTR.sk]: keys.secretSk(secret.secretId) })),
      ...bundle.rules.map((rule) => this.deleteItem({ [ATTR.pk]: pk, [ATTR.sk]: keys.ruleSk(rule.audience) })),
      ...this.auditWrites(audit),
    ]);
    // A secret or rule added between the read above and the transaction would be left behind; none can
    // be added now (putSecret and putRule check that the client exists), so one more read sweeps them.
    const leftovers = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.pk },
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    });
    for (const item of leftovers) {
      await this.transact([this.deleteItem({ [ATTR.pk]: pk, [ATTR.sk]: item[ATTR.sk] })]);
    }
  }

  async deleteSecret(clientId: string, secretId: string, audit?: AuditEvent): Promise<boolean> {
    const key = { [ATTR.pk]: keys.clientPk(clientId), [ATTR.sk]: keys.secretSk(secretId) };
    return this.transact([this.deleteExisting(key), ...this.auditWrites(audit)]).then(() => true, conflictAsFalse);
  }

  async putRule(clientId: string, rule: Rule, apiVersion: number, audit: AuditEvent): Promise<void> {
    await this.transact([
      this.clientExists(clientId),
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { [ATTR.pk]: keys.apiPk(rule.audience), [ATTR.sk]: keys.apiSk },
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': ATTR.version },
          ExpressionAttributeValues: { ':version': apiVersion },
        },
      },
      { Put: { TableName: this.tableName, Item: ruleItem(clientId, rule) } },
      ...this.auditWrites(audit),
    ]);
  }

  async deleteRule(clientId: string, audience: string, audit: AuditEvent): Promise<boolean> {
    const key = { [ATTR.pk]: keys.clientPk(clientId), [ATTR.sk]: keys.ruleSk(audience) };
    return this.transact([this.deleteExisting(key), ...this.auditWrites(audit)]).then(() => true, conflictAsFalse);
  }

  async listAudit(query: AuditQuery): Promise<Page<AuditEvent>> {
    const names: Record<string, string> = { '#pk': ATTR.pk };
    const values: Record<string, unknown> = { ':pk': keys.auditPk };
    let keyCondition = '#pk = :pk';
    // The sort key is `<at>#<eventId>`, so a time window is a key condition, not a filter: `sk >= from`
    // holds exactly for events at or after `from`, `sk < to` exactly for events before `to`.
    if (query.from !== undefined || query.to !== undefined) {
      names['#sk'] = ATTR.sk;
      if (query.from !== undefined) values[':from'] = query.from;
      if (query.to !== undefined) values[':to'] = query.to;
      keyCondition +=
        query.from === undefined
          ? ' AND #sk < :to'
          : query.to === undefined
            ? ' AND #sk >= :from'
            : ' AND #sk BETWEEN :from AND :to';
    }
    const filters: string[] = [];
    const equal = (attr: string, value: string | undefined) => {
      if (value === undefined) return;
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      filters.push(`#${attr} = :${attr}`);
    };
    equal('actor', query.actor);
    equal('action', query.action);
    equal('targetType', query.targetType);
    if (query.targetId !== undefined) {
      names['#targetId'] = 'targetId';
      names['#clientId'] = 'clientId';
      values[':targetId'] = query.targetId;
      filters.push('(#targetId = :targetId OR #clientId = :targetId)');
    }
    return this.queryPage(
      {
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      },
      query,
      TABLE_KEY_ATTRS,
      auditFromItem,
      (startKey) => {
        const sk = String(startKey[ATTR.sk]);
        return (query.from === undefined || sk >= query.from) && (query.to === undefined || sk < query.to);
      },
    );
  }

  // --- secret last use (SecretUsageStore) ---

  /** One conditional UpdateItem; skipped by the condition when the last write is recent enough. */
  async touchSecret(clientId: string, secretId: string, at: string, minIntervalSeconds: number): Promise<boolean> {
    const threshold = new Date(Date.parse(at) - minIntervalSeconds * 1000).toISOString();
    return this.call(
      () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [ATTR.pk]: keys.clientPk(clientId), [ATTR.sk]: keys.secretSk(secretId) },
            UpdateExpression: 'SET #lastUsedAt = :at',
            ConditionExpression:
              'attribute_exists(#pk) AND (attribute_not_exists(#lastUsedAt) OR #lastUsedAt < :threshold)',
            ExpressionAttributeNames: { '#pk': ATTR.pk, '#lastUsedAt': 'lastUsedAt' },
            ExpressionAttributeValues: { ':at': at, ':threshold': threshold },
          }),
        ),
      'secret missing or used recently',
    ).then(() => true, conflictAsFalse);
  }

  /** The audit event's write, when there is one. */
  protected auditWrites(audit: AuditEvent | undefined): TransactItem[] {
    return audit === undefined ? [] : [this.putNew(auditItem(audit))];
  }

  /** A Put that replaces the item only while its `version` is `expectedVersion`. */
  protected putVersioned(item: Item, expectedVersion: number): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: item,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': ATTR.version },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      },
    };
  }

  protected deleteVersioned(key: Item, expectedVersion: number): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: key,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': ATTR.version },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      },
    };
  }

  protected deleteExisting(key: Item): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: key,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk },
      },
    };
  }

  protected deleteItem(key: Item): TransactItem {
    return { Delete: { TableName: this.tableName, Key: key } };
  }

  /** Sets (or removes) a rule's snapshot of its API's TTL and reuse flag, if the rule still exists. */
  protected ruleSnapshotUpdate(clientId: string, api: Api): TransactItem {
    const set: string[] = [];
    const remove: string[] = [];
    const values: Record<string, unknown> = {};
    if (api.accessTokenTtl === undefined) remove.push('#ttl');
    else {
      set.push('#ttl = :ttl');
      values[':ttl'] = api.accessTokenTtl;
    }
    if (api.tokenReuse === undefined) remove.push('#reuse');
    else {
      set.push('#reuse = :reuse');
      values[':reuse'] = api.tokenReuse;
    }
    const expression = [
      set.length > 0 ? `SET ${set.join(', ')}` : '',
      remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
    ]
      .filter((part) => part !== '')
      .join(' ');
    return {
      Update: {
        TableName: this.tableName,
        Key: { [ATTR.pk]: keys.clientPk(clientId), [ATTR.sk]: keys.ruleSk(api.identifier) },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#ttl': 'apiAccessTokenTtl', '#reuse': 'apiTokenReuse' },
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }

  /** Every item a query matches, all pages. */
  protected async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(new QueryCommand({ TableName: this.tableName, ...input, ExclusiveStartKey: startKey })),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /**
   * One page of a newest-first listing: up to `limit` matching items, reading on while a filter leaves
   * the page short. The cursor is the key of the last item returned (or the last item evaluated, when
   * the read ended there), so pages neither repeat nor skip.
   */
  protected async queryPage<T>(
    input: Omit<QueryCommandInput, 'TableName'>,
    page: PageRequest,
    keyAttrs: readonly string[],
    map: (item: Item) => T,
    /** Whether a cursor's key lies inside this query's key range (a cursor from other filters does not). */
    inRange: (startKey: Record<string, unknown>) => boolean = () => true,
  ): Promise<Page<T>> {
    const items: Item[] = [];
    let startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, keyAttrs);
    if (startKey !== undefined && !inRange(startKey)) throw new InvalidCursorError();
    // A cursor from another listing (or made up) is refused here rather than sent to DynamoDB.
    const partition = keyAttrs.includes(ATTR.gsi1pk) ? ATTR.gsi1pk : ATTR.pk;
    const expected = (input.ExpressionAttributeValues ?? {})[partition === ATTR.gsi1pk ? ':gpk' : ':pk'];
    if (startKey !== undefined && startKey[partition] !== expected) throw new InvalidCursorError();
    for (let reads = 1; ; reads += 1) {
      const out = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            ...input,
            ScanIndexForward: false,
            // Read a little more than needed when filtering, so sparse matches take fewer round trips.
            Limit: input.FilterExpression === undefined ? page.limit - items.length : Math.max(page.limit, 50),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        items.push(item);
        if (items.length === page.limit) {
          const last = out.Items?.at(-1) === item && out.LastEvaluatedKey === undefined;
          return { items: items.map(map), ...(last ? {} : { cursor: encodeCursor(item, keyAttrs) }) };
        }
      }
      if (out.LastEvaluatedKey === undefined) return { items: items.map(map) };
      startKey = out.LastEvaluatedKey;
      // A filter that matches little must not read a whole listing in one request: after a bounded
      // number of reads, answer a short page with a cursor at the last item evaluated.
      if (reads >= MAX_READS_PER_PAGE) return { items: items.map(map), cursor: encodeCursor(startKey, keyAttrs) };
    }
  }

  /** The writes that create a client's item collection. */
  protected clientBundleWrites(bundle: ClientBundle): TransactItem[] {
    const { client, secrets, rules } = bundle;
    return [
      this.putNew(clientItem(client)),
      ...secrets.map((secret) => this.putNew(secretItem(client.clientId, secret))),
      ...rules.map((rule) => this.putNew(ruleItem(client.clientId, rule))),
    ];
  }

  /** A Put that fails when the item exists. */
  protected putNew(item: Item): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk },
      },
    };
  }

  /** A condition that the client exists. */
  protected clientExists(clientId: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: { [ATTR.pk]: keys.clientPk(clientId), [ATTR.sk]: keys.clientSk },
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ATTR.pk },
      },
    };
  }

  /**
   * Runs writes atomically: one Put (cheaper) or TransactWriteItems (all or nothing, ≤ 100 items).
   * @throws ConflictError when a condition fails
   */
  protected async transact(items: TransactItem[]): Promise<void> {
    if (items.length === 0) return;
    if (items.length > MAX_TRANSACT_ITEMS)
      throw new Error(`a transaction holds at most 100 writes, got ${items.length}`);
    // A single Put or Delete is its own atomic unit, and cheaper than a transaction.
    const [only] = items.length === 1 ? items : [];
    await this.call(async () => {
      if (only?.Put !== undefined) await this.client.send(new PutCommand(only.Put));
      else if (only?.Delete !== undefined) await this.client.send(new DeleteCommand(only.Delete));
      else await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    }, 'the item exists or changed concurrently');
  }

  /**
   * Runs one SDK call, translating its errors: a failed condition → ConflictError (when the caller
   * expects one), anything else → DependencyUnavailableError('store').
   */
  protected async call<T>(run: () => Promise<T>, conflictMessage?: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (conflictMessage !== undefined && conditionFailed(err)) throw new ConflictError(conflictMessage);
      throw dependencyUnavailable('store', err);
    }
  }
}

const MAX_TRANSACT_ITEMS = 100;
/** Query pages one filtered listing page may read (each evaluates up to 50–100 items). */
const MAX_READS_PER_PAGE = 10;
const TABLE_KEY_ATTRS = [ATTR.pk, ATTR.sk] as const;
const INDEX_KEY_ATTRS = [ATTR.pk, ATTR.sk, ATTR.gsi1pk, ATTR.gsi1sk] as const;

/** An opaque cursor: base64url JSON of the key to continue after. */
function encodeCursor(item: Item, keyAttrs: readonly string[]): string {
  return Buffer.from(JSON.stringify(keyAttrs.map((name) => item[name]))).toString('base64url');
}

/** @throws InvalidCursorError for anything {@link encodeCursor} did not make */
function decodeCursor(cursor: string, keyAttrs: readonly string[]): Record<string, unknown> {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(values) || values.length !== keyAttrs.length || !values.every((v) => typeof v === 'string')) {
    throw new InvalidCursorError();
  }
  return Object.fromEntries(keyAttrs.map((name, i) => [name, values[i] as string]));
}

function conflictAsFalse(err: unknown): false {
  if (err instanceof ConflictError) return false;
  throw err;
}

function ignoreConflict(err: unknown): void {
  if (!(err instanceof ConflictError)) throw err;
}

/** Assembles the bundle from a client's item collection; `undefined` without the client item. */
export function bundleFromItems(items: Item[]): ClientBundle | undefined {
  let client: Client | undefined;
  const secrets: ClientSecret[] = [];
  const rules: Rule[] = [];
  for (const item of items) {
    switch (itemType(item)) {
      case 'client':
        client = clientFromItem(item);
        break;
      case 'secret':
        secrets.push(secretFromItem(item));
        break;
      case 'rule':
        rules.push(ruleFromItem(item));
        break;
      default:
        break;
    }
  }
  return client === undefined ? undefined : { client, secrets, rules };
}
