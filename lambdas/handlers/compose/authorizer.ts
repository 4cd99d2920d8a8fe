/**
 * Composition of the API Gateway Lambda authorizer (../authorizer-handler.ts; docs/contract.md,
 * Authorizers › Authorizer environment), once per cold start:
 * - `IDP_ISSUER`: expected `iss`; the JWKS is `<issuer>/.well-known/jwks.json`
 * - `IDP_AUDIENCE`: expected `aud` (the admin API: `<issuer>/admin`)
 * - `IDP_ROUTE_SCOPES`: JSON `{"GET": ["admin:read"], "*": ["admin:write"]}`, all-of per method, or
 *   per method and resource (`"POST /orders": [...]`, see `RouteScopes`)
 * - `IDP_SUBJECT` (optional, default `client`): `client` accepts only client-credentials tokens
 *   (`sub = client_id`, RFC 9068 §2.2); `any` also tokens a client obtained for a person (the admin
 *   API's authorizer: the admin function then checks the person, lambdas/domain/admin/admin-api.ts)
 * - `IDP_JWKS` (optional): the JWKS JSON, preloaded so no fetch is needed
 * - `IDP_JWKS_REFETCH_SECONDS` (optional, default 60): at most one JWKS fetch per this many seconds (a
 *   token with an unknown `kid` triggers one — key rotation — and a flood of them no more)
 * - `IDP_JWKS_MAX_AGE_SECONDS` (optional, default 300): a cached JWKS older than this is fetched again,
 *   so a key removed from the IdP's JWKS stops verifying within it (docs/contract.md, "Authorizers")
 * - `IDP_TABLE_NAME` (optional): the IdP table; when set, a token must not be revoked (`jti`, `sid`)
 *   and its client and user must still be enabled (one cached BatchGetItem per token, needs
 *   `dynamodb:BatchGetItem` on the deny-list and status items). Unset: no status check, and a revoked
 *   token or a disabled client's tokens work until they expire. For the bound see
 *   lambdas/adapters/token-status-source.ts: `IDP_CLIENT_STATUS_TTL_SECONDS` + the API Gateway
 *   result-cache TTL (30 + 30 s = 60 s by default)
 * - `IDP_CLIENT_STATUS_TTL_SECONDS` (optional, default 30): how long a token's status is cached
 * - `IDP_CLIENT_STATUS_STALE_SECONDS` (optional, default 60): how much longer a cached status is
 *   served while DynamoDB cannot be read, before failing closed
 *
 * The authorizer bundle must stay small (docs/contract.md, Budgets: ≤ 60 KB): this module imports
 * aws-jwt-verify and, for the status check, the low-level DynamoDB client (left to the Lambda runtime),
 * and neither Powertools, KMS nor lib-dynamodb (so not ./observability.ts or the other compose modules).
 */
import type { JwksInput } from '../../adapters/access-token-verifier';
import {
  AccessTokenVerifier,
  DEFAULT_JWKS_MAX_AGE_SECONDS,
  DEFAULT_PENALTY_SECONDS,
} from '../../adapters/access-token-verifier';
import type { DynamoDbTokenStatusSourceOptions } from '../../adapters/token-status-source';
import {
  DEFAULT_TOKEN_STATUS_STALE_IF_ERROR_SECONDS,
  DEFAULT_TOKEN_STATUS_TTL_SECONDS,
  DynamoDbTokenStatusSource,
} from '../../adapters/token-status-source';
import type { RouteScopes } from '../../domain/bearer-authorization';
import { parseRouteScopes } from '../../domain/bearer-authorization';
import type { Logger } from '../../domain/ports';
import type { AuthorizerDeps, AuthorizerHandler } from '../authorizer-handler';
import type { EnvironmentVariables, IntegerBounds } from './environment';
import { env, envInteger, functionEnvironment, optionalEnv, requireIssuer } from './environment';

/** A JSON-lines logger on stdout/stderr (Powertools is left out of this bundle). */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

/** Cache windows of the status check: whole seconds up to 3600 (API Gateway's own cache maximum). */
const CACHE_SECONDS: IntegerBounds = { min: 0, max: 3600, what: 'whole seconds' };

/** What tests and the local runtime replace. */
export interface AuthorizerOverrides {
  /** Where the JWKS comes from; default: HTTPS GET of the JWKS URI (access-token-verifier.ts). */
  fetchJwks?: (jwksUri: string) => Promise<unknown>;
  /** Default {@link consoleLogger}. */
  logger?: Logger;
  /** The DynamoDB client of the status check; default: the status read's own (token-status-source.ts). */
  dynamoDb?: DynamoDbTokenStatusSourceOptions['client'];
}

/**
 * Builds the authorizer's dependencies from its environment (see the module comment).
 * @param vars the variables; default the function's own (./environment.ts)
 * @throws Error naming the missing or malformed variable
 */
export function composeAuthorizerDeps(
  vars: EnvironmentVariables = functionEnvironment(),
  overrides: AuthorizerOverrides = {},
): AuthorizerDeps {
  const issuer = requireIssuer(vars);
  let jwks: JwksInput | undefined;
  const jwksJson = optionalEnv(vars, 'IDP_JWKS');
  if (jwksJson !== undefined) {
    try {
      jwks = JSON.parse(jwksJson) as JwksInput;
    } catch {
      throw new Error('IDP_JWKS is not JSON');
    }
  }
  const routeScopesJson = env(vars, 'IDP_ROUTE_SCOPES');
  let routeScopes: RouteScopes;
  try {
    routeScopes = parseRouteScopes(routeScopesJson);
  } catch (err) {
    throw new Error(`IDP_ROUTE_SCOPES: ${(err as Error).message}`);
  }
  const subject = optionalEnv(vars, 'IDP_SUBJECT') ?? 'client';
  if (subject !== 'client' && subject !== 'any') throw new Error('IDP_SUBJECT must be client or any');
  const logger = overrides.logger ?? consoleLogger;
  const tableName = optionalEnv(vars, 'IDP_TABLE_NAME');
  const tokenStatus =
    tableName === undefined
      ? undefined
      : new DynamoDbTokenStatusSource({
          client: overrides.dynamoDb,
          tableName,
          ttlSeconds: envInteger(
            vars,
            'IDP_CLIENT_STATUS_TTL_SECONDS',
            CACHE_SECONDS,
            DEFAULT_TOKEN_STATUS_TTL_SECONDS,
          ),
          staleIfErrorSeconds: envInteger(
            vars,
            'IDP_CLIENT_STATUS_STALE_SECONDS',
            CACHE_SECONDS,
            DEFAULT_TOKEN_STATUS_STALE_IF_ERROR_SECONDS,
          ),
          logger,
        });
  return {
    verifier: new AccessTokenVerifier({
      issuer,
      audience: env(vars, 'IDP_AUDIENCE'),
      subject,
      jwks,
      fetchJwks: overrides.fetchJwks,
      penaltySeconds: envInteger(vars, 'IDP_JWKS_REFETCH_SECONDS', CACHE_SECONDS, DEFAULT_PENALTY_SECONDS),
      jwksMaxAgeSeconds: envInteger(vars, 'IDP_JWKS_MAX_AGE_SECONDS', CACHE_SECONDS, DEFAULT_JWKS_MAX_AGE_SECONDS),
    }),
    routeScopes,
    logger,
    ...(tokenStatus === undefined ? {} : { tokenStatus }),
  };
}

/**
 * The authorizer's Lambda entry: {@link composeAuthorizerDeps} on the first event; the dependencies (the
 * JWKS and token status caches) live as long as the container. A composition that throws fails the
 * invocation (500: the authorizer fails closed) and is tried again by the next.
 */
export function authorizerEntry(make: (deps: AuthorizerDeps) => AuthorizerHandler): AuthorizerHandler {
  let composed: AuthorizerHandler | undefined;
  return ((event: Parameters<AuthorizerHandler>[0]) => {
    composed ??= make(composeAuthorizerDeps());
    return composed(event);
  }) as AuthorizerHandler;
}
