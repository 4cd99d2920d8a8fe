/**
 * The OpenID Connect scopes this IdP serves and the user claims each one releases (OIDC Core §5.4),
 * shared by ID tokens (tokens/id-token.ts) and the userinfo endpoint (endpoints/userinfo-endpoint.ts),
 * so both always carry the same claims (docs/contract.md, OpenID Connect).
 */
import type { User, UserClaims } from './model';

/** OIDC Core §3.1.2.1 `openid`, §5.4 `profile` and `email`: the scopes that ask for claims about the user. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/** The scope that makes a request an OpenID Connect one (ID token, userinfo access). */
export const OPENID_SCOPE = 'openid';

/** Every claim a user can carry, for discovery's `claims_supported` (OIDC Discovery §3). */
export const SUPPORTED_USER_CLAIMS: readonly string[] = [
  'sub',
  'name',
  'preferred_username',
  'email',
  'email_verified',
];

/** Whether `scope` is one of {@link OIDC_SCOPES} (it names no API). */
export function isOidcScope(scope: string): boolean {
  return OIDC_SCOPES.includes(scope);
}

/**
 * The user's claims released by `scopes` (OIDC Core §5.4), `sub` excluded: `profile` → `name` (when
 * set) and `preferred_username` (the username); `email` → `email` and `email_verified` (when the user
 * has an email). `email_verified` is always `false`: nothing verifies addresses yet, and OIDC Core §5.1
 * says it is true only when the IdP took affirmative steps to make sure.
 */
export function userClaims(user: Pick<User, 'username' | 'name' | 'email'>, scopes: readonly string[]): UserClaims {
  const claims: UserClaims = {};
  if (scopes.includes('profile')) {
    if (user.name !== undefined) claims['name'] = user.name;
    claims['preferred_username'] = user.username;
  }
  if (scopes.includes('email') && user.email !== undefined) {
    claims['email'] = user.email;
    claims['email_verified'] = false;
  }
  return claims;
}
