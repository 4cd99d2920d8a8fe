/**
 * The data the token endpoint works on. Timestamps are ISO 8601 strings (UTC) as stored; TTLs are
 * seconds.
 */

/**
 * RFC 6749 §2.3 client authentication methods (RFC 7591 §2 names); `none` is a public client (RFC 6749
 * §2.1), only with `authorization_code` / `refresh_token`.
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Every method a client may be registered with, in the order the admin API documents them. */
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];

/** Grant types a client may be registered for. */
export type GrantType = 'client_credentials' | 'authorization_code' | 'refresh_token';

/** Every grant type a client may be registered for (docs/contract.md, Admin API › Clients). */
export const GRANT_TYPES: readonly GrantType[] = ['client_credentials', 'authorization_code', 'refresh_token'];

export type ClientStatus = 'enabled' | 'disabled';

/** JSON values allowed in static claims and metadata. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A registered OAuth client (RFC 6749 §2). */
export interface Client {
  clientId: string;
  name: string;
  description?: string;
  status: ClientStatus;
  grantTypes: GrantType[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Access-token lifetime for this client, seconds; the stage default when absent. */
  accessTokenTtl?: number;
  /** True for a partner outside the organisation. */
  external?: boolean;
  /** Opt-in token reuse: a repeated request gets its still-valid token back (token-reuse.ts). */
  tokenReuse?: boolean;
  metadata?: Record<string, JsonValue>;
  /** With `authorization_code`: absolute redirect URIs, compared by exact string (RFC 6749 §3.1.2). */
  redirectUris?: string[];
  /** OIDC RP-Initiated Logout §2: where logout may send the user back, compared exactly. */
  postLogoutRedirectUris?: string[];
  /** CORS origins for the token and revocation endpoints (SPAs); never `*`. */
  allowedOrigins?: string[];
  /** When true, the user approves the scopes once per client on a consent page. */
  requireConsent?: boolean;
  /** Absolute refresh-token session lifetime, seconds (default 30 days, max 365 days). */
  refreshTokenTtl?: number;
  /** Optional idle lifetime of a refresh-token session, seconds. */
  refreshTokenIdleTtl?: number;
  /** Refresh-token sessions per user for this client (default 10); the oldest is revoked beyond it. */
  maxSessionsPerUser?: number;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-locking version, incremented on every change. */
  version: number;
}

/** Who a rule is for: the client itself (client credentials) or a signed-in user (code flow). */
export type SubjectType = 'client' | 'user';

/** Every {@link SubjectType}; `client` is the default. */
export const SUBJECT_TYPES: readonly SubjectType[] = ['client', 'user'];

/** A rule's subject type; a rule stored without one is a client rule (every rule before people). */
export function ruleSubjectType(rule: Pick<Rule, 'subjectType'>): SubjectType {
  return rule.subjectType ?? 'client';
}

/**
 * The rules of one subject type. The client credentials grant reads only `client` rules: a `user`
 * rule never lets a client obtain tokens for itself (docs/contract.md, Admin API › Rules).
 */
export function rulesFor(rules: readonly Rule[], subjectType: SubjectType): Rule[] {
  return rules.filter((rule) => ruleSubjectType(rule) === subjectType);
}

/** How an API admits users: any signed-in user, or only within the user's own grants. */
export type UserAccess = 'any' | 'granted';

/** Every {@link UserAccess}; `any` is the default. */
export const USER_ACCESS_VALUES: readonly UserAccess[] = ['any', 'granted'];

/** A client secret as stored: only its peppered HMAC, never the value. */
export interface ClientSecret {
  secretId: string;
  /** base64url HMAC-SHA-256(pepper, secret). */
  hash: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
}

/** A rule: lets one client obtain scopes on one API (audience), optionally with static claims. */
export interface Rule {
  audience: string;
  scopes: string[];
  /** Static claims added to tokens issued under this rule (reserved JWT claims are never overridden). */
  claims?: Record<string, JsonValue>;
  /** Snapshot of the API's access-token TTL, kept in step by the admin API (so the token path reads one partition). */
  apiAccessTokenTtl?: number;
  /** Snapshot of the API's `tokenReuse`, kept in step the same way. */
  apiTokenReuse?: boolean;
  /** `client` (absent: the default) or `user`: what the client may request on behalf of a user. */
  subjectType?: SubjectType;
  /** Snapshot of the API's `userAccess`, kept in step like the other snapshots. */
  apiUserAccess?: UserAccess;
  createdAt: string;
}

/** An API (resource server) that tokens are issued for; `identifier` is the `aud` claim. */
export interface Api {
  identifier: string;
  name: string;
  scopes: { value: string; description?: string }[];
  accessTokenTtl?: number;
  /** Opt-in token reuse for every client's tokens for this API (token-reuse.ts). */
  tokenReuse?: boolean;
  /** `any` (absent: the default) or `granted` (the user's own grants also limit the scopes). */
  userAccess?: UserAccess;
  /**
   * Client ids that may introspect this API's tokens (RFC 7662 §2.1) besides the client a token was
   * issued to: the API's own confidential client, typically.
   */
  introspectors?: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What one strongly consistent read of a client's item collection returns. */
export interface ClientBundle {
  client: Client;
  secrets: ClientSecret[];
  rules: Rule[];
}
