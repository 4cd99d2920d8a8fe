/**
 * The built-in console client `idp-console` (docs/contract.md, Admin API › Bootstrap) through the
 * admin API: bootstrap registered it (public, authorization_code, exactly `<issuer>/console/callback`,
 * the console URL for logout, the issuer's origin, no consent, a user rule for admin:read admin:write
 * on the admin API); deleting it or breaking what the console needs is 409 `in-use` with a detail
 * naming what it keeps; disabling and renaming are allowed.
 */
import { CONSOLE_CLIENT_ID } from '../../../lambdas/domain/bootstrap';
import { attemptBuiltInClientChange } from '../../support/built-in-client';
import { makeAdminHarness } from '../../support/in-memory-admin-repositories';
import type { AdminHarness } from '../../support/in-memory-admin-repositories';

const P = 'https://serverless-idp.dev/problems/';
const CONSOLE = `/admin/clients/${CONSOLE_CLIENT_ID}`;

let h: AdminHarness;
beforeEach(async () => {
  h = await makeAdminHarness();
});

describe('the built-in client idp-console', () => {
  it('is registered by bootstrap as a public browser client on the issuer origin', async () => {
    const client = await h.call('GET', CONSOLE);
    expect(client.status).toBe(200);
    expect(client.body).toEqual({
      clientId: CONSOLE_CLIENT_ID,
      name: 'Admin console',
      description: `Built in: the admin console at ${h.issuer}/console/ signs people in with it (public browser client)`,
      status: 'enabled',
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [`${h.issuer}/console/callback`],
      postLogoutRedirectUris: [`${h.issuer}/console/`],
      allowedOrigins: [h.issuer],
      requireConsent: false,
      tokenReuse: false,
      external: false,
      metadata: {},
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
    const rules = await h.call('GET', `${CONSOLE}/rules`);
    expect(rules.body.items).toEqual([
      expect.objectContaining({
        audience: h.adminAudience,
        scopes: ['admin:read', 'admin:write'],
        subjectType: 'user',
      }),
    ]);
  });

  it.each([
    ['deleting it', 'DELETE', CONSOLE, undefined, 'and cannot be deleted; disable it to stop console sign-in'],
    [
      'making it confidential',
      'PATCH',
      CONSOLE,
      { tokenEndpointAuthMethod: 'client_secret_basic' },
      'its tokenEndpointAuthMethod cannot change that way',
    ],
    [
      'adding a redirect URI',
      'PATCH',
      CONSOLE,
      { redirectUris: ['{callback}', 'https://elsewhere.example/cb'] },
      'its redirectUris cannot change that way',
    ],
    [
      'replacing its post-logout URI',
      'PATCH',
      CONSOLE,
      { postLogoutRedirectUris: ['https://elsewhere.example/'] },
      'its postLogoutRedirectUris cannot change that way',
    ],
    ['emptying its allowed origins', 'PATCH', CONSOLE, { allowedOrigins: [] }, 'its allowedOrigins cannot change'],
    ['deleting its user rule', 'DELETE', `${CONSOLE}/rules/{admin}?subjectType=user`, undefined, 'cannot be deleted'],
    [
      'narrowing its user rule',
      'POST',
      `${CONSOLE}/rules`,
      { audience: '{admin}', scopes: ['admin:read'], subjectType: 'user' },
      'keeps admin:read and admin:write',
    ],
  ])('refuses %s: 409 in-use with a clear detail, nothing changed', async (_what, method, path, body, detail) => {
    const { res, changed, audited } = await attemptBuiltInClientChange(h, CONSOLE_CLIENT_ID, {
      method,
      path,
      body,
      values: { admin: h.adminAudience, callback: `${h.issuer}/console/callback` },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: `${P}in-use`, status: 409 });
    expect(res.body.detail).toContain('idp-console is the built-in client of the admin console');
    expect(res.body.detail).toContain(detail);
    expect(changed).toBe(false);
    expect(audited).toBe(0);
  });

  it('names everything it keeps when a change would break it', async () => {
    const res = await h.call('PATCH', CONSOLE, { body: { redirectUris: ['https://elsewhere.example/cb'] } });
    expect(res.body.detail).toBe(
      'idp-console is the built-in client of the admin console; its redirectUris cannot change that way ' +
        `(it keeps the authorization_code grant, tokenEndpointAuthMethod none, exactly the redirect URI ` +
        `${h.issuer}/console/callback, the post-logout redirect URI ${h.issuer}/console/ and the allowed origin ` +
        `${h.issuer}). Disable it to stop console sign-in.`,
    );
  });

  it('may be disabled and renamed, and its rule widened', async () => {
    const res = await h.call('PATCH', CONSOLE, { body: { status: 'disabled', name: 'Console' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'disabled', name: 'Console' });
  });
});
