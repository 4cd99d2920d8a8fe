/**
 * The embedded DynamoDB of the local runtime and the tests: dynalite, behind a small loopback front
 * that adds the one operation dynalite lacks and the store relies on, `TransactWriteItems`
 * (dynalite issue architect/dynalite#151). Everything else is passed through unchanged.
 *
 * The front runs a transaction's writes one by one against dynalite, each with its own condition and
 * `ReturnValues: ALL_OLD`, and on the first failure puts the old images back in reverse order, so a
 * transaction lands completely or not at all. Writes (single and transactional) are serialised by one
 * queue; reads pass straight through (they may observe a transaction half-way, which only the local
 * runtime can, for the few milliseconds it takes). Cancellations answer as DynamoDB does: 400
 * `TransactionCanceledException` with one `CancellationReasons` entry per item
 * (DynamoDB API Reference, TransactWriteItems).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// dynalite has no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

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

export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint`. */
  endpoint: string;
  /**
   * A counter that moves when a write starts and when it ends. A read that started at generation g
   * and finds the generation still g saw no concurrent or later write: what it read is current.
   * (The front is the database's only way in, so it sees every write.)
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

/** Starts dynalite and the transactional front on 127.0.0.1 (ephemeral ports). */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const inner = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(inner);
  const innerPort = (inner.address() as AddressInfo).port;
  let writes: Promise<unknown> = Promise.resolve();
  let generation = 0;
  const serialised = <T>(run: () => Promise<T>): Promise<T> => {
    const write = async () => {
      generation += 1;
      try {
        return await run();
      } finally {
        generation += 1;
      }
    };
    const next = writes.then(write, write);
    writes = next.catch(() => undefined);
    return next;
  };

  const forward = (operation: string, body: string, headers: IncomingHttpHeaders): Promise<DynamoAnswer> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: innerPort,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `${TARGET_PREFIX}${operation}`,
            // dynalite checks that these are present (it does not verify signatures).
            ...(headers.authorization === undefined ? {} : { authorization: headers.authorization }),
            ...(headers['x-amz-date'] === undefined ? {} : { 'x-amz-date': headers['x-amz-date'] }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const keySchemas = new Map<string, string[]>();
  const keyOf = async (table: string, item: AttributeMap, headers: IncomingHttpHeaders): Promise<AttributeMap> => {
    let names = keySchemas.get(table);
    if (names === undefined) {
      const answer = await forward('DescribeTable', JSON.stringify({ TableName: table }), headers);
      if (answer.status !== 200) throw new DynamoFailure(answer);
      const described = JSON.parse(answer.body) as { Table: { KeySchema: { AttributeName: string }[] } };
      names = described.Table.KeySchema.map((k) => k.AttributeName);
      keySchemas.set(table, names);
    }
    const key: AttributeMap = {};
    for (const name of names) key[name] = item[name];
    return key;
  };

  const transactWrite = async (body: string, headers: IncomingHttpHeaders): Promise<DynamoAnswer> => {
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
      const key =
        kind === 'Put' ? await keyOf(table, rest['Item'] as AttributeMap, headers) : (rest['Key'] as AttributeMap);
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
        const answer = await forward(step.operation, JSON.stringify(step.request), headers);
        if (answer.status !== 200) throw new DynamoFailure(answer);
      }
    };
    for (const [index, plan] of plans.entries()) {
      const answer = await forward(plan.operation, JSON.stringify(plan.request), headers);
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
          const removed = await forward(remove.operation, JSON.stringify(remove.request), headers);
          if (removed.status !== 200) throw new DynamoFailure(removed);
        } else undo.push(remove);
      }
    }
    return { status: 200, body: '{}' };
  };

  const front = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      const run = () =>
        operation === 'TransactWriteItems' ? transactWrite(body, req.headers) : forward(operation, body, req.headers);
      (WRITE_OPERATIONS.has(operation) ? serialised(run) : run()).then(
        (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(answer.body);
        },
        (err: unknown) => {
          const answer =
            err instanceof DynamoFailure
              ? err.answer
              : { status: 500, body: JSON.stringify({ __type: 'InternalServerError', message: String(err) }) };
          res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(answer.body);
        },
      );
    });
  });
  await listen(front);

  return {
    endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    writeGeneration: () => generation,
    close: async () => {
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        front.closeAllConnections();
      });
      await new Promise<void>((resolve) => inner.close(() => resolve()));
    },
  };
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

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
