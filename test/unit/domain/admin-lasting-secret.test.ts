/**
 * The last-admin guard rail looks ahead (issue 16, item 1): after any change, at least one usable
 * admin client (enabled, a rule granting admin:write on `<issuer>/admin`) must hold a *lasting*
 * secret — no expiry, or one further away than the margin (24 h by default, configurable). Otherwise
 * an admin could add a secret expiring in 20 s, revoke the other one and lock everyone out 20 s later.
 */
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness, CallResult } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const AUDIENCE = 'https://idp.example.test/admin';
const HOUR = 3_600_000;
const enc = encodeURIComponent;

let h: AdminHarness;
let boot: string;
let bootSecretId: string;
beforeEach(async () => {
  h = await makeAdminHarness();
  boot = h.bootstrap.clientId;
  [bootSecretId] = [...h.table.clients.get(boot)!.secrets.keys()] as [string];
});

/** The exact wire answer when a change would leave only soon-expiring admin secrets. */
function noLastingSecret(res: CallResult, id: string, change: string, instance: string, margin = '24 h') {
  expect(res).toEqual({
    status: 409,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
    text: expect.any(String),
    body: {
      type: `${P}last-admin`,
      title: 'The last admin client cannot lose admin:write',
      status: 409,
      detail:
        `client ${id} is the last enabled client holding admin:write on ${AUDIENCE} with a lasting secret ` +
        `(no expiry, or one more than ${margin} away); ${change} would leave only secrets that expire sooner, ` +
        `locking everyone out of the admin API when they do. ` +
        `Add a lasting secret, or grant admin:write to another client with one, first.`,
      instance,
    },
  });
}

async function addSecret(clientId: string, expiresInMs?: number) {
  const body = expiresInMs === undefined ? {} : { expiresAt: new Date(h.now() + expiresInMs).toISOString() };
  const res = await h.call('POST', `/admin/clients/${clientId}/secrets`, { body });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, value: res.body.value as string };
}

/** A second admin:write holder whose only secret expires in `expiresInMs`. */
async function expiringAdmin(expiresInMs: number) {
  const created = await h.call('POST', '/admin/clients', {
    body: { name: 'Second admin', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' },
  });
  const id = created.body.client.clientId as string;
  const rule = await h.call('POST', `/admin/clients/${id}/rules`, {
    body: { audience: AUDIENCE, scopes: ['admin:write'] },
  });
  expect(rule.status).toBe(201);
  const expiring = await addSecret(id, expiresInMs);
  const revoke = await h.call('DELETE', `/admin/clients/${id}/secrets/${created.body.secret.id}`);
  expect(revoke.status).toBe(204);
  return { id, secret: expiring };
}

describe('the last lasting admin secret', () => {
  it('add a secret expiring in 20 s, then revoke the other one: 409, nothing changed', async () => {
    const soon = await addSecret(boot, 20_000);
    const path = `/admin/clients/${boot}/secrets/${bootSecretId}`;
    const res = await h.call('DELETE', path);
    noLastingSecret(res, boot, 'revoking this secret', path);
    expect([...h.table.clients.get(boot)!.secrets.keys()].sort()).toEqual([bootSecretId, soon.id].sort());
    // 20 s later the bootstrap secret still authenticates.
    h.advance(21_000);
    expect((await h.token(boot, h.bootstrap.clientSecret, { audience: AUDIENCE })).status).toBe(200);
    expect((await h.token(boot, soon.value, { audience: AUDIENCE })).status).toBe(401);
  });

  it('revoking leaves only a secret expiring within 24 h: 409; one expiring later, or none, may remain', async () => {
    const within = await addSecret(boot, 23 * HOUR);
    const path = `/admin/clients/${boot}/secrets/${bootSecretId}`;
    noLastingSecret(await h.call('DELETE', path), boot, 'revoking this secret', path);
    const beyond = await addSecret(boot, 25 * HOUR);
    expect((await h.call('DELETE', path)).status).toBe(204);
    // Now `beyond` is the lasting one; revoking it would leave `within` only.
    const beyondPath = `/admin/clients/${boot}/secrets/${beyond.id}`;
    noLastingSecret(await h.call('DELETE', beyondPath), boot, 'revoking this secret', beyondPath);
    // The short one may go: the lasting one stays.
    expect((await h.call('DELETE', `/admin/clients/${boot}/secrets/${within.id}`)).status).toBe(204);
  });

  it('the margin is configurable', async () => {
    h.deps.config.lastingSecretMarginSeconds = 600;
    await addSecret(boot, 11 * 60_000);
    expect((await h.call('DELETE', `/admin/clients/${boot}/secrets/${bootSecretId}`)).status).toBe(204);
    const [only] = [...h.table.clients.get(boot)!.secrets.keys()] as [string];
    await addSecret(boot, 5 * 60_000);
    const path = `/admin/clients/${boot}/secrets/${only}`;
    noLastingSecret(await h.call('DELETE', path), boot, 'revoking this secret', path, '10 min');
  });

  it('another admin whose only secret expires soon does not count: no disable, delete, narrowing or rule removal', async () => {
    const second = await expiringAdmin(HOUR);
    const clientPath = `/admin/clients/${boot}`;
    noLastingSecret(
      await h.call('PATCH', clientPath, { body: { status: 'disabled' } }),
      boot,
      'disabling it',
      clientPath,
    );
    noLastingSecret(await h.call('DELETE', clientPath), boot, 'deleting it', clientPath);
    const rulesPath = `/admin/clients/${boot}/rules`;
    noLastingSecret(
      await h.call('POST', rulesPath, { body: { audience: AUDIENCE, scopes: ['admin:read'] } }),
      boot,
      'narrowing this rule',
      rulesPath,
    );
    const rulePath = `${rulesPath}/${enc(AUDIENCE)}`;
    noLastingSecret(await h.call('DELETE', rulePath), boot, 'deleting this rule', rulePath);
    const bootSecretPath = `/admin/clients/${boot}/secrets/${bootSecretId}`;
    noLastingSecret(await h.call('DELETE', bootSecretPath), boot, 'revoking its last active secret', bootSecretPath);
    const bundle = h.table.clients.get(boot)!;
    expect(bundle.client.status).toBe('enabled');
    expect(bundle.rules.get(AUDIENCE)!.scopes).toEqual(['admin:read', 'admin:write']);
    expect(bundle.secrets.size).toBe(1);

    // Changes that keep a lasting admin are fine: rename the bootstrap, disable the second admin.
    expect((await h.call('PATCH', clientPath, { body: { name: 'Root' } })).status).toBe(200);
    expect((await h.call('PATCH', `/admin/clients/${second.id}`, { body: { status: 'disabled' } })).status).toBe(200);
    expect((await h.call('PATCH', `/admin/clients/${second.id}`, { body: { status: 'enabled' } })).status).toBe(200);

    // Once the second admin holds a lasting secret, the bootstrap may be disabled.
    await addSecret(second.id, 25 * HOUR);
    expect((await h.call('PATCH', clientPath, { body: { status: 'disabled' } })).status).toBe(200);
  });

  it('with no lasting admin secret left by time passing, repairs stay possible and a lockout is still refused', async () => {
    const later = await addSecret(boot, 48 * HOUR);
    expect((await h.call('DELETE', `/admin/clients/${boot}/secrets/${bootSecretId}`)).status).toBe(204);
    h.advance(30 * HOUR); // `later` now expires within 24 h: nobody holds a lasting secret.
    const clientPath = `/admin/clients/${boot}`;
    expect((await h.call('PATCH', clientPath, { body: { name: 'Root' } })).status).toBe(200);
    // Disabling it would lock everyone out at once: the existing wording.
    const disable = await h.call('PATCH', clientPath, { body: { status: 'disabled' } });
    expect(disable.body).toEqual({
      type: `${P}last-admin`,
      title: 'The last admin client cannot lose admin:write',
      status: 409,
      detail:
        `client ${boot} is the last enabled client holding admin:write on ${AUDIENCE} with an active secret; ` +
        `disabling it would lock everyone out of the admin API. Grant admin:write to another client first.`,
      instance: clientPath,
    });
    // The repair: a lasting secret, then the short one may go.
    await addSecret(boot);
    expect((await h.call('DELETE', `/admin/clients/${boot}/secrets/${later.id}`)).status).toBe(204);
  });

  it('there is no PATCH of a secret (its expiry cannot be shortened in place)', async () => {
    const res = await h.call('PATCH', `/admin/clients/${boot}/secrets/${bootSecretId}`, {
      body: { expiresAt: new Date(h.now() + 20_000).toISOString() },
    });
    expect(res.status).toBe(405);
    expect(res.headers['Allow']).toBe('DELETE');
  });
});
