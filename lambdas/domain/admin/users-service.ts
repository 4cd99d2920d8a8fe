/**
 * `/admin/users` (docs/contract.md, "Admin API › Users"): people who sign in on the hosted pages.
 * Usernames are unique in any case (the repository writes a lower-cased uniqueness item in the user's
 * transaction); passwords are checked with the shared password rules and stored only as the KDF's
 * output; a user created without one gets a one-time setup link, shown once. Every change is
 * versioned (If-Match / `version`) and audited; a password appears in the audit trail only as the
 * word `set` or `changed`. Disabled users cannot sign in (the sign-in pages check `status`).
 */
import type { z } from 'zod';
import { SET_PASSWORD_PATH } from '../endpoints/paths';
import { ConflictError } from '../errors';
import type { JsonValue } from '../model';
import { digestOf, newHandle } from '../people/handles';
import type { PasswordSetup, SessionRevocationReason, StoredUser, UserBundle } from '../people/model';
import { passwordProblem } from '../people/password-policy';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { checkVersion, etag, iso, json, noContent } from './context';
import { updateVersioned, writeOrConcurrentChange } from './audited-writes';
import { ProblemError, notFound, validationProblem } from './problem';
import { DEFAULT_PAGE_SIZE } from './schemas';
import type { UserCreateSchema, UserListQuerySchema, UserUpdateSchema } from './user-schemas';
import { grantView, userView } from './user-views';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

/** How long a setup link works (docs/contract.md, "Admin API › Users"). */
export const SETUP_LINK_TTL_SECONDS = 24 * 3600;

/** What a password looks like in an audit diff: never the value, its hash or parameters. */
export const PASSWORD_SET = 'set';
export const PASSWORD_CHANGED = 'changed';
export const PASSWORD_SETUP_LINK = 'setup-link';

export function userLocation(userId: string): string {
  return `/admin/users/${encodeURIComponent(userId)}`;
}

/** The user's bundle (user and grants), or 404. */
export async function loadUserBundle(ctx: Ctx, userId: string): Promise<UserBundle> {
  const bundle = await ctx.deps.users.loadUser(userId);
  if (bundle === undefined) throw notFound(`no user with id ${userId}`);
  return bundle;
}

/**
 * The password rule that needs the username (the schema checked the lengths).
 * @throws ProblemError 400 naming `/password`
 */
function checkPassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem !== undefined) throw validationProblem([{ pointer: '/password', detail: problem }]);
}

/** A one-time setup: the link's token (shown once) and what is stored (its digest only). */
function newSetup(ctx: Ctx, userId: string): { url: string; setup: PasswordSetup } {
  const token = newHandle();
  return {
    url: `${ctx.deps.config.issuer}${SET_PASSWORD_PATH}?token=${token}`,
    setup: {
      digest: digestOf(token),
      userId,
      createdAt: iso(ctx.now),
      expiresAt: iso(ctx.now + SETUP_LINK_TTL_SECONDS * 1000),
    },
  };
}

export async function createUser(ctx: Ctx<z.output<typeof UserCreateSchema>>) {
  const { body } = ctx;
  if (body.password !== undefined) checkPassword(body.password, body.username);
  const now = iso(ctx.now);
  const user: StoredUser = {
    userId: ctx.deps.ids.userId(),
    username: body.username,
    ...(body.email === undefined ? {} : { email: body.email }),
    ...(body.name === undefined ? {} : { name: body.name }),
    status: body.status ?? 'enabled',
    createdAt: now,
    updatedAt: now,
    version: 1,
    failedSignIns: 0,
  };
  let setup: { url: string; setup: PasswordSetup } | undefined;
  if (body.password !== undefined) user.password = await ctx.deps.kdf.hash(body.password);
  else setup = newSetup(ctx, user.userId);

  const view = userView(user);
  const diff = diffViews(undefined, { ...view, password: setup === undefined ? PASSWORD_SET : PASSWORD_SETUP_LINK });
  const audit = auditEvent(ctx.audit(), 'user.create', 'user', user.userId, diff);
  try {
    await ctx.deps.users.createUser(user, audit, setup?.setup);
  } catch (err) {
    if (err instanceof ConflictError) {
      throw new ProblemError(
        'already-exists',
        `a user with the username ${body.username} exists (usernames are unique in any case)`,
      );
    }
    throw err;
  }
  return json(
    201,
    { user: view, ...(setup === undefined ? {} : { setupUrl: setup.url }) },
    {
      Location: userLocation(user.userId),
      ETag: etag(user.version),
    },
  );
}

export async function listUsers(ctx: Ctx<unknown, z.output<typeof UserListQuerySchema>>) {
  const { query } = ctx;
  const page = await ctx.deps.users.listUsers({
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
    q: query.q,
    status: query.status,
  });
  return json(200, {
    items: page.items.map(userView),
    ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
  });
}

export async function getUser(ctx: Ctx) {
  const { user } = await loadUserBundle(ctx, ctx.params['userId']!);
  return json(200, userView(user), { ETag: etag(user.version) });
}

export async function updateUser(ctx: Ctx<z.output<typeof UserUpdateSchema>>) {
  const { body } = ctx;
  const { user: current } = await loadUserBundle(ctx, ctx.params['userId']!);
  checkVersion(ctx, current.version, body.version);
  if (body.password !== undefined) checkPassword(body.password, current.username);
  const next: StoredUser = { ...current };
  if (body.status !== undefined) next.status = body.status;
  if (body.email === null) delete next.email;
  else if (body.email !== undefined) next.email = body.email;
  if (body.name === null) delete next.name;
  else if (body.name !== undefined) next.name = body.name;
  if (body.password !== undefined) {
    next.password = await ctx.deps.kdf.hash(body.password);
    // A new password also ends a lockout (an admin reset is how a locked-out user gets back in).
    next.failedSignIns = 0;
    delete next.lockedUntil;
  }
  return updateVersioned<StoredUser>(ctx, {
    current,
    next,
    view: userView,
    action: 'user.update',
    targetType: 'user',
    targetId: current.userId,
    ...(body.password === undefined ? {} : { unviewed: { password: { to: PASSWORD_CHANGED } } }),
    // Disabling the user or a new password revokes all the user's refresh-token sessions (and codes not
    // redeemed yet) in the same write (docs/contract.md, Users).
    write: (user, expectedVersion, audit) =>
      ctx.deps.users.updateUser(user, expectedVersion, audit, sessionRevocation(next, body.password)),
  });
}

/**
 * Why a change of the user revokes its sessions: disabled (again, too: nothing can have started since,
 * and it is cheap), or a new password; `undefined` otherwise.
 */
function sessionRevocation(next: StoredUser, password: string | undefined): SessionRevocationReason | undefined {
  if (next.status === 'disabled') return 'user-disabled';
  if (password !== undefined) return 'password-changed';
  return undefined;
}

export async function deleteUser(ctx: Ctx) {
  const { user, grants } = await loadUserBundle(ctx, ctx.params['userId']!);
  checkVersion(ctx, user.version);
  const diff = diffViews(
    { ...userView(user), grants: grants.map((g) => grantView(g) as unknown as JsonValue) },
    undefined,
  );
  const audit = auditEvent(ctx.audit(), 'user.delete', 'user', user.userId, diff);
  await writeOrConcurrentChange(ctx, () => ctx.deps.users.deleteUser(user.userId, user.version, audit));
  return noContent();
}
