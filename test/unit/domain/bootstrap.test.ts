/**
 * ensureBootstrap: the built-in admin API `<issuer>/admin` (admin:read, admin:write), a bootstrap
 * admin client with a rule for both, and the built-in public clients idp-cli and idp-console. Idempotent; a concurrent run's ConflictError is tolerated; a fixed
 * secret for an existing client is registered once; the client then obtains admin tokens from the
 * token endpoint over the same store.
 */
import { decodeJwt } from 'jose';
import {
  ADMIN_READ,
  ADMIN_SCOPES,
  ADMIN_WRITE,
  CLI_CLIENT_ID,
  CONSOLE_CLIENT_ID,
  adminAudience,
  builtInRuleIntact,
  ensureBootstrap,
} from '../../../lambdas/domain/bootstrap';
import type { BootstrapDeps } from '../../../lambdas/domain/bootstrap';
import { ConflictError, DependencyUnavailableError } from '../../../lambdas/domain/errors';
import {
  FIXED_NOW,
  ISSUER,
  basicAuth,
  bodyOf,
  buildTokenEndpoint,
  randomSecret,
  tokenRequest,
} from '../../support/in-memory';
import type { TokenHarness } from '../../support/in-memory';

const ADMIN = `${ISSUER}/admin`;
const NOW = new Date(FIXED_NOW).toISOString();
const CLIENT_ID = 'bootstrap-admin';

let h: TokenHarness;
let deps: BootstrapDeps;
let secret: string;

beforeEach(async () => {
  h = await buildTokenEndpoint({ seed: false });
  deps = { clients: h.clients, apis: h.apis, hasher: h.hasher, clock: h.clock, ids: h.ids };
  secret = randomSecret();
});

/** A token for the admin API with the bootstrap credentials, through the token endpoint. */
async function adminToken(clientSecret: string) {
  const res = await h.send(
    tokenRequest({
      form: [
        ['grant_type', 'client_credentials'],
        ['audience', ADMIN],
      ],
      authorization: basicAuth(CLIENT_ID, clientSecret),
    }),
  );
  return { status: res.status, body: bodyOf(res) };
}

describe('ensureBootstrap', () => {
  it('adminAudience is `<issuer>/admin`', () => {
    expect(adminAudience('https://idp.example.com')).toBe('https://idp.example.com/admin');
    expect(adminAudience('http://localhost:3000')).toBe('http://localhost:3000/admin');
  });

  it('on an empty store: creates the admin API and the client with its secret and rule', async () => {
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).toEqual({
      createdApi: true,
      createdClient: true,
      registeredSecret: true,
      cliClient: 'created',
      consoleClient: 'created',
    });
    expect([...h.store.apis.values()]).toEqual([
      {
        identifier: ADMIN,
        name: 'Admin API',
        scopes: ADMIN_SCOPES,
        userAccess: 'granted',
        createdAt: NOW,
        updatedAt: NOW,
        version: 1,
      },
    ]);
    expect(ADMIN_SCOPES.map((s) => s.value)).toEqual([ADMIN_READ, ADMIN_WRITE]);
    expect([...h.store.bundles.keys()]).toEqual([CLIENT_ID, CLI_CLIENT_ID, CONSOLE_CLIENT_ID]);
    expect([h.store.bundles.get(CLIENT_ID)]).toEqual([
      {
        client: {
          clientId: CLIENT_ID,
          name: 'Bootstrap admin',
          description: 'Created at bootstrap; holds admin:read and admin:write on the admin API',
          status: 'enabled',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'client_secret_basic',
          createdAt: NOW,
          updatedAt: NOW,
          version: 1,
        },
        secrets: [{ secretId: 'sec_bootstrap_sec-1', hash: h.hasher.hash(secret), createdAt: NOW }],
        rules: [{ audience: ADMIN, scopes: ['admin:read', 'admin:write'], createdAt: NOW }],
      },
    ]);
    // The CLI: a public native client (RFC 8252) with a user rule for both admin scopes.
    expect(h.store.bundles.get(CLI_CLIENT_ID)).toEqual({
      client: {
        clientId: CLI_CLIENT_ID,
        name: 'idp CLI',
        description: 'Built in: `idp login` signs people in with it (public native client, RFC 8252)',
        status: 'enabled',
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: ['http://127.0.0.1/callback'],
        createdAt: NOW,
        updatedAt: NOW,
        version: 1,
      },
      secrets: [],
      rules: [
        {
          audience: ADMIN,
          scopes: ['admin:read', 'admin:write'],
          subjectType: 'user',
          apiUserAccess: 'granted',
          createdAt: NOW,
        },
      ],
    });
    // The console: a public browser client on the issuer's origin, exactly its callback, no consent.
    expect(h.store.bundles.get(CONSOLE_CLIENT_ID)).toEqual({
      client: {
        clientId: CONSOLE_CLIENT_ID,
        name: 'Admin console',
        description: `Built in: the admin console at ${ISSUER}/console/ signs people in with it (public browser client)`,
        status: 'enabled',
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        redirectUris: [`${ISSUER}/console/callback`],
        postLogoutRedirectUris: [`${ISSUER}/console/`],
        allowedOrigins: [new URL(ISSUER).origin],
        requireConsent: false,
        createdAt: NOW,
        updatedAt: NOW,
        version: 1,
      },
      secrets: [],
      rules: [
        {
          audience: ADMIN,
          scopes: ['admin:read', 'admin:write'],
          subjectType: 'user',
          apiUserAccess: 'granted',
          createdAt: NOW,
        },
      ],
    });
    // Only the peppered hash is stored.
    expect(JSON.stringify([...h.store.bundles.values()])).not.toContain(secret);
  });

  it('the bootstrap client obtains an admin token with both scopes', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    const { status, body } = await adminToken(secret);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'admin:read admin:write' });
    expect(decodeJwt(body['access_token'] as string)).toMatchObject({
      iss: ISSUER,
      sub: CLIENT_ID,
      aud: ADMIN,
      scope: 'admin:read admin:write',
    });
  });

  it('is idempotent: a second run writes nothing and changes nothing', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    const before = structuredClone({ apis: [...h.store.apis], bundles: [...h.store.bundles] });
    h.store.resetCalls();
    h.clock.advance(3600);
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).toEqual({
      createdApi: false,
      createdClient: false,
      registeredSecret: false,
      cliClient: 'unchanged',
      consoleClient: 'unchanged',
    });
    expect(h.store.calls).toEqual({
      apiExists: 0,
      getApi: 3,
      loadClientBundle: 3,
      createApi: 0,
      createClient: 0,
      putSecret: 0,
      deleteSecret: 0,
    });
    expect({ apis: [...h.store.apis], bundles: [...h.store.bundles] }).toEqual(before);
  });

  it('two concurrent runs: one creates, the other meets a ConflictError and tolerates it', async () => {
    const input = { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret };
    const results = await Promise.all([ensureBootstrap(deps, input), ensureBootstrap(deps, input)]);
    // Both tried to create both items (the conflicts were real), exactly one of each write won.
    expect(h.store.calls.createApi).toBe(2);
    expect(h.store.calls.createClient).toBe(6);
    expect(results.filter((r) => r.createdApi)).toHaveLength(1);
    expect(results.filter((r) => r.createdClient)).toHaveLength(1);
    expect(results.filter((r) => r.registeredSecret)).toHaveLength(1);
    expect(h.store.apis.size).toBe(1);
    expect(results.filter((r) => r.cliClient === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.consoleClient === 'created')).toHaveLength(1);
    expect(h.store.bundles.size).toBe(3);
    expect(h.store.bundles.get(CLIENT_ID)!.secrets).toHaveLength(1);
    expect((await adminToken(secret)).status).toBe(200);
  });

  it('a ConflictError from either create is not an error', async () => {
    h.store.throwNext(new ConflictError('the API exists'), ['createApi']);
    h.store.throwNext(new ConflictError('the client exists'), ['createClient']);
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).toEqual({
      createdApi: false,
      createdClient: false,
      registeredSecret: false,
      cliClient: 'unchanged',
      consoleClient: 'unchanged',
    });
  });

  it('any other store failure propagates (the deployment or the local start fails)', async () => {
    h.store.failNext(1, { only: ['createClient'], throttled: true });
    await expect(ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).rejects.toThrow(
      DependencyUnavailableError,
    );
    // The next run completes what the failed one left.
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).toEqual({
      createdApi: false,
      createdClient: true,
      registeredSecret: true,
      cliClient: 'created',
      consoleClient: 'created',
    });
  });

  it('a new fixed secret for an existing client is registered once and replaces the previous bootstrap secret', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    const fixed = randomSecret();
    h.store.resetCalls();
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: fixed })).toEqual({
      createdApi: false,
      createdClient: false,
      registeredSecret: true,
      cliClient: 'unchanged',
      consoleClient: 'unchanged',
    });
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: fixed })).toEqual({
      createdApi: false,
      createdClient: false,
      registeredSecret: false,
      cliClient: 'unchanged',
      consoleClient: 'unchanged',
    });
    expect(h.store.calls.putSecret).toBe(1);
    expect(h.store.calls.deleteSecret).toBe(1);
    // Rotating the source (Secrets Manager, the environment) cuts the previous value off.
    expect(h.store.bundles.get(CLIENT_ID)!.secrets.map((s) => s.hash)).toEqual([h.hasher.hash(fixed)]);
    expect((await adminToken(fixed)).status).toBe(200);
    expect((await adminToken(secret)).status).toBe(401);
    expect((await adminToken(randomSecret())).status).toBe(401);
  });

  it('an existing admin API is kept; a missing client is created', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: 'first-admin', clientSecret: secret });
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).toEqual({
      createdApi: false,
      createdClient: true,
      registeredSecret: true,
      cliClient: 'unchanged',
      consoleClient: 'unchanged',
    });
    expect([...h.store.bundles.keys()]).toEqual(['first-admin', CLI_CLIENT_ID, CONSOLE_CLIENT_ID, CLIENT_ID]);
  });

  it('another issuer gets its own admin API', async () => {
    await ensureBootstrap(deps, { issuer: 'http://localhost:3000', clientId: CLIENT_ID, clientSecret: secret });
    expect([...h.store.apis.keys()]).toEqual(['http://localhost:3000/admin']);
    expect(h.store.bundles.get(CLIENT_ID)!.rules.map((r) => r.audience)).toEqual(['http://localhost:3000/admin']);
    expect(h.store.bundles.get(CLI_CLIENT_ID)!.rules.map((r) => r.audience)).toEqual(['http://localhost:3000/admin']);
  });

  it('repairs what idp login needs of idp-cli, keeping what admins may change (status, name, more URIs)', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    const stored = h.store.bundles.get(CLI_CLIENT_ID)!;
    stored.client = {
      ...stored.client,
      name: 'CLI (renamed)',
      status: 'disabled',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: ['http://127.0.0.1/other'],
    };
    stored.rules = [{ ...stored.rules[0]!, scopes: ['admin:read'], apiUserAccess: 'any' }];
    h.clock.advance(60);
    h.store.resetCalls();
    expect(await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).toEqual({
      createdApi: false,
      createdClient: false,
      registeredSecret: false,
      cliClient: 'repaired',
      consoleClient: 'unchanged',
    });
    expect(h.store.calls.updateClient).toBe(1);
    expect(h.store.calls.putRule).toBe(1);
    const repaired = h.store.bundles.get(CLI_CLIENT_ID)!;
    expect(repaired.client).toMatchObject({
      name: 'CLI (renamed)',
      status: 'disabled',
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['http://127.0.0.1/callback', 'http://127.0.0.1/other'],
      version: 2,
      updatedAt: new Date(FIXED_NOW + 60_000).toISOString(),
    });
    expect(repaired.rules).toEqual([
      {
        audience: ADMIN,
        scopes: ['admin:read', 'admin:write'],
        subjectType: 'user',
        apiUserAccess: 'granted',
        createdAt: NOW,
      },
    ]);
    // Repaired once: the next run changes nothing.
    h.store.resetCalls();
    expect((await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).cliClient).toBe(
      'unchanged',
    );
    expect(h.store.calls.updateClient).toBe(0);
    expect(h.store.calls.putRule).toBe(0);
  });

  it('repairs what the console needs of idp-console: exactly its callback, its logout URI and origin', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    const stored = h.store.bundles.get(CONSOLE_CLIENT_ID)!;
    stored.client = {
      ...stored.client,
      name: 'Console (renamed)',
      status: 'disabled',
      requireConsent: true,
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_post',
      redirectUris: [`${ISSUER}/console/callback`, 'https://evil.example/cb'],
      postLogoutRedirectUris: ['https://app.example/bye'],
      allowedOrigins: [],
    };
    stored.rules = [];
    h.clock.advance(60);
    h.store.resetCalls();
    const result = await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    expect([result.cliClient, result.consoleClient]).toEqual(['unchanged', 'repaired']);
    expect(h.store.calls.updateClient).toBe(1);
    expect(h.store.calls.putRule).toBe(1);
    const repaired = h.store.bundles.get(CONSOLE_CLIENT_ID)!;
    expect(repaired.client).toMatchObject({
      name: 'Console (renamed)',
      status: 'disabled',
      requireConsent: true,
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'none',
      redirectUris: [`${ISSUER}/console/callback`],
      postLogoutRedirectUris: [`${ISSUER}/console/`, 'https://app.example/bye'],
      allowedOrigins: [new URL(ISSUER).origin],
      version: 2,
    });
    expect(builtInRuleIntact(repaired, ADMIN)).toBe(true);
    h.store.resetCalls();
    const again = await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    expect(again.consoleClient).toBe('unchanged');
    expect(h.store.calls.updateClient).toBe(0);
  });

  it('a missing user rule on the admin API is put back', async () => {
    await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret });
    h.store.bundles.get(CLI_CLIENT_ID)!.rules = [];
    expect((await ensureBootstrap(deps, { issuer: ISSUER, clientId: CLIENT_ID, clientSecret: secret })).cliClient).toBe(
      'repaired',
    );
    expect(builtInRuleIntact(h.store.bundles.get(CLI_CLIENT_ID)!, ADMIN)).toBe(true);
  });
});
