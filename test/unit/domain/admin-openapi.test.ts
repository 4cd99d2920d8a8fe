/**
 * The OpenAPI 3.1 document at `/admin/openapi.json`: generated from the route table and zod schemas,
 * so every routed operation is documented and every documented operation is routed; its shape is
 * checked (refs resolve, path parameters declared, problems as problem+json); and real responses of a
 * scripted run parse with the very schemas the document names.
 */
import { ROUTES } from '../../../lambdas/domain/admin/routes';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness, CallResult } from '../../support/in-memory-admin-repositories';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: AdminHarness;
let doc: Json;
beforeAll(async () => {
  h = await makeAdminHarness();
  const res = await h.call('GET', '/admin/openapi.json', { scope: null });
  expect(res.status).toBe(200);
  expect(res.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  doc = res.body;
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

function documentedOperations(): string[] {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc['paths'] as Record<string, Json>)) {
    for (const method of Object.keys(item)) if (METHODS.includes(method)) ops.push(`${method.toUpperCase()} ${path}`);
  }
  return ops.sort();
}

const SAMPLE: Record<string, string> = {
  identifier: encodeURIComponent('https://api.example.com/none'),
  clientId: 'ghost',
  secretId: 'sec_ghost',
  audience: encodeURIComponent('https://api.example.com/none'),
  userId: 'ghost-user',
};

describe('OpenAPI document', () => {
  it('is served without a token, and with one', async () => {
    const withToken = await h.call('GET', '/admin/openapi.json', { scope: 'admin:read' });
    expect(withToken.body).toEqual(doc);
    expect(doc['openapi']).toBe('3.1.0');
    expect(doc['servers']).toEqual([{ url: 'https://idp.example.test' }]);
  });

  it('documents exactly the routes of the router', () => {
    expect(documentedOperations()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('every documented operation is served (no routing 404, no 405) and undocumented methods get 405', async () => {
    for (const [template, item] of Object.entries(doc['paths'] as Record<string, Json>)) {
      const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => SAMPLE[name]!);
      const documented = Object.keys(item).map((m) => m.toUpperCase());
      for (const method of documented) {
        const res = await h.call(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
        expect([method, template, res.status]).not.toEqual([method, template, 405]);
        if (res.status === 404) expect(res.body.detail).not.toMatch(/^no admin resource at/);
      }
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !documented.includes(m))) {
        const res = await h.call(method, path);
        expect(res.status).toBe(405);
        expect(res.headers['Allow']!.split(', ').sort()).toEqual([...documented].sort());
      }
    }
  });

  it('has a valid OpenAPI 3.1 shape: unique operation ids, declared path parameters, resolvable refs', () => {
    expect(typeof doc['info'].title).toBe('string');
    expect(typeof doc['info'].version).toBe('string');
    expect(doc['jsonSchemaDialect']).toBe('https://json-schema.org/draft/2020-12/schema');
    const schemas = doc['components'].schemas as Record<string, Json>;
    const ids = new Set<string>();
    for (const [template, item] of Object.entries(doc['paths'] as Record<string, Json>)) {
      expect(template.startsWith('/admin/')).toBe(true);
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        const pathParams = (op.parameters as Json[]).filter((p) => p['in'] === 'path');
        expect(pathParams.map((p) => p['name'])).toEqual(names);
        for (const p of op.parameters as Json[]) {
          expect(['path', 'query', 'header']).toContain(p['in']);
          if (p['in'] === 'path') expect(p['required']).toBe(true);
          expect(typeof p['schema']).toBe('object');
        }
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof response['description']).toBe('string');
          if (Number(status) >= 400) {
            expect(response['content']).toEqual({
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            });
          }
        }
        for (const requirement of op.security as Json[]) {
          for (const scheme of Object.keys(requirement))
            expect(doc['components'].securitySchemes[scheme]).toBeDefined();
        }
      }
    }
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') refs.push(value as string);
          expect(key === '$schema' || key === '$id').toBe(false);
          walk(value);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
      expect(schemas[ref.split('/').pop()!]).toBeDefined();
    }
    // Request bodies forbid unknown fields, as the validator does.
    expect(schemas['ClientCreate']!['additionalProperties']).toBe(false);
    expect(schemas['ClientCreate']!['required']).toEqual(['name', 'grantTypes', 'tokenEndpointAuthMethod']);
    expect(schemas['UserCreate']!['additionalProperties']).toBe(false);
    expect(schemas['UserCreate']!['required']).toEqual(['username']);
    // No user schema has a place for a password hash, salt or KDF parameters.
    for (const name of ['User', 'UserCreated', 'UserList', 'Grant', 'GrantList']) {
      expect(JSON.stringify(schemas[name])).not.toMatch(/hash|salt|params|failedSignIns|lockedUntil|"password"/);
    }
  });

  it('real responses of a scripted run parse with the schemas the document names', async () => {
    const checked: string[] = [];
    const check = (method: string, template: string, res: CallResult) => {
      const route = ROUTES.find((r) => r.method === method && r.path === template)!;
      const spec = route.responses[res.status];
      expect(spec).toBeDefined();
      if (spec!.schema !== undefined) spec!.schema.parse(res.body);
      const documented = doc['paths'][template][method.toLowerCase()].responses[String(res.status)];
      for (const header of spec!.headers ?? []) {
        expect(res.headers[header]).toBeDefined();
        expect(documented.headers[header]).toBeDefined();
      }
      checked.push(`${method} ${template} ${res.status}`);
    };
    const api = 'https://api.example.com/docs';
    const e = encodeURIComponent;
    check(
      'POST',
      '/admin/apis',
      await h.call('POST', '/admin/apis', { body: { identifier: api, name: 'D', scopes: [{ value: 'd' }] } }),
    );
    check('GET', '/admin/apis', await h.call('GET', '/admin/apis'));
    check('GET', '/admin/apis/{identifier}', await h.call('GET', `/admin/apis/${e(api)}`));
    check(
      'PATCH',
      '/admin/apis/{identifier}',
      await h.call('PATCH', `/admin/apis/${e(api)}`, { body: { accessTokenTtl: 60 } }),
    );
    const created = await h.call('POST', '/admin/clients', {
      body: {
        name: 'c',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'client_secret_basic',
        metadata: { a: 1 },
      },
    });
    check('POST', '/admin/clients', created);
    const id = created.body.client.clientId;
    check('GET', '/admin/clients', await h.call('GET', '/admin/clients'));
    check('GET', '/admin/clients/{clientId}', await h.call('GET', `/admin/clients/${id}`));
    check(
      'PATCH',
      '/admin/clients/{clientId}',
      await h.call('PATCH', `/admin/clients/${id}`, { body: { external: true } }),
    );
    const secret = await h.call('POST', `/admin/clients/${id}/secrets`, {
      body: { expiresAt: '2099-01-01T00:00:00Z' },
    });
    check('POST', '/admin/clients/{clientId}/secrets', secret);
    check('GET', '/admin/clients/{clientId}/secrets', await h.call('GET', `/admin/clients/${id}/secrets`));
    check(
      'DELETE',
      '/admin/clients/{clientId}/secrets/{secretId}',
      await h.call('DELETE', `/admin/clients/${id}/secrets/${secret.body.id}`),
    );
    check(
      'POST',
      '/admin/clients/{clientId}/rules',
      await h.call('POST', `/admin/clients/${id}/rules`, {
        body: { audience: api, scopes: ['d'], claims: { x: { y: [1] } } },
      }),
    );
    check(
      'POST',
      '/admin/clients/{clientId}/rules',
      await h.call('POST', `/admin/clients/${id}/rules`, { body: { audience: api, scopes: ['d'] } }),
    );
    check('GET', '/admin/clients/{clientId}/rules', await h.call('GET', `/admin/clients/${id}/rules`));
    check(
      'GET',
      '/admin/clients/{clientId}/rules/{audience}',
      await h.call('GET', `/admin/clients/${id}/rules/${e(api)}`),
    );
    check(
      'DELETE',
      '/admin/clients/{clientId}/rules/{audience}',
      await h.call('DELETE', `/admin/clients/${id}/rules/${e(api)}`),
    );
    // ---- users and their grants
    const user = await h.call('POST', '/admin/users', {
      body: { username: 'ada', email: 'ada@example.com', name: 'Ada', password: 'a long enough password' },
    });
    check('POST', '/admin/users', user);
    const pending = await h.call('POST', '/admin/users', { body: { username: 'grace' } });
    check('POST', '/admin/users', pending);
    expect(pending.body.setupUrl).toMatch(/^https:\/\/idp\.example\.test\/oauth2\/set-password\?token=/);
    const userId = user.body.user.userId;
    check('GET', '/admin/users', await h.call('GET', '/admin/users', { query: 'q=ADA' }));
    check('GET', '/admin/users/{userId}', await h.call('GET', `/admin/users/${userId}`));
    check('PATCH', '/admin/users/{userId}', await h.call('PATCH', `/admin/users/${userId}`, { body: { name: null } }));
    check(
      'POST',
      '/admin/users/{userId}/grants',
      await h.call('POST', `/admin/users/${userId}/grants`, { body: { audience: api, scopes: ['d'] } }),
    );
    check('GET', '/admin/users/{userId}/grants', await h.call('GET', `/admin/users/${userId}/grants`));
    check(
      'DELETE',
      '/admin/users/{userId}/grants/{audience}',
      await h.call('DELETE', `/admin/users/${userId}/grants/${e(api)}`),
    );
    // ---- the user's refresh-token sessions
    h.people.table.sessions.set('S-ada', {
      sessionId: 'S-ada',
      userId,
      user: { userId, username: 'ada' },
      clientId: id,
      scopes: ['openid'],
      authTime: 1,
      createdAt: '2026-03-01T08:00:00.000Z',
      lastUsedAt: '2026-03-01T08:00:00.000Z',
      expiresAt: '2026-03-31T08:00:00.000Z',
      currentDigest: 'd',
      consumedDigests: [],
    });
    check('GET', '/admin/users/{userId}/sessions', await h.call('GET', `/admin/users/${userId}/sessions`));
    check(
      'DELETE',
      '/admin/users/{userId}/sessions/{sessionId}',
      await h.call('DELETE', `/admin/users/${userId}/sessions/S-ada`),
    );
    check('DELETE', '/admin/users/{userId}/sessions', await h.call('DELETE', `/admin/users/${userId}/sessions`));
    check('DELETE', '/admin/users/{userId}', await h.call('DELETE', `/admin/users/${userId}`));
    check('GET', '/admin/audit', await h.call('GET', '/admin/audit', { query: 'limit=3' }));
    check('DELETE', '/admin/clients/{clientId}', await h.call('DELETE', `/admin/clients/${id}`));
    check('DELETE', '/admin/apis/{identifier}', await h.call('DELETE', `/admin/apis/${e(api)}`));
    // Every route with a success response was exercised (the document route is checked above).
    const exercised = new Set(checked.map((c) => c.split(' ').slice(0, 2).join(' ')));
    expect(ROUTES.filter((r) => r.path !== '/admin/openapi.json' && !exercised.has(`${r.method} ${r.path}`))).toEqual(
      [],
    );
  });
});
