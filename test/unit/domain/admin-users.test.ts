/**
 * `/admin/users` and `/admin/users/{userId}/grants`: create (with a password, or a one-time setup
 * link shown once and stored only as its digest), case-insensitive username uniqueness, validation
 * with exact problem+json bodies, list (search, status, paging), get, PATCH (If-Match / version,
 * password rules, lockout reset), delete with grants, grants against registered APIs and their
 * scopes, scopes of the admin token, the audit trail — and no response ever holding a password, a
 * hash, a salt or KDF parameters.
 */
import { createHash } from 'node:crypto';
import type { StoredUser } from '../../../lambdas/domain/people/model';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness, CallOptions, CallResult } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ORDERS = 'https://api.example.com/orders';
const PASSWORD = 'correct horse battery staple';

let h: AdminHarness;
/** Every response of the test, for the walk that looks for secrets. */
let responses: CallResult[];

async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const res = await h.call(method, path, opts);
  responses.push(res);
  return res;
}

beforeEach(async () => {
  h = await makeAdminHarness();
  responses = [];
  await h.call('POST', '/admin/apis', {
    body: { identifier: ORDERS, name: 'Orders', scopes: [{ value: 'orders:read' }, { value: 'orders:write' }] },
  });
});

afterEach(() => {
  // No response of any test holds a password, a hash, a salt or KDF parameters.
  const stored = [...h.people.table.users.values()].flatMap((u) =>
    u.password === undefined ? [] : [u.password.hash, u.password.salt],
  );
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}/${i}`));
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        expect([path, key]).not.toEqual([
          path,
          expect.stringMatching(/^(hash|salt|params|kdf|failedSignIns|lockedUntil)$/),
        ]);
        // `password` appears only in audit diffs, as a word.
        if (key === 'password') expect(['set', 'changed', 'setup-link']).toContain((value as { to?: unknown }).to);
        walk(value, `${path}/${key}`);
      }
    } else if (typeof node === 'string') {
      expect(node).not.toContain(PASSWORD);
      for (const secret of stored) expect(node).not.toContain(secret);
    }
  };
  for (const res of responses) {
    walk(res.body, '');
    expect(res.text).not.toContain(PASSWORD);
  }
});

function problem(status: number, slug: string, title: string, detail: string, instance: string, extra = {}) {
  return { type: `${P}${slug}`, title, status, detail, instance, ...extra };
}

async function createUser(body: Record<string, unknown> = {}) {
  const res = await call('POST', '/admin/users', { body: { username: 'ada', password: PASSWORD, ...body } });
  expect(res.status).toBe(201);
  return res;
}

function storedUser(userId: string): StoredUser {
  return h.people.table.users.get(userId)!;
}

describe('POST /admin/users', () => {
  it('creates a user with a password: 201 {user}, only a peppered scrypt hash stored', async () => {
    const at = new Date(h.now()).toISOString();
    const res = await createUser({ email: 'ada@example.com', name: 'Ada Lovelace' });
    const { userId } = res.body.user;
    expect(userId).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
    expect(res.headers).toEqual({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      Location: `/admin/users/${userId}`,
      ETag: '"1"',
    });
    expect(res.body).toEqual({
      user: {
        userId,
        username: 'ada',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        status: 'enabled',
        createdAt: at,
        updatedAt: at,
        version: 1,
      },
    });
    const stored = storedUser(userId);
    expect(stored.failedSignIns).toBe(0);
    expect(stored.password).toEqual({
      kdf: 'scrypt',
      params: { N: 1024, r: 8, p: 1, keyLength: 32 },
      salt: expect.any(String),
      hash: expect.any(String),
    });
    expect(await h.deps.kdf.verify(PASSWORD, stored.password!)).toBe(true);
    expect(JSON.stringify([...h.people.table.users.values()])).not.toContain(PASSWORD);
    expect(h.people.table.setups.size).toBe(0);
    expect(h.people.table.usernames.get('ada')).toBe(userId);
  });

  it('without a password: a one-time setupUrl (24 h, 256-bit token) whose digest alone is stored', async () => {
    const res = await call('POST', '/admin/users', { body: { username: 'Grace.Hopper', status: 'disabled' } });
    expect(res.status).toBe(201);
    const { userId } = res.body.user;
    expect(Object.keys(res.body)).toEqual(['user', 'setupUrl']);
    expect(res.body.user).toMatchObject({ username: 'Grace.Hopper', status: 'disabled' });
    const url = new URL(res.body.setupUrl as string);
    expect(`${url.origin}${url.pathname}`).toBe('https://idp.example.test/oauth2/set-password');
    expect([...url.searchParams.keys()]).toEqual(['token']);
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const digest = createHash('sha256').update(token).digest('base64url');
    expect([...h.people.table.setups.values()]).toEqual([
      {
        digest,
        userId,
        createdAt: new Date(h.now()).toISOString(),
        expiresAt: new Date(h.now() + 24 * 3600_000).toISOString(),
      },
    ]);
    expect(storedUser(userId).password).toBeUndefined();
    // The token is nowhere in storage, and never shown again.
    expect(JSON.stringify([...h.people.table.setups.values(), ...h.table.audit.values()])).not.toContain(token);
    expect((await call('GET', `/admin/users/${userId}`)).text).not.toContain(token);
    // Each user gets its own link.
    const other = await call('POST', '/admin/users', { body: { username: 'grace2' } });
    expect(other.body.setupUrl).not.toBe(res.body.setupUrl);
  });

  it('usernames are unique in any case: 409 already-exists, nothing written', async () => {
    await createUser({ username: 'Alice' });
    for (const username of ['alice', 'ALICE', 'Alice']) {
      const res = await call('POST', '/admin/users', { body: { username } });
      expect(res.status).toBe(409);
      expect(res.headers['Content-Type']).toBe('application/problem+json');
      expect(res.body).toEqual(
        problem(
          409,
          'already-exists',
          'The resource already exists',
          `a user with the username ${username} exists (usernames are unique in any case)`,
          '/admin/users',
        ),
      );
    }
    expect(h.people.table.users.size).toBe(1);
    expect(h.people.table.setups.size).toBe(0);
  });

  it('validates every field, naming it by JSON pointer; server-owned and sign-in fields are refused', async () => {
    const res = await call('POST', '/admin/users', {
      body: {
        username: 'a b',
        email: 'not-an-email',
        name: '',
        password: 'short',
        status: 'locked',
        userId: 'mine',
        failedSignIns: 0,
        hash: 'x',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      problem(400, 'validation-error', 'The request is not valid', '8 inputs are not valid', '/admin/users', {
        errors: [
          { pointer: '/username', detail: 'must use only letters, digits and . _ @ + -' },
          { pointer: '/email', detail: 'must be an email address such as ada@example.com (RFC 5321)' },
          { pointer: '/name', detail: 'must not be empty' },
          { pointer: '/password', detail: 'the password must have at least 12 characters' },
          { pointer: '/status', detail: 'must be one of: "enabled", "disabled"' },
          { pointer: '/userId', detail: 'is set by the server and cannot be written' },
          { pointer: '/failedSignIns', detail: 'is not a known field' },
          { pointer: '/hash', detail: 'is set by the server and cannot be written' },
        ],
      }),
    );
    const lengths = await call('POST', '/admin/users', {
      body: {
        username: 'ab',
        email: `${'a'.repeat(65)}@example.com`,
        name: 'n'.repeat(201),
        password: 'p'.repeat(257),
      },
    });
    expect(lengths.body.errors).toEqual([
      { pointer: '/username', detail: 'must have at least 3 characters' },
      { pointer: '/email', detail: 'must be an email address such as ada@example.com (RFC 5321)' },
      { pointer: '/name', detail: 'must have at most 200 characters' },
      { pointer: '/password', detail: 'the password must have at most 256 characters' },
    ]);
    const long = await call('POST', '/admin/users', {
      body: {
        username: 'u'.repeat(129),
        email: `a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(70)}.com`,
      },
    });
    expect(long.body.errors).toEqual([
      { pointer: '/username', detail: 'must have at most 128 characters' },
      { pointer: '/email', detail: 'must have at most 254 characters' },
    ]);
    const missing = await call('POST', '/admin/users', { body: {} });
    expect(missing.body.errors).toEqual([{ pointer: '/username', detail: 'is required' }]);
    // Every allowed character, and plus-addressed email.
    await createUser({ username: 'a.b_c@d+e-f', email: 'first.last+tag@sub.example.co' });
    expect(h.people.table.users.size).toBe(1);
  });

  it('refuses a password equal to the username in any case, before hashing or writing', async () => {
    const res = await call('POST', '/admin/users', {
      body: { username: 'longusername1', password: 'LongUserName1' },
    });
    expect(res.body).toEqual(
      problem(400, 'validation-error', 'The request is not valid', 'one input is not valid', '/admin/users', {
        errors: [{ pointer: '/password', detail: 'the password must not be the username' }],
      }),
    );
    expect(h.people.table.calls.get('createUser')).toBeUndefined();
  });

  it('is audited as user.create, the password as the word "set" or "setup-link"', async () => {
    const ada = await createUser({ email: 'ada@example.com' });
    h.advance(1000);
    const grace = await call('POST', '/admin/users', { body: { username: 'grace' } });
    const events = (await call('GET', '/admin/audit', { query: 'targetType=user' })).body.items;
    expect(events.map((e: { action: string; target: unknown; diff: unknown }) => [e.action, e.target, e.diff])).toEqual(
      [
        [
          'user.create',
          { type: 'user', id: grace.body.user.userId },
          {
            userId: { to: grace.body.user.userId },
            username: { to: 'grace' },
            status: { to: 'enabled' },
            createdAt: { to: grace.body.user.createdAt },
            updatedAt: { to: grace.body.user.updatedAt },
            version: { to: 1 },
            password: { to: 'setup-link' },
          },
        ],
        [
          'user.create',
          { type: 'user', id: ada.body.user.userId },
          {
            userId: { to: ada.body.user.userId },
            username: { to: 'ada' },
            email: { to: 'ada@example.com' },
            status: { to: 'enabled' },
            createdAt: { to: ada.body.user.createdAt },
            updatedAt: { to: ada.body.user.updatedAt },
            version: { to: 1 },
            password: { to: 'set' },
          },
        ],
      ],
    );
  });
});

describe('GET /admin/users', () => {
  it('lists newest first; q searches username, email and name in any case, or the exact id; status filters; cursors page', async () => {
    const ids: string[] = [];
    for (const [username, email, name] of [
      ['alpha', 'alpha@example.com', 'Ann Smith'],
      ['bravo', 'b@corp.example', 'Bob Jones'],
      ['charlie', undefined, 'SMITHERS'],
      ['delta', 'delta@smith.example', undefined],
    ] as const) {
      h.advance(1000);
      const body: Record<string, unknown> = { username, password: PASSWORD };
      if (email !== undefined) body['email'] = email;
      if (name !== undefined) body['name'] = name;
      ids.push((await createUser(body)).body.user.userId);
    }
    await call('PATCH', `/admin/users/${ids[1]}`, { body: { status: 'disabled' } });
    const list = async (query: string) => (await call('GET', '/admin/users', { query })).body;
    expect((await list('')).items.map((u: { userId: string }) => u.userId)).toEqual([...ids].reverse());
    expect((await list('q=smith')).items.map((u: { username: string }) => u.username)).toEqual([
      'delta',
      'charlie',
      'alpha',
    ]);
    expect((await list('q=CORP')).items.map((u: { username: string }) => u.username)).toEqual(['bravo']);
    expect((await list(`q=${ids[2]}`)).items.map((u: { username: string }) => u.username)).toEqual(['charlie']);
    expect((await list('status=disabled')).items.map((u: { username: string }) => u.username)).toEqual(['bravo']);
    expect((await list('q=smith&status=disabled')).items).toEqual([]);

    const first = await list('limit=3');
    expect(first.items).toHaveLength(3);
    expect(typeof first.nextCursor).toBe('string');
    const second = await list(`limit=3&cursor=${first.nextCursor}`);
    expect(second).toEqual({ items: [expect.objectContaining({ userId: ids[0] })] });
    expect(second.items[0]).toEqual({
      userId: ids[0],
      username: 'alpha',
      email: 'alpha@example.com',
      name: 'Ann Smith',
      status: 'enabled',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
  });

  it('refuses bad parameters and made-up cursors, naming the parameter', async () => {
    const res = await call('GET', '/admin/users', { query: 'status=locked&limit=0&sort=name' });
    expect(res.body).toEqual(
      problem(400, 'validation-error', 'The request is not valid', '3 inputs are not valid', '/admin/users', {
        errors: [
          { parameter: 'limit', detail: 'must be at least 1' },
          { parameter: 'status', detail: 'must be one of: "enabled", "disabled"' },
          { parameter: 'sort', detail: 'is not a known parameter' },
        ],
      }),
    );
    const cursor = await call('GET', '/admin/users', { query: 'cursor=made-up' });
    expect(cursor.body).toEqual(
      problem(400, 'validation-error', 'The request is not valid', 'one input is not valid', '/admin/users', {
        errors: [{ parameter: 'cursor', detail: 'is not a cursor this listing issued' }],
      }),
    );
  });
});

describe('GET /admin/users/{userId}', () => {
  it('answers the user with its ETag; 404 for an unknown or impossible id', async () => {
    const { userId } = (await createUser()).body.user;
    const res = await call('GET', `/admin/users/${userId}`);
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('"1"');
    expect(res.body).toEqual(expect.objectContaining({ userId, username: 'ada', version: 1 }));
    expect(await call('GET', '/admin/users/nobody')).toMatchObject({
      status: 404,
      body: problem(404, 'not-found', 'Not found', 'no user with id nobody', '/admin/users/nobody'),
    });
    const impossible = await call('GET', '/admin/users/a%20b');
    expect(impossible.body).toEqual(
      problem(404, 'not-found', 'Not found', 'no user matches this path', '/admin/users/a%20b'),
    );
  });
});

describe('PATCH /admin/users/{userId}', () => {
  it('changes name, email and status; null removes; nothing changed → 200 without a write', async () => {
    const created = await createUser({ email: 'ada@example.com', name: 'Ada' });
    const { userId, createdAt } = created.body.user;
    h.advance(5000);
    const res = await call('PATCH', `/admin/users/${userId}`, {
      body: { name: 'Ada King', email: null, status: 'disabled' },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('"2"');
    expect(res.body).toEqual({
      userId,
      username: 'ada',
      name: 'Ada King',
      status: 'disabled',
      createdAt,
      updatedAt: new Date(h.now()).toISOString(),
      version: 2,
    });
    const writes = h.people.table.calls.get('updateUser');
    const same = await call('PATCH', `/admin/users/${userId}`, { body: { name: 'Ada King' } });
    expect(same).toMatchObject({ status: 200, body: { version: 2 } });
    expect(h.people.table.calls.get('updateUser')).toBe(writes);
    const [event] = (await call('GET', '/admin/audit', { query: 'action=user.update' })).body.items;
    expect(event.diff).toEqual({
      name: { from: 'Ada', to: 'Ada King' },
      email: { from: 'ada@example.com' },
      status: { from: 'enabled', to: 'disabled' },
    });
  });

  it('a new password is checked, hashed, audited as "changed", and ends a lockout', async () => {
    const { userId } = (await createUser()).body.user;
    const before = storedUser(userId).password!;
    await h.people.users.recordFailedSignIn(userId, 1, '2099-01-01T00:00:00.000Z');
    expect(storedUser(userId).lockedUntil).toBe('2099-01-01T00:00:00.000Z');
    const res = await call('PATCH', `/admin/users/${userId}`, { body: { password: 'a brand new passphrase' } });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
    const after = storedUser(userId);
    expect(after.password!.hash).not.toBe(before.hash);
    expect(await h.deps.kdf.verify('a brand new passphrase', after.password!)).toBe(true);
    expect(await h.deps.kdf.verify(PASSWORD, after.password!)).toBe(false);
    expect(after.failedSignIns).toBe(0);
    expect(after.lockedUntil).toBeUndefined();
    const [event] = (await call('GET', '/admin/audit', { query: 'action=user.update' })).body.items;
    expect(event.diff).toEqual({ password: { to: 'changed' } });

    const same = await call('PATCH', `/admin/users/${userId}`, { body: { password: 'ADA' } });
    expect(same.body.errors).toEqual([
      { pointer: '/password', detail: 'the password must have at least 12 characters' },
    ]);
    const named = await createUser({ username: 'username-long' });
    const equal = await call('PATCH', `/admin/users/${named.body.user.userId}`, {
      body: { password: 'USERNAME-LONG' },
    });
    expect(equal.body).toEqual(
      problem(
        400,
        'validation-error',
        'The request is not valid',
        'one input is not valid',
        `/admin/users/${named.body.user.userId}`,
        { errors: [{ pointer: '/password', detail: 'the password must not be the username' }] },
      ),
    );
  });

  it('If-Match → 412 with the current ETag; a stale body version → 409; the username cannot change', async () => {
    const { userId } = (await createUser()).body.user;
    await call('PATCH', `/admin/users/${userId}`, { body: { name: 'A' } });
    const stale = await call('PATCH', `/admin/users/${userId}`, {
      body: { name: 'B' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers['ETag']).toBe('"2"');
    expect(stale.body).toEqual(
      problem(
        412,
        'precondition-failed',
        'The If-Match precondition failed',
        'the resource is at version 2; If-Match did not match it',
        `/admin/users/${userId}`,
      ),
    );
    const conflict = await call('PATCH', `/admin/users/${userId}`, { body: { name: 'B', version: 1 } });
    expect(conflict.body).toEqual(
      problem(
        409,
        'version-conflict',
        'The resource was changed by someone else',
        'the resource is at version 2, the request was based on version 1',
        `/admin/users/${userId}`,
      ),
    );
    const rename = await call('PATCH', `/admin/users/${userId}`, { body: { username: 'eve', userId: 'x' } });
    expect(rename.body.errors).toEqual([
      { pointer: '/username', detail: 'is not a known field' },
      { pointer: '/userId', detail: 'is set by the server and cannot be written' },
    ]);
    expect(storedUser(userId)).toMatchObject({ username: 'ada', name: 'A', version: 2 });
  });
});

describe('DELETE /admin/users/{userId}', () => {
  it('deletes the user, its username and its grants (audited with them); the username is free again', async () => {
    const { userId } = (await createUser({ username: 'Ada' })).body.user;
    await call('POST', `/admin/users/${userId}/grants`, { body: { audience: ORDERS, scopes: ['orders:read'] } });
    const wrong = await call('DELETE', `/admin/users/${userId}`, { headers: { 'if-match': '"7"' } });
    expect(wrong.status).toBe(412);
    const res = await call('DELETE', `/admin/users/${userId}`, { headers: { 'if-match': '"1"' } });
    expect(res).toMatchObject({ status: 204, text: '' });
    expect(h.people.table.users.size).toBe(0);
    expect(h.people.table.grants.size).toBe(0);
    expect(h.people.table.usernames.size).toBe(0);
    expect((await call('GET', `/admin/users/${userId}`)).status).toBe(404);
    expect((await call('DELETE', `/admin/users/${userId}`)).status).toBe(404);
    const [event] = (await call('GET', '/admin/audit', { query: 'action=user.delete' })).body.items;
    expect(event.diff).toMatchObject({
      username: { from: 'Ada' },
      grants: { from: [{ audience: ORDERS, scopes: ['orders:read'], createdAt: expect.any(String) }] },
    });
    await createUser({ username: 'ADA' });
  });
});

describe('/admin/users/{userId}/grants', () => {
  const grants = (userId: string) => `/admin/users/${userId}/grants`;

  it('puts (201, then 200 keeping createdAt), lists by audience, deletes; audited with the user id', async () => {
    const { userId } = (await createUser()).body.user;
    h.advance(1000);
    const created = await call('POST', grants(userId), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    expect(created.status).toBe(201);
    const location = `/admin/users/${userId}/grants/${encodeURIComponent(ORDERS)}`;
    expect(created.headers['Location']).toBe(location);
    const createdAt = new Date(h.now()).toISOString();
    expect(created.body).toEqual({ audience: ORDERS, scopes: ['orders:read'], createdAt });
    h.advance(1000);
    const replaced = await call('POST', grants(userId), {
      body: { audience: ORDERS, scopes: ['orders:read', 'orders:write'] },
    });
    expect(replaced).toMatchObject({ status: 200, body: { scopes: ['orders:read', 'orders:write'], createdAt } });
    const writes = h.people.table.calls.get('putGrant');
    const same = await call('POST', grants(userId), {
      body: { audience: ORDERS, scopes: ['orders:read', 'orders:write'] },
    });
    expect(same.status).toBe(200);
    expect(h.people.table.calls.get('putGrant')).toBe(writes);

    h.advance(1000);
    await call('POST', grants(userId), { body: { audience: h.adminAudience, scopes: ['admin:read'] } });
    const listed = await call('GET', grants(userId));
    expect(listed.body.items.map((g: { audience: string }) => g.audience)).toEqual([ORDERS, h.adminAudience]);

    h.advance(1000);
    expect(await call('DELETE', location)).toMatchObject({ status: 204 });
    const again = await call('DELETE', location);
    expect(again.body).toEqual(
      problem(404, 'not-found', 'Not found', `user ${userId} has no grant on ${ORDERS}`, location),
    );
    const events = (await call('GET', '/admin/audit', { query: `targetId=${userId}` })).body.items;
    expect(events.map((e: { action: string }) => e.action)).toEqual([
      'grant.delete',
      'grant.put',
      'grant.put',
      'grant.put',
      'user.create',
    ]);
    expect(events[0].target).toEqual({ type: 'grant', id: ORDERS, userId });
    expect(events[2].diff).toEqual({ scopes: { from: ['orders:read'], to: ['orders:read', 'orders:write'] } });
  });

  it('the audience must be a registered API and the scopes its own; the user must exist', async () => {
    const { userId } = (await createUser()).body.user;
    const path = grants(userId);
    const unknownApi = await call('POST', path, { body: { audience: 'https://api.example.com/none', scopes: ['x'] } });
    expect(unknownApi.body).toEqual(
      problem(400, 'validation-error', 'The request is not valid', 'one input is not valid', path, {
        errors: [{ pointer: '/audience', detail: 'is not the identifier of a registered API' }],
      }),
    );
    const unknownScope = await call('POST', path, {
      body: { audience: ORDERS, scopes: ['orders:read', 'orders:delete'] },
    });
    expect(unknownScope.body.errors).toEqual([{ pointer: '/scopes/1', detail: `is not a scope of ${ORDERS}` }]);
    const shape = await call('POST', path, { body: { audience: 'nope', scopes: [], claims: {} } });
    expect(shape.body.errors).toEqual([
      { pointer: '/audience', detail: 'must be an absolute URI without a fragment (RFC 8707 §2)' },
      { pointer: '/scopes', detail: 'must have at least 1 item' },
      { pointer: '/claims', detail: 'is not a known field' },
    ]);
    const dup = await call('POST', path, { body: { audience: ORDERS, scopes: ['orders:read', 'orders:read'] } });
    expect(dup.body.errors).toEqual([{ pointer: '/scopes/1', detail: 'repeats the scope at index 0' }]);
    const noUser = await call('POST', grants('ghost'), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    expect(noUser.body).toEqual(problem(404, 'not-found', 'Not found', 'no user with id ghost', grants('ghost')));
    expect((await call('GET', grants('ghost'))).status).toBe(404);
    expect(h.people.table.grants.size).toBe(0);
  });

  it('at most 50 grants per user (a deletion must fit one transaction): 409 limit-exceeded', async () => {
    const { userId } = (await createUser()).body.user;
    for (let i = 0; i < 50; i++) {
      h.people.table.grants.set(
        userId,
        (h.people.table.grants.get(userId) ?? new Map()).set(`https://api.example.com/${i}`, {
          audience: `https://api.example.com/${i}`,
          scopes: ['s'],
          createdAt: '2026-01-01T00:00:00.000Z',
        }),
      );
    }
    const res = await call('POST', grants(userId), { body: { audience: ORDERS, scopes: ['orders:read'] } });
    expect(res.body).toEqual(
      problem(
        409,
        'limit-exceeded',
        'A limit was reached',
        `user ${userId} has 50 grants, the most allowed`,
        grants(userId),
      ),
    );
  });
});

describe('scopes of the admin token', () => {
  it('admin:read reads users; every change needs admin:write', async () => {
    const { userId } = (await createUser()).body.user;
    expect((await call('GET', '/admin/users', { scope: 'admin:read' })).status).toBe(200);
    expect((await call('GET', `/admin/users/${userId}/grants`, { scope: 'admin:read' })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/admin/users', { username: 'eve' }],
      ['PATCH', `/admin/users/${userId}`, { status: 'disabled' }],
      ['DELETE', `/admin/users/${userId}`, undefined],
      ['POST', `/admin/users/${userId}/grants`, { audience: ORDERS, scopes: ['orders:read'] }],
      ['DELETE', `/admin/users/${userId}/grants/${encodeURIComponent(ORDERS)}`, undefined],
    ] as const) {
      const res = await call(method, path, { scope: 'admin:read', ...(body === undefined ? {} : { body }) });
      expect([method, path, res.status, res.body.type]).toEqual([method, path, 403, `${P}insufficient-scope`]);
    }
    expect((await call('GET', '/admin/users', { scope: null })).status).toBe(401);
    expect(storedUser(userId).status).toBe('enabled');
  });
});
