/**
 * The DynamoDB user and password-setup repositories against dynalite (through the local runtime's
 * transactional front): exact round trips, one strongly consistent Query per loadUser, usernames
 * unique in any case under concurrency, atomic sign-in counters under concurrency, single-use setups,
 * deletion of the whole aggregate, and listing with case-insensitive search.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../lambdas/domain/admin/audit';
import { ConflictError } from '../../lambdas/domain/errors';
import type { PasswordSetup, StoredUser } from '../../lambdas/domain/people/model';
import { startTestDynamo } from '../support/dynalite';
import type { TestDynamo } from '../support/dynalite';

const T0 = '2026-11-23T08:00:00.000Z';
let seq = 0;

function user(userId: string, overrides: Partial<StoredUser> = {}): StoredUser {
  return {
    userId,
    username: `user-${userId}`,
    email: `${userId}@Example.com`,
    name: `Name ${userId}`,
    status: 'enabled',
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    failedSignIns: 0,
    password: { kdf: 'scrypt', params: { N: 1024, r: 8, p: 1, keyLength: 32 }, salt: 'c2FsdA', hash: 'aGFzaA' },
    ...overrides,
  };
}

function audit(targetId: string): AuditEvent {
  seq += 1;
  return {
    eventId: `event-${seq}-${targetId}`,
    at: T0,
    actor: 'admin',
    actorJti: 'jti',
    action: 'user.create',
    targetType: 'user',
    targetId,
    diff: {},
  };
}

describe('DynamoDB user repositories on dynalite', () => {
  let db: TestDynamo;

  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.resetCalls());

  async function auditCount(targetId: string): Promise<number> {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'targetId = :t',
        ExpressionAttributeValues: { ':pk': 'AUDIT', ':t': targetId },
      }),
    );
    return out.Items?.length ?? 0;
  }

  it('round-trips a user with its grants in one strongly consistent Query; keys and search fields stay inside', async () => {
    const created = user('u-round', { lockedUntil: '2026-11-23T08:15:00.000Z', failedSignIns: 3 });
    await db.users.createUser(created, audit('u-round'));
    const grant = { audience: 'https://api.example.com/orders', scopes: ['orders:read'], createdAt: T0 };
    await db.users.putGrant('u-round', grant, audit('u-round-grant'));
    db.resetCalls();
    expect(await db.users.loadUser('u-round')).toEqual({ user: created, grants: [grant] });
    expect(db.calls).toEqual({ QueryCommand: 1 });

    const raw = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'USER#u-round' },
      }),
    );
    const bySk = Object.fromEntries((raw.Items ?? []).map((item) => [item['sk'], item]));
    expect(bySk['USER']).toMatchObject({
      type: 'user',
      gsi1pk: 'USERS',
      gsi1sk: `${T0}#u-round`,
      usernameLower: 'user-u-round',
      emailLower: 'u-round@example.com',
      nameLower: 'name u-round',
    });
    expect(bySk['GRANT#https://api.example.com/orders']).toMatchObject({ type: 'grant' });
    expect(await auditCount('u-round')).toBe(1);
    expect(await db.users.loadUser('nobody')).toBeUndefined();
  });

  it('finds a user by username in any case; of concurrent creates of Alice/alice/ALICE exactly one succeeds', async () => {
    const names = ['Alice', 'alice', 'ALICE', 'aLiCe', 'Alice', 'alicE'];
    const results = await Promise.allSettled(
      names.map((username, i) => db.users.createUser(user(`u-alice-${i}`, { username }), audit(`u-alice-${i}`))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    }
    const winner = names.findIndex((_, i) => results[i]!.status === 'fulfilled');
    const found = await db.users.findByUsername('ALICE');
    expect(found?.user.userId).toBe(`u-alice-${winner}`);
    expect(found?.user.username).toBe(names[winner]);
    // Nothing of the losers was written: no user item, no audit event.
    for (let i = 0; i < names.length; i++) {
      if (i === winner) continue;
      expect(await db.users.loadUser(`u-alice-${i}`)).toBeUndefined();
      expect(await auditCount(`u-alice-${i}`)).toBe(0);
    }
    expect(await db.users.findByUsername('bob')).toBeUndefined();
    // The same id twice is a conflict too.
    await expect(db.users.createUser(user(`u-alice-${winner}`, { username: 'other' }))).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('updates on condition of the version; the username item stays', async () => {
    const u = user('u-update');
    await db.users.createUser(u);
    await db.users.updateUser({ ...u, name: 'Renamed', version: 2 }, 1, audit('u-update'));
    await expect(
      db.users.updateUser({ ...u, name: 'Stale', version: 2 }, 1, audit('u-update-2')),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(db.users.updateUser(user('u-missing'), 1)).rejects.toBeInstanceOf(ConflictError);
    expect((await db.users.loadUser('u-update'))?.user).toMatchObject({ name: 'Renamed', version: 2 });
    expect((await db.users.findByUsername('USER-U-UPDATE'))?.user.userId).toBe('u-update');
  });

  it('deletes the user, its username item and its grants in one transaction, on condition of the version', async () => {
    const u = user('u-delete', { username: 'Deletable' });
    await db.users.createUser(u);
    for (let i = 0; i < 3; i++) {
      await db.users.putGrant(
        'u-delete',
        { audience: `https://api.example.com/${i}`, scopes: ['s'], createdAt: T0 },
        audit(`g${i}`),
      );
    }
    await expect(db.users.deleteUser('u-delete', 2, audit('u-delete-stale'))).rejects.toBeInstanceOf(ConflictError);
    await db.users.deleteUser('u-delete', 1, audit('u-delete'));
    expect(await db.users.loadUser('u-delete')).toBeUndefined();
    expect(await db.users.findByUsername('deletable')).toBeUndefined();
    const left = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'USER#u-delete' },
      }),
    );
    expect(left.Items).toEqual([]);
    await expect(db.users.deleteUser('u-delete', 1, audit('u-delete-again'))).rejects.toBeInstanceOf(ConflictError);
    // The username is free again.
    await db.users.createUser(user('u-delete-2', { username: 'DELETABLE' }));
  });

  it('grants need the user; deleting a missing grant is false and writes nothing', async () => {
    const grant = { audience: 'https://api.example.com/x', scopes: ['x'], createdAt: T0 };
    await expect(db.users.putGrant('u-ghost', grant, audit('u-ghost'))).rejects.toBeInstanceOf(ConflictError);
    await db.users.createUser(user('u-grants'));
    await db.users.putGrant('u-grants', grant, audit('u-grants-1'));
    await db.users.putGrant('u-grants', { ...grant, scopes: ['x', 'y'] }, audit('u-grants-2'));
    expect((await db.users.loadUser('u-grants'))?.grants).toEqual([{ ...grant, scopes: ['x', 'y'] }]);
    expect(await db.users.deleteGrant('u-grants', grant.audience, audit('u-grants-3'))).toBe(true);
    expect(await db.users.deleteGrant('u-grants', grant.audience, audit('u-grants-4'))).toBe(false);
    expect(await auditCount('u-grants-4')).toBe(0);
  });

  it('counts failed sign-ins atomically under concurrency: 25 failures with lockAfter 10 → 2 locks, count 5', async () => {
    await db.users.createUser(user('u-count'));
    db.resetCalls();
    await Promise.all(
      Array.from({ length: 25 }, () => db.users.recordFailedSignIn('u-count', 10, '2026-11-23T08:15:00.000Z')),
    );
    const { user: counted } = (await db.users.loadUser('u-count'))!;
    expect(counted).toMatchObject({ failedSignIns: 5, lockedUntil: '2026-11-23T08:15:00.000Z', version: 1 });
    // Conditional UpdateItems decide (at least one per failure); a GetItem only tells a missing user
    // from a lost race, after both conditions failed. The one Query is the loadUser above.
    expect(db.calls['UpdateItemCommand']).toBeGreaterThanOrEqual(25);
    expect(db.calls['QueryCommand']).toBe(1);
    expect(
      Object.keys(db.calls).filter((c) => !['UpdateItemCommand', 'GetItemCommand', 'QueryCommand'].includes(c)),
    ).toEqual([]);

    await db.users.recordSuccessfulSignIn('u-count');
    expect((await db.users.loadUser('u-count'))?.user.failedSignIns).toBe(0);
    db.resetCalls();
    await db.users.recordSuccessfulSignIn('u-count');
    expect(db.calls).toEqual({ UpdateItemCommand: 1 });
    // A missing user is no error.
    await db.users.recordFailedSignIn('u-nobody', 10, T0);
    await db.users.recordSuccessfulSignIn('u-nobody');
    expect(await db.users.loadUser('u-nobody')).toBeUndefined();
  });

  it('lists newest first with case-insensitive search over username, email and name, status, and cursors', async () => {
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    const made = [
      user('l-1', {
        username: 'Search-One',
        email: 'one@Corp.example',
        name: 'Ann',
        createdAt: new Date(base).toISOString(),
      }),
      user('l-2', {
        username: 'two',
        email: undefined,
        name: 'CORPORATE Bob',
        createdAt: new Date(base + 1000).toISOString(),
      }),
      user('l-3', {
        username: 'three',
        status: 'disabled',
        name: undefined,
        createdAt: new Date(base + 2000).toISOString(),
      }),
    ];
    for (const u of made) await db.users.createUser(u);
    const corp = await db.users.listUsers({ limit: 10, q: 'corp' });
    expect(corp.items.map((u) => u.userId)).toEqual(['l-2', 'l-1']);
    expect(corp.items[1]).toEqual({
      userId: 'l-1',
      username: 'Search-One',
      email: 'one@Corp.example',
      name: 'Ann',
      status: 'enabled',
      createdAt: made[0]!.createdAt,
      updatedAt: T0,
      version: 1,
    });
    expect((await db.users.listUsers({ limit: 10, q: 'search-ONE' })).items.map((u) => u.userId)).toEqual(['l-1']);
    expect((await db.users.listUsers({ limit: 10, q: 'l-3' })).items.map((u) => u.userId)).toEqual(['l-3']);
    expect((await db.users.listUsers({ limit: 10, status: 'disabled', q: 'three' })).items).toHaveLength(1);
    const first = await db.users.listUsers({ limit: 2 });
    expect(first.items.map((u) => u.userId)).toEqual(['l-3', 'l-2']);
    const second = await db.users.listUsers({ limit: 2, cursor: first.cursor });
    expect(second.items[0]?.userId).toBe('l-1');
    await expect(db.users.listUsers({ limit: 2, cursor: 'bogus' })).rejects.toThrow('invalid cursor');
  });

  it('creates a setup with the user; it is used once, atomically with the password and the audit event', async () => {
    const setup: PasswordSetup = {
      digest: 'digest-abc',
      userId: 'u-setup',
      createdAt: T0,
      expiresAt: '2026-11-24T08:00:00.000Z',
    };
    const u = user('u-setup', { password: undefined });
    await db.users.createUser(u, audit('u-setup'), setup);
    db.resetCalls();
    expect(await db.setups.findSetup('digest-abc')).toEqual(setup);
    expect(db.calls).toEqual({ GetItemCommand: 1 });
    const raw = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'SETUP#digest-abc' },
      }),
    );
    expect(raw.Items?.[0]).toMatchObject({ sk: 'SETUP', type: 'setup', ttl: Date.parse(setup.expiresAt) / 1000 });

    const withPassword = { ...u, password: user('x').password!, version: 2 };
    const uses = await Promise.allSettled(
      [1, 2, 3].map((i) => db.setups.completeSetup('digest-abc', withPassword, 1, audit(`u-setup-use-${i}`))),
    );
    expect(uses.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await db.setups.findSetup('digest-abc')).toBeUndefined();
    expect((await db.users.loadUser('u-setup'))?.user).toEqual(withPassword);
    await expect(db.setups.completeSetup('digest-abc', withPassword, 2, audit('late'))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await auditCount('late')).toBe(0);

    // A user that changed meanwhile: the setup stays unused.
    await db.users.createUser(user('u-setup-2', { password: undefined }), undefined, {
      ...setup,
      digest: 'd2',
      userId: 'u-setup-2',
    });
    await expect(
      db.setups.completeSetup('d2', user('u-setup-2', { version: 2 }), 5, audit('u2')),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await db.setups.findSetup('d2')).toBeDefined();
  });
});
