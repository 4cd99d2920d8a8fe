/**
 * The admin API's port to the store (DESIGN.md, Admin API and Data). The DynamoDB adapter
 * (lambdas/adapters/dynamodb-store.ts) and the in-memory fake (test/support/in-memory-admin-store.ts)
 * implement it.
 *
 * Contract shared by every method:
 * - Every change takes its {@link AuditEvent} and writes it in the same atomic unit (one
 *   TransactWriteItems on DynamoDB): either the change and its audit record land, or neither does.
 * - Optimistic locking: `expectedVersion` is the `version` the caller read; the write succeeds only if
 *   the stored item still has it. The caller puts the next version (`expectedVersion + 1`) in the item.
 * - A failed condition (item exists, item missing, version moved on) → {@link ConflictError}; the
 *   store cannot reach its backend → {@link DependencyUnavailableError}; a cursor the store did not
 *   issue → {@link InvalidCursorError}. Nothing else is thrown on purpose.
 * - Cursors are opaque strings owned by the store (DynamoDB: base64url of the LastEvaluatedKey). A
 *   page carries `cursor` only when more items may follow; passing it back continues after the last
 *   item returned, so pages neither repeat nor skip items that existed throughout.
 */
import type { Api, Client, ClientBundle, ClientSecret, ClientStatus, JsonValue, Rule } from '../model';

/** What was done; `<targetType>.<verb>`. */
export type AuditAction =
  | 'api.create'
  | 'api.update'
  | 'api.delete'
  | 'client.create'
  | 'client.update'
  | 'client.delete'
  | 'secret.create'
  | 'secret.revoke'
  | 'rule.put'
  | 'rule.delete';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'api.create',
  'api.update',
  'api.delete',
  'client.create',
  'client.update',
  'client.delete',
  'secret.create',
  'secret.revoke',
  'rule.put',
  'rule.delete',
];

export type AuditTargetType = 'api' | 'client' | 'secret' | 'rule';

export const AUDIT_TARGET_TYPES: readonly AuditTargetType[] = ['api', 'client', 'secret', 'rule'];

/** One changed top-level field: its value before and after (absent = the field was absent). */
export interface AuditFieldChange {
  from?: JsonValue;
  to?: JsonValue;
}

/**
 * One admin change. The diff never holds a secret value or hash (secrets appear as their id,
 * createdAt and expiresAt only).
 */
export interface AuditEvent {
  eventId: string;
  /** ISO 8601 UTC time of the change. */
  at: string;
  /** Client id of the admin token's holder (the token's `client_id`). */
  actor: string;
  /** `jti` of the admin token used. */
  actorJti: string;
  action: AuditAction;
  targetType: AuditTargetType;
  /** API identifier, client id, secret id or rule audience. */
  targetId: string;
  /** For secrets and rules: the client they belong to. */
  clientId?: string;
  /** Changed fields by name. */
  diff: Record<string, AuditFieldChange>;
  /** Epoch seconds after which the store may expire the event (DynamoDB `ttl`); kept forever when absent. */
  expiresAt?: number;
}

/** A page of a listing, newest first. */
export interface Page<T> {
  items: T[];
  /** Present when more items may follow; pass it back as `cursor` to continue. */
  cursor?: string;
}

export interface PageRequest {
  /** 1..100. */
  limit: number;
  cursor?: string;
}

export interface ClientQuery extends PageRequest {
  /** Case-insensitive substring of the name, or the exact client id. */
  q?: string;
  status?: ClientStatus;
}

export interface AuditQuery extends PageRequest {
  /** Inclusive lower bound on `at` (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on `at` (ISO 8601). */
  to?: string;
  actor?: string;
  action?: AuditAction;
  targetType?: AuditTargetType;
  /** Matches `targetId` or `clientId`, so a client id selects its secrets' and rules' events too. */
  targetId?: string;
}

/** A rule together with the client holding it (the `RULES#<audience>` index). */
export interface AudienceRule {
  clientId: string;
  rule: Rule;
}

/** A cursor that this store did not issue or cannot read. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

/**
 * Cheap last-use tracking of client secrets for the token path: at most one write per secret per
 * interval, never a write per token.
 */
export interface SecretUsageStore {
  /**
   * Sets `lastUsedAt = at` on the secret if it exists and its `lastUsedAt` is absent or older than
   * `at - minIntervalSeconds` (DynamoDB: one conditional UpdateItem, no audit event). Returns whether
   * it wrote; a failed condition is not an error.
   * @throws DependencyUnavailableError when the store cannot be reached
   */
  touchSecret(clientId: string, secretId: string, at: string, minIntervalSeconds: number): Promise<boolean>;
}

/** What the admin API needs from the store. */
export interface AdminStore {
  // --- APIs (resource servers) ---

  /** The API, or `undefined`. Strongly consistent. */
  getApi(identifier: string): Promise<Api | undefined>;

  /** APIs, newest first (`createdAt` descending, then identifier). */
  listApis(page: PageRequest): Promise<Page<Api>>;

  /**
   * Creates an API.
   * @throws ConflictError when an API with this identifier exists
   */
  createApi(api: Api, audit: AuditEvent): Promise<void>;

  /**
   * Replaces the API if its stored version is `expectedVersion`, and sets `apiAccessTokenTtl` on every
   * rule of its audience to `api.accessTokenTtl` (removing it when absent), so the token path keeps
   * reading one partition. The API, the audit event and the rules change atomically when they fit one
   * transaction; the DynamoDB adapter may bring further rules in step in follow-up writes (idempotent).
   * @throws ConflictError when the API is missing or its version moved on
   */
  updateApi(api: Api, expectedVersion: number, audit: AuditEvent): Promise<void>;

  /**
   * Deletes the API if its stored version is `expectedVersion`. The caller checks
   * {@link listRulesForAudience} first (the admin API refuses while rules reference the API).
   * @throws ConflictError when the API is missing or its version moved on
   */
  deleteApi(identifier: string, expectedVersion: number, audit: AuditEvent): Promise<void>;

  /** Every rule granting scopes on `audience`, with its client (GSI `RULES#<audience>`). */
  listRulesForAudience(audience: string): Promise<AudienceRule[]>;

  // --- clients and their item collection ---

  /**
   * The client, its secrets and its rules, strongly consistent; `undefined` when the client does not
   * exist (the same read as TokenStore.loadClientBundle).
   */
  loadClientBundle(clientId: string): Promise<ClientBundle | undefined>;

  /**
   * Clients newest first (`createdAt` descending, then client id), filtered by `q` and `status`.
   * Returns up to `limit` matching clients; the store keeps reading while a filter leaves a page short,
   * up to a bound, so a page may come back short (even empty) with a cursor: follow it for more.
   */
  listClients(query: ClientQuery): Promise<Page<Client>>;

  /**
   * Creates a client with its secrets and rules (the bundle) and the audit event, atomically.
   * @throws ConflictError when the client id is taken
   */
  createClient(bundle: ClientBundle, audit: AuditEvent): Promise<void>;

  /**
   * Replaces the client item if its stored version is `expectedVersion` (secrets and rules untouched).
   * @throws ConflictError when the client is missing or its version moved on
   */
  updateClient(client: Client, expectedVersion: number, audit: AuditEvent): Promise<void>;

  /**
   * Deletes the client's whole item collection (client, secrets, rules) if the client's stored version
   * is `expectedVersion`. The admin API caps secrets (10) and rules (50) per client, so this fits one
   * transaction.
   * @throws ConflictError when the client is missing or its version moved on
   */
  deleteClient(clientId: string, expectedVersion: number, audit: AuditEvent): Promise<void>;

  // --- secrets ---

  /**
   * Adds a secret (its hash only) to an existing client.
   * @throws ConflictError when the client does not exist or the secret id is taken
   */
  putSecret(clientId: string, secret: ClientSecret, audit: AuditEvent): Promise<void>;

  /**
   * Deletes (revokes) a secret; it stops working at the next token request. Returns `false`, writing
   * nothing (no audit either), when the secret does not exist.
   */
  deleteSecret(clientId: string, secretId: string, audit: AuditEvent): Promise<boolean>;

  // --- rules ---

  /**
   * Creates or replaces the client's rule for `rule.audience`, on condition that the client exists
   * and the API exists with version `apiVersion` (so the rule's `apiAccessTokenTtl` snapshot and its
   * scopes were checked against the current API).
   * @throws ConflictError when the client or the API is missing, or the API's version moved on
   */
  putRule(clientId: string, rule: Rule, apiVersion: number, audit: AuditEvent): Promise<void>;

  /**
   * Deletes the client's rule for `audience`. Returns `false`, writing nothing, when there is none.
   */
  deleteRule(clientId: string, audience: string, audit: AuditEvent): Promise<boolean>;

  // --- audit ---

  /** Audit events newest first (`at` descending, then event id), filtered. */
  listAudit(query: AuditQuery): Promise<Page<AuditEvent>>;
}
