/**
 * A typed client of the admin API (`/admin/...`, docs/contract.md): JSON over HTTP with access tokens from
 * {@link TokenClient} for the audience `<issuer>/admin` — scope `admin:read` for reads, `admin:write`
 * for changes. Errors (RFC 9457 problem+json) are thrown as {@link AdminApiError}.
 */
import type {
  ApiView,
  AuditEventView,
  ClientView,
  GrantView,
  RuleView,
  SecretView,
  SessionView,
  UserView,
} from './admin-views';
import type { TokenClient } from './token-client';

export type { ApiView, AuditEventView, ClientView, GrantView, RuleView, SecretView, SessionView, UserView };

export const ADMIN_READ = 'admin:read';
export const ADMIN_WRITE = 'admin:write';

/** One page of a listing. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** A newly created secret; `value` is shown only in this response. */
export interface NewSecret {
  id: string;
  value: string;
  createdAt: string;
  expiresAt?: string;
}

export interface ClientCreated {
  client: ClientView;
  secret: NewSecret;
  curl: string;
}

/** A new user; `setupUrl` (created without a password) is shown only in this response. */
export interface UserCreated {
  user: UserView;
  setupUrl?: string;
}

/** Where one bad input is, and what is wrong with it (the problem's `errors` extension). */
export interface ProblemFieldError {
  pointer?: string;
  parameter?: string;
  header?: string;
  detail: string;
}

/** An RFC 9457 problem the admin API answered (or a non-problem error status). */
export class AdminApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: ProblemFieldError[];

  constructor(fields: { status: number; type: string; title: string; detail: string; errors?: ProblemFieldError[] }) {
    super(`${fields.title}: ${fields.detail}`);
    this.name = 'AdminApiError';
    this.status = fields.status;
    this.type = fields.type;
    this.title = fields.title;
    this.detail = fields.detail;
    this.errors = fields.errors ?? [];
  }
}

/**
 * Where the admin client's bearer tokens come from: a {@link TokenClient} with an admin client's
 * credentials, or anything else that sends a request with a token for the audience and scope (the
 * CLI's stored sign-in of a person).
 */
export type AdminTokenSource = Pick<TokenClient, 'authorizedFetch'>;

export interface AdminClientOptions {
  /** The issuer; the admin API is at `<issuer>/admin` and is also the token audience. */
  issuer: string;
  /** Sends the requests with admin tokens (an admin client's credentials, or a person's token). */
  tokenClient: AdminTokenSource;
}

type Query = Record<string, string | number | undefined>;

/** Optimistic locking: the version a change is based on, sent as `If-Match: "<version>"` (RFC 9110 §13.1.1). */
export interface Versioned {
  ifMatch?: number;
}

export class AdminClient {
  readonly issuer: string;
  readonly audience: string;
  private readonly tokens: AdminTokenSource;

  constructor(options: AdminClientOptions) {
    this.issuer = options.issuer.replace(/\/$/, '');
    this.audience = `${this.issuer}/admin`;
    this.tokens = options.tokenClient;
  }

  // ---- clients ----
  listClients(
    query: { q?: string; status?: string; order?: 'newest' | 'oldest'; limit?: number; cursor?: string } = {},
  ) {
    return this.call<Page<ClientView>>('GET', '/admin/clients', { query });
  }
  getClient(clientId: string) {
    return this.call<ClientView>('GET', `/admin/clients/${enc(clientId)}`);
  }
  createClient(body: Record<string, unknown>) {
    return this.call<ClientCreated>('POST', '/admin/clients', { body });
  }
  updateClient(clientId: string, patch: Record<string, unknown>, options: Versioned = {}) {
    return this.call<ClientView>('PATCH', `/admin/clients/${enc(clientId)}`, { body: patch, ...options });
  }
  deleteClient(clientId: string, options: Versioned = {}) {
    return this.call<void>('DELETE', `/admin/clients/${enc(clientId)}`, options);
  }

  // ---- secrets ----
  listSecrets(clientId: string) {
    return this.call<{ items: SecretView[] }>('GET', `/admin/clients/${enc(clientId)}/secrets`);
  }
  addSecret(clientId: string, body: { expiresAt?: string } = {}) {
    return this.call<NewSecret>('POST', `/admin/clients/${enc(clientId)}/secrets`, { body });
  }
  revokeSecret(clientId: string, secretId: string) {
    return this.call<void>('DELETE', `/admin/clients/${enc(clientId)}/secrets/${enc(secretId)}`);
  }

  // ---- APIs ----
  listApis(query: { limit?: number; cursor?: string } = {}) {
    return this.call<Page<ApiView>>('GET', '/admin/apis', { query });
  }
  getApi(identifier: string) {
    return this.call<ApiView>('GET', `/admin/apis/${enc(identifier)}`);
  }
  createApi(body: Record<string, unknown>) {
    return this.call<ApiView>('POST', '/admin/apis', { body });
  }
  updateApi(identifier: string, patch: Record<string, unknown>, options: Versioned = {}) {
    return this.call<ApiView>('PATCH', `/admin/apis/${enc(identifier)}`, { body: patch, ...options });
  }
  deleteApi(identifier: string, options: Versioned = {}) {
    return this.call<void>('DELETE', `/admin/apis/${enc(identifier)}`, options);
  }

  // ---- rules ----
  listRules(clientId: string) {
    return this.call<{ items: RuleView[] }>('GET', `/admin/clients/${enc(clientId)}/rules`);
  }
  grantRule(
    clientId: string,
    body: { audience: string; scopes: string[]; claims?: Record<string, unknown>; subjectType?: 'client' | 'user' },
  ) {
    return this.call<RuleView>('POST', `/admin/clients/${enc(clientId)}/rules`, { body });
  }
  /** Deletes the client rule for `audience`, or with `subjectType: 'user'` the user rule. */
  revokeRule(clientId: string, audience: string, subjectType: 'client' | 'user' = 'client') {
    return this.call<void>('DELETE', `/admin/clients/${enc(clientId)}/rules/${enc(audience)}`, {
      query: subjectType === 'user' ? { subjectType } : {},
    });
  }

  // ---- users ----
  listUsers(query: { q?: string; status?: string; limit?: number; cursor?: string } = {}) {
    return this.call<Page<UserView>>('GET', '/admin/users', { query });
  }
  getUser(userId: string) {
    return this.call<UserView>('GET', `/admin/users/${enc(userId)}`);
  }
  createUser(body: { username: string; email?: string; name?: string; password?: string; status?: string }) {
    return this.call<UserCreated>('POST', '/admin/users', { body });
  }
  updateUser(userId: string, patch: Record<string, unknown>, options: Versioned = {}) {
    return this.call<UserView>('PATCH', `/admin/users/${enc(userId)}`, { body: patch, ...options });
  }
  deleteUser(userId: string, options: Versioned = {}) {
    return this.call<void>('DELETE', `/admin/users/${enc(userId)}`, options);
  }

  // ---- user grants ----
  listGrants(userId: string) {
    return this.call<{ items: GrantView[] }>('GET', `/admin/users/${enc(userId)}/grants`);
  }
  putGrant(userId: string, body: { audience: string; scopes: string[] }) {
    return this.call<GrantView>('POST', `/admin/users/${enc(userId)}/grants`, { body });
  }
  deleteGrant(userId: string, audience: string) {
    return this.call<void>('DELETE', `/admin/users/${enc(userId)}/grants/${enc(audience)}`);
  }

  // ---- user sessions (refresh tokens) ----
  listSessions(userId: string, query: { clientId?: string; limit?: number; cursor?: string } = {}) {
    return this.call<Page<SessionView>>('GET', `/admin/users/${enc(userId)}/sessions`, { query });
  }
  revokeSession(userId: string, sessionId: string) {
    return this.call<void>('DELETE', `/admin/users/${enc(userId)}/sessions/${enc(sessionId)}`);
  }
  revokeAllSessions(userId: string) {
    return this.call<{ revoked: number }>('DELETE', `/admin/users/${enc(userId)}/sessions`);
  }

  // ---- audit ----
  listAudit(
    query: {
      from?: string;
      to?: string;
      actor?: string;
      actorUserId?: string;
      action?: string;
      targetType?: string;
      targetId?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ) {
    return this.call<Page<AuditEventView>>('GET', '/admin/audit', { query });
  }

  /**
   * Every item of a listing, following `nextCursor` (at most `maxPages` pages).
   */
  async all<T>(list: (cursor: string | undefined) => Promise<Page<T>>, maxPages = 100): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const result = await list(cursor);
      items.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) return items;
    }
    throw new Error(`more than ${maxPages} pages; narrow the listing`);
  }

  /** One request; reads need `admin:read`, changes `admin:write`. */
  async call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: { query?: Query; body?: unknown; ifMatch?: number } = {},
  ): Promise<T> {
    const url = new URL(`${this.issuer}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['If-Match'] = `"${options.ifMatch}"`;
    const response = await this.tokens.authorizedFetch(
      url,
      {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'error',
        signal: AbortSignal.timeout(30_000),
      },
      { audience: this.audience, scope: method === 'GET' ? ADMIN_READ : ADMIN_WRITE },
    );
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) throw toAdminError(response.status, body, text);
    return body as T;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function toAdminError(status: number, body: unknown, text: string): AdminApiError {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return new AdminApiError({
    status,
    type: str(problem['type']) ?? 'about:blank',
    title: str(problem['title']) ?? `HTTP ${status}`,
    detail: str(problem['detail']) ?? str(problem['error_description']) ?? str(problem['error']) ?? text.slice(0, 200),
    errors: Array.isArray(problem['errors']) ? (problem['errors'] as ProblemFieldError[]) : undefined,
  });
}
