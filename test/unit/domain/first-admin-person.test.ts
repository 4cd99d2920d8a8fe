/**
 * The first admin person (docs/contract.md, Admin API › Bootstrap): `admin` with a hashed password and a
 * grant of admin:read admin:write on the admin API, only while the IdP has no user, in one write with
 * an audit event by `bootstrap`; the password policy applies (and so to `IDP_BOOTSTRAP_ADMIN_PASSWORD`, refused at
 * start naming the rule, never the value); `IDP_DISPLAY_NAME` is read locally like on AWS.
 */
import { randomBytes } from 'node:crypto';
import { ScryptPasswordKdf } from '../../../lambdas/adapters/scrypt-password-kdf';
import { randomIds } from '../../../lambdas/adapters/random-ids';
import { ConflictError } from '../../../lambdas/domain/errors';
import {
  FIRST_ADMIN_USERNAME,
  ensureFirstAdminPerson,
  firstAdminPasswordProblem,
} from '../../../lambdas/domain/first-admin-person';
import type { FirstAdminDeps } from '../../../lambdas/domain/first-admin-person';
import { ConfigError, readLocalConfig } from '../../../lambdas/local/local-config';
import { TEST_SCRYPT_PARAMS } from '../../support/in-memory-admin-repositories';
import { inMemoryPeople } from '../../support/in-memory-people';
import { makeUser } from '../../support/hosted-pages';

const ISSUER = 'https://idp.example.com';
const NOW = Date.parse('2026-03-01T09:00:00.000Z');
const PASSWORD = 'a generated long password';

let people: ReturnType<typeof inMemoryPeople>;
let deps: FirstAdminDeps;
let kdf: ScryptPasswordKdf;

beforeEach(() => {
  people = inMemoryPeople();
  kdf = new ScryptPasswordKdf(randomBytes(32), TEST_SCRYPT_PARAMS);
  deps = { users: people.users, kdf, clock: { now: () => NOW }, ids: randomIds };
});

describe('ensureFirstAdminPerson', () => {
  it('on an IdP without users: creates admin, enabled, with its admin grant and audit events by bootstrap', async () => {
    const result = await ensureFirstAdminPerson(deps, { issuer: ISSUER, password: PASSWORD });
    expect(result).toEqual({ created: true, userId: expect.any(String) });
    const userId = (result as { userId: string }).userId;
    const bundle = await people.users.findByUsername(FIRST_ADMIN_USERNAME);
    expect(bundle?.user).toEqual({
      userId,
      username: 'admin',
      name: 'Administrator',
      status: 'enabled',
      password: expect.objectContaining({ kdf: 'scrypt' }),
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-01T09:00:00.000Z',
      version: 1,
      failedSignIns: 0,
    });
    expect(await kdf.verify(PASSWORD, bundle!.user.password!)).toBe(true);
    expect(bundle?.grants).toEqual([
      { audience: `${ISSUER}/admin`, scopes: ['admin:read', 'admin:write'], createdAt: '2026-03-01T09:00:00.000Z' },
    ]);
    // One write: the person, its grant and one audit event by bootstrap.
    expect(people.table.calls.get('createUser')).toBe(1);
    expect(people.table.calls.get('putGrant')).toBeUndefined();
    expect(people.table.audit.map((e) => [e.action, e.actor, e.actorJti, e.targetId])).toEqual([
      ['user.create', 'bootstrap', 'bootstrap', userId],
    ]);
    expect(people.table.audit[0]!.diff['password']).toEqual({ to: 'set' });
    expect(people.table.audit[0]!.diff['grants']).toEqual({
      to: [
        { audience: `${ISSUER}/admin`, scopes: ['admin:read', 'admin:write'], createdAt: '2026-03-01T09:00:00.000Z' },
      ],
    });
    // The password itself is nowhere in the audit trail.
    expect(JSON.stringify(people.table.audit)).not.toContain(PASSWORD);
  });

  it('writes nothing once any user exists (a deleted admin does not come back)', async () => {
    await people.users.createUser(makeUser('u-ada', 'ada'));
    expect(await ensureFirstAdminPerson(deps, { issuer: ISSUER, password: PASSWORD })).toEqual({ created: false });
    expect(await people.users.findByUsername('admin')).toBeUndefined();
    expect(people.table.users.size).toBe(1);
  });

  it('a second run does nothing', async () => {
    await ensureFirstAdminPerson(deps, { issuer: ISSUER, password: PASSWORD });
    expect(await ensureFirstAdminPerson(deps, { issuer: ISSUER, password: 'another long password' })).toEqual({
      created: false,
    });
    expect(people.table.users.size).toBe(1);
    expect(people.table.audit).toHaveLength(1);
  });

  it('a failed write leaves no person without a grant: the next run creates both', async () => {
    const failing = {
      ...deps,
      users: {
        listUsers: (q: Parameters<typeof people.users.listUsers>[0]) => people.users.listUsers(q),
        createUser: () => Promise.reject(new Error('storage down')),
      },
    };
    await expect(ensureFirstAdminPerson(failing, { issuer: ISSUER, password: PASSWORD })).rejects.toThrow(
      'storage down',
    );
    expect(people.table.users.size).toBe(0);
    const result = await ensureFirstAdminPerson(deps, { issuer: ISSUER, password: PASSWORD });
    expect(result).toEqual({ created: true, userId: expect.any(String) });
    expect((await people.users.findByUsername(FIRST_ADMIN_USERNAME))?.grants).toHaveLength(1);
  });

  it('a concurrent bootstrap that created the username first counts as done', async () => {
    const users = {
      listUsers: people.users.listUsers.bind(people.users),
      putGrant: people.users.putGrant.bind(people.users),
      createUser: async () => {
        throw new ConflictError('the username is taken');
      },
    };
    expect(await ensureFirstAdminPerson({ ...deps, users }, { issuer: ISSUER, password: PASSWORD })).toEqual({
      created: false,
    });
  });

  it('refuses a password the policy refuses, naming the rule and not the value', async () => {
    expect(firstAdminPasswordProblem('short')).toBe('the password must have at least 12 characters');
    expect(firstAdminPasswordProblem(PASSWORD)).toBeUndefined();
    await expect(ensureFirstAdminPerson(deps, { issuer: ISSUER, password: 'tooshort' })).rejects.toThrow(
      "the first admin person's password is refused: the password must have at least 12 characters",
    );
    expect(people.table.users.size).toBe(0);
  });
});

describe('local configuration', () => {
  const read = (env: Record<string, string>) => readLocalConfig(env, [], '/tmp');

  it('IDP_BOOTSTRAP_ADMIN_PASSWORD: checked by the password policy at start (exit 2), never echoed', () => {
    expect(read({ IDP_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD }).bootstrapAdminPassword).toBe(PASSWORD);
    expect(read({}).bootstrapAdminPassword).toBeUndefined();
    expect(read({ IDP_BOOTSTRAP_ADMIN_PASSWORD: '' }).bootstrapAdminPassword).toBeUndefined();
    const bad = () => read({ IDP_BOOTSTRAP_ADMIN_PASSWORD: 'secret-ish' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow('IDP_BOOTSTRAP_ADMIN_PASSWORD: the password must have at least 12 characters');
    try {
      bad();
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-ish');
    }
  });

  it('IDP_DISPLAY_NAME: the issuer name on the hosted pages, as on AWS', () => {
    expect(read({ IDP_DISPLAY_NAME: 'Acme Identity' }).displayName).toBe('Acme Identity');
    expect(read({}).displayName).toBeUndefined();
  });
});
