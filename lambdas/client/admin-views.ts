/**
 * The admin API's resources as they travel (docs/contract.md, "Admin API"): what `GET` answers and
 * what the listings hold. Declared here, not imported from the server's schemas, so that the client
 * ships on its own; the server may add fields, so read only what you need.
 */

/** A JSON value (RFC 8259). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [name: string]: JsonValue };

/** A scope an API defines (RFC 6749 §3.3 scope-token). */
export interface ScopeDefinitionView {
  value: string;
  description?: string;
}

/** An API (an audience): its identifier is the `aud` of its tokens. */
export interface ApiView {
  identifier: string;
  name: string;
  scopes: ScopeDefinitionView[];
  accessTokenTtl?: number;
  tokenReuse?: boolean;
  /** How the API admits people: `any` when absent, or `granted`. */
  userAccess?: 'any' | 'granted';
  /** Clients that may introspect this API's tokens (RFC 7662) besides the token's own client. */
  introspectors?: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A registered client (never its secrets). */
export interface ClientView {
  clientId: string;
  name: string;
  description?: string;
  status: 'enabled' | 'disabled';
  grantTypes: string[];
  /** RFC 7591 §2 `token_endpoint_auth_method`. */
  tokenEndpointAuthMethod: string;
  accessTokenTtl?: number;
  external: boolean;
  tokenReuse: boolean;
  metadata: Record<string, JsonValue>;
  /** Clients with `authorization_code`: the settings for people, with their effective values. */
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  allowedOrigins?: string[];
  requireConsent?: boolean;
  /** Clients with `refresh_token`. */
  refreshTokenTtl?: number;
  refreshTokenIdleTtl?: number;
  maxSessionsPerUser?: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A client secret as listed: never its value or hash. */
export interface SecretView {
  id: string;
  status: 'active' | 'expired';
  createdAt: string;
  expiresAt?: string;
  /** Last successful token request, recorded at most once per interval. */
  lastUsedAt?: string;
}

/** What lets a client obtain scopes on an API. */
export interface RuleView {
  audience: string;
  scopes: string[];
  claims?: Record<string, JsonValue>;
  /** `user` on a user rule (what the client may request for a signed-in user); absent on a client rule. */
  subjectType?: 'user';
  createdAt: string;
}

/** One admin change in the audit trail. */
export interface AuditEventView {
  id: string;
  at: string;
  /** The client the token was issued to; for a person's token also the person (`userId`, `username`). */
  actor: { clientId: string; jti: string; userId?: string; username?: string };
  /** e.g. `client.create`, `secret.revoke`, `rule.put`. */
  action: string;
  /** `userId` on a grant or session target: the person it belongs to. */
  target: { type: string; id: string; clientId?: string; subjectType?: 'user'; userId?: string };
  /** Changed top-level fields; never a secret value or hash. */
  diff: Record<string, { from?: JsonValue; to?: JsonValue }>;
}

/** A user (never a password, hash, salt or KDF parameter). */
export interface UserView {
  userId: string;
  /** Unique in any case. */
  username: string;
  email?: string;
  name?: string;
  status: 'enabled' | 'disabled';
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What a user may hold on an API whose `userAccess` is `granted`. */
export interface GrantView {
  audience: string;
  scopes: string[];
  createdAt: string;
}

/** A user's refresh-token session as the admin API shows it (never a token). */
export interface SessionView {
  sessionId: string;
  clientId: string;
  scopes: string[];
  audience?: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  idleExpiresAt?: string;
  status: 'active' | 'expired' | 'revoked';
  revokedAt?: string;
  revokedReason?: string;
}
