/**
 * The DynamoDB single-table store (DESIGN.md, Data). The token path costs one strongly consistent
 * Query of the client's item collection; writes that belong together go in one TransactWriteItems.
 * SDK errors are translated here (DESIGN.md, style 4): a failed condition → {@link ConflictError},
 * anything else the service answers or fails with → {@link DependencyUnavailableError}.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { BootstrapStore } from '../domain/bootstrap';
import { ConflictError } from '../domain/errors';
import type { Api, Client, ClientBundle, ClientSecret, Rule } from '../domain/model';
import type { TokenStore } from '../domain/ports';
import { dependencyUnavailable } from './aws-errors';
import {
  apiFromItem,
  apiItem,
  clientFromItem,
  clientItem,
  itemType,
  ruleFromItem,
  ruleItem,
  secretFromItem,
  secretItem,
} from './dynamodb-items';
import type { Item } from './dynamodb-items';
import { ATTR, keys } from './dynamodb-table';

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
    return (err.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
  }
  return false;
}

export class DynamoDbStore implements TokenStore, BootstrapStore {
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
  async createApi(api: Api): Promise<void> {
    await this.transact([this.putNew(apiItem(api))]);
  }

  /**
   * Creates a client with its secrets and rules in one transaction.
   * @throws ConflictError when the client id is taken
   */
  async createClient(bundle: ClientBundle): Promise<void> {
    await this.transact(this.clientBundleWrites(bundle));
  }

  /**
   * Adds a secret to an existing client.
   * @throws ConflictError when the client does not exist or the secret id is taken
   */
  async putSecret(clientId: string, secret: ClientSecret): Promise<void> {
    await this.transact([this.clientExists(clientId), this.putNew(secretItem(clientId, secret))]);
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
    if (items.length > 100) throw new Error(`a transaction holds at most 100 writes, got ${items.length}`);
    const only = items.length === 1 ? items[0]?.Put : undefined;
    await this.call(async () => {
      if (only !== undefined) await this.client.send(new PutCommand(only));
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
