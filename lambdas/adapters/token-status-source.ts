/**
 * The authorizer's view of a token's status (docs/contract.md, Authorizers › Revocation): whether its
 * `jti` is denied (`DENY#<jti>`), its `sid` denied (`DENYSID#<sid>`, a revoked refresh-token session),
 * its client (`CLIENT#<id>`) and, for a person's token, its user (`USER#<id>`) still enabled — read
 * with ONE eventually consistent `BatchGetItem` of those (up to four) items, projected to the keys and
 * `status`, behind a per-container cache keyed by the token's `jti`.
 *
 * **Revocation bound.** A revocation (`POST /oauth2/revoke`, a revoked session, a disabled or deleted
 * client or user) takes effect at the authorizer within `ttlSeconds` (this cache,
 * `IDP_CLIENT_STATUS_TTL_SECONDS`, default {@link DEFAULT_TOKEN_STATUS_TTL_SECONDS} = 30 s) + the API
 * Gateway authorizer result cache TTL (`resultsCacheTtl`, default 30 s in lib/idp-token-authorizer.ts)
 * — **60 s by default** — plus DynamoDB's replication lag for an eventually consistent read (normally
 * well under a second). While DynamoDB cannot be read, an answer read less than `ttlSeconds +
 * staleIfErrorSeconds` ago is still served (default 30 + 60 s), so during an outage the bound grows to
 * 120 s by default; after that the authorizer fails closed (API Gateway 500). The token endpoint
 * reads the client strongly consistently and refuses a disabled client at once, so the bound applies
 * only to tokens issued before the change.
 *
 * **Why eventually consistent.** The bound is already a minute; an eventually consistent read costs
 * half a strongly consistent one and may be served by any replica, and its lag is sub-second, so
 * strong consistency would buy nothing measurable.
 *
 * **Cost.** A cache hit costs no read. A miss costs one `BatchGetItem` (0.5 RCU per item: 1–2 RCU);
 * concurrent misses for one token share one call; at most `maxEntries` tokens are held (the least
 * recently used is dropped first). Every answer is cached, a denied token and a disabled or missing
 * client or user too, so a flood of requests with a refused token costs one read per TTL per
 * container. Keys come from tokens whose signature was verified, so the key
 * space is bounded by real tokens, not by what callers send. A batch answer with unprocessed keys (a
 * throttle) counts as a failed read: a partial answer is never taken for "not denied".
 */
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type {
  ClientStatusAnswer,
  TokenStatus,
  TokenStatusQuery,
  TokenStatusSource,
} from '../domain/bearer-authorization';
import { ClientStatusUnavailableError } from '../domain/bearer-authorization';
import type { Clock, Logger } from '../domain/ports';
import { silentLogger } from '../domain/ports';
import { sharedClient } from './aws-clients';
import { ATTR, keys } from './dynamodb-table';

/** How long a token's status is trusted, seconds (`IDP_CLIENT_STATUS_TTL_SECONDS`). */
export const DEFAULT_TOKEN_STATUS_TTL_SECONDS = 30;
/** How much longer a status is served while DynamoDB cannot be read, seconds. */
export const DEFAULT_TOKEN_STATUS_STALE_IF_ERROR_SECONDS = 60;
/** Most tokens whose status one container holds. */
export const DEFAULT_TOKEN_STATUS_MAX_ENTRIES = 10_000;

export interface TokenStatusCacheOptions {
  /** Default {@link DEFAULT_TOKEN_STATUS_TTL_SECONDS}; 0 reads on every request (still single-flight). */
  ttlSeconds?: number;
  /** Default {@link DEFAULT_TOKEN_STATUS_STALE_IF_ERROR_SECONDS}; 0 fails closed as soon as a read fails. */
  staleIfErrorSeconds?: number;
  /** Default {@link DEFAULT_TOKEN_STATUS_MAX_ENTRIES}. */
  maxEntries?: number;
  /** Default: `Date.now`. */
  clock?: Clock;
  logger?: Logger;
}

interface Entry {
  status: TokenStatus;
  /** When the read that produced it was started, ms: the answer is at least this fresh. */
  readAt: number;
}

const systemClock: Clock = { now: () => Date.now() };

/** The cache key: the `jti` names the token (and with it its client, user and sid). */
function cacheKey(query: TokenStatusQuery): string {
  return query.jti;
}

/**
 * A {@link TokenStatusSource} that caches another one (see the module comment for the rules). Fails
 * closed: a read that fails with nothing recent enough cached throws {@link ClientStatusUnavailableError}.
 */
export class CachedTokenStatusSource implements TokenStatusSource {
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<TokenStatus>>();

  constructor(
    private readonly source: TokenStatusSource,
    options: TokenStatusCacheOptions = {},
  ) {
    this.ttlMs = nonNegative(options.ttlSeconds ?? DEFAULT_TOKEN_STATUS_TTL_SECONDS, 'ttlSeconds') * 1000;
    this.staleMs =
      nonNegative(options.staleIfErrorSeconds ?? DEFAULT_TOKEN_STATUS_STALE_IF_ERROR_SECONDS, 'staleIfErrorSeconds') *
      1000;
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_TOKEN_STATUS_MAX_ENTRIES));
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Tokens currently cached (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  status(query: TokenStatusQuery): Promise<TokenStatus> {
    const key = cacheKey(query);
    const entry = this.entries.get(key);
    if (entry !== undefined && this.clock.now() - entry.readAt < this.ttlMs) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return Promise.resolve(entry.status);
    }
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.refresh(key, query).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async refresh(key: string, query: TokenStatusQuery): Promise<TokenStatus> {
    const startedAt = this.clock.now();
    let status: TokenStatus;
    try {
      status = await this.source.status(query);
    } catch (err) {
      const entry = this.entries.get(key);
      const age = this.clock.now() - (entry?.readAt ?? 0);
      if (entry !== undefined && age < this.ttlMs + this.staleMs) {
        this.logger.warn('token status unavailable: serving the last known status', {
          clientId: query.clientId,
          ageSeconds: Math.floor(age / 1000),
          error: errorName(err),
        });
        return entry.status;
      }
      this.logger.error('token status unavailable: refusing', { clientId: query.clientId, error: errorName(err) });
      throw err instanceof ClientStatusUnavailableError ? err : new ClientStatusUnavailableError(err);
    }
    this.entries.delete(key);
    this.entries.set(key, { status, readAt: startedAt });
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

type Key = Record<string, AttributeValue>;

const key = (pk: string, sk: string): Key => ({ [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } });

/** The item keys one token's status needs, in a fixed order: client, jti, sid?, user?. */
export function tokenStatusKeys(query: TokenStatusQuery): Key[] {
  return [
    key(keys.clientPk(query.clientId), keys.clientSk),
    key(keys.denyPk(query.jti), keys.denySk),
    ...(query.sid === undefined ? [] : [key(keys.denySidPk(query.sid), keys.denySk)]),
    ...(query.userId === undefined ? [] : [key(keys.userPk(query.userId), keys.userSk)]),
  ];
}

/**
 * The one `BatchGetItem` a token's status costs: the items of {@link tokenStatusKeys}, the keys and
 * `status` only, eventually consistent (lib/idp-token-authorizer.ts allows exactly this).
 */
export function tokenStatusRequest(tableName: string, query: TokenStatusQuery): BatchGetItemCommand {
  return new BatchGetItemCommand({
    RequestItems: {
      [tableName]: {
        Keys: tokenStatusKeys(query),
        // `status` is a DynamoDB reserved word, hence the placeholders.
        ProjectionExpression: '#pk, #sk, #status',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk, '#status': 'status' },
        ConsistentRead: false,
      },
    },
  });
}

/** Reads one token's status from the table, uncached: one `BatchGetItem`. */
export class DynamoDbTokenStatusReader implements TokenStatusSource {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async status(query: TokenStatusQuery): Promise<TokenStatus> {
    let items: Key[];
    try {
      const out = await this.client.send(tokenStatusRequest(this.tableName, query));
      const unprocessed = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (unprocessed.length > 0) throw new Error('BatchGetItem left keys unprocessed');
      items = out.Responses?.[this.tableName] ?? [];
    } catch (err) {
      throw new ClientStatusUnavailableError(err);
    }
    const byPk = new Map(items.map((item) => [item[ATTR.pk]?.S, item]));
    // Fail closed on anything unexpected (no status, another type, an unknown value).
    const statusOf = (pk: string): ClientStatusAnswer => {
      const item = byPk.get(pk);
      if (item === undefined) return 'missing';
      return item['status']?.S === 'enabled' ? 'enabled' : 'disabled';
    };
    return {
      client: statusOf(keys.clientPk(query.clientId)),
      jtiDenied: byPk.has(keys.denyPk(query.jti)),
      sidDenied: query.sid !== undefined && byPk.has(keys.denySidPk(query.sid)),
      ...(query.userId === undefined ? {} : { user: statusOf(keys.userPk(query.userId)) }),
    };
  }
}

/**
 * Options of the status read's default client, deliberately shorter than the functions' default
 * (aws-clients.ts): an authorizer has a few seconds, so a read fails fast (2 attempts, 1 s to connect,
 * 1 s per request) and the stale window or a 500 answers.
 */
export const TOKEN_STATUS_DYNAMODB_CONFIG = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 },
} as const satisfies DynamoDBClientConfig;

/** The status read's DynamoDB client, built on first use with {@link TOKEN_STATUS_DYNAMODB_CONFIG}. */
export const defaultTokenStatusDynamoDbClient: () => DynamoDBClient = sharedClient(
  () => new DynamoDBClient(TOKEN_STATUS_DYNAMODB_CONFIG),
);

export interface DynamoDbTokenStatusSourceOptions extends TokenStatusCacheOptions {
  /**
   * Low-level client (lib-dynamodb is left out of the authorizer bundle).
   * @default {@link defaultTokenStatusDynamoDbClient}() (2 attempts, 1 s timeouts)
   */
  client?: Pick<DynamoDBClient, 'send'>;
  tableName: string;
}

/** The authorizer's token status: {@link DynamoDbTokenStatusReader} behind {@link CachedTokenStatusSource}. */
export class DynamoDbTokenStatusSource extends CachedTokenStatusSource {
  constructor(options: DynamoDbTokenStatusSourceOptions) {
    const client = options.client ?? defaultTokenStatusDynamoDbClient();
    super(new DynamoDbTokenStatusReader(client, options.tableName), options);
  }
}
