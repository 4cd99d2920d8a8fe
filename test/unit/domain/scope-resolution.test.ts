/**
 * resolveGrant (docs/contract.md, Token endpoint › Audience and scope): the audience and scopes a client obtains from its rules.
 * audience only → every scope its rule grants; scope only → the one API whose rule grants them all;
 * both → those scopes on that API; neither → invalid_scope. An audience without a rule is left to the
 * caller (NoRuleForAudience) to tell invalid_target from invalid_scope.
 */
import { InvalidScopeError } from '../../../lambdas/domain/errors';
import type { Rule } from '../../../lambdas/domain/model';
import { NoRuleForAudience, resolveGrant } from '../../../lambdas/domain/scope-resolution';

const ORDERS = 'https://api.example.com';
const INVENTORY = 'https://inventory.example.com';
const REPORTS = 'https://reports.example.com';
const CREATED = '2026-11-23T09:00:00.000Z';

const RULES: Rule[] = [
  {
    audience: ORDERS,
    scopes: ['orders:read', 'orders:write'],
    claims: { tenant: 'acme' },
    apiAccessTokenTtl: 1800,
    apiTokenReuse: true,
    createdAt: CREATED,
  },
  { audience: INVENTORY, scopes: ['inventory:read', 'shared:read'], createdAt: CREATED },
  { audience: REPORTS, scopes: ['shared:read'], createdAt: CREATED },
];

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function scopeError(fn: () => unknown): string {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(InvalidScopeError);
  expect(err).toMatchObject({ code: 'invalid_scope', status: 400 });
  return (err as InvalidScopeError).description;
}

describe('resolveGrant', () => {
  it('audience only → every scope of its rule, with the rule claims and API snapshots', () => {
    expect(resolveGrant(ORDERS, undefined, RULES)).toEqual({
      audience: ORDERS,
      scopes: ['orders:read', 'orders:write'],
      claims: { tenant: 'acme' },
      apiAccessTokenTtl: 1800,
      apiTokenReuse: true,
    });
  });

  it('a rule without claims gives {} and no snapshots', () => {
    expect(resolveGrant(INVENTORY, undefined, RULES)).toEqual({
      audience: INVENTORY,
      scopes: ['inventory:read', 'shared:read'],
      claims: {},
      apiAccessTokenTtl: undefined,
      apiTokenReuse: undefined,
    });
  });

  it('audience and scopes → those scopes, in the order asked', () => {
    expect(resolveGrant(ORDERS, ['orders:write', 'orders:read'], RULES)).toMatchObject({
      audience: ORDERS,
      scopes: ['orders:write', 'orders:read'],
    });
    // A scope granted on two APIs is fine once the audience names one.
    expect(resolveGrant(REPORTS, ['shared:read'], RULES)).toMatchObject({ audience: REPORTS, scopes: ['shared:read'] });
  });

  it('audience and a scope its rule does not grant → invalid_scope naming every missing scope', () => {
    expect(scopeError(() => resolveGrant(ORDERS, ['orders:read', 'inventory:read', 'x'], RULES))).toBe(
      'scope not granted: inventory:read x',
    );
  });

  it('scope only → the one API whose rule grants them all', () => {
    expect(resolveGrant(undefined, ['orders:write'], RULES)).toEqual({
      audience: ORDERS,
      scopes: ['orders:write'],
      claims: { tenant: 'acme' },
      apiAccessTokenTtl: 1800,
      apiTokenReuse: true,
    });
    expect(resolveGrant(undefined, ['shared:read', 'inventory:read'], RULES)).toMatchObject({
      audience: INVENTORY,
      scopes: ['shared:read', 'inventory:read'],
    });
  });

  it('scope only, granted on more than one API → invalid_scope', () => {
    expect(scopeError(() => resolveGrant(undefined, ['shared:read'], RULES))).toBe(
      'scope is granted on more than one API; name the audience',
    );
  });

  it('scope only, spread over two APIs → invalid_scope', () => {
    expect(scopeError(() => resolveGrant(undefined, ['orders:read', 'inventory:read'], RULES))).toBe(
      'requested scopes belong to more than one API; request one audience per token',
    );
  });

  it('scope only, not granted anywhere → invalid_scope naming only those no rule grants', () => {
    expect(scopeError(() => resolveGrant(undefined, ['orders:read', 'nope', 'inventory:read', 'other'], RULES))).toBe(
      'scope not granted: nope other',
    );
    expect(scopeError(() => resolveGrant(undefined, ['orders:read'], []))).toBe('scope not granted: orders:read');
  });

  it('neither audience nor scope → invalid_scope', () => {
    expect(scopeError(() => resolveGrant(undefined, undefined, RULES))).toBe('scope or audience is required');
  });

  it('an audience without a rule → NoRuleForAudience (the caller checks whether the API exists)', () => {
    for (const [audience, scopes] of [
      ['https://unknown.example.com', undefined],
      ['https://unknown.example.com', ['orders:read']],
      [ORDERS, ['orders:read']],
    ] as const) {
      const rules = audience === ORDERS ? [] : RULES;
      const err = thrown(() => resolveGrant(audience, scopes === undefined ? undefined : [...scopes], rules));
      expect(err).toBeInstanceOf(NoRuleForAudience);
      expect(err).toMatchObject({ audience });
    }
  });

  it('the audience is matched exactly (no prefix, case or trailing-slash games)', () => {
    for (const audience of [`${ORDERS}/`, ORDERS.toUpperCase(), 'https://api.example', `${ORDERS}/orders`]) {
      expect(() => resolveGrant(audience, undefined, RULES)).toThrow(NoRuleForAudience);
    }
  });

  it('never changes the rules it reads (deep-frozen input, every path)', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
      }
      return value;
    };
    const rules = deepFreeze(structuredClone(RULES));
    expect(resolveGrant(ORDERS, undefined, rules).scopes).toEqual(['orders:read', 'orders:write']);
    expect(resolveGrant(ORDERS, ['orders:read'], rules).scopes).toEqual(['orders:read']);
    expect(resolveGrant(undefined, ['inventory:read'], rules).audience).toBe(INVENTORY);
    expect(() => resolveGrant(undefined, ['shared:read'], rules)).toThrow(InvalidScopeError);
    expect(() => resolveGrant(undefined, ['orders:read', 'inventory:read'], rules)).toThrow(InvalidScopeError);
    expect(() => resolveGrant(undefined, ['nope'], rules)).toThrow(InvalidScopeError);
    expect(() => resolveGrant(REPORTS.replace('reports', 'x'), undefined, rules)).toThrow(NoRuleForAudience);
    expect(rules).toEqual(RULES);
  });
});
