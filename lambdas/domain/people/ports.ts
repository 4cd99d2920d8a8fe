/**
 * Ports of the people side: one repository per aggregate (users with their grants; password setups;
 * sign-in sessions; pending authorization requests; authorization codes) and the password KDF. The
 * contract shared by every repository is the one in ../ports.ts (audit in the same transaction,
 * optimistic locking by `version`, ConflictError / DependencyUnavailableError / InvalidCursorError,
 * values copied in and out). Items keyed by a digest are read strongly consistently, and their
 * `expiresAt` is checked by the caller, never trusted to a DynamoDB TTL (docs/data-model.md).
 */
import type { AuditEvent } from '../admin/audit';
import type { Page, PageRequest } from '../ports';
import type {
  AuthorizationCode,
  AuthorizationRequest,
  Consent,
  IssuedFromCode,
  PasswordHash,
  PasswordSetup,
  RefreshSession,
  SessionRevocationReason,
  SignInSession,
  StoredUser,
  User,
  UserBundle,
  UserGrant,
  UserStatus,
} from './model';

/** A listing of users, filtered. */
export interface UserQuery extends PageRequest {
  /** Case-insensitive substring of the username, email or name, or the exact user id. */
  q?: string;
  status?: UserStatus;
}

/** The user aggregate: a user and its grants (DynamoDB: item collection `pk = USER#<userId>`). */
export interface UserRepository {
  /** The user and its grants in one strongly consistent read; `undefined` when there is none. */
  loadUser(userId: string): Promise<UserBundle | undefined>;

  /** The user whose username equals `username` case-insensitively (via the uniqueness item). */
  findByUsername(username: string): Promise<UserBundle | undefined>;

  /** Users newest first, filtered; pages may come back short with a cursor (as for clients). */
  listUsers(query: UserQuery): Promise<Page<User>>;

  /**
   * Creates the user and its case-insensitive username item in one transaction (with the audit
   * event, and the password setup when given).
   * @param audit absent only for bootstrap and seeding
   * @throws ConflictError when the username (any case) or the id is taken
   */
  createUser(user: StoredUser, audit?: AuditEvent, setup?: PasswordSetup, grants?: readonly UserGrant[]): Promise<void>;

  /**
   * Replaces the user item if its stored version is `expectedVersion` (username unchanged; grants
   * untouched).
   * @param audit absent only for sign-in's own bookkeeping (a rehash at sign-in)
   * @param revokeSessions when given (the user disabled, a new password), every refresh-token session
   *   and code not redeemed yet of the user is revoked for this reason, the first of them in the same
   *   transaction (docs/data-model.md, Sessions)
   * @throws ConflictError when the user is missing or its version moved on
   */
  updateUser(
    user: StoredUser,
    expectedVersion: number,
    audit?: AuditEvent,
    revokeSessions?: SessionRevocationReason,
  ): Promise<void>;

  /**
   * Deletes the user, its username item and its grants if the version is `expectedVersion`, revoking
   * its refresh-token sessions and codes not redeemed yet (`user-deleted`) in the same transaction.
   * @throws ConflictError when the user is missing or its version moved on
   */
  deleteUser(userId: string, expectedVersion: number, audit: AuditEvent): Promise<void>;

  /** Creates or replaces the user's grant on `grant.audience`, on condition that the user exists. */
  putGrant(userId: string, grant: UserGrant, audit: AuditEvent): Promise<void>;

  /** Deletes the user's grant on `audience`; `false`, writing nothing, when there is none. */
  deleteGrant(userId: string, audience: string, audit: AuditEvent): Promise<boolean>;

  /**
   * Counts one failed sign-in atomically (no read-modify-write race): increments `failedSignIns`, and
   * when it reaches `lockAfter` sets `lockedUntil = lockUntil` and resets the count. No audit, no
   * version change.
   */
  recordFailedSignIn(userId: string, lockAfter: number, lockUntil: string): Promise<void>;

  /** Resets `failedSignIns` after a successful sign-in (only when it is not 0 already). */
  recordSuccessfulSignIn(userId: string): Promise<void>;
}

/** One-time password setups (DynamoDB: `pk = SETUP#<digest>`). */
export interface PasswordSetupRepository {
  /** The setup, strongly consistent; `undefined` when unknown or already used. */
  findSetup(digest: string): Promise<PasswordSetup | undefined>;

  /**
   * Uses the setup once: deletes it on condition that it exists and sets the user's password in the
   * same transaction (user version `expectedVersion`), with the audit event; a new password revokes
   * the user's refresh-token sessions (`password-changed`), as {@link UserRepository.updateUser} does.
   * @throws ConflictError when the setup was used meanwhile or the user changed
   */
  completeSetup(digest: string, user: StoredUser, expectedVersion: number, audit: AuditEvent): Promise<void>;
}

/** Browser sign-in sessions (DynamoDB: `pk = SIGNIN#<digest>`). */
export interface SignInSessionRepository {
  createSignInSession(session: SignInSession): Promise<void>;
  /** Strongly consistent; `undefined` when unknown (expiry is the caller's check). */
  findSignInSession(digest: string): Promise<SignInSession | undefined>;
  /** Ends the session (logout); a missing session is not an error. */
  deleteSignInSession(digest: string): Promise<void>;
}

/** Pending authorization requests (DynamoDB: `pk = AUTHREQ#<digest>`). */
export interface AuthorizationRequestRepository {
  createAuthorizationRequest(request: AuthorizationRequest): Promise<void>;
  /** Strongly consistent; `undefined` when unknown (expiry is the caller's check). */
  findAuthorizationRequest(digest: string): Promise<AuthorizationRequest | undefined>;
  /** Replaces the request (after sign-in, when consent is pending). */
  updateAuthorizationRequest(request: AuthorizationRequest): Promise<void>;
  /**
   * Removes the request once it has produced a code or an error, on condition that it still exists:
   * `false` when another request (a double submit) took it first.
   */
  consumeAuthorizationRequest(digest: string): Promise<boolean>;
}

/** Consents given on the consent page (DynamoDB: `pk = CONSENT#<userId>`, `sk = CLIENT#<clientId>`). */
export interface ConsentRepository {
  /** The user's consent for the client, strongly consistent; `undefined` when none was given. */
  findConsent(userId: string, clientId: string): Promise<Consent | undefined>;
  /** Creates or replaces the user's consent for the client (the caller merges the scopes). */
  putConsent(consent: Consent): Promise<void>;
}

/** The outcome of redeeming a code with one conditional write. */
export type CodeRedemption =
  | { outcome: 'redeemed'; code: AuthorizationCode }
  /**
   * The code was redeemed before: what the first redemption issued (recorded by the same write that
   * consumed it) is to be revoked (RFC 6749 §4.1.2, §10.5).
   */
  | { outcome: 'reused'; issued?: IssuedFromCode }
  | { outcome: 'unknown' };

/** Authorization codes (DynamoDB: `pk = CODE#<digest>`). */
export interface AuthorizationCodeRepository {
  /** @throws ConflictError when a code with this digest exists */
  createCode(code: AuthorizationCode): Promise<void>;
  /**
   * Marks the code consumed at `at` and records `issued` — what this redemption is about to issue, its
   * `jti` generated beforehand — with ONE conditional write (`attribute_exists(pk) AND
   * attribute_not_exists(consumedAt)`), returning the stored code; of any number of concurrent calls
   * exactly one gets `redeemed`. A code consumed before answers `reused` with what its first
   * redemption recorded, an unknown one `unknown`. Expiry and bindings are the caller's checks: a
   * code is consumed by the first request that presents it, whatever that request then answers.
   * @throws DependencyUnavailableError when the backend cannot be reached or is throttled
   */
  redeemCode(digest: string, at: string, issued: IssuedFromCode): Promise<CodeRedemption>;
  /**
   * Replaces what a redemption issued, for tokens known only after the redemption (the code exchange
   * records its access token in {@link redeemCode} itself, so it does not call this).
   */
  recordIssued(digest: string, issued: IssuedFromCode): Promise<void>;
}

/**
 * The deny-list of revoked access tokens (DynamoDB: `pk = DENY#<jti>`, `ttl` = the token's `exp`): an
 * access token is a self-contained JWT, so revoking one before its `exp` means refusing its `jti`
 * wherever it is presented. The userinfo endpoint reads it; the shipped authorizers will
 * (docs/contract.md, OpenID Connect).
 */
export interface RevocationRepository {
  /** Puts `jti` on the deny-list until `exp` (seconds since the epoch); idempotent. */
  denyAccessToken(jti: string, exp: number): Promise<void>;
  /** Whether `jti` is on the deny-list (strongly consistent: a revocation holds at once). */
  isAccessTokenDenied(jti: string): Promise<boolean>;
  /**
   * Puts a session id on the deny-list (`DENYSID#<sid>`) until `until` (seconds since the epoch):
   * every access token carrying that `sid` is refused; idempotent.
   */
  denySession(sid: string, until: number): Promise<void>;
  /** Whether `sid` is on the deny-list (strongly consistent). */
  isSessionDenied(sid: string): Promise<boolean>;
}

/** The outcome of presenting a refresh token, decided by ONE conditional UpdateItem. */
export type RefreshRotation =
  /** The token was the session's current one: it is consumed and `session` holds the new state. */
  | { outcome: 'rotated'; session: RefreshSession }
  /**
   * The token was consumed before (a replay, likely a theft: RFC 9700 §4.14.2): nothing was written;
   * the caller revokes the session.
   */
  | { outcome: 'reused'; session: RefreshSession }
  /** The session is revoked, expired (absolute or idle) or of another client: nothing was written. */
  | { outcome: 'refused'; session: RefreshSession }
  /**
   * The token is the live session's current one, but `requiredScopes` asks for a scope the session was
   * never granted (RFC 6749 §6 `invalid_scope`): nothing was written, the token stays usable.
   */
  | { outcome: 'scope-exceeded'; session: RefreshSession }
  /**
   * The token is the live session's current one, but `requiredAudience` names another resource than the
   * session's (RFC 8707 §2.2 `invalid_target`): nothing was written, the token stays usable.
   */
  | { outcome: 'target-mismatch'; session: RefreshSession }
  /** No such session, or a digest it never had. */
  | { outcome: 'unknown' };

/** What a rotation writes. */
export interface RefreshRotationInput {
  /** The client presenting the token: a session of another client is not touched. */
  clientId: string;
  /** Digest of the presented token (must be the current one). */
  presentedDigest: string;
  /** Digest of the new refresh token. */
  nextDigest: string;
  /** Now (ISO 8601): `lastUsedAt`, and the instant expiry is checked against. */
  at: string;
  /** The new idle expiry, for a client with `refreshTokenIdleTtl`. */
  idleExpiresAt?: string;
  /**
   * A narrower `scope` asked for (RFC 6749 §6): each must be among the session's scopes, checked in the
   * same condition, so a broader request consumes nothing.
   */
  requiredScopes?: readonly string[];
  /** A `resource`/`audience` named on refresh: it must be the session's, checked in the same condition. */
  requiredAudience?: string;
}

/** A page of a user's sessions, newest first. */
export interface SessionQuery extends PageRequest {
  /** Only the sessions of this client. */
  clientId?: string;
}

/**
 * Refresh-token sessions (DynamoDB: `pk = SESSION#<sessionId>`, listed per user through GSI1
 * `USERSESSIONS#<userId>`; docs/data-model.md, Sessions). Revoking a session marks it and puts its
 * `sid` on the deny-list (`DENYSID#<sid>`) in the same transaction, so the access tokens issued under
 * it stop at the APIs too. Expiry is checked in code; a DynamoDB TTL only cleans up.
 */
export interface RefreshSessionRepository {
  /**
   * Creates the session (and its entry in the user's token entries (`USERTOKENS#<userId>`), which revoking all of a user's
   * sessions reads strongly consistently).
   * @throws ConflictError when a session with this id exists
   */
  createSession(session: RefreshSession): Promise<void>;

  /** The session, strongly consistent; `undefined` when there is none. */
  findSession(sessionId: string): Promise<RefreshSession | undefined>;

  /**
   * Rotation with ONE conditional UpdateItem (`currentDigest = :presented`, same client, not revoked,
   * not expired at `at`): the presented digest moves to the consumed ones, `nextDigest` becomes
   * current, `lastUsedAt` (and the idle expiry) move on. Of any number of concurrent calls with one
   * token exactly one gets `rotated`.
   * @throws DependencyUnavailableError when the backend cannot be reached or is throttled
   */
  rotate(sessionId: string, input: RefreshRotationInput): Promise<RefreshRotation>;

  /**
   * Revokes the session (`revokedAt`, `revokedReason`) and denies its `sid` until the session's expiry
   * plus `denyMarginSeconds` (the longest access-token lifetime); `false`, writing nothing, when it is
   * unknown or revoked already.
   */
  revokeSession(
    sessionId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds?: number,
    /** An administrator's revocation: the audit event, in the same transaction. */
    audit?: AuditEvent,
  ): Promise<boolean>;

  /**
   * The `maxSessionsPerUser` cap: revokes (`session-limit`) the client's live sessions of the user
   * beyond the newest `keep`, oldest first, read strongly consistently; answers how many.
   */
  limitUserSessions(userId: string, clientId: string, keep: number, at: string): Promise<number>;

  /**
   * Refuses a session id before its session exists: a revoked marker (kept a day) so that a later
   * {@link createSession} with this id fails. For a code reused while its first redemption is still
   * starting the session it recorded (the id is ours, never a caller's). `false` when the session exists
   * by now (the caller then revokes it).
   */
  refuseSession(sessionId: string, at: string): Promise<boolean>;

  /** The user's sessions newest first (any state), in pages. */
  listUserSessions(userId: string, page: SessionQuery): Promise<Page<RefreshSession>>;

  /**
   * Revokes every session of the user not revoked yet (read strongly consistently from the user's
   * collection), as {@link revokeSession} does, and the user's codes not redeemed yet; answers how many
   * sessions it revoked.
   */
  revokeUserSessions(
    userId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds?: number,
    audit?: AuditEvent,
  ): Promise<number>;
}

/**
 * The password KDF (scrypt from node:crypto at OWASP parameters, or argon2id), keyed with the pepper.
 * The only deliberately slow step of sign-in.
 */
export interface PasswordKdf {
  /** A new hash of `password` with the current parameters and a fresh salt. */
  hash(password: string): Promise<PasswordHash>;
  /** Constant-time check of `password` against a stored hash, with the parameters stored beside it. */
  verify(password: string, stored: PasswordHash): Promise<boolean>;
  /** Whether the stored hash was made with weaker parameters than the current ones (rehash then). */
  needsRehash(stored: PasswordHash): boolean;
  /**
   * The same work as a verify, against nothing: for an unknown user, so that timing does not tell an
   * unknown username from a wrong password.
   */
  burn(password: string): Promise<void>;
}
