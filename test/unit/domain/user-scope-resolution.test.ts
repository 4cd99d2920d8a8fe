/** User scope resolution (docs/contract.md, "People › Authorize"): user rules, OIDC scopes, user grants. */
import { AccessDeniedError, InvalidScopeError } from '../../../lambdas/domain/errors';
import type { Rule } from '../../../lambdas/domain/model';
import { limitByUserGrants, resolveUserScopes } from '../../../lambdas/domain/people/user-scope-resolution';
import { NoRuleForAudience } from '../../../lambdas/domain/scope-resolution';

const at = '2026-11-23T10:00:00.000Z';
const photos: Rule = { audience: 'https://photos', scopes: ['p:read', 'p:write'], subjectType: 'user', createdAt: at };
const admin: Rule = {
  audience: 'https://admin',
  scopes: ['a:read', 'a:write'],
  subjectType: 'user',
  apiUserAccess: 'granted',
  createdAt: at,
};
const clientRule: Rule = { audience: 'https://m2m', scopes: ['m:all'], createdAt: at };
const rules = [photos, admin, clientRule];

describe('resolveUserScopes', () => {
  it('OIDC scopes alone: no audience', () => {
    expect(resolveUserScopes(undefined, ['openid', 'email'], rules)).toEqual({
      scopes: ['openid', 'email'],
      userAccess: 'any',
    });
  });
  it('API scopes find their API; OIDC scopes come first', () => {
    expect(resolveUserScopes(undefined, ['p:read', 'openid'], rules)).toEqual({
      scopes: ['openid', 'p:read'],
      audience: 'https://photos',
      userAccess: 'any',
    });
  });
  it('an audience without API scopes → every scope of the rule; the snapshot tells granted', () => {
    expect(resolveUserScopes('https://admin', ['openid'], rules)).toEqual({
      scopes: ['openid', 'a:read', 'a:write'],
      audience: 'https://admin',
      userAccess: 'granted',
    });
  });
  it('client rules never count for users', () => {
    expect(() => resolveUserScopes(undefined, ['m:all'], rules)).toThrow(InvalidScopeError);
    expect(() => resolveUserScopes('https://m2m', undefined, rules)).toThrow(NoRuleForAudience);
    expect(() => resolveUserScopes(undefined, ['openid'], [clientRule])).toThrow(InvalidScopeError);
  });
  it('scopes of two APIs, or nothing at all → invalid_scope', () => {
    expect(() => resolveUserScopes(undefined, ['p:read', 'a:read'], rules)).toThrow(InvalidScopeError);
    expect(() => resolveUserScopes(undefined, undefined, rules)).toThrow(InvalidScopeError);
  });
});

describe('limitByUserGrants', () => {
  const grant = resolveUserScopes('https://admin', ['openid', 'a:read', 'a:write'], rules);
  it('narrows a granted API to the user grants', () => {
    expect(limitByUserGrants(grant, [{ audience: 'https://admin', scopes: ['a:read'], createdAt: at }]).scopes).toEqual(
      ['openid', 'a:read'],
    );
  });
  it('nothing held → access_denied', () => {
    expect(() => limitByUserGrants(grant, [])).toThrow(AccessDeniedError);
  });
  it('an `any` API is not limited', () => {
    const any = resolveUserScopes(undefined, ['p:read'], rules);
    expect(limitByUserGrants(any, [])).toBe(any);
  });
});
