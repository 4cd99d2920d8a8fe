/**
 * The IAM policies a REST API (API Gateway v1) Lambda authorizer answers with: `execute-api:Invoke`
 * allowed or denied on method ARNs. The domain decides which routes a token may call
 * ({@link routeGrants}); this module only writes that decision in API Gateway's shapes.
 */
import type { RouteScopes } from '../domain/bearer-authorization';
import { routeGrants } from '../domain/bearer-authorization';

/** `execute-api:Invoke` allowed or denied on some method ARNs (an API Gateway authorizer policy). */
export interface InvokePolicyStatement {
  Action: 'execute-api:Invoke';
  Effect: 'Allow' | 'Deny';
  Resource: string | string[];
}

/** The policy document of a REST API Lambda authorizer's answer. */
export interface InvokePolicyDocument {
  Version: '2012-10-17';
  Statement: InvokePolicyStatement[];
}

/** The HTTP methods a REST API can route (API Gateway `ANY` expands to these). */
export const REST_API_METHODS: readonly string[] = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** A method ARN `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>`, split. */
export interface MethodArn {
  /** Everything up to and including `<apiId>/<stage>/`. */
  prefix: string;
  method: string;
  /** The request path as it appears in the ARN, with its leading `/` (`/` for the root resource). */
  path: string;
}

/**
 * Splits an API Gateway method ARN (the `methodArn` of a REST authorizer event).
 * @throws Error when it is not one; the authorizer then fails closed (500)
 */
export function parseMethodArn(methodArn: string): MethodArn {
  const match = /^(arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/[^/]+\/)([A-Z]+)(\/[\s\S]*)?$/.exec(
    methodArn,
  );
  if (match === null) throw new Error('the methodArn is not an execute-api method ARN');
  return { prefix: match[1]!, method: match[2]!, path: match[3] ?? '/' };
}

/** A policy with one statement on exactly `methodArn` (never a wildcard). */
export function methodPolicy(effect: 'Allow' | 'Deny', methodArn: string): InvokePolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }] };
}

/** The ARN path pattern of a resource template: each `{param}` / `{proxy+}` segment becomes `*`. */
function resourcePattern(resource: string): string {
  return resource.replace(/\{[^}]*\}/g, '*');
}

/**
 * The method ARNs a token may invoke anywhere in the API, for a TOKEN authorizer: API Gateway caches
 * its answer keyed on the token alone and evaluates the cached policy against every later request's
 * method ARN, so the policy must cover exactly the routes the token's scopes allow, not just this one.
 *
 * For each method M (the REST methods plus any the map names) with an allowed method-only entry:
 * `Allow <prefix>M/*`, and `Deny <prefix>M<pattern>` for every resource entry of M the token lacks
 * scopes for (an explicit Deny overrides any Allow in IAM policy evaluation). For a method whose
 * method-only entry is refused or absent, only resource entries WITHOUT path parameters are allowed,
 * by their exact path: `{id}` becomes `*` in an ARN, and `*` also matches deeper paths
 * (`/orders/*` covers `/orders/1/refunds`), which could admit a route the token may not call.
 *
 * So the policy never allows more than `requiredScopesFor` would; it can refuse more (a 403 the
 * REQUEST authorizer would not give): a parameterised route the token may call under a method it
 * otherwise may not, and paths under a refused parameterised route that the map allows otherwise
 * (`GET /orders/mine` or `GET /orders/1/items` when `GET /orders/{id}` is refused). Use a REQUEST
 * authorizer for such maps.
 */
export function tokenPolicyResources(
  routeScopes: RouteScopes,
  tokenScopes: readonly string[],
  prefix: string,
): { allow: string[]; deny: string[] } {
  const allow: string[] = [];
  const deny: string[] = [];
  for (const grant of routeGrants(routeScopes, tokenScopes, REST_API_METHODS)) {
    if (grant.allowed) allow.push(`${prefix}${grant.method}/*`);
    for (const { resource, allowed } of grant.resources) {
      const pattern = `${prefix}${grant.method}${resourcePattern(resource)}`;
      if (allowed) {
        if (!grant.allowed && !pattern.includes('*')) allow.push(pattern);
      } else if (grant.allowed) {
        deny.push(pattern);
      }
    }
  }
  return { allow, deny };
}

/**
 * The TOKEN authorizer's policy: Allow on every method ARN the token's scopes allow (see
 * {@link tokenPolicyResources}) plus the Denies that carve refused routes out of them; a token that
 * may call nothing gets `Deny` on exactly `methodArn` (API Gateway 403).
 */
export function tokenPolicy(
  routeScopes: RouteScopes,
  tokenScopes: readonly string[],
  methodArn: string,
): { allowsAny: boolean; policyDocument: InvokePolicyDocument } {
  const { allow, deny } = tokenPolicyResources(routeScopes, tokenScopes, parseMethodArn(methodArn).prefix);
  if (allow.length === 0) return { allowsAny: false, policyDocument: methodPolicy('Deny', methodArn) };
  const policyDocument: InvokePolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow }],
  };
  if (deny.length > 0) policyDocument.Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny });
  return { allowsAny: true, policyDocument };
}
