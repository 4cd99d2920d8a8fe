/**
 * What every DynamoDB repository shares (docs/data-model.md): the document client and table, the
 * transact-item builders, atomic writes (one Put, Delete or TransactWriteItems), reads (a consistent
 * GetItem, every page of a Query, one listing page with an opaque cursor), and the translation of SDK
 * errors at the adapter edge (aws-errors.ts): a failed condition → {@link ConflictError} where the
 * caller expects one, anything else the service answers or fails with → DependencyUnavailableError or
 * a plain Error.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../domain/errors';
import { InvalidCursorError } from '../domain/ports';
import type { Page, PageRequest } from '../domain/ports';
import { dependencyUnavailable } from './aws-errors';
import type { Item } from './dynamodb-items';
import { defaultDynamoDbDocumentClient } from './dynamodb-setup';
import { ATTR, GSI1 } from './dynamodb-table';
import { MAX_TRANSACT_ITEMS, transactItems } from './dynamodb-transact-items';
import type { TransactItem, TransactItems } from './dynamodb-transact-items';

/** The table every repository is built on. */
export interface DynamoDbTableOptions {
  /**
   * Document client with the options of `makeDynamoDbDocumentClient` (dynamodb-setup.ts).
   * @default {@link defaultDynamoDbDocumentClient}()
   */
  client?: DynamoDBDocumentClient;
  tableName: string;
}

/** A Query without its table. */
export type TableQuery = Omit<QueryCommandInput, 'TableName'>;

/** Cursor attributes of a listing on the table's own keys. */
export const TABLE_KEY_ATTRS = [ATTR.pk, ATTR.sk] as const;
/** Cursor attributes of a listing on the GSI (its keys and the table's). */
export const INDEX_KEY_ATTRS = [ATTR.pk, ATTR.sk, ATTR.gsi1pk, ATTR.gsi1sk] as const;

/** Query pages one filtered listing page may read (each evaluates up to 50–100 items). */
const MAX_READS_PER_PAGE = 10;

/**
 * Tells which condition of a cancelled transaction failed: given the indexes of the items whose
 * condition failed (from `CancellationReasons`), the domain's conflict, or `undefined` for the
 * generic one.
 */
export type ConflictExplainer = (failed: ReadonlySet<number>) => ConflictError | undefined;

/**
 * Indexes of a cancelled transaction's items whose condition failed: `CancellationReasons` holds one
 * entry per item, in order (DynamoDB API Reference, TransactWriteItems; the local front answers the
 * same, docs/data-model.md, Local store). Empty for any other error.
 */
function failedConditions(err: unknown): ReadonlySet<number> {
  const failed = new Set<number>();
  if (err instanceof TransactionCanceledException) {
    (err.CancellationReasons ?? []).forEach((reason, index) => {
      if (reason.Code === 'ConditionalCheckFailed') failed.add(index);
    });
  }
  return failed;
}

/** Whether a write was refused because one of its conditions failed. */
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

export class DynamoDbTableAccess {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The transact-item builders of this table. */
  readonly items: TransactItems;

  constructor(options: DynamoDbTableOptions) {
    this.client = options.client ?? defaultDynamoDbDocumentClient();
    this.tableName = options.tableName;
    this.items = transactItems(options.tableName);
  }

  /**
   * Runs writes atomically: one Put or Delete (cheaper) or one TransactWriteItems (all or nothing,
   * ≤ 100 items).
   * @param explain tells the caller's conditions apart (a transaction of two or more writes)
   * @throws ConflictError when a condition fails
   */
  async transact(items: TransactItem[], explain?: ConflictExplainer): Promise<void> {
    if (items.length === 0) return;
    if (items.length > MAX_TRANSACT_ITEMS)
      throw new Error(`a transaction holds at most 100 writes, got ${items.length}`);
    // A single Put or Delete is its own atomic unit, and cheaper than a transaction.
    const [only] = items.length === 1 ? items : [];
    await this.call(
      async () => {
        if (only?.Put !== undefined) await this.client.send(new PutCommand(only.Put));
        else if (only?.Delete !== undefined) await this.client.send(new DeleteCommand(only.Delete));
        else await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      },
      'the item exists or changed concurrently',
      explain,
    );
  }

  /** The item under `key`, strongly consistent; `undefined` when there is none. */
  async get(key: Item): Promise<Item | undefined> {
    const out = await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return out.Item;
  }

  /** Every item a query matches, all pages. */
  async queryAll(input: TableQuery): Promise<Item[]> {
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
   * One page of a newest-first search of an index partition (`gsi1pk = indexPk`): items whose
   * lower-cased `searchFields` contain `q` case-insensitively, or whose `idField` equals `q` exactly, and
   * whose `status` equals `status`; either filter is off when absent. See {@link queryPage} for paging.
   */
  async searchIndex<T>(
    search: { indexPk: string; searchFields: readonly string[]; idField: string; q?: string; status?: string },
    page: PageRequest,
    map: (item: Item) => T,
  ): Promise<Page<T>> {
    const names: Record<string, string> = { '#gpk': ATTR.gsi1pk };
    const values: Record<string, unknown> = { ':gpk': search.indexPk };
    const filters: string[] = [];
    if (search.q !== undefined && search.q !== '') {
      const terms = search.searchFields.map((field, i) => {
        names[`#s${i}`] = field;
        return `contains(#s${i}, :qLower)`;
      });
      names['#id'] = search.idField;
      values[':qLower'] = search.q.toLowerCase();
      values[':q'] = search.q;
      filters.push(`(${[...terms, '#id = :q'].join(' OR ')})`);
    }
    if (search.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = search.status;
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
      page,
      INDEX_KEY_ATTRS,
      map,
    );
  }

  /**
   * One page of a listing, newest first (or oldest first, `page.order`): up to `limit` matching items, reading on while a filter leaves
   * the page short. The cursor is the key of the last item returned (or the last item evaluated, when
   * the read ended there), so pages neither repeat nor skip.
   * @throws InvalidCursorError for a cursor of another listing, or one this code did not make
   */
  async queryPage<T>(
    input: TableQuery,
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
            ScanIndexForward: page.order === 'oldest',
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

  /**
   * Runs one SDK call, translating its errors: a failed condition → ConflictError (when the caller
   * expects one, naming it with `conflictMessage`, or as `explain` tells it from the failed items),
   * anything else → dependencyUnavailable('store').
   */
  async call<T>(run: () => Promise<T>, conflictMessage?: string, explain?: ConflictExplainer): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (conflictMessage !== undefined && conditionFailed(err)) {
        throw explain?.(failedConditions(err)) ?? new ConflictError(conflictMessage);
      }
      throw dependencyUnavailable('store', err);
    }
  }
}

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

/** For writes whose failed condition means "nothing to do": a ConflictError becomes `false`. */
export function conflictAsFalse(err: unknown): false {
  if (err instanceof ConflictError) return false;
  throw err;
}

/** For idempotent follow-up writes: a ConflictError (the item is gone) is ignored. */
export function ignoreConflict(err: unknown): void {
  if (!(err instanceof ConflictError)) throw err;
}
