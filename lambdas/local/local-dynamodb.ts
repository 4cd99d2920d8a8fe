/**
 * The embedded DynamoDB of the local runtime and the tests: dynalite's storage and operations, run
 * in-process behind a small loopback front that is the database's only way in. The front
 *
 * - answers only requests signed (SigV4) with the credential generated at this start
 *   ({@link LocalDynamoDb.credentials}); any other client, whatever its credentials, gets a 400 refusal
 *   before the database sees the request (local-request-signature.ts). dynalite has no listener of
 *   its own: the front calls its operations as functions, so there is no port to go around the check.
 * - adds the one operation dynalite lacks and the store relies on, `TransactWriteItems`
 *   (dynalite issue architect/dynalite#151). Every other operation is dynalite's, unchanged.
 *
 * The front runs a transaction's writes one by one, each with its own condition and
 * `ReturnValues: ALL_OLD`, and on the first failure puts the old images back in reverse order, so a
 * transaction lands completely or not at all. Writes (single and transactional) are serialised by one
 * queue; reads pass straight through (they may observe a transaction half-way, which only the local
 * runtime can, for the few milliseconds it takes). Cancellations answer as DynamoDB does: 400
 * `TransactionCanceledException` with one `CancellationReasons` entry per item
 * (DynamoDB API Reference, TransactWriteItems).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomLocalCredentials, verifyRequestSignature } from './local-request-signature';
import type { LocalCredentials } from './local-request-signature';
import { ATTR, keys } from '../adapters/dynamodb-table';

/** dynalite's operations (dynalite/index.js `validOperations`), each its own action and validation module. */
const DYNALITE_OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
] as const;

/** dynalite's store (dynalite/db `create`): opaque here but for closing. */
interface DynaliteStore {
  lifecycleManager: { gracefulClose(callback: (err: Error | null) => void): void };
}
/** An error dynalite means for the client: a status and a DynamoDB error body. */
interface DynaliteError {
  statusCode?: number;
  body?: unknown;
}
type DynaliteCallback = (err: DynaliteError | null, data?: unknown) => void;
interface DynaliteOperation {
  action: (store: DynaliteStore, data: unknown, cb: DynaliteCallback) => void;
  validation: { types: unknown; custom?: unknown };
}
interface DynaliteValidations {
  checkTypes(data: unknown, types: unknown): unknown;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: DynaliteStore): void;
}

// dynalite has no type declarations; these are the modules its HTTP handler uses.
/* eslint-disable @typescript-eslint/no-require-imports */
const dynaliteDb = require('dynalite/db') as { create(options: Record<string, unknown>): DynaliteStore };
const dynaliteValidations = require('dynalite/validations') as DynaliteValidations;
const OPERATIONS: ReadonlyMap<string, DynaliteOperation> = new Map(
  DYNALITE_OPERATIONS.map((operation) => {
    const name = operation.charAt(0).toLowerCase() + operation.slice(1);
    return [
      operation,
      {
        action: require(`dynalite/actions/${name}`) as DynaliteOperation['action'],
        validation: require(`dynalite/validations/${name}`) as DynaliteOperation['validation'],
      },
    ];
  }),
);
/* eslint-enable @typescript-eslint/no-require-imports */

const TARGET_PREFIX = 'DynamoDB_20120810.';
const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
/** DynamoDB's limit of items per transaction. */
const MAX_TRANSACT_ITEMS = 100;
/** dynalite's request size limit. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** The region clients sign for (any name works locally; the signature's scope must match it). */
const LOCAL_REGION = 'local';

export type { LocalCredentials } from './local-request-signature';

export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint`. */
  endpoint: string;
  /** The region to sign for, for the SDK's `region`. */
  region: string;
  /**
   * This start's credential, for the SDK's `credentials`: random, kept in memory only. The front
   * refuses every request not signed with it.
   */
  credentials: LocalCredentials;
  /**
   * A counter that moves when a write to a client's or an API's item collection (`CLIENT#…`, `API#…`:
   * what a client bundle is read from) starts and when it ends. A bundle read that started at
   * generation g and finds the generation still g saw no concurrent or later write to what it read:
   * it is current. Writes elsewhere (codes, sessions, sign-ins, the audit trail) leave it alone, so the
   * token path's own writes do not evict the bundles it reads (docs/data-model.md, Local store). A
   * write whose keys cannot be told (a malformed body, a table operation) counts. (The front is the
   * database's only way in, so it sees every write.)
   */
  writeGeneration(): number;
  close(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /** Folder for dynalite's LevelDB files; in memory when absent. */
  path?: string;
}

type AttributeMap = Record<string, unknown>;
interface DynamoAnswer {
  status: number;
  body: string;
}
interface TransactItem {
  Put?: { TableName: string; Item: AttributeMap } & Record<string, unknown>;
  Update?: { TableName: string; Key: AttributeMap } & Record<string, unknown>;
  Delete?: { TableName: string; Key: AttributeMap } & Record<string, unknown>;
  ConditionCheck?: { TableName: string; Key: AttributeMap } & Record<string, unknown>;
}

/** Opens dynalite's store and starts the signed, transactional front on 127.0.0.1 (ephemeral port). */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const store = dynaliteDb.create({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const credentials = randomLocalCredentials();
  let writes: Promise<unknown> = Promise.resolve();
  let generation = 0;
  const serialised = <T>(run: () => Promise<T>, counted: boolean): Promise<T> => {
    const write = async () => {
      if (counted) generation += 1;
      try {
        return await run();
      } finally {
        if (counted) generation += 1;
      }
    };
    const next = writes.then(write, write);
    writes = next.catch(() => undefined);
    return next;
  };

  /** One dynalite operation, in-process: validated and run as dynalite's HTTP handler would. */
  const forward = (operation: string, body: string): Promise<DynamoAnswer> =>
    new Promise((resolve, reject) => {
      const known = OPERATIONS.get(operation);
      if (known === undefined) {
        resolve(errorAnswer(400, 'com.amazon.coral.service#UnknownOperationException'));
        return;
      }
      const answerError = (err: DynaliteError) =>
        resolve({ status: err.statusCode ?? 500, body: JSON.stringify(err.body ?? {}) });
      try {
        let data: unknown;
        try {
          data = JSON.parse(body);
        } catch {
          resolve(errorAnswer(400, 'com.amazon.coral.service#SerializationException'));
          return;
        }
        data = dynaliteValidations.checkTypes(data, known.validation.types);
        dynaliteValidations.checkValidations(data, known.validation.types, known.validation.custom, store);
        known.action(store, data, (err, result) => {
          if (err === null || err === undefined) resolve({ status: 200, body: JSON.stringify(result ?? {}) });
          else if (err.statusCode !== undefined) answerError(err);
          else reject(err instanceof Error ? err : new Error(String(err)));
        });
      } catch (err) {
        if ((err as DynaliteError).statusCode !== undefined) answerError(err as DynaliteError);
        else reject(err instanceof Error ? err : new Error(String(err)));
      }
    });

  const keySchemas = new Map<string, string[]>();
  const keyOf = async (table: string, item: AttributeMap): Promise<AttributeMap> => {
    let names = keySchemas.get(table);
    if (names === undefined) {
      const answer = await forward('DescribeTable', JSON.stringify({ TableName: table }));
      if (answer.status !== 200) throw new DynamoFailure(answer);
      const described = JSON.parse(answer.body) as { Table: { KeySchema: { AttributeName: string }[] } };
      names = described.Table.KeySchema.map((k) => k.AttributeName);
      keySchemas.set(table, names);
    }
    const key: AttributeMap = {};
    for (const name of names) key[name] = item[name];
    return key;
  };

  const transactWrite = async (body: string): Promise<DynamoAnswer> => {
    let items: TransactItem[];
    try {
      items = (JSON.parse(body) as { TransactItems?: TransactItem[] }).TransactItems ?? [];
    } catch {
      return validationError('Start of structure or map found where not expected');
    }
    if (items.length === 0 || items.length > MAX_TRANSACT_ITEMS) {
      return validationError(`TransactItems must have between 1 and ${MAX_TRANSACT_ITEMS} items`);
    }
    const seen = new Set<string>();
    const plans: { table: string; key: AttributeMap; operation: string; request: Record<string, unknown> }[] = [];
    for (const item of items) {
      const [kind, spec] = Object.entries(item)[0] ?? [];
      if (spec === undefined || Object.keys(item).length !== 1) return validationError('one operation per item');
      const { TableName: table, ...rest } = spec as { TableName: string } & Record<string, unknown>;
      const key = kind === 'Put' ? await keyOf(table, rest['Item'] as AttributeMap) : (rest['Key'] as AttributeMap);
      const identity = `${table}|${JSON.stringify(key)}`;
      if (seen.has(identity)) {
        return validationError('Transaction request cannot include multiple operations on one item');
      }
      seen.add(identity);
      const base = { TableName: table, ReturnValues: 'ALL_OLD', ...rest };
      if (kind === 'Put') plans.push({ table, key, operation: 'PutItem', request: base });
      else if (kind === 'Update') plans.push({ table, key, operation: 'UpdateItem', request: base });
      else if (kind === 'Delete') plans.push({ table, key, operation: 'DeleteItem', request: base });
      else if (kind === 'ConditionCheck') {
        // An UpdateItem with no update changes nothing on an existing item; one it creates is removed below.
        plans.push({ table, key, operation: 'UpdateItem', request: { ...base, Key: key } });
      } else return validationError(`unknown transaction operation ${String(kind)}`);
    }

    const undo: { operation: string; request: Record<string, unknown> }[] = [];
    const rollBack = async () => {
      for (const step of undo.reverse()) {
        const answer = await forward(step.operation, JSON.stringify(step.request));
        if (answer.status !== 200) throw new DynamoFailure(answer);
      }
    };
    for (const [index, plan] of plans.entries()) {
      const answer = await forward(plan.operation, JSON.stringify(plan.request));
      if (answer.status !== 200) {
        await rollBack();
        if (answer.body.includes('ConditionalCheckFailedException')) {
          const reasons = plans.map((_, i) =>
            i === index
              ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }
              : { Code: 'None' },
          );
          return {
            status: 400,
            body: JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
              message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
              CancellationReasons: reasons,
            }),
          };
        }
        return answer;
      }
      const old = (JSON.parse(answer.body) as { Attributes?: AttributeMap }).Attributes;
      const isCheck = items[index]?.ConditionCheck !== undefined;
      if (old !== undefined) {
        if (!isCheck) undo.push({ operation: 'PutItem', request: { TableName: plan.table, Item: old } });
      } else if (plan.operation !== 'DeleteItem') {
        const remove = { operation: 'DeleteItem', request: { TableName: plan.table, Key: plan.key } };
        if (isCheck) {
          const removed = await forward(remove.operation, JSON.stringify(remove.request));
          if (removed.status !== 200) throw new DynamoFailure(removed);
        } else undo.push(remove);
      }
    }
    return { status: 200, body: '{}' };
  };

  const send = (res: ServerResponse, answer: DynamoAnswer) => {
    res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(answer.body);
  };
  const front = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_REQUEST_BYTES) {
        send(res, { status: 413, body: '' });
        return;
      }
      const raw = Buffer.concat(chunks);
      const refused = verifyRequestSignature(
        { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw },
        credentials,
        LOCAL_REGION,
      );
      if (refused !== undefined) {
        send(res, errorAnswer(refused.status, refused.type, refused.message));
        return;
      }
      const body = raw.toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      const run = () => (operation === 'TransactWriteItems' ? transactWrite(body) : forward(operation, body));
      (WRITE_OPERATIONS.has(operation) ? serialised(run, touchesBundles(operation, body)) : run()).then(
        (answer) => send(res, answer),
        (err: unknown) =>
          send(res, err instanceof DynamoFailure ? err.answer : errorAnswer(500, 'InternalServerError', String(err))),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });

  return {
    endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    region: LOCAL_REGION,
    credentials,
    writeGeneration: () => generation,
    close: async () => {
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        front.closeAllConnections();
      });
      // dynalite's close waits for the operations under way, then closes LevelDB (releasing its lock).
      await writes;
      await new Promise<void>((resolve, reject) =>
        store.lifecycleManager.gracefulClose((err) => (err === null ? resolve() : reject(err))),
      );
    },
  };
}

/** Partition-key prefixes of the item collections a client bundle is read from (dynamodb-table.ts). */
const BUNDLE_PARTITIONS = [keys.clientPk(''), keys.apiPk('')];

/**
 * Whether a write may change what a client bundle holds: it touches a `CLIENT#` or `API#` partition,
 * or its keys cannot be read (then it counts, to be safe).
 */
export function touchesBundles(operation: string, body: string): boolean {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return true;
  }
  const keysOf = (entry: unknown): unknown[] => {
    const e = (entry ?? {}) as Record<string, Record<string, unknown> | undefined>;
    return [e['Item'], e['Key']];
  };
  let written: unknown[];
  if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') written = keysOf(data);
  else if (operation === 'TransactWriteItems') {
    written = ((data['TransactItems'] ?? []) as Record<string, unknown>[]).flatMap((item) =>
      Object.values(item).flatMap(keysOf),
    );
  } else if (operation === 'BatchWriteItem') {
    written = Object.values((data['RequestItems'] ?? {}) as Record<string, Record<string, unknown>[]>)
      .flat()
      .flatMap((request) => [
        (request['PutRequest'] as Record<string, unknown> | undefined)?.['Item'],
        (request['DeleteRequest'] as Record<string, unknown> | undefined)?.['Key'],
      ]);
  } else return true;
  const pks = written
    .filter((item): item is Record<string, { S?: unknown }> => typeof item === 'object' && item !== null)
    .map((item) => item[ATTR.pk]?.S);
  if (pks.length === 0 || pks.some((pk) => typeof pk !== 'string')) return true;
  return pks.some((pk) => BUNDLE_PARTITIONS.some((prefix) => (pk as string).startsWith(prefix)));
}

class DynamoFailure extends Error {
  constructor(readonly answer: DynamoAnswer) {
    super(answer.body);
  }
}

function validationError(message: string): DynamoAnswer {
  return {
    status: 400,
    body: JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message }),
  };
}

function errorAnswer(status: number, type: string, message?: string): DynamoAnswer {
  return { status, body: JSON.stringify(message === undefined ? { __type: type } : { __type: type, message }) };
}
