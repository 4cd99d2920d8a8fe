/**
 * `idp users …` against the local IdP (in-process through `runCli`, plus help as a child process):
 * create with a password from standard input (stored with the production scrypt parameters) or with a
 * one-time setup link, uniqueness in any case, list/search, get, update, disable/enable, grants,
 * `--admin`, audit, delete — and the password never on stdout, stderr or in the audit trail.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../../lambdas/client/cli/main';
import type { LocalIdp } from '../../lambdas/local/local-idp';
import { registerApi, startTestIdp } from '../support/local-idp';

const ROOT = path.resolve(__dirname, '../..');
const ORDERS = 'https://orders.example.test';
const PASSWORD = 'a passphrase long enough';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<Result> {
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

function idpHelp(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/idp.js'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe('idp users', () => {
  let local: LocalIdp;
  let env: Record<string, string>;
  const outputs: Result[] = [];

  async function run(args: string[], stdin = ''): Promise<Result> {
    const result = await cli(args, env, stdin);
    outputs.push(result);
    return result;
  }

  beforeAll(async () => {
    local = await startTestIdp();
    await registerApi(local, ORDERS, ['orders:read', 'orders:write']);
    env = {
      IDP_ISSUER: local.issuer,
      IDP_ADMIN_CLIENT_ID: local.bootstrap.clientId,
      IDP_ADMIN_CLIENT_SECRET: local.bootstrap.clientSecret,
    };
  });

  afterAll(async () => {
    await local?.stop();
    for (const output of outputs) expect(`${output.stdout}${output.stderr}`).not.toContain(PASSWORD);
  });

  it('help lists the users commands; the password is read only from standard input', async () => {
    const main = await idpHelp(['--help']);
    for (const command of ['users list', 'users create', 'users disable USER_ID', 'users grant USER_ID']) {
      expect(main.stdout).toContain(`  idp ${command} `);
    }
    const create = await idpHelp(['users', 'create', '--help']);
    expect(create.code).toBe(0);
    expect(create.stdout).toContain('Usage: idp users create --username NAME [options]\n');
    expect(create.stdout).toMatch(/--password-stdin +read the password from standard input/);
    expect(create.stdout).not.toMatch(/--password /);
  });

  it('create, list, get, update, disable/enable, grant, revoke, delete — audited, the password nowhere', async () => {
    // ---- create with a password from stdin: stored with the production scrypt parameters
    const created = await run(
      [
        'users',
        'create',
        '--username',
        'Ada',
        '--email',
        'ada@example.com',
        '--name',
        'Ada L',
        '--password-stdin',
        '--json',
      ],
      `${PASSWORD}\n`,
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { user } = JSON.parse(created.stdout) as { user: { userId: string; username: string; version: number } };
    expect(user).toMatchObject({ username: 'Ada', version: 1 });
    const stored = await local.repositories.users.loadUser(user.userId);
    expect(stored?.user.password?.params).toEqual({ N: 131072, r: 8, p: 1, keyLength: 32 });
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);

    // ---- without a password: the setup link, once
    const pending = await run(['users', 'create', '--username', 'grace', '--disabled']);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(
      new RegExp(
        `^user_id +\\S+\\nusername +grace\\nstatus +disabled\\nsetup_url +${local.issuer}/oauth2/set-password\\?token=[A-Za-z0-9_-]{43}\\n\\n` +
          'The setup link is shown only now and works once, for 24 hours: send it to the user.\n$',
      ),
    );

    // ---- uniqueness in any case; the password rules
    expect(await run(['users', 'create', '--username', 'ADA'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: The resource already exists: a user with the username ADA exists (usernames are unique in any case)\n',
    });
    expect(await run(['users', 'create', '--username', 'bob', '--password-stdin'], 'short\n')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: The request is not valid: one input is not valid\n' +
        '  /password: the password must have at least 12 characters\n',
    });
    expect((await run(['users', 'create', '--username', 'bob', '--password-stdin'], '')).code).toBe(2);

    // ---- list, search, get
    const listed = await run(['users', 'list']);
    expect(listed.stdout).toMatch(/^USER_ID +USERNAME +EMAIL +NAME +STATUS +CREATED\n/);
    // grace, Ada and the first admin person the start created.
    expect(listed.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(listed.stdout).toMatch(/\n\S+ +admin +- +Administrator +enabled /);
    const search = await run(['users', 'list', '--search', 'EXAMPLE.COM', '--json']);
    expect((JSON.parse(search.stdout) as { items: { userId: string }[] }).items.map((u) => u.userId)).toEqual([
      user.userId,
    ]);
    const disabled = await run(['users', 'list', '--status', 'disabled', '--json']);
    expect((JSON.parse(disabled.stdout) as { items: { username: string }[] }).items.map((u) => u.username)).toEqual([
      'grace',
    ]);
    const shown = await run(['users', 'get', user.userId]);
    expect(shown.stdout).toMatch(
      new RegExp(`^userId +${user.userId}\nusername +Ada\nemail +ada@example.com\nname +Ada L\nstatus +enabled\n`),
    );

    // ---- update (If-Match), a new password from stdin, disable / enable
    const renamed = await run(['users', 'update', user.userId, '--name', '', '--if-match', '1', '--json']);
    expect(JSON.parse(renamed.stdout)).not.toHaveProperty('name');
    expect(await run(['users', 'update', user.userId, '--email', 'x@example.com', '--if-match', '1'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: The If-Match precondition failed: the resource is at version 2; If-Match did not match it\n',
    });
    const before = (await local.repositories.users.loadUser(user.userId))!.user.password!;
    expect((await run(['users', 'update', user.userId, '--password-stdin'], `${PASSWORD} 2\n`)).code).toBe(0);
    expect((await local.repositories.users.loadUser(user.userId))!.user.password!.hash).not.toBe(before.hash);
    expect(await run(['users', 'disable', user.userId])).toEqual({
      code: 0,
      stdout: `user ${user.userId} (Ada) disabled\n`,
      stderr: '',
    });
    expect((await local.repositories.users.loadUser(user.userId))!.user.status).toBe('disabled');
    expect((await run(['users', 'enable', user.userId])).stdout).toBe(`user ${user.userId} (Ada) enabled\n`);

    // ---- grants
    expect(await run(['users', 'grant', user.userId, '-a', ORDERS, '-s', 'orders:read orders:write'])).toEqual({
      code: 0,
      stdout: `user ${user.userId} may hold orders:read orders:write on ${ORDERS}\n`,
      stderr: '',
    });
    const grants = await run(['users', 'grants', user.userId]);
    expect(grants.stdout).toMatch(
      new RegExp(`^AUDIENCE +SCOPES +CREATED\n${ORDERS} +orders:read orders:write +\\S+\n$`),
    );
    const badScope = await run(['users', 'grant', user.userId, '-a', ORDERS, '-s', 'orders:delete']);
    expect(badScope.stderr).toBe(
      `error: The request is not valid: one input is not valid\n  /scopes/0: is not a scope of ${ORDERS}\n`,
    );
    expect((await run(['users', 'revoke-grant', user.userId, '--audience', ORDERS])).stdout).toBe(
      `grant of user ${user.userId} on ${ORDERS} deleted\n`,
    );
    expect((await run(['users', 'grants', user.userId])).stdout).toBe('(none)\n');

    // ---- --admin: admin:read and admin:write on the admin API
    const admin = await run(['users', 'create', '--username', 'root-person', '--admin', '--json']);
    const adminCreated = JSON.parse(admin.stdout) as { user: { userId: string }; setupUrl: string; grant: unknown };
    expect(adminCreated.grant).toMatchObject({
      audience: `${local.issuer}/admin`,
      scopes: ['admin:read', 'admin:write'],
    });

    // ---- audit: every change, the password only as a word
    const audit = await run(['audit', 'list', '--target-id', user.userId, '--json']);
    const events = (JSON.parse(audit.stdout) as { items: { action: string; diff: Record<string, unknown> }[] }).items;
    expect(events.map((e) => e.action)).toEqual([
      'grant.delete',
      'grant.put',
      'user.update',
      'user.update',
      'user.update',
      'user.update',
      'user.create',
    ]);
    expect(events.find((e) => 'password' in e.diff && e.action === 'user.update')?.diff).toEqual({
      password: { to: 'changed' },
    });
    expect(audit.stdout).not.toContain(before.hash);

    // ---- delete: the username is free again
    expect((await run(['users', 'delete', user.userId])).stdout).toBe(`user ${user.userId} deleted\n`);
    expect((await run(['users', 'get', user.userId])).stderr).toBe(
      `error: Not found: no user with id ${user.userId}\n`,
    );
    expect((await run(['users', 'create', '--username', 'ada'])).code).toBe(0);
  });
});
