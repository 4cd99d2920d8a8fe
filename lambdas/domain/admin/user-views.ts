/**
 * Wire representations of users and their grants (user-schemas.ts describes them). Each field is
 * picked by name, so nothing sign-in stores — the password hash, its salt and KDF parameters, the
 * failure counter, the lock — can reach a response or an audit diff.
 */
import type { z } from 'zod';
import type { StoredUser, User, UserGrant } from '../people/model';
import type { GrantSchema, UserSchema } from './user-schemas';

export type UserView = z.output<typeof UserSchema>;
export type GrantView = z.output<typeof GrantSchema>;

/** A user as the admin API shows it. */
export function userView(user: User | StoredUser): UserView {
  return {
    userId: user.userId,
    username: user.username,
    ...(user.email === undefined ? {} : { email: user.email }),
    ...(user.name === undefined ? {} : { name: user.name }),
    status: user.status,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    version: user.version,
  };
}

/** A grant as the admin API shows it. */
export function grantView(grant: UserGrant): GrantView {
  return { audience: grant.audience, scopes: [...grant.scopes], createdAt: grant.createdAt };
}
