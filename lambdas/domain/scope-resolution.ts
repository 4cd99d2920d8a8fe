/**
 * Resolution of the audience and scopes a client may obtain, from its rules (docs/contract.md, Token
 * endpoint):
 * - audience given, scope omitted → every scope the client's rule on that API grants;
 * - scope given, no audience → the one API whose rule grants all of those scopes;
 * - both → the scopes must all be granted on that API;
 * - neither → `invalid_scope`.
 */
import { InvalidScopeError } from './errors';
import { SCOPE, echo } from './oauth-grammar';
import type { JsonValue, Rule } from './model';

/** What a token will be issued for. */
export interface ResolvedGrant {
  audience: string;
  scopes: string[];
  claims: Record<string, JsonValue>;
  apiAccessTokenTtl?: number;
  apiTokenReuse?: boolean;
}

/** The audience names no rule of this client; the caller decides between `invalid_target` and `invalid_scope`. */
export class NoRuleForAudience extends Error {
  constructor(readonly audience: string) {
    super(`no rule for audience ${audience}`);
  }
}

/**
 * @throws InvalidScopeError, NoRuleForAudience
 */
export function resolveGrant(audience: string | undefined, scopes: string[] | undefined, rules: Rule[]): ResolvedGrant {
  if (audience !== undefined) {
    const rule = rules.find((r) => r.audience === audience);
    if (rule === undefined) throw new NoRuleForAudience(audience);
    if (scopes === undefined) return grantOf(rule, rule.scopes);
    const missing = scopes.filter((s) => !rule.scopes.includes(s));
    if (missing.length > 0) throw notGranted(missing);
    return grantOf(rule, scopes);
  }
  if (scopes === undefined) {
    throw new InvalidScopeError('scope or audience is required');
  }
  const candidates = rules.filter((r) => scopes.every((s) => r.scopes.includes(s)));
  if (candidates.length === 1) return grantOf(candidates[0]!, scopes);
  if (candidates.length > 1) {
    throw new InvalidScopeError('scope is granted on more than one API; name the audience');
  }
  const missing = scopes.filter((s) => !rules.some((r) => r.scopes.includes(s)));
  if (missing.length > 0) throw notGranted(missing);
  throw new InvalidScopeError('requested scopes belong to more than one API; request one audience per token');
}

function grantOf(rule: Rule, scopes: string[]): ResolvedGrant {
  return {
    audience: rule.audience,
    scopes,
    claims: rule.claims ?? {},
    apiAccessTokenTtl: rule.apiAccessTokenTtl,
    apiTokenReuse: rule.apiTokenReuse,
  };
}

function notGranted(missing: string[]): InvalidScopeError {
  const shown = echo(missing.join(' '), SCOPE);
  return new InvalidScopeError(
    shown === undefined
      ? `scope not granted (${missing.length} scope${missing.length === 1 ? '' : 's'})`
      : `scope not granted: ${shown}`,
  );
}
