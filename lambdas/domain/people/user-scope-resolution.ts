/**
 * What a client may obtain on behalf of a signed-in user (docs/contract.md, "People › Authorize"):
 * - the OIDC scopes `openid`, `profile`, `email` are always allowed for a client holding any user rule;
 * - API scopes come from the client's `subjectType: "user"` rules, resolved like the client's own rules
 *   (../scope-resolution.ts): audience given and no API scope → every scope of that rule; API scopes
 *   without an audience → the one API whose user rule grants them all;
 * - no API scope and no audience → OIDC scopes only: the token's audience is `<issuer>/oauth2/userinfo`
 *   alone, recorded as an absent `audience`;
 * - on an API whose `userAccess` is `granted` (the rule's `apiUserAccess` snapshot), the user's own
 *   grants also limit the scopes, once the user is known: the scopes narrow to the intersection, and an
 *   empty intersection is `access_denied` (RFC 6749 §4.1.2.1).
 */
import { AccessDeniedError, InvalidScopeError } from '../errors';
import type { Rule, UserAccess } from '../model';
import { resolveGrant } from '../scope-resolution';
import type { UserGrant } from './model';

/** OIDC Core §5.4 scopes, always allowed with a user rule. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/** What the authorization request resolved to, before the user's own grants apply. */
export interface UserScopeGrant {
  /** Every granted scope in request order: OIDC scopes, then the API's. */
  scopes: string[];
  /** The API (absent: OIDC scopes only). */
  audience?: string;
  /** How the API admits users; `any` when there is no API. */
  userAccess: UserAccess;
}

/**
 * Resolves the request against the client's user rules.
 * @throws InvalidScopeError, NoRuleForAudience (the caller tells `invalid_target` from `invalid_scope`)
 */
export function resolveUserScopes(
  audience: string | undefined,
  scopes: string[] | undefined,
  rules: readonly Rule[],
): UserScopeGrant {
  const userRules = rules.filter((rule) => rule.subjectType === 'user');
  if (userRules.length === 0) throw new InvalidScopeError('the client may not request scopes for users');
  const requested = scopes ?? [];
  const oidc = requested.filter((scope) => OIDC_SCOPES.includes(scope));
  const api = requested.filter((scope) => !OIDC_SCOPES.includes(scope));
  if (audience === undefined && api.length === 0) {
    if (oidc.length === 0) throw new InvalidScopeError('scope or audience is required');
    return { scopes: oidc, userAccess: 'any' };
  }
  const resolved = resolveGrant(audience, api.length === 0 ? undefined : api, userRules);
  const rule = userRules.find((r) => r.audience === resolved.audience);
  return {
    scopes: [...oidc, ...resolved.scopes],
    audience: resolved.audience,
    userAccess: rule?.apiUserAccess ?? 'any',
  };
}

/**
 * Applies the user's own grants: on a `granted` API the API scopes narrow to what the user holds there.
 * @throws AccessDeniedError when the user holds none of the requested API scopes
 */
export function limitByUserGrants(grant: UserScopeGrant, grants: readonly UserGrant[]): UserScopeGrant {
  if (grant.audience === undefined || grant.userAccess !== 'granted') return grant;
  const held = new Set(grants.find((g) => g.audience === grant.audience)?.scopes ?? []);
  const oidc = grant.scopes.filter((scope) => OIDC_SCOPES.includes(scope));
  const api = grant.scopes.filter((scope) => !OIDC_SCOPES.includes(scope) && held.has(scope));
  if (api.length === 0) throw new AccessDeniedError('the user holds none of the requested scopes on this API');
  return { ...grant, scopes: [...oidc, ...api] };
}
