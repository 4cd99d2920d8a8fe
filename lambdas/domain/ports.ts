/**
 * Ports of the OAuth core: what it needs from the outside world. Adapters implement them (DynamoDB,
 * KMS, node:crypto, Secrets Manager); tests implement them with in-memory fakes.
 */
import type { AuditAction, AuditEvent, AuditTargetType } from './admin/audit';
import type { Api, Client, ClientBundle, ClientSecret, ClientStatus, Rule, SubjectType } from './model';

// ---------------------------------------------------------------------------------------------------
// Repositories: one per aggregate (docs/data-model.md)
// ---------------------------------------------------------------------------------------------------
//
// Contract shared by every repository:
// - Every admin change takes its {@link AuditEvent} and writes it in the same atomic unit as the
//   change (one TransactWriteItems on DynamoDB): either both land, or neither does. Only bootstrap and
//   seeding, which are not admin changes (no acting admin), write without one; there the event is
//   optional.
// - Optimistic locking: `expectedVersion` is the `version` the caller read; the write succeeds only if
//   the stored item still has it. The caller puts the next version (`expectedVersion + 1`) in the item.
// - A failed condition (item exists, item missing, version moved on, a concurrent transaction on the
//   same item) → {@link ConflictError}; the backend cannot be reached or is throttled →
//   {@link DependencyUnavailableError}; a refusal that retrying will not fix → a plain Error; a cursor
//   the repository did not issue → {@link InvalidCursorError}. Nothing else is thrown on purpose.
// - Cursors are opaque strings owned by the repository (DynamoDB: base64url of the last key). A page
//   carries `cursor` only when more items may follow; passing it back continues after the last item
//   returned, so pages neither repeat nor skip items that existed throughout.
// - Values are copied in and out: no caller aliases stored state.
//
// A new aggregate (users, sign-in sessions, authorization codes, refresh-token sessions) gets a
// repository of its own here, written with the same transaction and item helpers by its adapter.

/** A page of a listing, newest first. */
export interface Page<T> {
  items: T[];
  /** Present when more items may follow; pass it back as `cursor` to continue. */
  cursor?: string;
}

/** Which page of a listing to read. */
export interface PageRequest {
  /** 1..100. */
  limit: number;
  cursor?: string;
  /** Listings are ordered by their index sort key (creation time): newest first unless `oldest`. */
  order?: ListOrder;
}

/** The order of a listing by creation time (docs/contract.md, Paging). */
export type ListOrder = 'newest' | 'oldest';

/** A listing of clients, filtered. */
export interface ClientQuery extends PageRequest {
  /** Case-insensitive substring of the name, or the exact client id. */
  q?: string;
  status?: ClientStatus;
}

/** A listing of the audit trail, filtered. */
export interface AuditQuery extends PageRequest {
  /** Inclusive lower bound on `at` (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on `at` (ISO 8601). */
  to?: string;
  /** The client id the admin token was issued to. */
  actor?: string;
  /** The acting person's user id (events made with a person's token). */
  actorUserId?: string;
  action?: AuditAction;
  targetType?: AuditTargetType;
  /**
   * Matches `targetId`, `clientId` or `userId`, so a client id selects its secrets' and rules' events
   * too, and a user id its grants'.
   */
  targetId?: string;
}

/** A rule together with the client holding it (the `RULES#<audience>` index). */
export interface AudienceRule {
  clientId: string;
  rule: Rule;
}

/** A cursor that the repository did not issue or cannot read. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

/**
 * The client aggregate: a client with its secrets and its rules, kept together (DynamoDB: the item
 * collection `pk = CLIENT#<clientId>`), so that one strongly consistent read returns all of it.
 */
export interface ClientRepository {
  /**
   * The client, its secrets and its rules in one strongly consistent round trip (DynamoDB: one Query
   * of the client's item collection): a disabled client or a revoked secret stops working at once.
   * `undefined` when the client does not exist.
   * @throws DependencyUnavailableError when the backend cannot be reached or is throttled
   */
  loadClientBundle(clientId: string): Promise<ClientBundle | undefined>;

  /**
   * Clients newest first (`createdAt` descending, then client id), filtered by `q` and `status`.
   * Returns up to `limit` matching clients; the repository keeps reading while a filter leaves a page
   * short, up to a bound, so a page may come back short (even empty) with a cursor: follow it for more.
   * @throws InvalidCursorError for a cursor this listing did not issue
   */
  listClients(query: ClientQuery): Promise<Page<Client>>;

  /**
   * Creates a client with its secrets and rules (the bundle) and the audit event, atomically.
   * @param audit absent only for bootstrap and seeding
   * @throws ConflictError when the client id is taken
   */
  createClient(bundle: ClientBundle, audit?: AuditEvent): Promise<void>;

  /**
   * Replaces the client item if its stored version is `expectedVersion` (secrets and rules untouched).
   * @param audit absent only for bootstrap (its repair of the built-in CLI client)
   * @throws ConflictError when the client is missing or its version moved on
   */
  updateClient(client: Client, expectedVersion: number, audit?: AuditEvent): Promise<void>;

  /**
   * Deletes the client's whole aggregate (client, secrets, rules) if the client's stored version is
   * `expectedVersion`. The admin API caps secrets (10) and rules (50) per client, so this fits one
   * transaction.
   * @throws ConflictError when the client is missing or its version moved on
   */
  deleteClient(clientId: string, expectedVersion: number, audit: AuditEvent): Promise<void>;

  /**
   * Adds a secret (its hash only) to an existing client.
   * @param audit absent only for bootstrap
   * @throws ConflictError when the client does not exist or the secret id is taken
   */
  putSecret(clientId: string, secret: ClientSecret, audit?: AuditEvent): Promise<void>;

  /**
   * Deletes (revokes) a secret; it stops working at the next token request. Returns `false`, writing
   * nothing (no audit either), when the secret does not exist.
   * @param audit absent only for bootstrap
   */
  deleteSecret(clientId: string, secretId: string, audit?: AuditEvent): Promise<boolean>;

  /**
   * Records a secret's last use cheaply, for the token path: sets `lastUsedAt = at` if the secret
   * exists and its `lastUsedAt` is absent or older than `at - minIntervalSeconds` (DynamoDB: one
   * conditional UpdateItem, no audit event). Returns whether it wrote; a failed condition is not an
   * error.
   * @throws DependencyUnavailableError when the backend cannot be reached
   */
  touchSecret(clientId: string, secretId: string, at: string, minIntervalSeconds: number): Promise<boolean>;

  /**
   * Creates or replaces the client's rule for `rule.audience` and the rule's subject type (a client
   * holds at most one client rule and one user rule per API), on condition that the client exists
   * and the API exists with version `apiVersion` (so the rule's snapshots and its scopes were checked
   * against the current API). The same atomic write marks the API as having had a rule put on it, so
   * a concurrent {@link ApiRepository.deleteApi} that read it before fails.
   * @param audit absent only for bootstrap (its repair of the built-in CLI client's rule)
   * @param existing what the caller read: `true` replaces the rule only while it still exists, `false`
   *   creates it only while there is none, `undefined` (bootstrap) puts it either way
   * @throws ConflictError `client-gone` when the client is missing, `rule-gone` when the rule to replace
   *   is, `changed` when the API is missing or its version moved on, or a rule appeared meanwhile
   */
  putRule(clientId: string, rule: Rule, apiVersion: number, audit?: AuditEvent, existing?: boolean): Promise<void>;

  /**
   * Deletes the client's rule for `audience` of `subjectType` (default `client`). Returns `false`,
   * writing nothing, when there is none.
   */
  deleteRule(clientId: string, audience: string, audit: AuditEvent, subjectType?: SubjectType): Promise<boolean>;

  /**
   * Every rule granting scopes on `audience` — client and user rules — with its client (DynamoDB: GSI
   * `RULES#<audience>`).
   */
  listRulesForAudience(audience: string): Promise<AudienceRule[]>;
}

/** The API aggregate: an API (resource server, the `aud` of its tokens) and its scopes. */
export interface ApiRepository {
  /**
   * The API, or `undefined`. Strongly consistent.
   * @throws DependencyUnavailableError when the backend cannot be reached or is throttled
   */
  getApi(identifier: string): Promise<Api | undefined>;

  /**
   * Whether an API with this identifier exists. The token path calls it only on the error path, to
   * tell an unknown audience (`invalid_target`) from one the client has no rule for (`invalid_scope`).
   * @throws DependencyUnavailableError when the backend cannot be reached or is throttled
   */
  apiExists(identifier: string): Promise<boolean>;

  /**
   * APIs, newest first (`createdAt` descending, then identifier).
   * @throws InvalidCursorError for a cursor this listing did not issue
   */
  listApis(page: PageRequest): Promise<Page<Api>>;

  /**
   * Creates an API.
   * @param audit absent only for bootstrap and seeding
   * @throws ConflictError when an API with this identifier exists
   */
  createApi(api: Api, audit?: AuditEvent): Promise<void>;

  /**
   * Replaces the API if its stored version is `expectedVersion`, and sets `apiAccessTokenTtl` and
   * `apiTokenReuse` on every rule of its audience (client and user rules), and `apiUserAccess` on
   * every user rule, to the API's values (removing them when absent), so the token and authorize paths
   * keep reading one partition. The API, the audit event and the rules change atomically when they fit
   * one transaction; the DynamoDB adapter brings further rules in step in follow-up writes
   * (idempotent).
   * @param audit absent only for bootstrap (which repairs the admin API's `userAccess`)
   * @throws ConflictError when the API is missing or its version moved on
   */
  updateApi(api: Api, expectedVersion: number, audit?: AuditEvent): Promise<void>;

  /**
   * Deletes the API if its stored version is `expectedVersion` and no rule (client or user) refers to
   * it, checked in the store against a concurrent {@link ClientRepository.putRule}: of a deletion and a
   * rule put racing on one API, one fails. The admin API lists the rules first for its own message.
   * @throws ConflictError `in-use` when a rule refers to the API (or was put meanwhile), `changed` when
   *   the API is missing or its version moved on
   */
  deleteApi(identifier: string, expectedVersion: number, audit: AuditEvent): Promise<void>;
}

/**
 * The audit trail. Events are appended only by the other repositories, each in the transaction of the
 * change it records; this port reads them.
 */
export interface AuditRepository {
  /**
   * Audit events newest first (`at` descending, then event id), filtered.
   * @throws InvalidCursorError for a cursor this listing did not issue, or one outside the time window
   */
  listAudit(query: AuditQuery): Promise<Page<AuditEvent>>;
}

/**
 * The token path's read-only slice of the repositories: one strongly consistent read of the client
 * aggregate per request, and the API existence check of the error path. Build it from the two
 * repositories with {@link tokenPathReads}.
 */
export type TokenPathReads = Pick<ClientRepository, 'loadClientBundle'> & Pick<ApiRepository, 'apiExists'>;

/** The token path's reads served by the repositories that hold them. */
export function tokenPathReads(
  clients: Pick<ClientRepository, 'loadClientBundle'>,
  apis: Pick<ApiRepository, 'apiExists'>,
): TokenPathReads {
  return {
    loadClientBundle: (clientId) => clients.loadClientBundle(clientId),
    apiExists: (identifier) => apis.apiExists(identifier),
  };
}

/** JWS algorithms the signers produce (RFC 7518 §3.1). */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** Public JSON Web Key as published in the JWKS (RFC 7517). */
export interface PublicJwk {
  kty: 'RSA' | 'EC';
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  n?: string;
  e?: string;
  crv?: 'P-256';
  x?: string;
  y?: string;
}

/** Signs JWS signing inputs with the active key. */
export interface TokenSigner {
  readonly alg: SigningAlgorithm;
  /** `kid` of the active key, as published in the JWKS. */
  readonly kid: string;
  /**
   * Signs the JWS signing input (ASCII `header.payload`), returning the JWS signature bytes
   * (RFC 7518 §3.3 for RS256, §3.4 raw R‖S of 64 bytes for ES256).
   * @throws DependencyUnavailableError when the signing service fails
   */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** Source of the public keys published at the JWKS endpoint; cached by the adapter, not fetched per request. */
export interface KeySource {
  publicJwks(): Promise<PublicJwk[]>;
}

/** Peppered secret hashing (HMAC-SHA-256) with timing-safe comparison. */
export interface SecretHasher {
  /** base64url HMAC-SHA-256(pepper, secret). */
  hash(secret: string): string;
  /** Timing-safe equality of two hashes produced by {@link hash}. */
  equal(a: string, b: string): boolean;
}

/** Time source. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Random identifiers. */
export interface IdGenerator {
  /** A unique, unguessable token id (`jti`). */
  tokenId(): string;
}

/** Identifiers and secret values for registration (bootstrap, admin API). */
export interface RegistrationIds extends IdGenerator {
  clientId(): string;
  /** A new user id: server-generated like a client id (128-bit, base64url). */
  userId(): string;
  secretId(): string;
  /** A new client secret value (256-bit, base64url, recognisable prefix). */
  clientSecret(): string;
  eventId(): string;
}

/** Structured log sink; fields never carry secrets or tokens. */
export interface Logger {
  /** Diagnostics that are no fault (a client that went away mid-request); optional, dropped by default. */
  debug?(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything, for tests and callers that do not log. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
