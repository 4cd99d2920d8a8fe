/**
 * `idp users …`: people who sign in on the hosted pages — list, show, create (with a password or a
 * one-time setup link), change, enable/disable, delete, their grants, and their refresh-token sessions
 * (list, revoke one, revoke all). A password is read only
 * from standard input (`--password-stdin`), never from an argument, so it stays out of shell history
 * and the process list.
 */
import { flag, integer, required, scopes, str } from './args';
import type { Command, Invocation, OptionSpec } from './command';
import { IF_MATCH_OPTION, PAGE_OPTIONS, UsageError, audienceOption, scopeOption } from './command';
import { adminClient, listing } from './admin-access';
import { done, fields, print, printJson, printObject, printPage } from './output';

/** The admin API's scopes, granted by `users create --admin` on `<issuer>/admin`. */
const ADMIN_SCOPES = ['admin:read', 'admin:write'];

const PASSWORD_STDIN: OptionSpec = {
  type: 'boolean',
  description: 'read the password from standard input (one line), never from an argument',
};

/** The password from standard input, without its line ending. */
async function passwordFromStdin(inv: Invocation): Promise<string> {
  const password = (await inv.io.readStdin()).replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('--password-stdin: standard input is empty');
  return password;
}

/** `--email ''` / `--name ''` remove the field (PATCH `null`). */
function clearable(inv: Invocation, name: string): string | null | undefined {
  const value = str(inv, name);
  return value === undefined ? undefined : value === '' ? null : value;
}

/** The `users` group. */
export const userCommands: Command[] = [
  {
    name: 'users list',
    args: [],
    admin: true,
    summary: 'list users, newest first',
    options: {
      search: {
        type: 'string',
        short: 'q',
        value: 'TEXT',
        description: 'part of the username, email or name, or the exact id',
      },
      status: { type: 'string', value: 'enabled|disabled', description: 'only users with this status' },
      ...PAGE_OPTIONS,
    },
    async run(inv) {
      const query = { q: str(inv, 'search'), status: str(inv, 'status'), limit: integer(inv, 'limit') };
      const admin = await adminClient(inv);
      const page = await listing(inv, (cursor) => admin.listUsers({ ...query, cursor }));
      printPage(inv, page, ['USER_ID', 'USERNAME', 'EMAIL', 'NAME', 'STATUS', 'CREATED'], (u) => [
        u.userId,
        u.username,
        u.email,
        u.name,
        u.status,
        u.createdAt,
      ]);
    },
  },
  {
    name: 'users get',
    args: ['USER_ID'],
    admin: true,
    summary: 'show a user',
    options: {},
    async run(inv) {
      printObject(inv, await (await adminClient(inv)).getUser(inv.args[0]!));
    },
  },
  {
    name: 'users create',
    args: [],
    admin: true,
    summary: 'create a user; without --password-stdin a one-time setup link is shown once',
    details:
      'The password is read from standard input, e.g. `printf %s "$PW" | idp users create --username ada --password-stdin`.\n' +
      'With --admin the user also gets admin:read and admin:write on the admin API (<issuer>/admin).',
    options: {
      username: {
        type: 'string',
        value: 'NAME',
        description: 'unique in any case, 3-128 of A-Z a-z 0-9 . _ @ + - (required)',
      },
      email: { type: 'string', value: 'EMAIL', description: 'email address' },
      name: { type: 'string', value: 'NAME', description: 'display name' },
      'password-stdin': PASSWORD_STDIN,
      disabled: { type: 'boolean', description: 'create the user disabled (cannot sign in)' },
      admin: { type: 'boolean', description: 'grant admin:read and admin:write on the admin API' },
    },
    async run(inv) {
      const body: { username: string; email?: string; name?: string; password?: string; status?: string } = {
        username: required(inv, 'username'),
      };
      if (str(inv, 'email') !== undefined) body.email = str(inv, 'email');
      if (str(inv, 'name') !== undefined) body.name = str(inv, 'name');
      if (flag(inv, 'password-stdin')) body.password = await passwordFromStdin(inv);
      if (flag(inv, 'disabled')) body.status = 'disabled';
      const admin = await adminClient(inv);
      const created = await admin.createUser(body);
      const grant = flag(inv, 'admin')
        ? await admin.putGrant(created.user.userId, { audience: admin.audience, scopes: ADMIN_SCOPES })
        : undefined;
      if (inv.json) return printJson(inv, grant === undefined ? created : { ...created, grant });
      const lines = [
        fields([
          ['user_id', created.user.userId],
          ['username', created.user.username],
          ['status', created.user.status],
          ...(grant === undefined
            ? []
            : ([['grant', `${grant.scopes.join(' ')} on ${grant.audience}`]] as [string, unknown][])),
          ...(created.setupUrl === undefined ? [] : ([['setup_url', created.setupUrl]] as [string, unknown][])),
        ]),
      ];
      if (created.setupUrl !== undefined) {
        lines.push('', 'The setup link is shown only now and works once, for 24 hours: send it to the user.');
      }
      print(inv, lines.join('\n'));
    },
  },
  {
    name: 'users update',
    args: ['USER_ID'],
    admin: true,
    summary: "change a user's email, name or password",
    options: {
      email: { type: 'string', value: 'EMAIL', description: "email address ('' removes it)" },
      name: { type: 'string', value: 'NAME', description: "display name ('' removes it)" },
      'password-stdin': PASSWORD_STDIN,
      'if-match': IF_MATCH_OPTION,
    },
    async run(inv) {
      const patch: Record<string, unknown> = {};
      const email = clearable(inv, 'email');
      const name = clearable(inv, 'name');
      if (email !== undefined) patch['email'] = email;
      if (name !== undefined) patch['name'] = name;
      if (flag(inv, 'password-stdin')) patch['password'] = await passwordFromStdin(inv);
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one option');
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      printObject(inv, await admin.updateUser(inv.args[0]!, patch, options));
    },
  },
  ...(['enable', 'disable'] as const).map((verb): Command => ({
    name: `users ${verb}`,
    args: ['USER_ID'],
    admin: true,
    summary: verb === 'enable' ? 'let a user sign in again' : 'stop a user signing in',
    options: { 'if-match': IF_MATCH_OPTION },
    async run(inv) {
      const status = verb === 'enable' ? 'enabled' : 'disabled';
      const options = { ifMatch: integer(inv, 'if-match') };
      const admin = await adminClient(inv);
      const user = await admin.updateUser(inv.args[0]!, { status }, options);
      done(inv, `user ${user.userId} (${user.username}) ${user.status}`, user);
    },
  })),
  {
    name: 'users delete',
    args: ['USER_ID'],
    admin: true,
    summary: 'delete a user with its grants',
    options: { 'if-match': IF_MATCH_OPTION },
    async run(inv) {
      const userId = inv.args[0]!;
      const options = { ifMatch: integer(inv, 'if-match') };
      await (await adminClient(inv)).deleteUser(userId, options);
      done(inv, `user ${userId} deleted`, { deleted: true, userId });
    },
  },
  {
    name: 'users grants',
    args: ['USER_ID'],
    admin: true,
    summary: "list a user's grants (which scopes the user may hold on which API)",
    options: {},
    async run(inv) {
      const page = await (await adminClient(inv)).listGrants(inv.args[0]!);
      printPage(inv, page, ['AUDIENCE', 'SCOPES', 'CREATED'], (g) => [g.audience, g.scopes, g.createdAt]);
    },
  },
  {
    name: 'users grant',
    args: ['USER_ID'],
    admin: true,
    summary: "grant a user scopes on an API (replaces the user's grant for that API)",
    options: {
      audience: audienceOption('the API identifier (required)'),
      scope: scopeOption('scopes (required)'),
    },
    async run(inv) {
      const granted = scopes(inv);
      if (granted.length === 0) throw new UsageError('--scope is required');
      const body = { audience: required(inv, 'audience'), scopes: granted };
      const grant = await (await adminClient(inv)).putGrant(inv.args[0]!, body);
      done(inv, `user ${inv.args[0]!} may hold ${grant.scopes.join(' ')} on ${grant.audience}`, grant);
    },
  },
  {
    name: 'users revoke-grant',
    args: ['USER_ID'],
    admin: true,
    summary: "delete the user's grant on an API",
    options: { audience: audienceOption('the API identifier (required)') },
    async run(inv) {
      const [userId, audience] = [inv.args[0]!, required(inv, 'audience')];
      await (await adminClient(inv)).deleteGrant(userId, audience);
      done(inv, `grant of user ${userId} on ${audience} deleted`, { deleted: true, userId, audience });
    },
  },
  {
    name: 'users sessions',
    args: ['USER_ID'],
    admin: true,
    summary: "list a user's refresh-token sessions, or revoke one or all of them",
    details:
      'Revoking ends the session at once: its refresh token is refused and its access tokens carry a\n' +
      'revoked sid. `idp users sessions <user> --revoke <sid>` or `--revoke-all`.',
    options: {
      client: { type: 'string', value: 'CLIENT_ID', description: 'only the sessions of this client' },
      revoke: { type: 'string', value: 'SESSION_ID', description: 'revoke this session' },
      'revoke-all': { type: 'boolean', description: 'revoke every session of the user' },
      ...PAGE_OPTIONS,
    },
    async run(inv) {
      const userId = inv.args[0]!;
      const revoke = str(inv, 'revoke');
      const all = flag(inv, 'revoke-all');
      if (revoke !== undefined && all) throw new UsageError('give --revoke or --revoke-all, not both');
      const admin = await adminClient(inv);
      if (revoke !== undefined) {
        await admin.revokeSession(userId, revoke);
        return done(inv, `session ${revoke} of user ${userId} revoked`, { revoked: true, userId, sessionId: revoke });
      }
      if (all) {
        const { revoked } = await admin.revokeAllSessions(userId);
        return done(inv, `${revoked} session(s) of user ${userId} revoked`, { revoked, userId });
      }
      const query = { clientId: str(inv, 'client'), limit: integer(inv, 'limit') };
      const page = await listing(inv, (cursor) => admin.listSessions(userId, { ...query, cursor }));
      printPage(inv, page, ['SESSION_ID', 'CLIENT_ID', 'STATUS', 'SCOPES', 'CREATED', 'LAST_USED', 'EXPIRES'], (s) => [
        s.sessionId,
        s.clientId,
        s.status,
        s.scopes,
        s.createdAt,
        s.lastUsedAt,
        s.expiresAt,
      ]);
    },
  },
];
