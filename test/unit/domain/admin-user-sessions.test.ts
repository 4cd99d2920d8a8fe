/**
 * `/admin/users/{userId}/sessions`: the list (newest first, any state, by client, paged; never a token
 * or digest), revoking one (204, idempotent; 404 for another user's or an unknown session) and all
 * (200 with how many), each audited as `session.revoke`, scopes of the admin token — and disabling a
 * user or setting a password through PATCH revoking all of the user's sessions.
 */
import type { RefreshSession } from '../../../lambdas/domain/people/model';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

let h: AdminHarness;
let userId: string;

const at = (ms: number) => new Date(h.now() + ms).toISOString();

function seedSession(sessionId: string, extra: Partial<RefreshSession> = {}): void {
  h.people.table.sessions.set(sessionId, {
    sessionId,
    userId,
    user: { userId, username: 'alice' },
    clientId: 'spa',
    scopes: ['openid', 'orders:read'],
    audience: 'https://api.example.com/orders',
    authTime: Math.floor(h.now() / 1000),
    createdAt: at(0),
    lastUsedAt: at(0),
    expiresAt: at(30 * 86_400_000),
    currentDigest: `digest-${sessionId}`,
    consumedDigests: [`old-${sessionId}`],
    ...extra,
  });
}

beforeEach(async () => {
  h = await makeAdminHarness();
  const created = await h.call('POST', '/admin/users', {
    body: { username: 'alice', password: 'correct horse battery staple' },
  });
  userId = (created.body as { user: { userId: string } }).user.userId;
});

describe('GET /admin/users/{userId}/sessions', () => {
  it('lists newest first with status, never a digest; filters by client; pages', async () => {
    seedSession('S1', { createdAt: at(-3000) });
    seedSession('S2', { createdAt: at(-2000), clientId: 'cli', revokedAt: at(-1000), revokedReason: 'admin' });
    seedSession('S3', { createdAt: at(-1000), expiresAt: at(-1), idleExpiresAt: at(-1) });
    const res = await h.call('GET', `/admin/users/${userId}/sessions`);
    expect(res.status).toBe(200);
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(res.body).toEqual({
      items: [
        {
          sessionId: 'S3',
          clientId: 'spa',
          scopes: ['openid', 'orders:read'],
          audience: 'https://api.example.com/orders',
          createdAt: at(-1000),
          lastUsedAt: at(0),
          expiresAt: at(-1),
          idleExpiresAt: at(-1),
          status: 'expired',
        },
        {
          sessionId: 'S2',
          clientId: 'cli',
          scopes: ['openid', 'orders:read'],
          audience: 'https://api.example.com/orders',
          createdAt: at(-2000),
          lastUsedAt: at(0),
          expiresAt: at(30 * 86_400_000),
          status: 'revoked',
          revokedAt: at(-1000),
          revokedReason: 'admin',
        },
        {
          sessionId: 'S1',
          clientId: 'spa',
          scopes: ['openid', 'orders:read'],
          audience: 'https://api.example.com/orders',
          createdAt: at(-3000),
          lastUsedAt: at(0),
          expiresAt: at(30 * 86_400_000),
          status: 'active',
        },
      ],
    });
    expect(res.text).not.toContain('digest');
    const spa = await h.call('GET', `/admin/users/${userId}/sessions`, { query: 'clientId=spa&limit=1' });
    expect((spa.body as { items: { sessionId: string }[] }).items.map((s) => s.sessionId)).toEqual(['S3']);
    const next = (spa.body as { nextCursor: string }).nextCursor;
    const rest = await h.call('GET', `/admin/users/${userId}/sessions`, {
      query: `clientId=spa&limit=1&cursor=${next}`,
    });
    expect(rest.body).toMatchObject({ items: [{ sessionId: 'S1' }] });
  });

  it('404 for an unknown user; admin:read suffices', async () => {
    const res = await h.call('GET', '/admin/users/nobody/sessions');
    expect(res.status).toBe(404);
    expect(res.headers['Content-Type']).toBe('application/problem+json');
    expect((await h.call('GET', `/admin/users/${userId}/sessions`, { scope: 'admin:read' })).status).toBe(200);
  });
});

describe('DELETE /admin/users/{userId}/sessions[/{sessionId}]', () => {
  it('revokes one session (204, sid denied, audited), idempotently; another user’s session → 404', async () => {
    seedSession('S1');
    const res = await h.call('DELETE', `/admin/users/${userId}/sessions/S1`);
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(res).toMatchObject({ status: 204, text: '' });
    expect(h.people.table.sessions.get('S1')).toMatchObject({ revokedAt: at(0), revokedReason: 'admin' });
    expect(h.people.table.deniedSessions.has('S1')).toBe(true);
    expect((await h.call('DELETE', `/admin/users/${userId}/sessions/S1`)).status).toBe(204);
    const audit = await h.call('GET', '/admin/audit', { query: 'action=session.revoke' });
    expect((audit.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        action: 'session.revoke',
        target: { type: 'session', id: 'S1', clientId: 'spa', userId },
        diff: { revokedAt: { to: at(0) } },
      }),
    ]);
    seedSession('S-other', { userId: 'someone-else' });
    const other = await h.call('DELETE', `/admin/users/${userId}/sessions/S-other`);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ status: 404, detail: `user ${userId} has no session S-other` });
    expect(h.people.table.sessions.get('S-other')?.revokedAt).toBeUndefined();
    expect((await h.call('DELETE', `/admin/users/${userId}/sessions/S9`, { scope: 'admin:read' })).status).toBe(403);
  });

  it('revokes all live sessions: 200 {revoked}, audited once', async () => {
    seedSession('S1');
    seedSession('S2', { clientId: 'cli' });
    seedSession('S3', { revokedAt: at(-1), revokedReason: 'session-limit' });
    const res = await h.call('DELETE', `/admin/users/${userId}/sessions`);
    expect(res).toMatchObject({ status: 200, body: { revoked: 2 } });
    expect(h.people.table.sessions.get('S2')).toMatchObject({ revokedReason: 'admin' });
    expect(h.people.table.sessions.get('S3')).toMatchObject({ revokedReason: 'session-limit' });
    const audit = await h.call('GET', '/admin/audit', { query: 'action=session.revoke' });
    expect((audit.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ target: { type: 'user', id: userId }, diff: { sessions: { to: 'revoked' } } }),
    ]);
  });
});

describe('user changes that end every session', () => {
  const patch = async (body: Record<string, unknown>) => {
    const user = await h.call('GET', `/admin/users/${userId}`);
    return h.call('PATCH', `/admin/users/${userId}`, { body, headers: { 'if-match': user.headers['ETag']! } });
  };

  it('disabling the user, or a new password, revokes all sessions; a rename does not', async () => {
    seedSession('S1');
    expect((await patch({ name: 'Alice' })).status).toBe(200);
    expect(h.people.table.sessions.get('S1')?.revokedAt).toBeUndefined();
    expect((await patch({ password: 'another long passphrase' })).status).toBe(200);
    expect(h.people.table.sessions.get('S1')).toMatchObject({ revokedReason: 'password-changed' });
    seedSession('S2');
    expect((await patch({ status: 'disabled' })).status).toBe(200);
    expect(h.people.table.sessions.get('S2')).toMatchObject({ revokedReason: 'user-disabled' });
    expect(h.people.table.deniedSessions.has('S2')).toBe(true);
  });

  it('deleting the user revokes all sessions', async () => {
    seedSession('S1');
    const user = await h.call('GET', `/admin/users/${userId}`);
    expect(
      (await h.call('DELETE', `/admin/users/${userId}`, { headers: { 'if-match': user.headers['ETag']! } })).status,
    ).toBe(204);
    expect(h.people.table.sessions.get('S1')).toMatchObject({ revokedReason: 'user-deleted' });
  });
});
