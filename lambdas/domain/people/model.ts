/**
 * People: users, their grants, and the short-lived items of a sign-in (docs/contract.md, "People").
 * Timestamps are ISO 8601 strings (UTC) as stored, like the rest of the model; `expiresAt` is always
 * checked in code (a DynamoDB TTL only cleans up later). Handles (cookie values, codes, setup tokens)
 * are 256-bit random strings that are never stored: items are keyed by their SHA-256 digest, so a
 * table dump yields nothing usable.
 */
import type { JsonValue } from '../model';

export type UserStatus = 'enabled' | 'disabled';

/** A user as the admin API shows it: never a password, hash, salt or KDF parameter. */
export interface User {
  /** Server-generated, like a client's `clientId`. */
  userId: string;
  /** 3–128 of `[A-Za-z0-9._@+-]`, unique case-insensitively. */
  username: string;
  email?: string;
  name?: string;
  status: UserStatus;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-locking version, incremented on every change. */
  version: number;
}

/**
 * A password as stored: the output of a memory-hard KDF keyed with the pepper, with the parameters it
 * was made with, so that they can be raised later (rehash at the next sign-in).
 */
export interface PasswordHash {
  /** The KDF, e.g. `scrypt`. */
  kdf: string;
  /** Its parameters as numbers, e.g. `{N: 131072, r: 8, p: 1, keyLength: 32}`. */
  params: Record<string, number>;
  /** base64url random salt. */
  salt: string;
  /** base64url KDF output. */
  hash: string;
}

/** The user item as the repository holds it: the public user plus what sign-in needs. */
export interface StoredUser extends User {
  /** Absent until the user has set one (created with a setup link). */
  password?: PasswordHash;
  /** Consecutive failed sign-ins since the last success (lockout after 10). */
  failedSignIns: number;
  /** While in the future, every sign-in of this username fails with the common answer. */
  lockedUntil?: string;
}

/** What a user may hold on an API whose `userAccess` is `granted`. */
export interface UserGrant {
  audience: string;
  scopes: string[];
  createdAt: string;
}

/** One strongly consistent read of a user's item collection (`pk = USER#<userId>`). */
export interface UserBundle {
  user: StoredUser;
  grants: UserGrant[];
}

/** A one-time password setup (the `setupUrl` of a user created without a password). */
export interface PasswordSetup {
  /** SHA-256 (base64url) of the setup token in the URL. */
  digest: string;
  userId: string;
  createdAt: string;
  /** 24 h after creation. */
  expiresAt: string;
}

/**
 * A browser's sign-in session (the `HttpOnly` cookie holds its handle). Its `sessionId` is public: it
 * is the `sid` of the ID and access tokens issued under it (OIDC Core §2, RP-initiated logout).
 */
export interface SignInSession {
  /** SHA-256 (base64url) of the cookie's handle; the key. */
  digest: string;
  sessionId: string;
  userId: string;
  /** When the user last entered their password, seconds since the epoch (`auth_time`). */
  authTime: number;
  createdAt: string;
  /** Default 12 h after sign-in. */
  expiresAt: string;
}

/** `prompt` values of OIDC Core §3.1.2.1 that this IdP supports. */
export type Prompt = 'none' | 'login' | 'consent';

/**
 * A validated authorization request waiting for the user (sign-in, then maybe consent), keyed by the
 * digest of its handle. It is bound to the browser that started it: `browserDigest` is the digest of
 * a random value in a `SameSite=Lax` cookie set with the sign-in page, so a cross-site form post
 * (login CSRF) cannot complete it; `csrfDigest` is the digest of the hidden form field.
 */
export interface AuthorizationRequest {
  digest: string;
  clientId: string;
  /** Exactly as sent (and registered). */
  redirectUri: string;
  /** The granted request, resolved at authorize: scope tokens (OIDC scopes included). */
  scopes: string[];
  /** The API the access token will be for; absent when only OIDC scopes were asked for. */
  audience?: string;
  state?: string;
  nonce?: string;
  /** RFC 7636 §4.2 S256 challenge. */
  codeChallenge: string;
  prompt?: Prompt;
  /** OIDC Core §3.1.2.1 `max_age`, seconds. */
  maxAge?: number;
  loginHint?: string;
  browserDigest: string;
  csrfDigest: string;
  /** Set once the user has signed in, when consent is still to be given. */
  userId?: string;
  sessionId?: string;
  authTime?: number;
  createdAt: string;
  /** A pending request lives 10 minutes. */
  expiresAt: string;
}

/** What a redeemed code issued, so that a second redemption can revoke it (RFC 6749 §4.1.2, §10.5). */
export interface IssuedFromCode {
  /** `jti` of the access token (and its `exp`, for the deny-list's TTL). */
  accessTokenJti: string;
  accessTokenExp: number;
  /** The refresh-token session started by the redemption, when one was. */
  refreshSessionId?: string;
}

/**
 * An authorization code (RFC 6749 §4.1.2): keyed by the SHA-256 of the code, bound to everything the
 * token request must match, 60 s lifetime checked in code, single use by one conditional write.
 */
export interface AuthorizationCode {
  digest: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  userId: string;
  scopes: string[];
  audience?: string;
  nonce?: string;
  /** `auth_time` of the sign-in, seconds since the epoch. */
  authTime: number;
  /** The sign-in session (`sid`). */
  sessionId: string;
  /**
   * The user's claims at sign-in, so that the exchange needs no read of the user (absent only on codes
   * made before snapshots existed: the exchange then reads the user).
   */
  user?: UserSnapshot;
  createdAt: string;
  expiresAt: string;
  /** Set by the one redemption that wins. */
  consumedAt?: string;
  /** Set when the user was disabled, deleted or given a new password before the code was redeemed. */
  revokedAt?: string;
  /** Set after the winning redemption issued its tokens. */
  issued?: IssuedFromCode;
}

/** Claims a user carries into ID tokens and userinfo (OIDC Core §5.1), by scope. */
export type UserClaims = Record<string, JsonValue>;

/**
 * What a user approved for a client on the consent page (clients with `requireConsent`), kept per
 * user and client. `scopes` holds consent keys: an OIDC scope as is (`openid`), an API scope as
 * `<audience> <scope>` (a space never occurs in a scope token, RFC 6749 §3.3), so the same scope name on
 * two APIs is never confused. A later consent adds to the set.
 */
export interface Consent {
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * What tokens say about a user, snapshotted at sign-in into the code and the refresh-token session,
 * so that neither the code exchange nor a refresh reads the user (docs/contract.md, Budgets; OIDC Core
 * §5.1 claims come from it: `preferred_username`, `name`, `email`).
 */
export type UserSnapshot = Pick<User, 'userId' | 'username' | 'name' | 'email'>;

/**
 * Why a refresh-token session was revoked (its `revokedReason`): a consumed refresh token presented
 * again (RFC 9700 §4.14.2), RFC 7009 revocation, the `maxSessionsPerUser` cap, an administrator, or a
 * change of the user (disabled, deleted, new password).
 */
export type SessionRevocationReason =
  | 'refresh-token-reuse'
  | 'token-revoked'
  | 'session-limit'
  | 'admin'
  | 'user-disabled'
  | 'user-deleted'
  | 'password-changed';

/** How many consumed refresh-token digests a session remembers, newest first, to detect a reuse. */
export const CONSUMED_DIGESTS_KEPT = 16;

/**
 * A refresh-token session (RFC 6749 §6, rotation per RFC 9700 §4.14.2; docs/data-model.md, Sessions):
 * started by a code redemption for a client whose `grantTypes` include `refresh_token`. Its
 * `sessionId` is public (the `sid` of every token issued under it); the refresh token itself
 * (`<sessionId>.<secret>`) is stored only as the SHA-256 `currentDigest`, and each use replaces it.
 */
export interface RefreshSession {
  sessionId: string;
  userId: string;
  /** Snapshot of the user's claims at sign-in (for ID tokens on refresh). */
  user: UserSnapshot;
  clientId: string;
  /** The scopes originally granted; a refresh may ask for fewer, never more, and keeps these. */
  scopes: string[];
  /** The API of the access tokens; absent when only OIDC scopes were granted. */
  audience?: string;
  /** `auth_time` of the sign-in, seconds since the epoch (OIDC Core §12.2 keeps it on refresh). */
  authTime: number;
  createdAt: string;
  lastUsedAt: string;
  /** Absolute expiry: `createdAt` + the client's `refreshTokenTtl` (default 30 days). */
  expiresAt: string;
  /** Idle expiry: last use + the client's `refreshTokenIdleTtl`, when it has one. */
  idleExpiresAt?: string;
  /** SHA-256 (base64url) of the current refresh token. */
  currentDigest: string;
  /** Digests of the last {@link CONSUMED_DIGESTS_KEPT} consumed refresh tokens, newest first. */
  consumedDigests: string[];
  revokedAt?: string;
  revokedReason?: SessionRevocationReason;
}

/** A session's state as the admin API shows it. */
export type RefreshSessionStatus = 'active' | 'expired' | 'revoked';

/** The state of `session` at `nowMs`: revoked, expired (absolute or idle), else active. */
export function refreshSessionStatus(
  session: Pick<RefreshSession, 'revokedAt' | 'expiresAt' | 'idleExpiresAt'>,
  nowMs: number,
): RefreshSessionStatus {
  if (session.revokedAt !== undefined) return 'revoked';
  if (Date.parse(session.expiresAt) <= nowMs) return 'expired';
  if (session.idleExpiresAt !== undefined && Date.parse(session.idleExpiresAt) <= nowMs) return 'expired';
  return 'active';
}
