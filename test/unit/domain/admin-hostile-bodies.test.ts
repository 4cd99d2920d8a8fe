/**
 * Hostile admin API bodies: JSON nested far deeper than anything the API stores is refused with a
 * 400 problem before any recursive walk (zod, the storability check) sees it, on every route that
 * takes JSON — create and PATCH of a client (`metadata`), a rule's `claims` — and nothing a caller
 * sends comes back in an error longer than the short echo bound (lambdas/domain/oauth-grammar.ts).
 */
import { MAX_JSON_NESTING } from '../../../lambdas/domain/json';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const ORDERS = 'https://api.example.com/orders';
const client = { name: 'Billing', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' };

/** `{"d":{"d":…"leaf"…}}` nested `levels` deep, written as text (JSON.stringify itself recurses). */
function nested(levels: number): string {
  return `${'{"d":'.repeat(levels)}"leaf"${'}'.repeat(levels)}`;
}

let h: AdminHarness;
let clientId: string;
beforeEach(async () => {
  h = await makeAdminHarness();
  await h.call('POST', '/admin/apis', {
    body: { identifier: ORDERS, name: 'Orders', scopes: [{ value: 'orders:read' }] },
  });
  const created = await h.call('POST', '/admin/clients', { body: client });
  clientId = created.body.client.clientId as string;
});

const TOO_DEEP = {
  type: `${P}validation-error`,
  title: 'The request is not valid',
  status: 400,
  detail: 'one input is not valid',
  errors: [{ pointer: '', detail: `nests deeper than ${MAX_JSON_NESTING} levels` }],
};

describe.each([1_000, 1_500, 10_000])('a body nested %i levels deep', (levels) => {
  const json = { 'content-type': 'application/json' };
  const cases: [string, string, () => string, (body: string) => string][] = [
    ['POST', 'client metadata', () => '/admin/clients', (deep) => `{"name":"x","metadata":${deep}}`],
    ['PATCH', 'client metadata', () => `/admin/clients/${clientId}`, (deep) => `{"metadata":${deep}}`],
    [
      'POST',
      'rule claims',
      () => `/admin/clients/${clientId}/rules`,
      (deep) => `{"audience":"${ORDERS}","scopes":["orders:read"],"claims":${deep}}`,
    ],
    ['POST', 'API (an array)', () => '/admin/apis', () => `{"scopes":${'['.repeat(levels)}${']'.repeat(levels)}}`],
  ];
  it.each(cases)('%s %s → 400 problem+json before validation', async (method, _what, path, body) => {
    const res = await h.call(method, path(), { rawBody: body(nested(levels)), headers: json });
    expect(res.status).toBe(400);
    expect(res.headers['Content-Type']).toBe('application/problem+json');
    expect(res.body).toEqual({ ...TOO_DEEP, instance: path() });
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

it('nesting within the bound still reaches the storability rule (30 levels), naming the field', async () => {
  const res = await h.call('POST', '/admin/clients', {
    rawBody: `{"name":"x","grantTypes":["client_credentials"],"tokenEndpointAuthMethod":"client_secret_basic","metadata":${nested(MAX_JSON_NESTING - 1)}}`,
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(400);
  expect(res.body.errors[0].detail).toBe('nests deeper than 30 levels');
});

it('an event whose rawPath is a broken absolute URI (the Lambda mapping) → 404 problem, not 500', async () => {
  for (const rawPath of ['http://[::1/admin/clients', 'http://%zz/admin/clients', '', '*']) {
    const res = await h.call('GET', rawPath);
    expect(res.status).toBe(404);
    expect(res.headers['Content-Type']).toBe('application/problem+json');
  }
});
