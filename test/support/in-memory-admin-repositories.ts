/**
 * Faithful in-memory repositories for the admin unit tests, one per port ({@link ClientRepository},
 * {@link ApiRepository}, {@link AuditRepository}), over one shared {@link InMemoryAdminTable}: the
 * same conditions as the DynamoDB adapters (existence, optimistic versions), each change and its
 * audit event applied together or not at all, newest-first listings with opaque cursors keyed like the
 * GSI sort keys (`<createdAt>#<id>`, `<at>#<eventId>`), and copies in and out so no caller aliases
 * stored state.
 */
import { inMemoryPeopleTokenPath } from './in-memory-people';
import { randomBytes, randomUUID } from 'node:crypto';
import { HmacSecretHasher } from '../../lambdas/adapters/hmac-secret-hasher';
import { LocalTokenSigner } from '../../lambdas/adapters/local-token-signer';
import { randomIds } from '../../lambdas/adapters/random-ids';
import { ScryptPasswordKdf } from '../../lambdas/adapters/scrypt-password-kdf';
import { adminAudience, ensureBootstrap } from '../../lambdas/domain/bootstrap';
import { ConflictError } from '../../lambdas/domain/errors';
import { InvalidCursorError, tokenPathReads } from '../../lambdas/domain/ports';
import type {
  ApiRepository,
  AudienceRule,
  AuditQuery,
  AuditRepository,
  ClientQuery,
  ClientRepository,
  Logger,
  Page,
  PageRequest,
} from '../../lambdas/domain/ports';
import { TokenEndpoint } from '../../lambdas/domain/endpoints/token-endpoint';
import type { AdminDeps } from '../../lambdas/domain/admin/context';
import { makeHandler } from '../../lambdas/handlers/admin-handler';
import type { AdminApiEvent } from '../../lambdas/handlers/admin-handler';
import { ruleSubjectType } from '../../lambdas/domain/model';
import type { Api, Client, ClientBundle, ClientSecret, Rule, SubjectType } from '../../lambdas/domain/model';
import type { AuditEvent } from '../../lambdas/domain/admin/audit';
import { InMemoryPeopleTable, inMemoryPeople } from './in-memory-people';

/** scrypt parameters for unit tests: the production ones (N=2^17) would cost ~100 ms+ per hash. */
export const TEST_SCRYPT_PARAMS = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };

interface StoredClient {
  client: Client;
  secrets: Map<string, ClientSecret>;
  rules: Map<string, Rule>;
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * Key of a rule in {@link StoredClient.rules}: the audience for a client rule (as before people), and
 * `USERRULE#<audience>` for a user rule, like the DynamoDB sort keys.
 */
export function ruleKey(audience: string, subjectType: SubjectType = 'client'): string {
  return subjectType === 'user' ? `USERRULE#${audience}` : audience;
}

function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/** Newest first by sort key; the cursor is the last key returned. */
function page<T>(items: { key: string; value: T }[], request: PageRequest, matches: (v: T) => boolean): Page<T> {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  const newest = request.order !== 'oldest';
  const sorted = [...items].sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0) * (newest ? 1 : -1));
  const out: { key: string; value: T }[] = [];
  let more = false;
  for (const item of sorted) {
    if (after !== undefined && (newest ? item.key >= after : item.key <= after)) continue;
    if (!matches(item.value)) continue;
    if (out.length === request.limit) {
      more = true;
      break;
    }
    out.push(item);
  }
  const last = out[out.length - 1];
  return {
    items: out.map((i) => copy(i.value)),
    ...(more && last !== undefined ? { cursor: encodeCursor(last.key) } : {}),
  };
}

/** A repository method the table can count and fail. */
export type AdminRepositoryMethod = keyof ClientRepository | keyof ApiRepository | keyof AuditRepository;

/**
 * The state behind the in-memory repositories, as one table: APIs, clients (with secrets and rules)
 * and audit events, the calls per method, failures planned per method, and the audit append that every
 * change shares (the in-memory counterpart of one transaction).
 */
export class InMemoryAdminTable {
  readonly apis = new Map<string, Api>();
  readonly clients = new Map<string, StoredClient>();
  readonly audit = new Map<string, AuditEvent>();
  /** Calls per method, for tests that count repository work. */
  readonly calls = new Map<string, number>();
  private readonly failures = new Map<string, Error[]>();

  /** The next call of `method` throws `error` (before changing anything). */
  failNext(method: AdminRepositoryMethod, error: Error): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  /** Counts a call of `method` and throws the failure planned for it, if any. */
  enter(method: AdminRepositoryMethod): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const queue = this.failures.get(method);
    const error = queue?.shift();
    if (error !== undefined) throw error;
  }

  /** Every stored item as JSON, for the no-secret-anywhere test. */
  dump(): string {
    return JSON.stringify({
      apis: [...this.apis.values()],
      clients: [...this.clients.values()].map((c) => ({
        client: c.client,
        secrets: [...c.secrets.values()],
        rules: [...c.rules.values()],
      })),
      audit: [...this.audit.values()],
    });
  }

  /**
   * Appends the audit event of a change; call it after the change's conditions held and before the
   * change is applied. Bootstrap writes without an event; admin writes always pass one.
   */
  appendAudit(audit: AuditEvent | undefined): void {
    if (audit === undefined) return;
    const key = `${audit.at}#${audit.eventId}`;
    if (this.audit.has(key)) throw new ConflictError('audit event exists');
    this.audit.set(key, copy(audit));
  }
}

/** {@link ClientRepository} over an {@link InMemoryAdminTable}. */
export class InMemoryClientRepository implements ClientRepository {
  constructor(private readonly table: InMemoryAdminTable) {}

  async loadClientBundle(clientId: string): Promise<ClientBundle | undefined> {
    this.table.enter('loadClientBundle');
    const stored = this.table.clients.get(clientId);
    if (stored === undefined) return undefined;
    return copy({
      client: stored.client,
      secrets: [...stored.secrets.values()],
      rules: [...stored.rules.values()],
    });
  }

  async listRulesForAudience(audience: string): Promise<AudienceRule[]> {
    this.table.enter('listRulesForAudience');
    const out: AudienceRule[] = [];
    for (const [clientId, stored] of this.table.clients) {
      for (const subjectType of ['client', 'user'] as const) {
        const rule = stored.rules.get(ruleKey(audience, subjectType));
        if (rule !== undefined) out.push({ clientId, rule: copy(rule) });
      }
    }
    return out.sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  }

  // ---- clients ----

  async listClients(query: ClientQuery): Promise<Page<Client>> {
    this.table.enter('listClients');
    const q = query.q;
    return page(
      [...this.table.clients.values()].map((c) => ({
        key: `${c.client.createdAt}#${c.client.clientId}`,
        value: c.client,
      })),
      query,
      (client) =>
        (q === undefined || client.name.toLowerCase().includes(q.toLowerCase()) || client.clientId === q) &&
        (query.status === undefined || client.status === query.status),
    );
  }

  async createClient(bundle: ClientBundle, audit?: AuditEvent): Promise<void> {
    this.table.enter('createClient');
    if (this.table.clients.has(bundle.client.clientId)) throw new ConflictError('the client exists');
    this.table.appendAudit(audit);
    this.table.clients.set(bundle.client.clientId, {
      client: copy(bundle.client),
      secrets: new Map(bundle.secrets.map((s) => [s.secretId, copy(s)])),
      rules: new Map(bundle.rules.map((r) => [ruleKey(r.audience, ruleSubjectType(r)), copy(r)])),
    });
  }

  async updateClient(client: Client, expectedVersion: number, audit?: AuditEvent): Promise<void> {
    this.table.enter('updateClient');
    const stored = this.table.clients.get(client.clientId);
    if (stored === undefined || stored.client.version !== expectedVersion) throw new ConflictError('version moved on');
    this.table.appendAudit(audit);
    stored.client = copy(client);
  }

  async deleteClient(clientId: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    this.table.enter('deleteClient');
    const stored = this.table.clients.get(clientId);
    if (stored === undefined || stored.client.version !== expectedVersion) throw new ConflictError('version moved on');
    this.table.appendAudit(audit);
    this.table.clients.delete(clientId);
  }

  // ---- secrets ----

  async putSecret(clientId: string, secret: ClientSecret, audit?: AuditEvent): Promise<void> {
    this.table.enter('putSecret');
    const stored = this.table.clients.get(clientId);
    if (stored === undefined || stored.secrets.has(secret.secretId))
      throw new ConflictError('no client or secret exists');
    this.table.appendAudit(audit);
    stored.secrets.set(secret.secretId, copy(secret));
  }

  async deleteSecret(clientId: string, secretId: string, audit?: AuditEvent): Promise<boolean> {
    this.table.enter('deleteSecret');
    const stored = this.table.clients.get(clientId);
    if (stored === undefined || !stored.secrets.has(secretId)) return false;
    this.table.appendAudit(audit);
    stored.secrets.delete(secretId);
    return true;
  }

  async touchSecret(clientId: string, secretId: string, at: string, minIntervalSeconds: number): Promise<boolean> {
    this.table.enter('touchSecret');
    const secret = this.table.clients.get(clientId)?.secrets.get(secretId);
    if (secret === undefined) return false;
    const threshold = new Date(Date.parse(at) - minIntervalSeconds * 1000).toISOString();
    if (secret.lastUsedAt !== undefined && secret.lastUsedAt >= threshold) return false;
    secret.lastUsedAt = at;
    return true;
  }

  // ---- rules ----

  async putRule(
    clientId: string,
    rule: Rule,
    apiVersion: number,
    audit?: AuditEvent,
    existing?: boolean,
  ): Promise<void> {
    this.table.enter('putRule');
    const stored = this.table.clients.get(clientId);
    const api = this.table.apis.get(rule.audience);
    // The conditions in the DynamoDB adapter's order: client, rule, API.
    if (stored === undefined) throw new ConflictError('the client does not exist', 'client-gone');
    const present = stored.rules.has(ruleKey(rule.audience, ruleSubjectType(rule)));
    if (existing === true && !present) throw new ConflictError('the rule does not exist', 'rule-gone');
    if (existing === false && present) throw new ConflictError('the rule exists');
    if (api === undefined || api.version !== apiVersion) {
      throw new ConflictError('API missing, or the API changed');
    }
    this.table.appendAudit(audit);
    stored.rules.set(ruleKey(rule.audience, ruleSubjectType(rule)), copy(rule));
  }

  async deleteRule(
    clientId: string,
    audience: string,
    audit: AuditEvent,
    subjectType: SubjectType = 'client',
  ): Promise<boolean> {
    this.table.enter('deleteRule');
    const stored = this.table.clients.get(clientId);
    const key = ruleKey(audience, subjectType);
    if (stored === undefined || !stored.rules.has(key)) return false;
    this.table.appendAudit(audit);
    stored.rules.delete(key);
    return true;
  }
}

/** {@link ApiRepository} over an {@link InMemoryAdminTable}. */
export class InMemoryApiRepository implements ApiRepository {
  constructor(private readonly table: InMemoryAdminTable) {}

  async apiExists(identifier: string): Promise<boolean> {
    return this.table.apis.has(identifier);
  }

  async getApi(identifier: string): Promise<Api | undefined> {
    this.table.enter('getApi');
    const api = this.table.apis.get(identifier);
    return api === undefined ? undefined : copy(api);
  }

  async listApis(request: PageRequest): Promise<Page<Api>> {
    this.table.enter('listApis');
    return page(
      [...this.table.apis.values()].map((api) => ({ key: `${api.createdAt}#${api.identifier}`, value: api })),
      request,
      () => true,
    );
  }

  async createApi(api: Api, audit?: AuditEvent): Promise<void> {
    this.table.enter('createApi');
    if (this.table.apis.has(api.identifier)) throw new ConflictError('the API exists');
    this.table.appendAudit(audit);
    this.table.apis.set(api.identifier, copy(api));
  }

  async updateApi(api: Api, expectedVersion: number, audit?: AuditEvent): Promise<void> {
    this.table.enter('updateApi');
    const current = this.table.apis.get(api.identifier);
    if (current === undefined || current.version !== expectedVersion) throw new ConflictError('version moved on');
    this.table.appendAudit(audit);
    this.table.apis.set(api.identifier, copy(api));
    for (const stored of this.table.clients.values()) {
      for (const subjectType of ['client', 'user'] as const) {
        const rule = stored.rules.get(ruleKey(api.identifier, subjectType));
        if (rule === undefined) continue;
        if (api.accessTokenTtl === undefined) delete rule.apiAccessTokenTtl;
        else rule.apiAccessTokenTtl = api.accessTokenTtl;
        if (api.tokenReuse === undefined) delete rule.apiTokenReuse;
        else rule.apiTokenReuse = api.tokenReuse;
        if (subjectType === 'user') {
          if (api.userAccess === undefined) delete rule.apiUserAccess;
          else rule.apiUserAccess = api.userAccess;
        }
      }
    }
  }

  async deleteApi(identifier: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    this.table.enter('deleteApi');
    const current = this.table.apis.get(identifier);
    if (current === undefined || current.version !== expectedVersion) throw new ConflictError('version moved on');
    for (const stored of this.table.clients.values()) {
      if (stored.rules.has(ruleKey(identifier, 'client')) || stored.rules.has(ruleKey(identifier, 'user'))) {
        throw new ConflictError('rules refer to the API', 'in-use');
      }
    }
    this.table.appendAudit(audit);
    this.table.apis.delete(identifier);
  }
}

/** {@link AuditRepository} over an {@link InMemoryAdminTable}. */
export class InMemoryAuditRepository implements AuditRepository {
  constructor(private readonly table: InMemoryAdminTable) {}

  async listAudit(query: AuditQuery): Promise<Page<AuditEvent>> {
    this.table.enter('listAudit');
    return page(
      [...this.table.audit.entries()].map(([key, value]) => ({ key, value })),
      query,
      (e) =>
        (query.from === undefined || e.at >= query.from) &&
        (query.to === undefined || e.at < query.to) &&
        (query.actor === undefined || e.actor === query.actor) &&
        (query.actorUserId === undefined || e.actorUserId === query.actorUserId) &&
        (query.action === undefined || e.action === query.action) &&
        (query.targetType === undefined || e.targetType === query.targetType) &&
        (query.targetId === undefined ||
          e.targetId === query.targetId ||
          e.clientId === query.targetId ||
          e.userId === query.targetId),
    );
  }
}

/** One captured log line. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export interface CallOptions {
  /** JSON body (serialized with Content-Type application/json unless headers say otherwise). */
  body?: unknown;
  /** A raw body, sent as is. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  query?: string;
  /**
   * Scopes of the admin token behind the request; `null` sends no authorizer context at all.
   * @default 'admin:read admin:write'
   */
  scope?: string | null;
  /** Acting client id; the bootstrap admin by default. */
  actor?: string;
  /** The token's `sub` (a person's user id); the acting client id (a client's own token) by default. */
  sub?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed JSON body, `undefined` when empty. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * The admin handler over in-memory repositories, with a bootstrapped admin client, a controllable
 * clock, real random ids and a peppered hasher (pepper per run), captured logs, and a token endpoint
 * on the same repositories so tests can check that admin changes reach token issuance.
 */
/** Clients bootstrap registers: the bootstrap admin client, the CLI's `idp-cli` and the console's `idp-console`. */
export const BUILT_IN_CLIENTS = 3;

export async function makeAdminHarness(options: { auditRetentionDays?: number } = {}) {
  const table = new InMemoryAdminTable();
  const clients = new InMemoryClientRepository(table);
  const apis = new InMemoryApiRepository(table);
  const auditTrail = new InMemoryAuditRepository(table);
  const logs: LogLine[] = [];
  const logger: Logger = {
    info: (message, fields) => logs.push({ level: 'info', message, fields }),
    warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
    error: (message, fields) => logs.push({ level: 'error', message, fields }),
  };
  let now = Date.parse('2026-03-01T09:00:00.000Z');
  const clock = { now: () => now };
  const pepper = randomBytes(32);
  const hasher = new HmacSecretHasher(pepper);
  const kdf = new ScryptPasswordKdf(pepper, TEST_SCRYPT_PARAMS);
  // The people fakes, their audit events appended to the admin table's trail.
  const people = inMemoryPeople(new InMemoryPeopleTable((event) => table.appendAudit(event)));
  const issuer = 'https://idp.example.test';
  const bootstrap = { clientId: `boot-${randomIds.clientId()}`, clientSecret: randomIds.clientSecret() };
  await ensureBootstrap({ clients, apis, hasher, clock, ids: randomIds }, { issuer, ...bootstrap });
  const deps: AdminDeps = {
    clients,
    apis,
    auditTrail,
    users: people.users,
    sessions: people.sessions,
    hasher,
    kdf,
    clock,
    ids: randomIds,
    logger,
    config: { issuer, ...options },
  };
  const handler = makeHandler(deps);
  const signer = await LocalTokenSigner.load({ alg: 'ES256' });
  const tokenEndpoint = new TokenEndpoint({
    store: tokenPathReads(clients, apis),
    people: inMemoryPeopleTokenPath(),
    signer,
    clock,
    ids: randomIds,
    hasher,
    logger,
    config: { issuer, defaultAccessTokenTtl: 3600 },
  });

  async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined;
    let isBase64Encoded = false;
    if (opts.rawBody !== undefined) {
      if (typeof opts.rawBody === 'string') body = opts.rawBody;
      else {
        body = Buffer.from(opts.rawBody).toString('base64');
        isBase64Encoded = true;
      }
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const scope = opts.scope === undefined ? 'admin:read admin:write' : opts.scope;
    const event: AdminApiEvent = {
      rawPath: path,
      rawQueryString: opts.query ?? '',
      headers,
      body,
      isBase64Encoded,
      requestContext: {
        http: { method },
        ...(scope === null
          ? {}
          : {
              authorizer: {
                lambda: {
                  clientId: opts.actor ?? bootstrap.clientId,
                  sub: opts.sub ?? opts.actor ?? bootstrap.clientId,
                  jti: randomUUID(),
                  scope,
                },
              },
            }),
      },
    };
    const result = await handler(event);
    const text = typeof result.body === 'string' ? result.body : '';
    return {
      status: result.statusCode ?? 0,
      headers: (result.headers ?? {}) as Record<string, string>,
      text,
      body: text === '' ? undefined : JSON.parse(text),
    };
  }

  /** A token request with client_secret_basic or client_secret_post; returns status and body. */
  async function token(
    clientId: string,
    clientSecret: string,
    params: Record<string, string>,
    method: 'client_secret_basic' | 'client_secret_post' = 'client_secret_basic',
  ) {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...params });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (method === 'client_secret_basic') {
      const user = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
      headers['authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const res = await tokenEndpoint.handle({
      method: 'POST',
      path: '/oauth2/token',
      headers,
      rawQuery: '',
      body: Buffer.from(form.toString()),
    });
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  }

  return {
    /** The state behind the repositories (maps, call counts, planned failures). */
    table,
    clients,
    apis,
    auditTrail,
    /** The people fakes (users, setups, …) over one people table. */
    people,
    logs,
    deps,
    issuer,
    adminAudience: adminAudience(issuer),
    bootstrap,
    call,
    token,
    /** The token endpoint on the same repositories, for raw requests (headers such as Origin). */
    tokenEndpoint,
    /** Moves the clock on. */
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

export type AdminHarness = Awaited<ReturnType<typeof makeAdminHarness>>;
