/**
 * People at the admin API (docs/contract.md, "Admin API › People's tokens"): the authorizer context's
 * `sub` maps to the acting person (`sub` ≠ `client_id`), the person must still be an enabled user
 * (else 401 `invalid_token`, RFC 6750 §3.1, one user read per request), their token's scopes count only
 * as far as their current grant on the admin API allows, and the audit trail names the person beside
 * the client the token was issued to.
 */
import { principalFromEvent } from '../../../lambdas/handlers/admin-handler';
import type { AdminApiEvent } from '../../../lambdas/handlers/admin-handler';
import { auditEvent } from '../../../lambdas/domain/admin/audit';
import { AuditListSchema } from '../../../lambdas/domain/admin/schemas';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const PROBLEM_HEADERS = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' };
const clientBody = { name: 'Shop', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' };

let h: AdminHarness;
let adaId: string;

/** Creates a user through the admin API and grants it `scope` on the admin API; returns its id. */
async function person(username: string, scope: string): Promise<string> {
  const created = await h.call('POST', '/admin/users', {
    body: { username, password: 'a long enough password' },
  });
  expect(created.status).toBe(201);
  const userId = created.body.user.userId as string;
  const grant = await h.call('POST', `/admin/users/${userId}/grants`, {
    body: { audience: h.adminAudience, scopes: scope.split(' ') },
  });
  expect(grant.status).toBe(201);
  return userId;
}

/** A call with a person's token issued to `idp-cli`. */
function asPerson(userId: string, method: string, path: string, opts: Parameters<AdminHarness['call']>[2] = {}) {
  return h.call(method, path, { actor: 'idp-cli', sub: userId, ...opts });
}

beforeEach(async () => {
  h = await makeAdminHarness();
  adaId = await person('ada', 'admin:read admin:write');
});

describe('the principal from the authorizer context', () => {
  const event = (lambda: Record<string, unknown>): AdminApiEvent => ({
    rawPath: '/admin/clients',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET' }, authorizer: { lambda } },
  });

  it('a person when sub differs from clientId, the client itself when it equals it or is absent', () => {
    expect(principalFromEvent(event({ clientId: 'idp-cli', sub: 'usr_1', jti: 'j', scope: 'admin:read' }))).toEqual({
      clientId: 'idp-cli',
      userId: 'usr_1',
      jti: 'j',
      scopes: new Set(['admin:read']),
    });
    const own = { clientId: 'boot', jti: 'j', scopes: new Set(['admin:read']) };
    expect(principalFromEvent(event({ clientId: 'boot', sub: 'boot', jti: 'j', scope: 'admin:read' }))).toEqual(own);
    expect(principalFromEvent(event({ clientId: 'boot', jti: 'j', scope: 'admin:read' }))).toEqual(own);
    // Not a string, or empty: no person is made up.
    expect(principalFromEvent(event({ clientId: 'boot', sub: 7, jti: 'j', scope: 'admin:read' }))).toEqual(own);
    expect(principalFromEvent(event({ clientId: 'boot', sub: '', jti: 'j', scope: 'admin:read' }))).toEqual(own);
  });
});

describe("a person's token", () => {
  it('works for an enabled user with the admin grant; the audit event names the person and the client', async () => {
    const created = await asPerson(adaId, 'POST', '/admin/clients', { body: clientBody });
    expect(created.status).toBe(201);
    // One user read per request of a person (the admin API is not the hot path); none for a client's own.
    const reads = () => h.people.table.calls.get('loadUser') ?? 0;
    const before = reads();
    const listed = await asPerson(adaId, 'GET', '/admin/clients');
    expect(listed.status).toBe(200);
    expect(reads() - before).toBe(1);
    await h.call('GET', '/admin/clients');
    expect(reads() - before).toBe(1);

    const audit = await h.call('GET', '/admin/audit', { query: 'action=client.create' });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].actor).toEqual({
      clientId: 'idp-cli',
      jti: expect.any(String),
      userId: adaId,
      username: 'ada',
    });
    // The page parses with the schema the OpenAPI document names (a strict object: nothing undocumented).
    expect(AuditListSchema.safeParse(audit.body).success).toBe(true);
    // ?actorUserId= selects the person's changes; ?actor= the client's tokens, the person's through it too.
    const byPerson = await h.call('GET', '/admin/audit', { query: `actorUserId=${adaId}` });
    expect(byPerson.body.items.map((e: { action: string }) => e.action)).toEqual(['client.create']);
    const byCli = await h.call('GET', '/admin/audit', { query: 'actor=idp-cli' });
    expect(byCli.body.items.map((e: { action: string }) => e.action)).toEqual(['client.create']);
    expect((await h.call('GET', '/admin/audit', { query: 'actorUserId=' })).status).toBe(400);
    // A client's own token: the actor is the client alone, as before.
    const own = await h.call('GET', '/admin/audit', { query: 'action=user.create' });
    expect(own.body.items[0].actor).toEqual({ clientId: h.bootstrap.clientId, jti: expect.any(String) });

    // The request log names the person too (never a body).
    const line = h.logs.filter((l) => l.message === 'admin request').at(-1);
    expect(line?.fields).toEqual({
      method: 'GET',
      route: '/admin/audit',
      status: 200,
      actor: h.bootstrap.clientId,
      jti: expect.any(String),
    });
    const personLine = h.logs.filter((l) => l.message === 'admin request' && l.fields?.['user'] === adaId);
    expect(personLine.map((l) => l.fields?.['route'])).toEqual(['/admin/clients', '/admin/clients']);
  });

  it.each([
    ['disabled', async () => (await h.call('PATCH', `/admin/users/${adaId}`, { body: { status: 'disabled' } })).status],
    ['deleted', async () => (await h.call('DELETE', `/admin/users/${adaId}`)).status],
  ])('of a %s user is refused: 401 invalid_token (RFC 6750 §3.1), nothing changes', async (_what, change) => {
    expect(await change()).toBeLessThan(300);
    const before = h.table.clients.size;
    for (const [method, path] of [
      ['GET', '/admin/clients'],
      ['POST', '/admin/clients'],
      ['GET', '/admin/nothing'],
    ] as const) {
      const res = await asPerson(adaId, method, path, method === 'POST' ? { body: clientBody } : {});
      expect(res).toEqual({
        status: 401,
        headers: {
          ...PROBLEM_HEADERS,
          'WWW-Authenticate':
            'Bearer realm="https://idp.example.test", error="invalid_token", error_description="user disabled"',
        },
        text: res.text,
        body: {
          type: `${P}unauthorized`,
          title: 'Authentication required',
          status: 401,
          detail: 'user disabled',
          instance: path,
          error: 'invalid_token',
        },
      });
    }
    expect(h.table.clients.size).toBe(before);
  });

  it('a read-only person gets 403 insufficient_scope on a write; a removed grant counts at once', async () => {
    const ritaId = await person('rita', 'admin:read');
    // Issuance already narrows a read-only person's token to admin:read: that token on a write.
    const write = await asPerson(ritaId, 'POST', '/admin/clients', { body: clientBody, scope: 'admin:read' });
    expect(write.status).toBe(403);
    expect(write.headers['WWW-Authenticate']).toBe(
      'Bearer realm="https://idp.example.test", error="insufficient_scope", scope="admin:write"',
    );
    expect(write.body).toMatchObject({ type: `${P}insufficient-scope`, status: 403 });
    expect((await asPerson(ritaId, 'GET', '/admin/clients', { scope: 'admin:read' })).status).toBe(200);

    // A token from when ada held admin:write, after her grant was narrowed to admin:read.
    const narrowed = await h.call('POST', `/admin/users/${adaId}/grants`, {
      body: { audience: h.adminAudience, scopes: ['admin:read'] },
    });
    expect(narrowed.status).toBe(200);
    expect((await asPerson(adaId, 'POST', '/admin/clients', { body: clientBody })).status).toBe(403);
    expect((await asPerson(adaId, 'GET', '/admin/clients')).status).toBe(200);
    // And once the grant is gone, not even reads.
    const removed = await h.call('DELETE', `/admin/users/${adaId}/grants/${encodeURIComponent(h.adminAudience)}`);
    expect(removed.status).toBe(204);
    expect((await asPerson(adaId, 'GET', '/admin/clients')).status).toBe(403);
  });

  it('the public OpenAPI document needs no user read', async () => {
    expect((await asPerson('usr_gone', 'GET', '/admin/openapi.json')).status).toBe(200);
  });
});

describe('auditEvent', () => {
  const ctx = { eventId: 'e1', at: '2026-03-01T09:00:00.000Z' };

  it("records the acting person beside the token's client, and only for a person", () => {
    const person = { clientId: 'idp-console', userId: 'usr_1', username: 'ada', jti: 'j1', scopes: new Set<string>() };
    expect(auditEvent({ ...ctx, principal: person }, 'client.delete', 'client', 'c1', {})).toEqual({
      eventId: 'e1',
      at: ctx.at,
      actor: 'idp-console',
      actorJti: 'j1',
      actorUserId: 'usr_1',
      actorUsername: 'ada',
      action: 'client.delete',
      targetType: 'client',
      targetId: 'c1',
      diff: {},
    });
    const client = { clientId: 'boot', jti: 'j2', scopes: new Set<string>() };
    expect(auditEvent({ ...ctx, principal: client }, 'client.delete', 'client', 'c1', {})).toEqual({
      eventId: 'e1',
      at: ctx.at,
      actor: 'boot',
      actorJti: 'j2',
      action: 'client.delete',
      targetType: 'client',
      targetId: 'c1',
      diff: {},
    });
  });
});
