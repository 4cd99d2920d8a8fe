/**
 * The admin API's two races, interleaved deterministically against dynalite with the real adapters
 * and the admin function as composed (lambdas/handlers/compose/admin.ts): a hook on the SDK client
 * runs the other write just before one request's TransactWriteItems is sent, after all of its reads.
 * - Deleting an API while a rule is granted on it: one of the two writes fails (docs/data-model.md,
 *   Transactions: the API's `rulesVersion`).
 * - Updating a rule that is deleted meanwhile (or whose client is): 404 `not-found`, not a resurrected
 *   rule nor a 409; 409 only for a real concurrent change.
 */
import type { AdminCall, CallAnswer, FaultHarness } from '../support/fault-harness';
import { startFaultHarness } from '../support/fault-harness';

const TRANSACT = ['TransactWriteCommand'];
const PROBLEM_HEADERS = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' };

let h: FaultHarness;
/** Requests whose writes the hooks interleave with. */
let racer: AdminCall;
/** A second admin function instance: the other side of each race. */
let other: AdminCall;
let seq = 0;

beforeAll(async () => {
  h = await startFaultHarness('serverless-idp-races');
  racer = (await h.admin('sdk')).call;
  other = (await h.admin('plain')).call;
}, 60_000);
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.resetFaults());

function problem(status: number, slug: string, title: string, detail: string, instance: string): Partial<CallAnswer> {
  return {
    status,
    headers: PROBLEM_HEADERS,
    body: { type: `https://serverless-idp.dev/problems/${slug}`, title, status, detail, instance },
  };
}

/** A new API (scopes `read`, `write`) and a new client_credentials client. */
async function fixture(): Promise<{ api: string; apiPath: string; clientId: string; rulesPath: string }> {
  seq += 1;
  const api = `https://race-${seq}.example.com`;
  expect(
    (
      await other('POST', '/admin/apis', {
        identifier: api,
        name: `Race ${seq}`,
        scopes: [{ value: 'read' }, { value: 'write' }],
      })
    ).status,
  ).toBe(201);
  const created = await other('POST', '/admin/clients', {
    name: `racer ${seq}`,
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
  expect(created.status).toBe(201);
  const clientId = (created.body as { client: { clientId: string } }).client.clientId;
  return {
    api,
    apiPath: `/admin/apis/${encodeURIComponent(api)}`,
    clientId,
    rulesPath: `/admin/clients/${clientId}/rules`,
  };
}

/** The rules items on `audience` and the API item, straight from the table. */
async function stored(api: string) {
  const items = await h.scan();
  return {
    api: items.filter((i) => i['pk'] === `API#${api}`).length,
    rules: items
      .filter((i) => i['type'] === 'rule' && i['audience'] === api)
      .map((i) => ({ sk: i['sk'], scopes: i['scopes'] })),
  };
}

describe('deleting an API while a rule is granted on it', () => {
  it('a rule granted after the delete read that no rule exists: the delete is refused, 409 in-use, and both items stay', async () => {
    const f = await fixture();
    // The delete has read the API and listed its rules (none); just before its transaction is sent,
    // another admin grants a rule on the API.
    let granted: CallAnswer | undefined;
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        granted = await other('POST', f.rulesPath, { audience: f.api, scopes: ['read'] });
      },
    });
    const deleted = await racer('DELETE', f.apiPath);
    expect(granted?.status).toBe(201);
    expect(deleted).toMatchObject(
      problem(
        409,
        'in-use',
        'The resource is in use',
        'a rule was granted on this API meanwhile; delete the rules on it first',
        f.apiPath,
      ),
    );
    expect(await stored(f.api)).toEqual({ api: 1, rules: [{ sk: `RULE#${f.api}`, scopes: ['read'] }] });
    // The rule works; deleting it makes the API deletable.
    expect((await other('DELETE', `${f.rulesPath}/${encodeURIComponent(f.api)}`)).status).toBe(204);
    expect((await racer('DELETE', f.apiPath)).status).toBe(204);
    expect(await stored(f.api)).toEqual({ api: 0, rules: [] });
  });

  it('a user rule counts too', async () => {
    const f = await fixture();
    const coder = await other('POST', '/admin/clients', {
      name: `coder ${seq}`,
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['https://app.example.com/cb'],
    });
    expect(coder.status).toBe(201);
    const coderId = (coder.body as { client: { clientId: string } }).client.clientId;
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        expect(
          (
            await other('POST', `/admin/clients/${coderId}/rules`, {
              audience: f.api,
              scopes: ['read'],
              subjectType: 'user',
            })
          ).status,
        ).toBe(201);
      },
    });
    expect((await racer('DELETE', f.apiPath)).status).toBe(409);
    expect(await stored(f.api)).toEqual({ api: 1, rules: [{ sk: `USERRULE#${f.api}`, scopes: ['read'] }] });
  });

  it('the API deleted after the rule put read it: the rule put is refused, 409 version-conflict, no rule left behind', async () => {
    const f = await fixture();
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        expect((await other('DELETE', f.apiPath)).status).toBe(204);
      },
    });
    const put = await racer('POST', f.rulesPath, { audience: f.api, scopes: ['read'] });
    expect(put).toMatchObject(
      problem(
        409,
        'version-conflict',
        'The resource was changed by someone else',
        'the resource was changed concurrently; read it again and retry',
        f.rulesPath,
      ),
    );
    expect(await stored(f.api)).toEqual({ api: 0, rules: [] });
  });

  it('without a race, the refusal is the same in-use problem, naming the holders', async () => {
    const f = await fixture();
    expect((await other('POST', f.rulesPath, { audience: f.api, scopes: ['read'] })).status).toBe(201);
    expect(await racer('DELETE', f.apiPath)).toMatchObject(
      problem(
        409,
        'in-use',
        'The resource is in use',
        `1 client(s) hold rules on this API (${f.clientId}); delete those rules first`,
        f.apiPath,
      ),
    );
  });
});

describe('updating a rule that vanishes', () => {
  it('the rule deleted between the update’s read and its write: 404 not-found, and the rule stays deleted', async () => {
    const f = await fixture();
    expect((await other('POST', f.rulesPath, { audience: f.api, scopes: ['read'] })).status).toBe(201);
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        expect((await other('DELETE', `${f.rulesPath}/${encodeURIComponent(f.api)}`)).status).toBe(204);
      },
    });
    const updated = await racer('POST', f.rulesPath, { audience: f.api, scopes: ['read', 'write'] });
    expect(updated).toMatchObject(
      problem(404, 'not-found', 'Not found', `client ${f.clientId} has no rule for ${f.api}`, f.rulesPath),
    );
    expect(await stored(f.api)).toEqual({ api: 1, rules: [] });
  });

  it('the client deleted meanwhile: 404 not-found naming the client', async () => {
    const f = await fixture();
    expect((await other('POST', f.rulesPath, { audience: f.api, scopes: ['read'] })).status).toBe(201);
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        expect((await other('DELETE', `/admin/clients/${f.clientId}`)).status).toBe(204);
      },
    });
    expect(await racer('POST', f.rulesPath, { audience: f.api, scopes: ['read', 'write'] })).toMatchObject(
      problem(404, 'not-found', 'Not found', `no client with id ${f.clientId}`, f.rulesPath),
    );
    expect(await stored(f.api)).toEqual({ api: 1, rules: [] });
    expect((await h.scan()).filter((i) => i['pk'] === `CLIENT#${f.clientId}`)).toEqual([]);
  });

  it('a real concurrent change is 409: the API changed meanwhile', async () => {
    const f = await fixture();
    expect((await other('POST', f.rulesPath, { audience: f.api, scopes: ['read'] })).status).toBe(201);
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        expect((await other('PATCH', f.apiPath, { name: 'renamed' })).status).toBe(200);
      },
    });
    expect(await racer('POST', f.rulesPath, { audience: f.api, scopes: ['read', 'write'] })).toMatchObject(
      problem(
        409,
        'version-conflict',
        'The resource was changed by someone else',
        'the resource was changed concurrently; read it again and retry',
        f.rulesPath,
      ),
    );
    expect(await stored(f.api)).toEqual({ api: 1, rules: [{ sk: `RULE#${f.api}`, scopes: ['read'] }] });
  });

  it('a real concurrent change is 409: the same rule created meanwhile by another admin', async () => {
    const f = await fixture();
    h.faulty.dynamodb.before({
      commands: TRANSACT,
      run: async () => {
        expect((await other('POST', f.rulesPath, { audience: f.api, scopes: ['write'] })).status).toBe(201);
      },
    });
    expect((await racer('POST', f.rulesPath, { audience: f.api, scopes: ['read'] })).status).toBe(409);
    expect(await stored(f.api)).toEqual({ api: 1, rules: [{ sk: `RULE#${f.api}`, scopes: ['write'] }] });
  });
});
