/**
 * API Gateway Lambda authorizer for HTTP APIs and REST APIs, one entry ({@link makeHandler} dispatches
 * on the event's shape):
 *
 * HTTP API REQUEST authorizer (payload format 2.0, `version: '2.0'`, simple responses). Identity
 * source `$request.header.Authorization`; the result cache must be keyed on the Authorization header
 * AND the request method and route (`$context.httpMethod`, `$context.routeKey`), because the decision
 * depends on all three (see {@link authorizerMethod}):
 * - no token / bad token / disabled client → `throw new Error('Unauthorized')` → API Gateway 401;
 * - valid token without the route's scopes → `{isAuthorized: false}` → 403;
 * - allowed → `{isAuthorized: true, context: {clientId, sub, jti, scope, claims}}`; the integration reads it from
 *   `event.requestContext.authorizer.lambda`.
 *
 * REST API (API Gateway v1) authorizers, answered with an IAM policy (`principalId` = client id,
 * context `{clientId, sub, jti, scope, claims}` on allows); 401 as above, 403 by a Deny policy:
 * - REQUEST (`type: 'REQUEST'`, also HTTP API payload 1.0): the decision for this method and resource
 *   template (`httpMethod`, `resource`); Allow or Deny on exactly this request's `methodArn`, never a
 *   wildcard, so a cached answer cannot authorise another method or path. Key its cache on the
 *   Authorization header plus `context.httpMethod` and `context.resourcePath`; a cached Allow still
 *   names one concrete path, so under path parameters it can only turn a later request into a 403,
 *   never into an allow (set the TTL to 0 where that matters);
 * - TOKEN (`type: 'TOKEN'`, cache keyed on the token alone): the required scopes of a route cannot be
 *   known from the token, so the policy lists every method ARN the token's scopes allow in the API
 *   stage (`tokenPolicy` in ./rest-authorizer-policy.ts), and a cached policy never covers a
 *   route the token lacks scopes for.
 *
 * Anything else thrown (JWKS unreachable, token status unreadable, bad configuration) → 500: the
 * authorizer fails closed.
 *
 * Composition (the environment, the verifier, the token status source) is ./compose/authorizer.ts,
 * which keeps this bundle small (docs/contract.md, Budgets: ≤ 60 KB).
 */
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type {
  AccessTokenVerifierPort,
  BearerDecision,
  BearerDenial,
  BearerGrant,
  RouteScopes,
  TokenStatusSource,
} from '../domain/bearer-authorization';
import {
  InvalidAccessTokenError,
  parseBearerAuthorization,
  requiredScopesFor,
  scopeDecision,
  tokenStatusDecision,
  tokenStatusQuery,
} from '../domain/bearer-authorization';
import { RESERVED_CLAIMS } from '../domain/tokens/access-token';
import { headerValue } from '../domain/http';
import type { Logger } from '../domain/ports';
import { authorizerEntry } from './compose/authorizer';
import { methodPolicy, tokenPolicy } from './rest-authorizer-policy';

/** What the decision is made with: built by ./compose/authorizer.ts on AWS, by tests and the local server. */
export interface AuthorizerDeps {
  verifier: AccessTokenVerifierPort;
  routeScopes: RouteScopes;
  logger: Logger;
  /**
   * When present, a token's `jti` and `sid` must not be denied, its client and its user (a person's
   * token) must still be `enabled` — one read per cache miss; absent, no status check is made.
   */
  tokenStatus?: TokenStatusSource;
}

/** What the integration receives in `requestContext.authorizer.lambda`. `scope` is space-delimited. */
export interface AuthorizerContext {
  clientId: string;
  /**
   * RFC 9068 §2.2 `sub`: equal to `clientId` for a client-credentials token, the user id for a token a
   * client obtained on behalf of a person (the admin API then acts for that person).
   */
  sub: string;
  jti: string;
  scope: string;
  /**
   * The token's other claims (static claims from the client's rule, e.g. `{"tier":"gold"}`) as a JSON
   * object string: API Gateway context values must be strings, numbers or booleans.
   */
  claims: string;
  [key: string]: string;
}

/** The authorizer's simple response when it allows or refuses (403) a request. */
export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>;

/** A REST API authorizer's answer: an IAM policy; `context` only on an allow. */
export type RestAuthorizerResult = APIGatewayAuthorizerResult;

/** Every event the authorizer answers. */
export type AuthorizerEvent =
  APIGatewayRequestAuthorizerEventV2 | APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent;

/** The authorizer: a simple response for HTTP API 2.0 events, a policy for REST ones; 401 by throwing. */
export interface AuthorizerHandler {
  (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult>;
  (event: APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent): Promise<RestAuthorizerResult>;
  (event: AuthorizerEvent): Promise<AuthorizerResult | RestAuthorizerResult>;
}

/** The request as far as authorization reads it. */
export interface AuthorizationRequest {
  method: string;
  /** The API Gateway resource template (`/orders/{id}`), for route scopes keyed by resource. */
  resource?: string;
  /** Header names in any case; repeated headers joined with commas, as API Gateway does. */
  headers: Readonly<Record<string, string | undefined>>;
}

/** A decision with the verified grant it was made on (absent when the token was refused). */
interface GrantDecision {
  decision: BearerDecision;
  grant?: BearerGrant;
}

/** RFC 6750 §2.1 header, then the token's signature and claims; a refusal is 401. */
async function verifyBearer(
  deps: AuthorizerDeps,
  authorization: string | undefined,
): Promise<{ grant: BearerGrant } | { decision: BearerDecision }> {
  const parsed = parseBearerAuthorization(authorization);
  if ('deny' in parsed) return { decision: parsed };
  try {
    return { grant: await deps.verifier.verify(parsed.token) };
  } catch (err) {
    if (err instanceof InvalidAccessTokenError) {
      return { decision: { deny: { status: 401, error: 'invalid_token', description: err.description } } };
    }
    throw err;
  }
}

/**
 * Keeps an allow only while the token is not revoked and its client (and user) are enabled (no token
 * status source configured: no check).
 */
async function checkTokenStatus(deps: AuthorizerDeps, decision: BearerDecision): Promise<BearerDecision> {
  if (!('allow' in decision) || deps.tokenStatus === undefined) return decision;
  return tokenStatusDecision(decision.allow, await deps.tokenStatus.status(tokenStatusQuery(decision.allow)));
}

async function decide(deps: AuthorizerDeps, request: AuthorizationRequest): Promise<GrantDecision> {
  const verified = await verifyBearer(deps, headerValue(request.headers, 'authorization'));
  if ('decision' in verified) return verified;
  const { grant } = verified;
  const scoped = scopeDecision(grant, requiredScopesFor(deps.routeScopes, request.method, request.resource));
  return { decision: await checkTokenStatus(deps, scoped), grant };
}

/**
 * The whole decision for one request: Bearer header (RFC 6750 §2.1), token verification, the route's
 * required scopes (all-of), then — only for a token that would be allowed — its status (revoked `jti`
 * or `sid`, client and user enabled).
 * Shared by the Lambda and the local server.
 * @throws whatever the verifier throws other than {@link InvalidAccessTokenError} (e.g. JWKS
 *   unavailable), and `ClientStatusUnavailableError` when the status cannot be read (fail closed)
 */
export async function authorizeRequest(deps: AuthorizerDeps, request: AuthorizationRequest): Promise<BearerDecision> {
  return (await decide(deps, request)).decision;
}

/** The context handed to the integration for an allowed request. */
export function authorizerContext(grant: BearerGrant): AuthorizerContext {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(grant.claims)) {
    // RFC 9068 §2.2 / RFC 7519 §4.1 claims are already in the context or are the verifier's business.
    if (!RESERVED_CLAIMS.has(name)) claims[name] = value;
  }
  const sub = grant.claims['sub'];
  return {
    clientId: grant.clientId,
    // The verifier requires `sub` (a string, access-token-rules.ts); the client id is a fallback for a
    // verifier port that does not pass the payload on.
    sub: typeof sub === 'string' && sub !== '' ? sub : grant.clientId,
    jti: grant.jti,
    scope: grant.scope.join(' '),
    claims: JSON.stringify(claims),
  };
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

/** The resource template of an HTTP API route key (`ANY /admin/{proxy+}` → `/admin/{proxy+}`; `$default` none). */
export function routeKeyResource(routeKey: string | undefined): string | undefined {
  return /^[A-Za-z*]+ (\/\S*)$/.exec(routeKey ?? '')?.[1];
}

/**
 * Logs a refusal; a 401 is thrown as exactly `Error('Unauthorized')`, which API Gateway answers with
 * 401 (HTTP and REST APIs alike). Returns for a 403, which each API type expresses in its own answer.
 */
function refuse(deps: AuthorizerDeps, denial: BearerDenial, fields: Record<string, unknown>): void {
  const { status, error, description } = denial;
  deps.logger.info('request denied', { status, error, description, ...fields });
  if (status === 401) throw new Error('Unauthorized');
}

async function httpApiAuthorizer(
  deps: AuthorizerDeps,
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<AuthorizerResult> {
  const method = authorizerMethod(event);
  const resource = routeKeyResource(event.routeKey);
  const { decision } = await decide(deps, { method, resource, headers: event.headers ?? {} });
  if ('allow' in decision) return { isAuthorized: true, context: authorizerContext(decision.allow) };
  refuse(deps, decision.deny, { method, routeKey: event.routeKey });
  // Simple response: isAuthorized false is a 403.
  return { isAuthorized: false, context: {} };
}

/** REST headers: the single-value map, but a repeated Authorization header with all its values comma-joined. */
function restHeaders(event: APIGatewayRequestAuthorizerEvent): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = { ...(event.headers ?? {}) };
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (name.toLowerCase() !== 'authorization' || values === undefined || values.length < 2) continue;
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'authorization') delete headers[key];
    headers[name] = values.join(',');
  }
  return headers;
}

async function restRequestAuthorizer(
  deps: AuthorizerDeps,
  event: APIGatewayRequestAuthorizerEvent,
): Promise<RestAuthorizerResult> {
  const method = (event.httpMethod ?? '').toUpperCase();
  const { decision, grant } = await decide(deps, { method, resource: event.resource, headers: restHeaders(event) });
  if ('allow' in decision) {
    return {
      principalId: decision.allow.clientId,
      policyDocument: methodPolicy('Allow', event.methodArn),
      context: authorizerContext(decision.allow),
    };
  }
  refuse(deps, decision.deny, { method, resource: event.resource });
  // 403: a verified token (so there is a grant) without the route's scopes.
  return { principalId: grant?.clientId ?? 'unknown', policyDocument: methodPolicy('Deny', event.methodArn) };
}

async function restTokenAuthorizer(
  deps: AuthorizerDeps,
  event: APIGatewayTokenAuthorizerEvent,
): Promise<RestAuthorizerResult> {
  const verified = await verifyBearer(deps, event.authorizationToken);
  const decision = 'grant' in verified ? await checkTokenStatus(deps, { allow: verified.grant }) : verified.decision;
  if ('deny' in decision) {
    refuse(deps, decision.deny, { type: 'TOKEN' });
    throw new Error('Unauthorized'); // not reached: token refusals are all 401
  }
  const grant = decision.allow;
  const { allowsAny, policyDocument } = tokenPolicy(deps.routeScopes, grant.scope, event.methodArn);
  if (!allowsAny) {
    refuse(
      deps,
      { status: 403, error: 'insufficient_scope', description: 'the token scopes allow no route of this API' },
      { type: 'TOKEN' },
    );
    return { principalId: grant.clientId, policyDocument };
  }
  return { principalId: grant.clientId, policyDocument, context: authorizerContext(grant) };
}

/**
 * The authorizer for every event shape: HTTP API payload 2.0 (`version: '2.0'`) → simple response;
 * `type: 'TOKEN'` → TOKEN policy; `type: 'REQUEST'` with a `methodArn` (REST, HTTP API payload 1.0)
 * → REQUEST policy. Any other event is an error (500).
 */
export function makeHandler(deps: AuthorizerDeps): AuthorizerHandler {
  const handle = async (event: AuthorizerEvent): Promise<AuthorizerResult | RestAuthorizerResult> => {
    if ('version' in event && event.version === '2.0') return httpApiAuthorizer(deps, event);
    if (event.type === 'TOKEN') return restTokenAuthorizer(deps, event);
    if (event.type === 'REQUEST' && 'methodArn' in event && typeof event.methodArn === 'string') {
      return restRequestAuthorizer(deps, event);
    }
    throw new Error('unsupported authorizer event');
  };
  return handle as AuthorizerHandler;
}

/** The Lambda entry (./compose/authorizer.ts). */
export const handler: AuthorizerHandler = authorizerEntry(makeHandler);
