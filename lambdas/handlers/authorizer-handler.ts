/**
 * HTTP API Lambda REQUEST authorizer (payload format 2.0, simple responses) for the admin API and for
 * consumer APIs. Identity source `$request.header.Authorization`; the result cache must be keyed on the
 * Authorization header AND the request method (see {@link authorizerMethod}), because the decision
 * depends on both.
 *
 * Answers, as API Gateway interprets them:
 * - no token / bad token → `throw new Error('Unauthorized')` → API Gateway answers 401;
 * - valid token without the route's scopes → `{isAuthorized: false}` → 403;
 * - allowed → `{isAuthorized: true, context: {clientId, jti, scope}}`; the integration reads it from
 *   `event.requestContext.authorizer.lambda`;
 * - anything else thrown (JWKS unreachable, bad configuration) → 500; the authorizer fails closed.
 *
 * Environment (read once per cold start by {@link composeAuthorizerDeps}):
 * - `IDP_ISSUER`: expected `iss`; the JWKS is `<issuer>/.well-known/jwks.json`
 * - `IDP_AUDIENCE`: expected `aud` (the admin API: `<issuer>/admin`)
 * - `IDP_ROUTE_SCOPES`: JSON `{"GET": ["admin:read"], "*": ["admin:write"]}`, all-of per method
 * - `IDP_JWKS` (optional): the JWKS JSON, preloaded so no fetch is needed
 *
 * This module deliberately does not import ./compose (AWS SDK clients, Powertools): the authorizer
 * bundle must stay small (DESIGN.md budget ≤ 60 KB) and it needs nothing but aws-jwt-verify.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { JwksInput } from '../adapters/access-token-verifier';
import { AccessTokenVerifier } from '../adapters/access-token-verifier';
import type { AccessTokenVerifierPort, BearerDecision, BearerGrant, RouteScopes } from '../domain/bearer-authorization';
import {
  InvalidAccessTokenError,
  parseBearerAuthorization,
  parseRouteScopes,
  requiredScopesFor,
  scopeDecision,
} from '../domain/bearer-authorization';
import type { Logger } from '../domain/ports';

export interface AuthorizerDeps {
  verifier: AccessTokenVerifierPort;
  routeScopes: RouteScopes;
  logger: Logger;
}

/** What the integration receives in `requestContext.authorizer.lambda`. `scope` is space-delimited. */
export interface AuthorizerContext {
  clientId: string;
  jti: string;
  scope: string;
  [key: string]: string;
}

/** The authorizer's simple response when it allows or refuses (403) a request. */
export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>;

/** An HTTP API REQUEST authorizer: throws `Error('Unauthorized')` for a 401. */
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult>;

/** The request as far as authorization reads it. */
export interface AuthorizationRequest {
  method: string;
  /** Header names in any case; repeated headers joined with commas, as API Gateway does. */
  headers: Readonly<Record<string, string | undefined>>;
}

function headerValue(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (Object.hasOwn(headers, name)) return headers[name];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/**
 * The whole decision for one request: Bearer header (RFC 6750 §2.1), token verification, then the
 * method's required scopes (all-of). Shared by the Lambda and the local server.
 * @throws whatever the verifier throws other than {@link InvalidAccessTokenError} (e.g. JWKS unavailable)
 */
export async function authorizeRequest(deps: AuthorizerDeps, request: AuthorizationRequest): Promise<BearerDecision> {
  const parsed = parseBearerAuthorization(headerValue(request.headers, 'authorization'));
  if ('deny' in parsed) return parsed;
  let grant: BearerGrant;
  try {
    grant = await deps.verifier.verify(parsed.token);
  } catch (err) {
    if (err instanceof InvalidAccessTokenError) {
      return { deny: { status: 401, error: 'invalid_token', description: err.description } };
    }
    throw err;
  }
  return scopeDecision(grant, requiredScopesFor(deps.routeScopes, request.method));
}

/** The context handed to the integration for an allowed request. */
export function authorizerContext(grant: BearerGrant): AuthorizerContext {
  return { clientId: grant.clientId, jti: grant.jti, scope: grant.scope.join(' ') };
}

/**
 * The HTTP method the decision is for: `requestContext.http.method` (the request's own method), else
 * the method of a concrete `routeKey` such as `POST /admin/clients`. `ANY` and `$default` name none.
 */
export function authorizerMethod(
  event: Pick<APIGatewayRequestAuthorizerEventV2, 'routeKey' | 'requestContext'>,
): string {
  const method = event.requestContext?.http?.method;
  if (typeof method === 'string' && method !== '') return method.toUpperCase();
  const fromRoute = /^([A-Za-z]+) /.exec(event.routeKey ?? '')?.[1]?.toUpperCase();
  return fromRoute !== undefined && fromRoute !== 'ANY' ? fromRoute : '';
}

export function makeHandler(deps: AuthorizerDeps): AuthorizerHandler {
  return async (event) => {
    const method = authorizerMethod(event);
    const decision = await authorizeRequest(deps, { method, headers: event.headers ?? {} });
    if ('allow' in decision) return { isAuthorized: true, context: authorizerContext(decision.allow) };
    const { status, error, description } = decision.deny;
    deps.logger.info('request denied', { status, error, description, method, routeKey: event.routeKey });
    // HTTP API: an error whose message is exactly "Unauthorized" becomes a 401; isAuthorized false a 403.
    if (status === 401) throw new Error('Unauthorized');
    return { isAuthorized: false, context: {} };
  };
}

/** A JSON-lines logger on stdout/stderr (Powertools is left out of this bundle). */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

/**
 * Builds the authorizer's dependencies from its environment (see the module comment).
 * @throws Error naming the missing or malformed variable
 */
export function composeAuthorizerDeps(
  env: Readonly<Record<string, string | undefined>>,
  overrides: { fetchJwks?: (jwksUri: string) => Promise<unknown>; logger?: Logger } = {},
): AuthorizerDeps {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`missing environment variable ${name}`);
    return value;
  };
  const issuer = required('IDP_ISSUER').replace(/\/+$/, '');
  let jwks: JwksInput | undefined;
  const jwksJson = env['IDP_JWKS'];
  if (jwksJson !== undefined && jwksJson !== '') {
    try {
      jwks = JSON.parse(jwksJson) as JwksInput;
    } catch {
      throw new Error('IDP_JWKS is not JSON');
    }
  }
  let routeScopes: RouteScopes;
  try {
    routeScopes = parseRouteScopes(required('IDP_ROUTE_SCOPES'));
  } catch (err) {
    throw new Error(`IDP_ROUTE_SCOPES: ${(err as Error).message}`);
  }
  return {
    verifier: new AccessTokenVerifier({
      issuer,
      audience: required('IDP_AUDIENCE'),
      jwks,
      fetchJwks: overrides.fetchJwks,
    }),
    routeScopes,
    logger: overrides.logger ?? consoleLogger,
  };
}

let composed: AuthorizerHandler | undefined;

/** The Lambda entry: dependencies (and the JWKS cache) live as long as the container. */
export const handler: AuthorizerHandler = (event) => {
  composed ??= makeHandler(composeAuthorizerDeps(process.env));
  return composed(event);
};
