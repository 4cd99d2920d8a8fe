/**
 * Refresh-token sessions on DynamoDB (dynalite through the local runtime's front): the item layout
 * (digests only, a fixed-size consumed list, the user entry), rotation as ONE conditional UpdateItem
 * (10 concurrent rotations of one token: exactly one wins), the failure classification (reused,
 * refused, unknown) from one consistent GetItem where dynalite returns no old image, revocation with
 * the DENYSID deny-list entry, listing and revoking a user's sessions — and the in-memory fake
 * answering the same.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CONSUMED_DIGESTS_KEPT } from '../../lambdas/domain/people/model';
import type { RefreshSession } from '../../lambdas/domain/people/model';
import type { RefreshSessionRepository, RevocationRepository } from '../../lambdas/domain/people/ports';
import { newRefreshToken, parseRefreshToken } from '../../lambdas/domain/people/refresh-tokens';
import { MAX_ACCESS_TOKEN_TTL } from '../../lambdas/domain/tokens/access-token';
import { ConflictError } from '../../lambdas/domain/errors';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';
import { inMemoryPeople } from '../support/in-memory-people';

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const DAY = 86_400_000;

function session(sessionId: string, currentDigest: string, extra: Partial<RefreshSession> = {}): RefreshSession {
  return {
    sessionId,
    userId: 'u-alice',
    user: { userId: 'u-alice', username: 'alice', name: 'Alice', email: 'alice@example.com' },
    clientId: 'spa',
    scopes: ['openid', 'orders:read'],
    audience: 'https://api.example.com',
    authTime: Math.floor(T0 / 1000) - 60,
    createdAt: at(0),
    lastUsedAt: at(0),
    expiresAt: at(30 * DAY),
    currentDigest,
    consumedDigests: [],
    ...extra,
  };
}

describe('DynamoDbRefreshSessionRepository (dynalite)', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
    for (const [userId, username] of [
      ['u-alice', 'alice'],
      ['u-bob', 'bob'],
    ] as const) {
      await db.users.createUser({
        userId,
        username,
        status: 'enabled',
        createdAt: at(0),
        updatedAt: at(0),
        version: 1,
        failedSignIns: 0,
      });
    }
  });
  afterAll(async () => db.close());
  beforeEach(() => db.resetCalls());

  it('stores the session by id with digests only, a padded consumed list, index keys and its user entry', async () => {
    const first = newRefreshToken('S0000000000000000layout');
    await db.sessions.createSession(session('S0000000000000000layout', first.digest));
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'SESSION#S0000000000000000layout', sk: 'SESSION' } }),
    );
    expect(Item).toEqual({
      pk: 'SESSION#S0000000000000000layout',
      sk: 'SESSION',
      type: 'session',
      gsi1pk: 'USERSESSIONS#u-alice',
      gsi1sk: `${at(0)}#S0000000000000000layout`,
      ttl: Math.ceil((T0 + 30 * DAY) / 1000),
      sessionId: 'S0000000000000000layout',
      userId: 'u-alice',
      user: { userId: 'u-alice', username: 'alice', name: 'Alice', email: 'alice@example.com' },
      clientId: 'spa',
      scopes: ['openid', 'orders:read'],
      audience: 'https://api.example.com',
      authTime: Math.floor(T0 / 1000) - 60,
      createdAt: at(0),
      lastUsedAt: at(0),
      expiresAt: at(30 * DAY),
      currentDigest: first.digest,
      consumedDigests: Array.from({ length: CONSUMED_DIGESTS_KEPT }, () => '-'),
    });
    expect(JSON.stringify(Item)).not.toContain(first.token);
    const ref = await db.doc.send(
      new GetCommand({
        TableName: db.tableName,
        Key: { pk: 'USERTOKENS#u-alice', sk: 'SESSION#S0000000000000000layout' },
      }),
    );
    expect(ref.Item).toEqual({
      pk: 'USERTOKENS#u-alice',
      sk: 'SESSION#S0000000000000000layout',
      type: 'sessionref',
      sessionId: 'S0000000000000000layout',
      clientId: 'spa',
      createdAt: at(0),
      expiresAt: at(30 * DAY),
      ttl: Math.ceil((T0 + 30 * DAY) / 1000),
    });
    await expect(db.sessions.createSession(session('S0000000000000000layout', 'x'))).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('rotation is one UpdateItem; the consumed list shifts and stays bounded', async () => {
    const id = 'S000000000000000shifts';
    let current = newRefreshToken(id);
    await db.sessions.createSession(session(id, current.digest));
    const consumed: string[] = [];
    for (let i = 0; i < CONSUMED_DIGESTS_KEPT + 2; i += 1) {
      const next = newRefreshToken(id);
      db.resetCalls();
      const result = await db.sessions.rotate(id, {
        clientId: 'spa',
        presentedDigest: current.digest,
        nextDigest: next.digest,
        at: at(1000 * (i + 1)),
      });
      expect(db.calls).toEqual({ UpdateItemCommand: 1 });
      expect(result.outcome).toBe('rotated');
      consumed.unshift(current.digest);
      current = next;
    }
    const stored = await db.sessions.findSession(id);
    expect(stored?.currentDigest).toBe(current.digest);
    expect(stored?.lastUsedAt).toBe(at(1000 * (CONSUMED_DIGESTS_KEPT + 2)));
    expect(stored?.consumedDigests).toEqual(consumed.slice(0, CONSUMED_DIGESTS_KEPT));
  });

  it('a scope beyond the session’s or another resource is refused in the same condition and consumes nothing', async () => {
    const id = 'S00000000000000target';
    const current = newRefreshToken(id);
    await db.sessions.createSession(session(id, current.digest));
    const input = {
      clientId: 'spa',
      presentedDigest: current.digest,
      nextDigest: newRefreshToken(id).digest,
      at: at(1),
    };
    db.resetCalls();
    expect((await db.sessions.rotate(id, { ...input, requiredAudience: 'https://other.example.com' })).outcome).toBe(
      'target-mismatch',
    );
    expect((await db.sessions.rotate(id, { ...input, requiredScopes: ['orders:write'] })).outcome).toBe(
      'scope-exceeded',
    );
    expect((await db.sessions.findSession(id))?.currentDigest).toBe(current.digest);
    const ok = await db.sessions.rotate(id, {
      ...input,
      requiredAudience: 'https://api.example.com',
      requiredScopes: ['orders:read'],
    });
    expect(ok.outcome).toBe('rotated');
  });

  it('10 concurrent rotations of one token: exactly one rotated, the others see a reuse', async () => {
    const id = 'S0000000000000000racer';
    const first = newRefreshToken(id);
    await db.sessions.createSession(session(id, first.digest));
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        db.sessions.rotate(id, {
          clientId: 'spa',
          presentedDigest: first.digest,
          nextDigest: newRefreshToken(id).digest,
          at: at(1000),
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'reused')).toHaveLength(9);
  });

  it('refuses another client, an expired (absolute or idle) or revoked session; unknown digests and sessions', async () => {
    const id = 'S00000000000000refusal';
    const first = newRefreshToken(id);
    await db.sessions.createSession(session(id, first.digest, { idleExpiresAt: at(DAY) }));
    const attempt = (extra: { clientId?: string; presentedDigest?: string; at?: string }, sessionId = id) =>
      db.sessions.rotate(sessionId, {
        clientId: 'spa',
        presentedDigest: first.digest,
        nextDigest: 'next',
        at: at(1000),
        ...extra,
      });
    expect((await attempt({ clientId: 'other' })).outcome).toBe('refused');
    expect((await attempt({ at: at(DAY) })).outcome).toBe('refused');
    expect((await attempt({ at: at(31 * DAY) })).outcome).toBe('refused');
    expect((await attempt({ presentedDigest: 'never-issued' })).outcome).toBe('unknown');
    expect((await attempt({}, 'S0000000000000000nosuch')).outcome).toBe('unknown');
    // Nothing was consumed by the refusals.
    expect((await db.sessions.findSession(id))?.currentDigest).toBe(first.digest);

    expect(await db.sessions.revokeSession(id, 'admin', at(2000))).toBe(true);
    expect(await db.sessions.revokeSession(id, 'admin', at(3000))).toBe(false);
    expect((await attempt({})).outcome).toBe('refused');
    const stored = await db.sessions.findSession(id);
    expect(stored).toMatchObject({ revokedAt: at(2000), revokedReason: 'admin' });
    const deny = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: `DENYSID#${id}`, sk: 'DENY' } }),
    );
    const until = Math.ceil((T0 + 30 * DAY) / 1000) + MAX_ACCESS_TOKEN_TTL;
    expect(deny.Item).toEqual({ pk: `DENYSID#${id}`, sk: 'DENY', type: 'denysid', sid: id, until, ttl: until });
    expect(await db.revocations.isSessionDenied(id)).toBe(true);
    const ref = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'USERTOKENS#u-alice', sk: `SESSION#${id}` } }),
    );
    expect(ref.Item).toBeUndefined();
  });

  it('maxSessionsPerUser: limitUserSessions keeps the newest of the client’s live sessions, revokes the rest', async () => {
    for (let i = 0; i < 4; i += 1) {
      await db.sessions.createSession(
        session(`S00000000000000000cap${i}`, `d${i}`, { createdAt: at(i * 1000), clientId: 'capped' }),
      );
    }
    await db.sessions.createSession(session('S00000000000000capother', 'dx', { clientId: 'other' }));
    expect(await db.sessions.limitUserSessions('u-alice', 'capped', 2, at(10_000))).toBe(2);
    const state = async (id: string) => (await db.sessions.findSession(id))?.revokedReason;
    expect(await state('S00000000000000000cap0')).toBe('session-limit');
    expect(await state('S00000000000000000cap1')).toBe('session-limit');
    expect(await state('S00000000000000000cap2')).toBeUndefined();
    expect(await state('S00000000000000000cap3')).toBeUndefined();
    expect(await state('S00000000000000capother')).toBeUndefined();
    expect(await db.sessions.limitUserSessions('u-alice', 'capped', 2, at(10_000))).toBe(0);
  });

  it('refuseSession leaves a revoked marker so the session can never be created; false when it exists', async () => {
    expect(await db.sessions.refuseSession('S0000000000000000refuse', at(0))).toBe(true);
    await expect(db.sessions.createSession(session('S0000000000000000refuse', 'd'))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await db.sessions.findSession('S0000000000000000refuse')).toEqual({
      sessionId: 'S0000000000000000refuse',
      revokedAt: at(0),
      revokedReason: 'refresh-token-reuse',
      consumedDigests: [],
    });
    await db.sessions.createSession(session('S00000000000000exists', 'd'));
    expect(await db.sessions.refuseSession('S00000000000000exists', at(0))).toBe(false);
  });

  it('creates no session for a disabled or unknown user (ConditionCheck in the same transaction)', async () => {
    await expect(
      db.sessions.createSession(session('S0000000000000000nouser', 'd', { userId: 'u-nobody' })),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await db.sessions.findSession('S0000000000000000nouser')).toBeUndefined();
  });

  it('lists a user’s sessions newest first, by client, in pages; revokes them all', async () => {
    const user = 'u-bob';
    for (const [i, clientId] of ['spa', 'cli', 'spa'].entries()) {
      await db.sessions.createSession(
        session(`S00000000000000000bob${i}`, `d${i}`, { userId: user, clientId, createdAt: at(i * 1000) }),
      );
    }
    const all = await db.sessions.listUserSessions(user, { limit: 2 });
    expect(all.items.map((s) => s.sessionId)).toEqual(['S00000000000000000bob2', 'S00000000000000000bob1']);
    const rest = await db.sessions.listUserSessions(user, { limit: 2, cursor: all.cursor });
    expect(rest.items.map((s) => s.sessionId)).toEqual(['S00000000000000000bob0']);
    expect(rest.cursor).toBeUndefined();
    const spa = await db.sessions.listUserSessions(user, { limit: 10, clientId: 'spa' });
    expect(spa.items.map((s) => s.sessionId)).toEqual(['S00000000000000000bob2', 'S00000000000000000bob0']);

    expect(await db.sessions.revokeUserSessions(user, 'user-disabled', at(5000))).toBe(3);
    for (const i of [0, 1, 2]) {
      expect(await db.sessions.findSession(`S00000000000000000bob${i}`)).toMatchObject({
        revokedAt: at(5000),
        revokedReason: 'user-disabled',
      });
      expect(await db.revocations.isSessionDenied(`S00000000000000000bob${i}`)).toBe(true);
    }
    expect(await db.sessions.revokeUserSessions(user, 'user-disabled', at(6000))).toBe(0);
  });
});

describe('InMemoryRefreshSessionRepository answers like the adapter', () => {
  const people = inMemoryPeople();
  const sessions: RefreshSessionRepository = people.sessions;
  const revocations: RevocationRepository = people.revocations;

  it('rotates once, then reports the consumed token as a reuse; revocation denies the sid', async () => {
    const id = 'S00000000000000inmemory';
    const first = newRefreshToken(id);
    await sessions.createSession(session(id, first.digest));
    const next = newRefreshToken(id);
    const input = { clientId: 'spa', presentedDigest: first.digest, nextDigest: next.digest, at: at(1000) };
    expect(await sessions.rotate(id, input)).toMatchObject({
      outcome: 'rotated',
      session: { currentDigest: next.digest },
    });
    expect((await sessions.rotate(id, input)).outcome).toBe('reused');
    expect((await sessions.rotate(id, { ...input, clientId: 'other' })).outcome).toBe('refused');
    expect((await sessions.rotate(id, { ...input, presentedDigest: 'x' })).outcome).toBe('unknown');
    expect(await sessions.revokeSession(id, 'refresh-token-reuse', at(2000))).toBe(true);
    expect(await revocations.isSessionDenied(id)).toBe(true);
    expect((await sessions.rotate(id, { ...input, presentedDigest: next.digest })).outcome).toBe('refused');
  });
});

describe('parseRefreshToken', () => {
  it('names the session and digest of one of ours, nothing for anything else', () => {
    const { token, digest } = newRefreshToken('S000000000000000parsed');
    expect(token).toMatch(/^S000000000000000parsed\.[A-Za-z0-9_-]{43}$/);
    expect(parseRefreshToken(token)).toEqual({ sessionId: 'S000000000000000parsed', digest });
    for (const garbage of [
      '',
      'garbage',
      `${token}x`,
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      `a.${'b'.repeat(43)}`,
    ]) {
      expect(parseRefreshToken(garbage)).toBeUndefined();
    }
  });
});
