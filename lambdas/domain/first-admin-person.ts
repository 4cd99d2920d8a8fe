/**
 * The first admin person (docs/contract.md, Admin API › Bootstrap): while the IdP has no user at all,
 * bootstrap creates the enabled user `admin` with the given password and a grant of `admin:read
 * admin:write` on the admin API (`userAccess: granted`), so someone can sign in to the console. Once
 * any user exists nothing is created: a deleted `admin` does not come back at the next start or deploy,
 * and a changed password is not reset. The caller chooses the password (generated, or fixed for
 * automation) and keeps it (a local file, Secrets Manager). The person, its grant and an audit event
 * with the actor `bootstrap` are one transaction, so the trail shows where the person came from.
 */
import { ADMIN_READ, ADMIN_WRITE, adminAudience } from './bootstrap';
import type { AuditEvent } from './admin/audit';
import { diffViews } from './admin/audit';
import { grantView, userView } from './admin/user-views';
import { ConflictError } from './errors';
import { passwordProblem } from './people/password-policy';
import type { PasswordKdf, UserRepository } from './people/ports';
import type { StoredUser, UserGrant } from './people/model';
import type { Clock, RegistrationIds } from './ports';

/** The first admin person's username. */
export const FIRST_ADMIN_USERNAME = 'admin';

/** The actor of the first admin person's audit events (no admin token is involved). */
export const BOOTSTRAP_ACTOR = 'bootstrap';

/** What the first admin person needs of the user repository. */
export type FirstAdminUsers = Pick<UserRepository, 'listUsers' | 'createUser'>;

export interface FirstAdminDeps {
  users: FirstAdminUsers;
  kdf: PasswordKdf;
  clock: Clock;
  ids: Pick<RegistrationIds, 'userId' | 'eventId'>;
}

export interface FirstAdminInput {
  issuer: string;
  /** The password to set; checked against the password policy first. */
  password: string;
}

/** `created`: this run made `admin`; `exists`: the IdP already has users, nothing was written. */
export type FirstAdminResult = { created: true; userId: string } | { created: false };

/**
 * Whether a password may be the first admin person's (the users' policy, people/password-policy.ts).
 * @returns the problem as a sentence, `undefined` when it is fine
 */
export function firstAdminPasswordProblem(password: string): string | undefined {
  return passwordProblem(password, FIRST_ADMIN_USERNAME);
}

/**
 * Creates `admin` with its admin grant when there is no user yet (see the module comment). A
 * concurrent bootstrap that created the username first (a ConflictError) counts as done.
 * @throws Error naming the policy when the password does not satisfy it (never quoting it)
 */
export async function ensureFirstAdminPerson(deps: FirstAdminDeps, input: FirstAdminInput): Promise<FirstAdminResult> {
  const problem = firstAdminPasswordProblem(input.password);
  if (problem !== undefined) throw new Error(`the first admin person's password is refused: ${problem}`);
  const { users, kdf, clock, ids } = deps;
  // One user is enough to say "not the first start" (an unfiltered page never comes back empty with a cursor).
  const page = await users.listUsers({ limit: 1 });
  if (page.items.length > 0 || page.cursor !== undefined) return { created: false };

  const at = new Date(clock.now()).toISOString();
  const user: StoredUser = {
    userId: ids.userId(),
    username: FIRST_ADMIN_USERNAME,
    name: 'Administrator',
    status: 'enabled',
    password: await kdf.hash(input.password),
    createdAt: at,
    updatedAt: at,
    version: 1,
    failedSignIns: 0,
  };
  const event = (partial: Pick<AuditEvent, 'action' | 'targetType' | 'targetId' | 'diff'>): AuditEvent => ({
    eventId: ids.eventId(),
    at,
    actor: BOOTSTRAP_ACTOR,
    actorJti: BOOTSTRAP_ACTOR,
    ...partial,
  });
  const grant: UserGrant = { audience: adminAudience(input.issuer), scopes: [ADMIN_READ, ADMIN_WRITE], createdAt: at };
  // One transaction for the person and its grant: a failure leaves neither, and the next start retries.
  try {
    await users.createUser(
      user,
      event({
        action: 'user.create',
        targetType: 'user',
        targetId: user.userId,
        diff: diffViews(undefined, { ...userView(user), password: 'set', grants: [grantView(grant)] }),
      }),
      undefined,
      [grant],
    );
  } catch (err) {
    if (err instanceof ConflictError) return { created: false };
    throw err;
  }
  return { created: true, userId: user.userId };
}
