/**
 * The `idp` CLI against the local IdP. `token`, `decode`, `verify`, help and usage errors run as a
 * child process (`node bin/idp.js`, the package.json `bin` entry; each bounded and killed on
 * time-out); the admin commands run both as a child process (credentials from the environment and from
 * the local `.idp/bootstrap.json`) and in-process through `runCli` for a full lifecycle: APIs, clients,
 * rules, secrets, audit — with the tokens the new client obtains checked against the real token
 * endpoint after each change.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../lambdas/client/cli/main';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { accessTokenVerifier, registerApi, registerClient, startTestIdp } from '../support/local-idp';
import { forgeSigned, forgeUnsigned, generateTestKey, projectClaims, projectToken } from '../support/token-forge';
import type { TestKey } from '../support/token-forge';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/idp.js');
const ORDERS = 'https://orders.example.test';
const SPAWN_TIMEOUT_MS = 20_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment without any IDP_* variable of the machine running the tests, and with a config folder
 * that does not exist, so no sign-in of `idp login` on this machine is used.
 */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('IDP_')) env[name] = value;
  }
  return { ...env, IDP_CONFIG_DIR: path.join(os.tmpdir(), 'idp-cli-test-no-config'), ...extra };
}

/** Runs `idp` as a child process; killed after SPAWN_TIMEOUT_MS. */
function idp(args: string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}) {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`idp ${args.join(' ')} did not finish in ${SPAWN_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, SPAWN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs `idp` in-process with captured output. */
async function cli(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    cwd: ROOT,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => stdin,
  });
  return { code, stdout, stderr };
}

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('idp CLI', () => {
  let local: LocalIdp;
  let dataDir: string;
  let partner: { clientId: string; clientSecret: string };
  let postPartner: { clientId: string; clientSecret: string };
  /** Generated ids and secrets are base64url: they can start with "-". */
  let dashPartner: { clientId: string; clientSecret: string };
  let adminEnv: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'idp-cli-'));
    local = await startTestIdp({ dataDir });
    await registerApi(local, ORDERS, ['orders:read', 'orders:write']);
    const rules = [{ audience: ORDERS, scopes: ['orders:read', 'orders:write'] }];
    partner = await registerClient(local, { rules, clientSecret: 'cli+secret:with%chars' });
    postPartner = await registerClient(local, { rules, method: 'client_secret_post' });
    dashPartner = await registerClient(local, { rules, clientId: '-dash-leading_id', clientSecret: '-s3cret-' });
    adminEnv = {
      IDP_ISSUER: local.issuer,
      IDP_ADMIN_CLIENT_ID: local.bootstrap.clientId,
      IDP_ADMIN_CLIENT_SECRET: local.bootstrap.clientSecret,
    };
  });

  afterAll(async () => {
    await local?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  describe('as a child process', () => {
    it('--help lists every command; exit 0', async () => {
      const result = await idp(['--help']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^idp: tokens and administration for serverless-idp\n\nUsage: idp <command>/);
      for (const command of [
        'token',
        'decode TOKEN',
        'verify TOKEN',
        'clients list',
        'clients create',
        'clients enable CLIENT_ID',
        'secrets revoke CLIENT_ID SECRET_ID',
        'apis update IDENTIFIER',
        'rules grant CLIENT_ID',
        'audit list',
      ]) {
        expect(result.stdout).toContain(`  idp ${command} `);
      }
    });

    it('per-command help', async () => {
      const result = await idp(['rules', 'grant', '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: idp rules grant CLIENT_ID --audience API --scope SCOPES [options]\n');
      expect(result.stdout).toMatch(/-s, --scope SCOPES +scopes \(required\)/);
      expect(result.stdout).toContain('IDP_ADMIN_CLIENT_ID');
    });

    it('token: prints the access token (credentials from the environment, client_secret_basic)', async () => {
      const result = await idp(['token', '--audience', ORDERS, '--scope', 'orders:read', '--issuer', local.issuer], {
        env: { IDP_CLIENT_ID: partner.clientId, IDP_CLIENT_SECRET: partner.clientSecret },
      });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const claims = await (await accessTokenVerifier(local, ORDERS)).verify(result.stdout.trim());
      expect(claims).toMatchObject({ client_id: partner.clientId, aud: ORDERS, scope: 'orders:read' });
    });

    it('token --json: the secret from stdin, client_secret_post, a fixed token endpoint', async () => {
      const result = await idp(
        [
          'token',
          '-a',
          ORDERS,
          '--token-endpoint',
          `${local.issuer}/oauth2/token`,
          '--client-id',
          postPartner.clientId,
          '--client-secret-stdin',
          '--auth-method',
          'post',
          '--json',
        ],
        { stdin: `${postPartner.clientSecret}\n` },
      );
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const body = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'expires_at', 'scope']);
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read orders:write' });
      expect(body['expires_in']).toBeGreaterThan(3590);
      expect(body['expires_in']).toBeLessThanOrEqual(3600);
      expect(decodePart(String(body['access_token']), 1)).toMatchObject({ client_id: postPartner.clientId });
    });

    it('token with a wrong secret: the RFC 6749 error on stderr, exit 1, the secret nowhere', async () => {
      const result = await idp(['token', '-a', ORDERS, '--issuer', local.issuer, '--client-id', partner.clientId], {
        env: { IDP_CLIENT_SECRET: 'wrong-secret-value' },
      });
      expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: invalid_client: client authentication failed\n' });
    });

    it('ids and secrets that start with "-" are values, not options', async () => {
      const result = await idp([
        'token',
        '-a',
        ORDERS,
        '--issuer',
        local.issuer,
        '--client-id',
        dashPartner.clientId,
        '--client-secret',
        dashPartner.clientSecret,
      ]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(decodePart(result.stdout.trim(), 1)).toMatchObject({ client_id: '-dash-leading_id' });
      const shown = await idp(['clients', 'get', dashPartner.clientId, '--json'], { env: adminEnv });
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(shown.stdout)).toMatchObject({ clientId: '-dash-leading_id' });
      const rules = await idp(['rules', 'list', '--json', dashPartner.clientId], { env: adminEnv });
      expect(JSON.parse(rules.stdout)).toMatchObject({ items: [{ audience: ORDERS }] });
    });

    describe('decode and verify', () => {
      let token: string;

      beforeAll(async () => {
        const result = await cli(['token', '-a', ORDERS, '-s', 'orders:read', '--issuer', local.issuer], {
          IDP_CLIENT_ID: partner.clientId,
          IDP_CLIENT_SECRET: partner.clientSecret,
        });
        token = result.stdout.trim();
      });

      it('decode: header and payload, labelled as not verified', async () => {
        const result = await idp(['decode', token]);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        const header = decodePart(token, 0);
        const payload = decodePart(token, 1);
        expect(result.stdout).toContain(
          'NOT VERIFIED: this shows what the token says, not whether it is genuine.\n\n' +
            `header (not verified):\n${JSON.stringify(header, null, 2)}\n\n` +
            `payload (not verified):\n${JSON.stringify(payload, null, 2)}\n`,
        );
        expect(result.stdout).toContain(`exp  ${new Date(Number(payload['exp']) * 1000).toISOString()}`);
      });

      it('decode --json from stdin; a non-JWT is an error', async () => {
        const result = await idp(['decode', '-', '--json'], { stdin: `${token}\n` });
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({
          verified: false,
          header: decodePart(token, 0),
          payload: decodePart(token, 1),
        });
        const bad = await idp(['decode', 'not-a-token']);
        expect(bad).toEqual({
          code: 1,
          stdout: '',
          stderr: 'error: not a JWT: expected three dot-separated parts (RFC 7515 §7.1)\n',
        });
      });

      it('verify: a valid token with its scope → exit 0', async () => {
        const result = await idp([
          'verify',
          token,
          '--issuer',
          local.issuer,
          '--audience',
          ORDERS,
          '--scope',
          'orders:read',
        ]);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        const payload = decodePart(token, 1);
        expect(result.stdout).toBe(
          `valid: an access token for ${ORDERS} from ${local.issuer}\n` +
            `client_id  ${partner.clientId}\n` +
            `scope      orders:read\n` +
            `expires    ${new Date(Number(payload['exp']) * 1000).toISOString()}\n` +
            `jti        ${String(payload['jti'])}\n` +
            `kid        ${String(decodePart(token, 0)['kid'])}\n`,
        );
      });

      it('verify --json prints the verified claims', async () => {
        const result = await idp(['verify', token, '--issuer', local.issuer, '-a', ORDERS, '--json']);
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({
          valid: true,
          header: decodePart(token, 0),
          payload: decodePart(token, 1),
        });
      });

      it('verify: wrong audience → exit 1', async () => {
        const result = await idp([
          'verify',
          token,
          '--issuer',
          local.issuer,
          '--audience',
          'https://other.example.test',
        ]);
        expect(result).toEqual({
          code: 1,
          stdout: '',
          stderr: 'error: invalid token: the access token is not for this API\n',
        });
      });

      it('verify: a scope the token lacks, a wrong issuer, a tampered payload → exit 1', async () => {
        const lacking = await idp(['verify', token, '--issuer', local.issuer, '-a', ORDERS, '-s', 'orders:write']);
        expect(lacking).toMatchObject({
          code: 1,
          stderr: 'error: invalid token: the token lacks the scope orders:write\n',
        });

        const [h, p, s] = token.split('.') as [string, string, string];
        const forged = Buffer.from(JSON.stringify({ ...decodePart(token, 1), scope: 'orders:read orders:write' }));
        const tampered = await idp([
          'verify',
          `${h}.${forged.toString('base64url')}.${s}`,
          '--issuer',
          local.issuer,
          '-a',
          ORDERS,
        ]);
        expect(tampered).toMatchObject({
          code: 1,
          stderr: 'error: invalid token: the access token signature is invalid\n',
        });
        expect(p).not.toBe(forged.toString('base64url'));

        const wrongIssuer = await idp(['verify', token, '--issuer', `${local.issuer}/`, '-a', ORDERS]);
        expect(wrongIssuer.code).toBe(1);
        expect(wrongIssuer.stderr).toBe(
          `error: the metadata at ${local.issuer}/.well-known/oauth-authorization-server is not for issuer ${local.issuer}/\n`,
        );
      });
    });

    it.each([
      [['frobnicate'], 'error: unknown command: frobnicate\n'],
      [['token', '-x'], "error: Unknown option '-x'"],
      [['token', '--bogus'], "error: Unknown option '--bogus'"],
      [['verify', 'x.y.z', '--audience', ORDERS], 'error: --issuer is required\n'],
      [['verify'], 'error: missing argument TOKEN\n'],
      [['clients', 'get'], 'error: missing argument CLIENT_ID\n'],
      [['clients', 'get', 'a', 'b'], 'error: unexpected argument b\n'],
      [['clients', 'fly'], 'error: unknown command: idp clients fly\n'],
      [['token', '-a', ORDERS], 'error: a client id is required: --client-id or IDP_CLIENT_ID\n'],
      [['clients', 'update', 'c1', '--name', 'n', '--if-match', 'v1'], 'error: --if-match must be an integer ≥ 1\n'],
      [['clients', 'update', 'c1'], 'error: nothing to change: give at least one option\n'],
      [['rules', 'grant', 'c1', '-a', ORDERS], 'error: --scope is required\n'],
      [
        ['audit', 'list', '--since', 'yesterday'],
        'error: --since must be a duration (30m, 2h, 7d) or an ISO 8601 date-time\n',
      ],
    ])('usage error %j → exit 2', async (args, message) => {
      const result = await idp(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.startsWith(message)).toBe(true);
    });

    it('admin: clients list with the credentials of the local .idp/bootstrap.json', async () => {
      const result = await idp(['clients', 'list', '--issuer', local.issuer], { env: { IDP_DATA_DIR: dataDir } });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^CLIENT_ID +NAME +STATUS +AUTH_METHOD +CREATED$/);
      // The bootstrap admin client, the built-in idp-cli and idp-console and the three registered partners.
      expect(lines).toHaveLength(7);
      expect(result.stdout).toMatch(/\nidp-console +Admin console +enabled +none /);
      expect(result.stdout).toContain(local.bootstrap.clientId);
      expect(result.stdout).toContain(partner.clientId);
    });

    it('admin: apis list --json with the credentials from the environment', async () => {
      const result = await idp(['apis', 'list', '--json'], { env: adminEnv });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const page = JSON.parse(result.stdout) as { items: { identifier: string; scopes: { value: string }[] }[] };
      expect(page.items.map((a) => a.identifier).sort()).toEqual([`${local.issuer}/admin`, ORDERS]);
    });

    it('admin: no credentials for a remote issuer → exit 2; wrong credentials → exit 1', async () => {
      const none = await idp(['clients', 'list', '--issuer', 'https://idp.example.test']);
      expect(none).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'error: not signed in to https://idp.example.test: run idp login (or set IDP_ADMIN_CLIENT_ID and ' +
          'IDP_ADMIN_CLIENT_SECRET)\n' +
          'usage: idp clients list [options]\n',
      });
      const wrong = await idp(['clients', 'list'], { env: { ...adminEnv, IDP_ADMIN_CLIENT_SECRET: 'nope' } });
      expect(wrong).toEqual({ code: 1, stdout: '', stderr: 'error: invalid_client: client authentication failed\n' });
    });
  });

  describe('verify enforces RFC 9068 beyond the signature (in-process, an issuer with a per-run key)', () => {
    let server: http.Server;
    let issuer: string;
    let key: TestKey;
    const API = 'https://api.example.test';

    beforeAll(async () => {
      key = await generateTestKey('RS256');
      server = http.createServer((req, res) => {
        const body =
          req.url === '/.well-known/oauth-authorization-server'
            ? { issuer, jwks_uri: `${issuer}/.well-known/jwks.json` }
            : req.url === '/.well-known/jwks.json'
              ? { keys: [key.publicJwk] }
              : undefined;
        res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body ?? {}));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const verify = (token: string) => cli(['verify', token, '--issuer', issuer, '--audience', API]);
    const claims = (overrides: Record<string, unknown> = {}) => ({
      ...projectClaims({ issuer, audience: API, clientId: 'partner-1', scopes: ['read'] }),
      ...overrides,
    });
    const header = (overrides: Record<string, unknown> = {}) => ({
      alg: 'RS256',
      typ: 'at+jwt',
      kid: key.kid,
      ...overrides,
    });

    it('accepts a token made like the token endpoint makes it', async () => {
      const token = await projectToken(key, { issuer, audience: API, clientId: 'partner-1', scopes: ['read'] });
      const result = await verify(token);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(
        /^valid: an access token for https:\/\/api\.example\.test from http:\/\/127\.0\.0\.1:\d+\nclient_id {2}partner-1\nscope {6}read\n/,
      );
    });

    it.each([
      ['typ JWT', () => forgeSigned(key, header({ typ: 'JWT' }), claims()), 'the token is not an at+jwt access token'],
      [
        'no typ',
        () => forgeSigned(key, header({ typ: undefined }), claims()),
        'the token is not an at+jwt access token',
      ],
      ['alg none', () => forgeUnsigned(header({ alg: 'none' }), claims()), 'the access token is malformed'],
      ['no exp', () => forgeSigned(key, header(), claims({ exp: undefined })), 'the token has no exp claim'],
      ['no jti', () => forgeSigned(key, header(), claims({ jti: undefined })), 'the token has no jti claim'],
      [
        'no client_id',
        () => forgeSigned(key, header(), claims({ client_id: undefined })),
        'the token has no client_id claim',
      ],
      [
        'expired',
        () => forgeSigned(key, header(), claims({ iat: 1_000_000, nbf: 1_000_000, exp: 1_000_060 })),
        'the access token expired',
      ],
      [
        'unknown kid',
        () => forgeSigned(key, header({ kid: 'someone-else' }), claims()),
        'the access token was signed with an unknown key',
      ],
    ])('rejects %s → exit 1', async (_name, make, reason) => {
      expect(await verify(make())).toEqual({ code: 1, stdout: '', stderr: `error: invalid token: ${reason}\n` });
    });

    it('refuses a padded or non-canonical encoding of a valid token, as the authorizers do (RFC 7515 §2, RFC 4648 §3.5)', async () => {
      const token = await projectToken(key, { issuer, audience: API, clientId: 'partner-1', scopes: ['read'] });
      const [h, p, sig] = token.split('.') as [string, string, string];
      // A 256-byte RS256 signature leaves 4 unused bits in its last character: another one decodes the same.
      const bytes = Buffer.from(sig, 'base64url');
      const other = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
        .map((c) => sig.slice(0, -1) + c)
        .find((v) => v !== sig && Buffer.from(v, 'base64url').equals(bytes));
      expect(other).toBeDefined();
      for (const forged of [`${h}.${p}.${sig}==`, `${h}.${p}.${other}`]) {
        expect(await verify(forged)).toEqual({
          code: 1,
          stdout: '',
          stderr: 'error: invalid token: the access token is not canonical base64url\n',
        });
      }
      expect(await verify(token)).toMatchObject({ code: 0 });
    });
  });

  describe('admin lifecycle (in-process)', () => {
    const INVENTORY = 'https://inventory.example.test/v1';

    /** A token for the client through the CLI (`idp token`), or the error line. */
    async function tokenFor(clientId: string, secret: string, scope?: string) {
      const args = ['token', '-a', INVENTORY, '--issuer', local.issuer, '--auth-method', 'post'];
      if (scope !== undefined) args.push('-s', scope);
      return cli(args, { IDP_CLIENT_ID: clientId, IDP_CLIENT_SECRET: secret });
    }

    it('apis, clients, rules, secrets and audit, each change visible at the token endpoint', async () => {
      const started = new Date().toISOString();

      // ---- apis create / get / list / update with If-Match
      const created = await cli(
        [
          'apis',
          'create',
          INVENTORY,
          '--name',
          'Inventory',
          '--scope',
          'inventory:read inventory:write',
          '--ttl',
          '600',
        ],
        adminEnv,
      );
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(created.stdout).toMatch(
        new RegExp(
          `^identifier +${INVENTORY}\nname +Inventory\nscopes +inventory:read inventory:write\naccessTokenTtl +600\n`,
        ),
      );
      const got = await cli(['apis', 'get', INVENTORY, '--json'], adminEnv);
      expect(JSON.parse(got.stdout)).toMatchObject({
        identifier: INVENTORY,
        name: 'Inventory',
        scopes: [{ value: 'inventory:read' }, { value: 'inventory:write' }],
        accessTokenTtl: 600,
        version: 1,
      });
      const listed = await cli(['apis', 'list'], adminEnv);
      expect(listed.stdout).toMatch(/^IDENTIFIER +NAME +SCOPES +TTL\n/);
      expect(listed.stdout).toMatch(new RegExp(`\n${INVENTORY} +Inventory +inventory:read inventory:write +600\n`));

      const renamed = await cli(
        ['apis', 'update', INVENTORY, '--name', 'Inventory v1', '--if-match', '1', '--json'],
        adminEnv,
      );
      expect(JSON.parse(renamed.stdout)).toMatchObject({ name: 'Inventory v1', version: 2 });
      const stale = await cli(['apis', 'update', INVENTORY, '--name', 'x', '--if-match', '1'], adminEnv);
      expect(stale).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: The If-Match precondition failed: the resource is at version 2; If-Match did not match it\n',
      });

      // ---- validation errors name the field
      const invalid = await cli(['apis', 'create', 'not a uri', '--name', 'x'], adminEnv);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toBe(
        'error: The request is not valid: one input is not valid\n' +
          '  /identifier: must be an absolute URI without a fragment (RFC 8707 §2)\n',
      );

      // ---- clients create: the secret is shown once
      const newClient = await cli(
        ['clients', 'create', '--name', 'Acme partner', '--auth-method', 'post', '--json'],
        adminEnv,
      );
      expect(newClient).toMatchObject({ code: 0, stderr: '' });
      const { client, secret, curl } = JSON.parse(newClient.stdout) as {
        client: { clientId: string; status: string; tokenEndpointAuthMethod: string };
        secret: { id: string; value: string };
        curl: string;
      };
      expect(client).toMatchObject({ status: 'enabled', tokenEndpointAuthMethod: 'client_secret_post' });
      expect(curl).toContain(secret.value);
      const textCreate = await cli(['clients', 'create', '--name', 'Text client'], adminEnv);
      expect(textCreate.stdout).toMatch(
        /^client_id +\S+\nclient_secret +sidp_\S+\nsecret_id +\S+\nname +Text client\n/,
      );
      expect(textCreate.stdout).toContain('The secret is shown only now: store it.');

      // No rule yet: no token.
      expect(await tokenFor(client.clientId, secret.value)).toMatchObject({ code: 1 });

      // ---- rules grant / list
      const granted = await cli(['rules', 'grant', client.clientId, '-a', INVENTORY, '-s', 'inventory:read'], adminEnv);
      expect(granted).toEqual({
        code: 0,
        stdout: `client ${client.clientId} may get inventory:read on ${INVENTORY}\n`,
        stderr: '',
      });
      const rules = await cli(['rules', 'list', client.clientId], adminEnv);
      expect(rules.stdout).toMatch(
        new RegExp(`^AUDIENCE +SCOPES +CLAIMS +CREATED\n${INVENTORY} +inventory:read +- +\\S+\n$`),
      );
      const token = await tokenFor(client.clientId, secret.value);
      expect(token).toMatchObject({ code: 0, stderr: '' });
      expect(decodePart(token.stdout.trim(), 1)).toMatchObject({ scope: 'inventory:read', aud: INVENTORY });
      expect(await tokenFor(client.clientId, secret.value, 'inventory:write')).toEqual({
        code: 1,
        stdout: '',
        stderr: expect.stringMatching(/^error: invalid_scope: /) as unknown as string,
      });

      // ---- clients get / list --search / update
      const shown = await cli(['clients', 'get', client.clientId], adminEnv);
      expect(shown.stdout).toMatch(new RegExp(`^clientId +${client.clientId}\nname +Acme partner\nstatus +enabled\n`));
      const search = await cli(['clients', 'list', '--search', 'acme', '--json'], adminEnv);
      expect((JSON.parse(search.stdout) as { items: { clientId: string }[] }).items.map((c) => c.clientId)).toEqual([
        client.clientId,
      ]);
      const updated = await cli(
        ['clients', 'update', client.clientId, '--description', 'ACME Corp', '--json'],
        adminEnv,
      );
      expect(JSON.parse(updated.stdout)).toMatchObject({ description: 'ACME Corp', version: 2 });

      // ---- pagination
      const page1 = await cli(['clients', 'list', '--limit', '1'], adminEnv);
      expect(page1.stdout.trimEnd().split('\n')).toHaveLength(2);
      expect(page1.stderr).toMatch(/^more: --cursor \S+ \(or --all\)\n$/);
      const all = await cli(['clients', 'list', '--limit', '1', '--all', '--json'], adminEnv);
      // (with the built-in idp-cli and idp-console)
      expect((JSON.parse(all.stdout) as { items: unknown[] }).items).toHaveLength(8);

      // ---- disable / enable take effect at once
      expect(await cli(['clients', 'disable', client.clientId], adminEnv)).toEqual({
        code: 0,
        stdout: `client ${client.clientId} disabled\n`,
        stderr: '',
      });
      expect((await tokenFor(client.clientId, secret.value)).stderr).toBe(
        'error: invalid_client: client authentication failed\n',
      );
      expect((await cli(['clients', 'enable', client.clientId], adminEnv)).stdout).toBe(
        `client ${client.clientId} enabled\n`,
      );
      expect((await tokenFor(client.clientId, secret.value)).code).toBe(0);

      // ---- secrets add / list / revoke: rotation without downtime
      const added = await cli(['secrets', 'add', client.clientId, '--expires-in', '90d', '--json'], adminEnv);
      const second = JSON.parse(added.stdout) as { id: string; value: string; expiresAt: string };
      expect(Date.parse(second.expiresAt) - Date.now()).toBeGreaterThan(89 * 86400_000);
      expect((await tokenFor(client.clientId, second.value)).code).toBe(0);
      expect((await tokenFor(client.clientId, secret.value)).code).toBe(0);
      const secrets = await cli(['secrets', 'list', client.clientId], adminEnv);
      const secretLines = secrets.stdout.trimEnd().split('\n');
      expect(secretLines[0]).toMatch(/^SECRET_ID +STATUS +CREATED +EXPIRES +LAST_USED$/);
      expect(secretLines).toHaveLength(3);
      expect(secrets.stdout).not.toContain(secret.value);
      expect(await cli(['secrets', 'revoke', client.clientId, secret.id], adminEnv)).toEqual({
        code: 0,
        stdout: `secret ${secret.id} of client ${client.clientId} revoked\n`,
        stderr: '',
      });
      expect((await tokenFor(client.clientId, secret.value)).stderr).toBe(
        'error: invalid_client: client authentication failed\n',
      );
      expect((await tokenFor(client.clientId, second.value)).code).toBe(0);

      // ---- an API in use cannot be deleted; rules revoke; then it can
      const inUse = await cli(['apis', 'delete', INVENTORY], adminEnv);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toMatch(/^error: The resource is in use: /);
      expect((await cli(['rules', 'revoke', client.clientId, '--audience', INVENTORY], adminEnv)).stdout).toBe(
        `rule of client ${client.clientId} on ${INVENTORY} deleted\n`,
      );
      expect((await tokenFor(client.clientId, second.value)).stderr).toMatch(/^error: invalid_scope: /);
      expect(await cli(['apis', 'delete', INVENTORY], adminEnv)).toEqual({
        code: 0,
        stdout: `API ${INVENTORY} deleted\n`,
        stderr: '',
      });

      // ---- clients delete
      expect((await cli(['clients', 'delete', client.clientId], adminEnv)).stdout).toBe(
        `client ${client.clientId} deleted\n`,
      );
      expect(await cli(['clients', 'get', client.clientId], adminEnv)).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: Not found: no client with id ${client.clientId}\n`,
      });

      // ---- audit: every change, by the bootstrap admin
      const audit = await cli(
        ['audit', 'list', '--since', '1h', '--target-id', client.clientId, '--all', '--json'],
        adminEnv,
      );
      const events = (
        JSON.parse(audit.stdout) as { items: { action: string; actor: { clientId: string }; at: string }[] }
      ).items;
      expect(events.map((e) => e.action).reverse()).toEqual([
        'client.create',
        'rule.put',
        'client.update',
        'client.update',
        'client.update',
        'secret.create',
        'secret.revoke',
        'rule.delete',
        'client.delete',
      ]);
      expect(new Set(events.map((e) => e.actor.clientId))).toEqual(new Set([local.bootstrap.clientId]));
      expect(events.every((e) => e.at >= started)).toBe(true);
      const auditText = await cli(['audit', 'list', '--action', 'api.delete'], adminEnv);
      expect(auditText.stdout).toMatch(
        new RegExp(
          `^AT +ACTOR +ACTION +TARGET +CHANGED\n\\S+ +${local.bootstrap.clientId} +api.delete +api ${INVENTORY}`,
        ),
      );
    });
  });
});
