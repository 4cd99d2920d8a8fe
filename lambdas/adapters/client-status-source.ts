/**
 * The authorizer's view of client status: one eventually consistent GetItem of the client item,
 * projected to `status`, behind a per-container cache.
 *
 * **Revocation bound.** Disabling (or deleting) a client takes effect at the authorizer within
 * `ttlSeconds` (this cache, `IDP_CLIENT_STATUS_TTL_SECONDS`, default 60 s) + the API Gateway authorizer
 * result cache TTL (300 s in our stack) — 360 s by default — plus DynamoDB's replication lag for an
 * eventually consistent read (normally well under a second). While DynamoDB cannot be read, a status
 * read less than `ttlSeconds + staleIfErrorSeconds` ago is still served (default 60 + 60 s), so during
 * an outage the bound grows to 420 s by default; after that the authorizer fails closed. The token
 * endpoint reads the client strongly consistently and refuses a disabled client at once, so the
 * bound applies only to tokens issued before the change (up to 30 days long).
 *
 * **Why eventually consistent.** The bound is already a minute or more; an eventually consistent read
 * costs half a strongly consistent one (0.5 RCU) and may be served by any replica, and its lag is
 * sub-second, so strong consistency would buy nothing measurable.
 *
 * **Cache.** Per client id: every answer is cached for `ttlSeconds`, `disabled` and `missing` too
 * (so a flood of requests from a disabled client costs one read per TTL per container); concurrent
 * lookups for one client share one call; at most `maxEntries` clients are held (the least recently
 * read is dropped first). Client ids come from tokens whose signature was verified, so the key space
 * is bounded by real clients, not by what callers send.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { ClientStatusAnswer, ClientStatusSource } from '../domain/bearer-authorization';
import { ClientStatusUnavailableError } from '../domain/bearer-authorization';
import type { Clock, Logger } from '../domain/ports';
import { silentLogger } from '../domain/ports';
import { sharedClient } from './aws-clients';
import { ATTR, keys } from './dynamodb-table';

/** How long a status is trusted, seconds (`IDP_CLIENT_STATUS_TTL_SECONDS`). */
export const DEFAULT_CLIENT_STATUS_TTL_SECONDS = 60;
/** How much longer a status is served while DynamoDB cannot be read, seconds. */
export const DEFAULT_CLIENT_STATUS_STALE_IF_ERROR_SECONDS = 60;
/** Most clients whose status one container holds. */
export const DEFAULT_CLIENT_STATUS_MAX_ENTRIES = 10_000;

export interface ClientStatusCacheOptions {
  /** Default {@link DEFAULT_CLIENT_STATUS_TTL_SECONDS}; 0 reads on every request (still single-flight). */
  ttlSeconds?: number;
  /** Default {@link DEFAULT_CLIENT_STATUS_STALE_IF_ERROR_SECONDS}; 0 fails closed as soon as a read fails. */
  staleIfErrorSeconds?: number;
  /** Default {@link DEFAULT_CLIENT_STATUS_MAX_ENTRIES}. */
  maxEntries?: number;
  /** Default: `Date.now`. */
  clock?: Clock;
  logger?: Logger;
}

interface Entry {
  status: ClientStatusAnswer;
  /** When the read that produced it was started, ms: the answer is at least this fresh. */
  readAt: number;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * A {@link ClientStatusSource} that caches another one (see the module comment for the rules).
 * Fails closed: a read that fails with nothing recent enough cached throws
 * {@link ClientStatusUnavailableError}.
 */
export class CachedClientStatusSource implements ClientStatusSource {
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ClientStatusAnswer>>();

  constructor(
    private readonly source: ClientStatusSource,
    options: ClientStatusCacheOptions = {},
  ) {
    this.ttlMs = nonNegative(options.ttlSeconds ?? DEFAULT_CLIENT_STATUS_TTL_SECONDS, 'ttlSeconds') * 1000;
    this.staleMs =
      nonNegative(options.staleIfErrorSeconds ?? DEFAULT_CLIENT_STATUS_STALE_IF_ERROR_SECONDS, 'staleIfErrorSeconds') *
      1000;
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_CLIENT_STATUS_MAX_ENTRIES));
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Clients currently cached (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  status(clientId: string): Promise<ClientStatusAnswer> {
    const entry = this.entries.get(clientId);
    if (entry !== undefined && this.clock.now() - entry.readAt < this.ttlMs) {
      // Least recently used first: a hit moves the entry to the end, so busy clients stay cached.
      this.entries.delete(clientId);
      this.entries.set(clientId, entry);
      return Promise.resolve(entry.status);
    }
    let pending = this.inflight.get(clientId);
    if (pending === undefined) {
      pending = this.refresh(clientId).finally(() => this.inflight.delete(clientId));
      this.inflight.set(clientId, pending);
    }
    return pending;
  }

  private async refresh(clientId: string): Promise<ClientStatusAnswer> {
    const startedAt = this.clock.now();
    let status: ClientStatusAnswer;
    try {
      status = await this.source.status(clientId);
    } catch (err) {
      const entry = this.entries.get(clientId);
      const age = this.clock.now() - (entry?.readAt ?? 0);
      if (entry !== undefined && age < this.ttlMs + this.staleMs) {
        this.logger.warn('client status unavailable: serving the last known status', {
          clientId,
          status: entry.status,
          ageSeconds: Math.floor(age / 1000),
          error: errorName(err),
        });
        return entry.status;
      }
      this.logger.error('client status unavailable: refusing', { clientId, error: errorName(err) });
      throw err instanceof ClientStatusUnavailableError ? err : new ClientStatusUnavailableError(err);
    }
    this.entries.delete(clientId); // re-insert at the end: Map order is least recently read first
    this.entries.set(clientId, { status, readAt: startedAt });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return status;
  }
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** The GetItem the status costs: the client item's key, `status` only, eventually consistent. */
export function clientStatusRequest(tableName: string, clientId: string): GetItemCommand {
  return new GetItemCommand({
    TableName: tableName,
    Key: { [ATTR.pk]: { S: keys.clientPk(clientId) }, [ATTR.sk]: { S: keys.clientSk } },
    // `status` is a DynamoDB reserved word, hence the placeholder.
    ProjectionExpression: '#status',
    ExpressionAttributeNames: { '#status': 'status' },
    ConsistentRead: false,
  });
}

/** Reads one client's status from the table, uncached; anything but `enabled` on the item is `disabled`. */
export class DynamoDbClientStatusReader implements ClientStatusSource {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async status(clientId: string): Promise<ClientStatusAnswer> {
    let item;
    try {
      ({ Item: item } = await this.client.send(clientStatusRequest(this.tableName, clientId)));
    } catch (err) {
      throw new ClientStatusUnavailableError(err);
    }
    if (item === undefined) return 'missing';
    // Fail closed on anything unexpected (no status, another type, an unknown value).
    return item['status']?.S === 'enabled' ? 'enabled' : 'disabled';
  }
}

/**
 * Options of the status read's default client, deliberately shorter than the functions' default
 * (aws-clients.ts): an authorizer has a few seconds, so a read fails fast (2 attempts, 1 s to connect,
 * 1 s per request) and the stale window or a 500 answers.
 */
export const CLIENT_STATUS_DYNAMODB_CONFIG = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 },
} as const satisfies DynamoDBClientConfig;

/** The status read's DynamoDB client, built on first use with {@link CLIENT_STATUS_DYNAMODB_CONFIG}. */
export const defaultClientStatusDynamoDbClient: () => DynamoDBClient = sharedClient(
  () => new DynamoDBClient(CLIENT_STATUS_DYNAMODB_CONFIG),
);

export interface DynamoDbClientStatusSourceOptions extends ClientStatusCacheOptions {
  /**
   * Low-level client (lib-dynamodb is left out of the authorizer bundle).
   * @default {@link defaultClientStatusDynamoDbClient}()
   */
  client?: Pick<DynamoDBClient, 'send'>;
  tableName: string;
}

/** The authorizer's client status: {@link DynamoDbClientStatusReader} behind {@link CachedClientStatusSource}. */
export class DynamoDbClientStatusSource extends CachedClientStatusSource {
  constructor(options: DynamoDbClientStatusSourceOptions) {
    const client = options.client ?? defaultClientStatusDynamoDbClient();
    super(new DynamoDbClientStatusReader(client, options.tableName), options);
  }
}
