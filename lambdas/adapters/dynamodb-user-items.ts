/**
 * Mapping between the people model (lambdas/domain/people/model.ts) and the items of users, username
 * uniqueness, grants and password setups (dynamodb-table.ts, docs/data-model.md "Users"). Key, index
 * and search attributes are added here and stripped on the way back.
 */
import type { PasswordSetup, StoredUser, User, UserBundle, UserGrant } from '../domain/people/model';
import { itemType, strip } from './dynamodb-items';
import type { Item } from './dynamodb-items';
import { ATTR, keys } from './dynamodb-table';

/** Lower-cased copies of the searchable fields (admin list `?q=`, case-insensitive), stripped on read. */
const SEARCH_ATTRS = ['usernameLower', 'emailLower', 'nameLower'] as const;

/** Primary keys (`{pk, sk}`) of the people items. */
export const userItemKeys = {
  user: (userId: string): Item => ({ [ATTR.pk]: keys.userPk(userId), [ATTR.sk]: keys.userSk }),
  username: (username: string): Item => ({ [ATTR.pk]: keys.usernamePk(username), [ATTR.sk]: keys.usernameSk }),
  grant: (userId: string, audience: string): Item => ({
    [ATTR.pk]: keys.userPk(userId),
    [ATTR.sk]: keys.grantSk(audience),
  }),
  setup: (digest: string): Item => ({ [ATTR.pk]: keys.setupPk(digest), [ATTR.sk]: keys.setupSk }),
} as const;

export function userItem(user: StoredUser): Item {
  return {
    ...user,
    ...userItemKeys.user(user.userId),
    [ATTR.type]: 'user',
    [ATTR.gsi1pk]: keys.usersIndexPk,
    [ATTR.gsi1sk]: keys.createdIndexSk(user.createdAt, user.userId),
    usernameLower: user.username.toLowerCase(),
    ...(user.email === undefined ? {} : { emailLower: user.email.toLowerCase() }),
    ...(user.name === undefined ? {} : { nameLower: user.name.toLowerCase() }),
  };
}

export function storedUserFromItem(item: Item): StoredUser {
  const user = strip(item);
  for (const name of SEARCH_ATTRS) delete user[name];
  return user as unknown as StoredUser;
}

/** A listed user: the public fields only (no hash, counter or lock). */
export function userFromItem(item: Item): User {
  const { password: _password, failedSignIns: _failed, lockedUntil: _locked, ...user } = storedUserFromItem(item);
  return user;
}

/** The uniqueness item of a username: which user holds it. */
export function usernameItem(user: StoredUser): Item {
  return { ...userItemKeys.username(user.username), [ATTR.type]: 'username', userId: user.userId };
}

export function grantItem(userId: string, grant: UserGrant): Item {
  return { ...grant, ...userItemKeys.grant(userId, grant.audience), [ATTR.type]: 'grant' };
}

export function grantFromItem(item: Item): UserGrant {
  return strip(item) as unknown as UserGrant;
}

export function setupItem(setup: PasswordSetup): Item {
  return {
    ...setup,
    ...userItemKeys.setup(setup.digest),
    [ATTR.type]: 'setup',
    // DynamoDB TTL cleans up (epoch seconds); the expiry itself is checked in code.
    [ATTR.ttl]: Math.ceil(Date.parse(setup.expiresAt) / 1000),
  };
}

export function setupFromItem(item: Item): PasswordSetup {
  return strip(item) as unknown as PasswordSetup;
}

/** Assembles the bundle from a user's item collection; `undefined` without the user item. */
export function userBundleFromItems(items: Item[]): UserBundle | undefined {
  let user: StoredUser | undefined;
  const grants: UserGrant[] = [];
  for (const item of items) {
    const type = itemType(item);
    if (type === 'user') user = storedUserFromItem(item);
    else if (type === 'grant') grants.push(grantFromItem(item));
  }
  return user === undefined ? undefined : { user, grants };
}
