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
   * @throws ConflictError when the user is missing or its version moved on
   */
  updateUser(user: StoredUser, expectedVersion: number, audit?: AuditEvent): Promise<void>;

  /**
   * Deletes the user, its username item and its grants if the version is `expectedVersion`.
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
   * same transaction (user version `expectedVersion`), with the audit event.
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
