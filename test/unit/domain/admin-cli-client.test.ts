/**
 * The built-in CLI client `idp-cli` (docs/contract.md, Admin API › Bootstrap) through the admin API:
 * bootstrap registered it (public, authorization_code, the loopback redirect URI, a user rule for
 * admin:read admin:write on the admin API); deleting it or breaking what `idp login` needs is 409
 * `in-use`, like the admin API itself; disabling, renaming, adding a redirect URI are allowed.
 */
import { CLI_CLIENT_ID, CLI_REDIRECT_URI } from '../../../lambdas/domain/bootstrap';
import { attemptBuiltInClientChange } from '../../support/built-in-client';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const CLI = `/admin/clients/${CLI_CLIENT_ID}`;

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness();
});

describe('the built-in client idp-cli', () => {
  it('is registered by bootstrap as a public native client with a user rule on the admin API', async () => {
    const client = await h.call('GET', CLI);
    expect(client.status).toBe(200);
    expect(client.body).toMatchObject({
      clientId: CLI_CLIENT_ID,
      status: 'enabled',
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [CLI_REDIRECT_URI],
    });
    const rules = await h.call('GET', `${CLI}/rules`);
    expect(rules.body.items).toEqual([
      expect.objectContaining({
        audience: h.adminAudience,
        scopes: ['admin:read', 'admin:write'],
        subjectType: 'user',
      }),
    ]);
  });

  it.each([
    ['deleting it', 'DELETE', CLI, undefined],
    ['making it confidential', 'PATCH', CLI, { tokenEndpointAuthMethod: 'client_secret_basic' }],
    ['replacing its loopback redirect URI', 'PATCH', CLI, { redirectUris: ['http://127.0.0.1/other'] }],
    ['deleting its user rule', 'DELETE', `${CLI}/rules/{admin}?subjectType=user`, undefined],
    [
      'narrowing its user rule',
      'POST',
      `${CLI}/rules`,
      { audience: '{admin}', scopes: ['admin:read'], subjectType: 'user' },
    ],
  ])('refuses %s: 409 in-use, nothing changed', async (_what, method, path, body) => {
    const { res, changed, audited } = await attemptBuiltInClientChange(h, CLI_CLIENT_ID, {
      method,
      path,
      body,
      values: { admin: h.adminAudience },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: `${P}in-use`, status: 409 });
    expect(res.body.detail).toContain('idp-cli is the built-in client of idp login');
    expect(changed).toBe(false);
    expect(audited).toBe(0);
  });

  it('may be disabled, renamed and given another redirect URI', async () => {
    const res = await h.call('PATCH', CLI, {
      body: { status: 'disabled', name: 'CLI', redirectUris: [CLI_REDIRECT_URI, 'http://[::1]/callback'] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'disabled', name: 'CLI' });
  });

  it('its user rule may be granted again unchanged', async () => {
    const res = await h.call('POST', `${CLI}/rules`, {
      body: { audience: h.adminAudience, scopes: ['admin:read', 'admin:write'], subjectType: 'user' },
    });
    expect(res.status).toBe(200);
  });
});
