/**
 * In-memory fakes of the people ports (lambdas/domain/people/ports.ts), over one
 * {@link InMemoryPeopleTable}: values are copied in and out, conditional writes conflict like the
 * DynamoDB adapters' (a taken username in any case, a moved version, a used setup), audit events are
 * kept in `audit`, and every call is counted per method. One fake per repository, sharing the table.
 */
import type { AuditEvent } from '../../lambdas/domain/admin/audit';
import { ConflictError } from '../../lambdas/domain/errors';
import type {
  AuthorizationCode,
  AuthorizationRequest,
  Consent,
  IssuedFromCode,
  PasswordSetup,
  RefreshSession,
  SessionRevocationReason,
  SignInSession,
  StoredUser,
  User,
  UserBundle,
  UserGrant,
} from '../../lambdas/domain/people/model';
import type {
  AuthorizationCodeRepository,
  AuthorizationRequestRepository,
  CodeRedemption,
  ConsentRepository,
  PasswordSetupRepository,
  RefreshRotation,
  RefreshRotationInput,
  RefreshSessionRepository,
  RevocationRepository,
  SessionQuery,
  SignInSessionRepository,
  UserQuery,
  UserRepository,
} from '../../lambdas/domain/people/ports';
import { CONSUMED_DIGESTS_KEPT } from '../../lambdas/domain/people/model';
import { liveRefusal } from '../../lambdas/domain/people/refresh-tokens';
import { InvalidCursorError } from '../../lambdas/domain/ports';
import { MAX_ACCESS_TOKEN_TTL } from '../../lambdas/domain/tokens/access-token';
import type { PeopleTokenPath } from '../../lambdas/domain/grants/grant';
import type { Page } from '../../lambdas/domain/ports';

const copy = <T>(value: T): T => structuredClone(value);

/** The state behind the people fakes. */
export class InMemoryPeopleTable {
  readonly users = new Map<string, StoredUser>();
  /** Lower-cased username → user id (the uniqueness items). */
  readonly usernames = new Map<string, string>();
  /** User id → audience → grant. */
  readonly grants = new Map<string, Map<string, UserGrant>>();
  readonly setups = new Map<string, PasswordSetup>();
  readonly signInSessions = new Map<string, SignInSession>();
  readonly requests = new Map<string, AuthorizationRequest>();
  readonly codes = new Map<string, AuthorizationCode>();
  /** Denied access-token `jti` → its `exp`. */
  readonly deniedTokens = new Map<string, number>();
  /** Refresh-token sessions by id. */
  readonly sessions = new Map<string, RefreshSession>();
  /** Denied session ids → until (seconds since the epoch). */
  readonly deniedSessions = new Map<string, number>();
  /** `<userId> <clientId>` → consent. */
  readonly consents = new Map<string, Consent>();
  readonly audit: AuditEvent[] = [];
  readonly calls = new Map<string, number>();

  /**
   * @param auditSink also receives every audit event (the admin harness passes its own table's
   *   append, so `/admin/audit` shows people changes beside the others)
   */
  constructor(private readonly auditSink?: (event: AuditEvent) => void) {}

  count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  bundle(userId: string): UserBundle | undefined {
    const user = this.users.get(userId);
    if (user === undefined) return undefined;
    return copy({ user, grants: [...(this.grants.get(userId)?.values() ?? [])] });
  }

  /**
   * Revokes the user's live sessions (denying their sids) and codes not redeemed yet, as the DynamoDB
   * adapter's revokeUserTokens does; answers how many sessions.
   */
  revokeUserTokens(
    userId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds = MAX_ACCESS_TOKEN_TTL,
  ): number {
    let revoked = 0;
    for (const session of this.sessions.values()) {
      if (session.userId !== userId || session.revokedAt !== undefined || session.expiresAt <= at) continue;
      session.revokedAt = at;
      session.revokedReason = reason;
      this.deniedSessions.set(session.sessionId, Math.ceil(Date.parse(session.expiresAt) / 1000) + denyMarginSeconds);
      revoked += 1;
    }
    for (const code of this.codes.values()) {
      if (code.userId === userId && code.consumedAt === undefined) code.revokedAt ??= at;
    }
    return revoked;
  }

  /**
   * Whether a session or code may be created for the user: the adapter's ConditionCheck requires the
   * user item to be enabled; the fake refuses only a user it holds that is not enabled (unit tests
   * often make codes for users they never stored).
   */
  userMayHoldTokens(userId: string): boolean {
    const user = this.users.get(userId);
    return user === undefined || user.status === 'enabled';
  }

  record(audit: AuditEvent | undefined): void {
    if (audit === undefined) return;
    this.audit.push(copy(audit));
    this.auditSink?.(copy(audit));
  }
}

/** Users with their grants. */
export class InMemoryUserRepository implements UserRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async loadUser(userId: string): Promise<UserBundle | undefined> {
    this.table.count('loadUser');
    return this.table.bundle(userId);
  }

  async findByUsername(username: string): Promise<UserBundle | undefined> {
    this.table.count('findByUsername');
    const userId = this.table.usernames.get(username.toLowerCase());
    return userId === undefined ? undefined : this.table.bundle(userId);
  }

  async listUsers(query: UserQuery): Promise<Page<User>> {
    this.table.count('listUsers');
    const q = query.q?.toLowerCase();
    const matching = [...this.table.users.values()]
      .filter((u) => query.status === undefined || u.status === query.status)
      .filter(
        (u) =>
          q === undefined ||
          u.userId === query.q ||
          [u.username, u.email, u.name].some((v) => v !== undefined && v.toLowerCase().includes(q)),
      )
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.userId.localeCompare(a.userId) : b.createdAt.localeCompare(a.createdAt),
      );
    const start = query.cursor === undefined ? 0 : Number(query.cursor);
    if (!Number.isSafeInteger(start) || start < 0) throw new InvalidCursorError();
    const items = matching.slice(start, start + query.limit).map((u) => publicUser(u));
    const next = start + query.limit;
    return next < matching.length ? { items, cursor: String(next) } : { items };
  }

  async createUser(
    user: StoredUser,
    audit?: AuditEvent,
    setup?: PasswordSetup,
    grants: readonly UserGrant[] = [],
  ): Promise<void> {
    this.table.count('createUser');
    const lower = user.username.toLowerCase();
    if (this.table.users.has(user.userId) || this.table.usernames.has(lower)) {
      throw new ConflictError('the username or user id is taken');
    }
    this.table.users.set(user.userId, copy(user));
    this.table.usernames.set(lower, user.userId);
    if (setup !== undefined) this.table.setups.set(setup.digest, copy(setup));
    if (grants.length > 0) this.table.grants.set(user.userId, new Map(grants.map((g) => [g.audience, copy(g)])));
    this.table.record(audit);
  }

  async updateUser(
    user: StoredUser,
    expectedVersion: number,
    audit?: AuditEvent,
    revokeSessions?: SessionRevocationReason,
  ): Promise<void> {
    this.table.count('updateUser');
    const stored = this.table.users.get(user.userId);
    if (stored === undefined || stored.version !== expectedVersion) throw new ConflictError('the user changed');
    this.table.users.set(user.userId, copy(user));
    if (revokeSessions !== undefined) this.table.revokeUserTokens(user.userId, revokeSessions, user.updatedAt);
    this.table.record(audit);
  }

  async deleteUser(userId: string, expectedVersion: number, audit: AuditEvent): Promise<void> {
    this.table.count('deleteUser');
    const stored = this.table.users.get(userId);
    if (stored === undefined || stored.version !== expectedVersion) throw new ConflictError('the user changed');
    this.table.revokeUserTokens(userId, 'user-deleted', audit.at);
    this.table.users.delete(userId);
    this.table.usernames.delete(stored.username.toLowerCase());
    this.table.grants.delete(userId);
    this.table.record(audit);
  }

  async putGrant(userId: string, grant: UserGrant, audit: AuditEvent): Promise<void> {
    this.table.count('putGrant');
    if (!this.table.users.has(userId)) throw new ConflictError('no such user');
    const grants = this.table.grants.get(userId) ?? new Map<string, UserGrant>();
    grants.set(grant.audience, copy(grant));
    this.table.grants.set(userId, grants);
    this.table.record(audit);
  }

  async deleteGrant(userId: string, audience: string, audit: AuditEvent): Promise<boolean> {
    this.table.count('deleteGrant');
    const deleted = this.table.grants.get(userId)?.delete(audience) ?? false;
    if (deleted) this.table.record(audit);
    return deleted;
  }

  async recordFailedSignIn(userId: string, lockAfter: number, lockUntil: string): Promise<void> {
    this.table.count('recordFailedSignIn');
    const user = this.table.users.get(userId);
    if (user === undefined) return;
    user.failedSignIns += 1;
    if (user.failedSignIns >= lockAfter) {
      user.failedSignIns = 0;
      user.lockedUntil = lockUntil;
    }
  }

  async recordSuccessfulSignIn(userId: string): Promise<void> {
    this.table.count('recordSuccessfulSignIn');
    const user = this.table.users.get(userId);
    if (user !== undefined) user.failedSignIns = 0;
  }
}

/** The public shape of a stored user (what the admin API shows). */
export function publicUser(user: StoredUser): User {
  const { password: _password, failedSignIns: _failed, lockedUntil: _locked, ...rest } = copy(user);
  return rest;
}

/** One-time password setups. */
export class InMemoryPasswordSetupRepository implements PasswordSetupRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async findSetup(digest: string): Promise<PasswordSetup | undefined> {
    this.table.count('findSetup');
    const setup = this.table.setups.get(digest);
    return setup === undefined ? undefined : copy(setup);
  }

  async completeSetup(digest: string, user: StoredUser, expectedVersion: number, audit: AuditEvent): Promise<void> {
    this.table.count('completeSetup');
    const stored = this.table.users.get(user.userId);
    if (!this.table.setups.has(digest) || stored === undefined || stored.version !== expectedVersion) {
      throw new ConflictError('the setup was used or the user changed');
    }
    this.table.setups.delete(digest);
    this.table.users.set(user.userId, copy(user));
    this.table.revokeUserTokens(user.userId, 'password-changed', audit.at);
    this.table.record(audit);
  }
}

/** Browser sign-in sessions. */
export class InMemorySignInSessionRepository implements SignInSessionRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async createSignInSession(session: SignInSession): Promise<void> {
    this.table.count('createSignInSession');
    if (this.table.signInSessions.has(session.digest)) throw new ConflictError('session exists');
    this.table.signInSessions.set(session.digest, copy(session));
  }

  async findSignInSession(digest: string): Promise<SignInSession | undefined> {
    this.table.count('findSignInSession');
    const session = this.table.signInSessions.get(digest);
    return session === undefined ? undefined : copy(session);
  }

  async deleteSignInSession(digest: string): Promise<void> {
    this.table.count('deleteSignInSession');
    this.table.signInSessions.delete(digest);
  }
}

/** Pending authorization requests. */
export class InMemoryAuthorizationRequestRepository implements AuthorizationRequestRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async createAuthorizationRequest(request: AuthorizationRequest): Promise<void> {
    this.table.count('createAuthorizationRequest');
    if (this.table.requests.has(request.digest)) throw new ConflictError('request exists');
    this.table.requests.set(request.digest, copy(request));
  }

  async findAuthorizationRequest(digest: string): Promise<AuthorizationRequest | undefined> {
    this.table.count('findAuthorizationRequest');
    const request = this.table.requests.get(digest);
    return request === undefined ? undefined : copy(request);
  }

  async updateAuthorizationRequest(request: AuthorizationRequest): Promise<void> {
    this.table.count('updateAuthorizationRequest');
    if (!this.table.requests.has(request.digest)) throw new ConflictError('no such request');
    this.table.requests.set(request.digest, copy(request));
  }

  async consumeAuthorizationRequest(digest: string): Promise<boolean> {
    this.table.count('consumeAuthorizationRequest');
    return this.table.requests.delete(digest);
  }
}

/** Authorization codes: redemption is one atomic step, as the conditional write is. */
export class InMemoryAuthorizationCodeRepository implements AuthorizationCodeRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async createCode(code: AuthorizationCode): Promise<void> {
    this.table.count('createCode');
    if (this.table.codes.has(code.digest) || !this.table.userMayHoldTokens(code.userId)) {
      throw new ConflictError('code exists, or the user is not enabled');
    }
    this.table.codes.set(code.digest, copy(code));
  }

  async redeemCode(digest: string, at: string, issued: IssuedFromCode): Promise<CodeRedemption> {
    this.table.count('redeemCode');
    const code = this.table.codes.get(digest);
    if (code === undefined || (code.consumedAt === undefined && code.revokedAt !== undefined)) {
      return { outcome: 'unknown' };
    }
    if (code.consumedAt !== undefined) {
      return code.issued === undefined ? { outcome: 'reused' } : { outcome: 'reused', issued: copy(code.issued) };
    }
    code.consumedAt = at;
    code.issued = copy(issued);
    return { outcome: 'redeemed', code: copy(code) };
  }

  async recordIssued(digest: string, issued: IssuedFromCode): Promise<void> {
    this.table.count('recordIssued');
    const code = this.table.codes.get(digest);
    if (code !== undefined) code.issued = copy(issued);
  }
}

/** The access-token deny-list. */
export class InMemoryRevocationRepository implements RevocationRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async denyAccessToken(jti: string, exp: number): Promise<void> {
    this.table.count('denyAccessToken');
    this.table.deniedTokens.set(jti, exp);
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    this.table.count('isAccessTokenDenied');
    return this.table.deniedTokens.has(jti);
  }

  async denySession(sid: string, until: number): Promise<void> {
    this.table.count('denySession');
    this.table.deniedSessions.set(sid, until);
  }

  async isSessionDenied(sid: string): Promise<boolean> {
    this.table.count('isSessionDenied');
    return this.table.deniedSessions.has(sid);
  }
}

/**
 * Refresh-token sessions: rotation is one atomic step with the DynamoDB adapter's condition (current
 * digest, same client, not revoked, not expired) and classification of a failure; revocation marks the
 * session and denies its sid, as the adapter's transaction does.
 */
export class InMemoryRefreshSessionRepository implements RefreshSessionRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async createSession(session: RefreshSession): Promise<void> {
    this.table.count('createSession');
    if (this.table.sessions.has(session.sessionId) || !this.table.userMayHoldTokens(session.userId)) {
      throw new ConflictError('session exists, or the user is not enabled');
    }
    this.table.sessions.set(session.sessionId, copy(session));
  }

  async findSession(sessionId: string): Promise<RefreshSession | undefined> {
    this.table.count('findSession');
    const session = this.table.sessions.get(sessionId);
    return session === undefined ? undefined : copy(session);
  }

  async rotate(sessionId: string, input: RefreshRotationInput): Promise<RefreshRotation> {
    this.table.count('rotate');
    const session = this.table.sessions.get(sessionId);
    if (session === undefined) return { outcome: 'unknown' };
    const live =
      session.clientId === input.clientId &&
      session.revokedAt === undefined &&
      session.expiresAt > input.at &&
      (session.idleExpiresAt === undefined || session.idleExpiresAt > input.at);
    if (live && liveRefusal(session, input) === 'refused' && session.currentDigest === input.presentedDigest) {
      session.consumedDigests = [session.currentDigest, ...session.consumedDigests].slice(0, CONSUMED_DIGESTS_KEPT);
      session.currentDigest = input.nextDigest;
      session.lastUsedAt = input.at;
      if (input.idleExpiresAt !== undefined) session.idleExpiresAt = input.idleExpiresAt;
      return { outcome: 'rotated', session: copy(session) };
    }
    if (session.clientId !== input.clientId || session.revokedAt !== undefined) {
      return { outcome: 'refused', session: copy(session) };
    }
    if (session.consumedDigests.includes(input.presentedDigest)) return { outcome: 'reused', session: copy(session) };
    if (session.currentDigest !== input.presentedDigest) return { outcome: 'unknown' };
    return { outcome: live ? liveRefusal(session, input) : 'refused', session: copy(session) };
  }

  async revokeSession(
    sessionId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds: number = MAX_ACCESS_TOKEN_TTL,
    audit?: AuditEvent,
  ): Promise<boolean> {
    this.table.count('revokeSession');
    const session = this.table.sessions.get(sessionId);
    if (session === undefined || session.revokedAt !== undefined) return false;
    session.revokedAt = at;
    session.revokedReason = reason;
    this.table.deniedSessions.set(sessionId, Math.ceil(Date.parse(session.expiresAt) / 1000) + denyMarginSeconds);
    this.table.record(audit);
    return true;
  }

  async limitUserSessions(userId: string, clientId: string, keep: number, at: string): Promise<number> {
    this.table.count('limitUserSessions');
    const live = [...this.table.sessions.values()]
      .filter((s) => s.userId === userId && s.clientId === clientId && s.revokedAt === undefined && s.expiresAt > at)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const surplus = live.slice(Math.max(keep, 0));
    for (const session of surplus) await this.revokeSession(session.sessionId, 'session-limit', at);
    return surplus.length;
  }

  async refuseSession(sessionId: string, at: string): Promise<boolean> {
    this.table.count('refuseSession');
    if (this.table.sessions.has(sessionId)) return false;
    // A marker, as the adapter's: no user, client or digest; revoked.
    this.table.sessions.set(sessionId, {
      sessionId,
      revokedAt: at,
      revokedReason: 'refresh-token-reuse',
    } as unknown as RefreshSession);
    return true;
  }

  async listUserSessions(userId: string, page: SessionQuery): Promise<Page<RefreshSession>> {
    this.table.count('listUserSessions');
    const matching = [...this.table.sessions.values()]
      .filter((s) => s.userId === userId && (page.clientId === undefined || s.clientId === page.clientId))
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.sessionId.localeCompare(a.sessionId) : b.createdAt.localeCompare(a.createdAt),
      );
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    if (!Number.isSafeInteger(start) || start < 0) throw new InvalidCursorError();
    const items = matching.slice(start, start + page.limit).map((s) => copy(s));
    const next = start + page.limit;
    return next < matching.length ? { items, cursor: String(next) } : { items };
  }

  async revokeUserSessions(
    userId: string,
    reason: SessionRevocationReason,
    at: string,
    denyMarginSeconds?: number,
    audit?: AuditEvent,
  ): Promise<number> {
    this.table.count('revokeUserSessions');
    const revoked = this.table.revokeUserTokens(userId, reason, at, denyMarginSeconds);
    this.table.record(audit);
    return revoked;
  }
}

/** The token path's people dependencies (GrantDeps.people) over in-memory fakes of one table. */
export function inMemoryPeopleTokenPath(people: ReturnType<typeof inMemoryPeople> = inMemoryPeople()): PeopleTokenPath {
  return { codes: people.codes, users: people.users, revocations: people.revocations, sessions: people.sessions };
}

/** Consents per user and client. */
export class InMemoryConsentRepository implements ConsentRepository {
  constructor(readonly table: InMemoryPeopleTable = new InMemoryPeopleTable()) {}

  async findConsent(userId: string, clientId: string): Promise<Consent | undefined> {
    this.table.count('findConsent');
    const consent = this.table.consents.get(`${userId} ${clientId}`);
    return consent === undefined ? undefined : copy(consent);
  }

  async putConsent(consent: Consent): Promise<void> {
    this.table.count('putConsent');
    this.table.consents.set(`${consent.userId} ${consent.clientId}`, copy(consent));
  }
}

/** Every people fake over one table. */
export function inMemoryPeople(table: InMemoryPeopleTable = new InMemoryPeopleTable()): {
  table: InMemoryPeopleTable;
  users: InMemoryUserRepository;
  setups: InMemoryPasswordSetupRepository;
  signInSessions: InMemorySignInSessionRepository;
  requests: InMemoryAuthorizationRequestRepository;
  codes: InMemoryAuthorizationCodeRepository;
  revocations: InMemoryRevocationRepository;
  consents: InMemoryConsentRepository;
  sessions: InMemoryRefreshSessionRepository;
} {
  return {
    table,
    users: new InMemoryUserRepository(table),
    setups: new InMemoryPasswordSetupRepository(table),
    signInSessions: new InMemorySignInSessionRepository(table),
    requests: new InMemoryAuthorizationRequestRepository(table),
    codes: new InMemoryAuthorizationCodeRepository(table),
    revocations: new InMemoryRevocationRepository(table),
    consents: new InMemoryConsentRepository(table),
    sessions: new InMemoryRefreshSessionRepository(table),
  };
}
