/**
 * The reusable authorizer for APIs that accept this IdP's access tokens, a CDK construct API owners
 * can embed in their own apps (docs/protect-your-api.md): {@link IdpTokenAuthorizer} deploys the project's own
 * authorizer Lambda (lambdas/handlers/authorizer-handler.ts: RFC 9068 / RFC 8725 checks, all-of route
 * scopes, optional disabled-client check) and wires it as an HTTP API simple-response authorizer or a
 * REST API TOKEN / REQUEST authorizer, with result-cache keys that cannot carry an allow from one
 * route to another. {@link idpJwtAuthorizer} configures the HTTP API's native JWT authorizer for the
 * same issuer instead, for APIs that accept its weaker checks (see its TSDoc).
 *
 * Usage and the guarantees each option gives: docs/protect-your-api.md.
 */
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import {
  HttpJwtAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ATTR } from '../lambdas/adapters/dynamodb-table';
import { parseRouteScopes } from '../lambdas/domain/bearer-authorization';
import { IdpFunction, handlerEntry } from './function-defaults';

/** Which API Gateway authorizer {@link IdpTokenAuthorizer} builds. */
export type IdpAuthorizerKind = 'http' | 'rest-token' | 'rest-request';

/**
 * Identity sources (= result-cache key) of the HTTP API authorizer: the token, the request method and
 * the route. The decision depends on all three; with the token alone, a cached allow for `GET /orders`
 * (orders:read) would also answer `POST /orders` (orders:write). The method is needed besides the
 * route key because `ANY /x/{proxy+}` is one route key for every method.
 */
export const HTTP_IDENTITY_SOURCES: readonly string[] = [
  '$request.header.Authorization',
  '$context.httpMethod',
  '$context.routeKey',
];

/**
 * Identity sources of the REST REQUEST authorizer: token, method and resource template (the same
 * reasoning as {@link HTTP_IDENTITY_SOURCES}). The answer is a policy on exactly this request's method
 * ARN, so a cached allow can never reach another method or path.
 */
export const REST_REQUEST_IDENTITY_SOURCES: readonly string[] = [
  apigw.IdentitySource.header('Authorization'),
  apigw.IdentitySource.context('httpMethod'),
  apigw.IdentitySource.context('resourcePath'),
];

/** Identity source of the REST TOKEN authorizer (API Gateway keys its cache on the token alone). */
export const REST_TOKEN_IDENTITY_SOURCE = apigw.IdentitySource.header('Authorization');

/** A public JWKS (RFC 7517 §5). */
export interface IdpJwks {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

/**
 * The token status check of {@link IdpTokenAuthorizerProps.clientStatus}: revoked `jti` and `sid`,
 * disabled or deleted client and user (the name predates the deny list; it is kept as public API).
 */
export interface IdpClientStatusOptions {
  /**
   * The IdP's table (the stateful stack's `table`); the authorizer may only read the keys and `status`
   * of its client, user and deny-list items ({@link clientStatusReadStatement}).
   */
  readonly table: dynamodb.ITable;
  /**
   * How long one authorizer instance trusts a token's status — deny-list entries, client and user
   * status (`IDP_CLIENT_STATUS_TTL_SECONDS`), whole seconds from 0 to 3600.
   * @default Duration.seconds(30)
   */
  readonly ttl?: Duration;
}

/** Props of {@link IdpTokenAuthorizer}. */
export interface IdpTokenAuthorizerProps {
  /**
   * The IdP's issuer, exactly as in its tokens' `iss`: `https://<host>`, no path, no trailing slash
   * (the api stack's `issuer`, or its `Issuer` output). The JWKS is read from
   * `<issuer>/.well-known/jwks.json` unless {@link jwks} is given.
   */
  readonly issuer: string;
  /** The identifier of the API being protected: the tokens' `aud` (registered with `POST /admin/apis`). */
  readonly audience: string;
  /**
   * Required scopes, all-of, by route: keys `"<METHOD> <resource>"` (`"GET /orders/{id}"`, the API
   * Gateway resource template), `"<METHOD>"` or `"*"` (any method without its own entry), optionally
   * `"* <resource>"`; a resource entry wins over the method-only ones; `HEAD` falls back to `GET`. A
   * request that no entry covers is refused (403). An empty list requires a valid token only.
   * Validated at synth time.
   * @default { '*': [] } - any valid token for {@link audience} may call every route
   */
  readonly routeScopes?: Readonly<Record<string, readonly string[]>>;
  /**
   * The IdP's public JWKS (`GET <issuer>/.well-known/jwks.json`), preloaded into the function's
   * environment (`IDP_JWKS`) so no fetch is made at cold start; public keys only (a private member is
   * refused at synth time). A token with a `kid` it does not hold still makes the function fetch the
   * issuer's JWKS (key rotation; at most once per {@link jwksRefetchInterval}), and the preload is
   * refreshed after {@link jwksMaxAge} like a fetched JWKS, so a stale preload costs a fetch, not an outage. Lambda limits all environment variables to 4 KB together: about 8 RSA-2048 keys.
   * @default - fetched from `<issuer>/.well-known/jwks.json` once per container and cached
   */
  readonly jwks?: IdpJwks;
  /**
   * Enables the whole token status check (the name is historical: it checks more than the client):
   * refuses revoked tokens and tokens of disabled (or deleted) clients and users. The authorizer reads a
   * token's status — its `jti` and `sid` deny entries, its client's and user's `status` — with one
   * cached, eventually consistent `BatchGetItem` per token (`IDP_TABLE_NAME`). **Revocation bound**: a
   * token revoked at `POST /oauth2/revoke`, a revoked session, a client or user disabled in the admin
   * API stops getting through within `ttl` (default 30 s) + {@link resultsCacheTtl} (default 30 s) —
   * **60 s by default** — plus up to another 60 s while DynamoDB is unreachable (the authorizer then
   * serves the last status it read, and fails closed after that). Needs the IdP's table in the same
   * account (or a role that can reach it).
   * @default - no status check: revoked tokens and a disabled client's tokens work until they expire
   */
  readonly clientStatus?: IdpClientStatusOptions;
  /**
   * How long API Gateway caches a decision (0 disables the cache; at most 1 hour). Keyed per token,
   * method and route (REST TOKEN: per token, with a policy that names every route the token may call).
   * Part of the revocation bound of {@link clientStatus}.
   * @default Duration.seconds(30)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * The API type: `http` (HTTP API, payload 2.0 simple responses), `rest-token` or `rest-request`
   * (REST API, IAM policy answers). Prefer `rest-request` when route scopes differ between methods of a
   * parameterised resource (see `tokenPolicyResources` in lambdas/handlers/rest-authorizer-policy.ts).
   * @default 'http'
   */
  readonly kind?: IdpAuthorizerKind;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The authorizer's name in API Gateway (unique per API).
   * @default - the construct id
   */
  readonly authorizerName?: string;
  /**
   * At most one JWKS fetch per this interval (`IDP_JWKS_REFETCH_SECONDS`): a token with an unknown `kid`
   * triggers a fetch (key rotation), a flood of them no more than one a minute; tokens with known
   * `kid`s keep verifying meanwhile. Whole seconds from 0 to 3600.
   * @default Duration.seconds(60)
   */
  readonly jwksRefetchInterval?: Duration;
  /**
   * How long a fetched (or preloaded) JWKS is trusted before the next verification fetches it again
   * (`IDP_JWKS_MAX_AGE_SECONDS`); the IdP serves its JWKS with `max-age=300`. Bounds how long a key
   * removed from the IdP's JWKS (emergency removal) still verifies here: this + {@link resultsCacheTtl}.
   * Whole seconds from 0 to 3600.
   * @default Duration.seconds(300)
   */
  readonly jwksMaxAge?: Duration;
}

/**
 * Default API Gateway result-cache TTL: with the function's own 30 s status cache, a revocation
 * reaches the API within 60 s (lambdas/adapters/token-status-source.ts).
 */
export const DEFAULT_RESULTS_CACHE_TTL = Duration.seconds(30);

/** Lambda's limit on all environment variables of a function together (keys and values), bytes. */
const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** RFC 7518 §6.2.2, §6.3.2, §6.4.1: members that only a private or symmetric JWK has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Partition-key prefixes of the items an authorizer's status check reads
 * (lambdas/adapters/token-status-source.ts): the client, the user, and the deny entries of a `jti` and
 * a `sid`.
 */
export const STATUS_READ_LEADING_KEYS: readonly string[] = ['CLIENT#*', 'USER#*', 'DENY#*', 'DENYSID#*'];

/**
 * The one read an authorizer's status check needs: `BatchGetItem` (and `GetItem`) of the keys and
 * `status` of the client, user and deny-list items in the IdP table — the partitions limited by
 * `dynamodb:LeadingKeys`, the attributes by `dynamodb:Attributes`. The conditions keep everything else
 * in the table — secret hashes, rules, sessions, codes, metadata — out of the authorizer's reach, even
 * if its code were made to ask for more.
 */
export function clientStatusReadStatement(tableArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
    resources: [tableArn],
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [ATTR.pk, ATTR.sk, 'status'] },
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...STATUS_READ_LEADING_KEYS] },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES', 'dynamodb:ReturnValues': 'NONE' },
    },
  });
}

/**
 * The IdP's token authorizer for one API: a Node.js 22 arm64 function (the project's bundled
 * `authorizer-handler`, AWS SDK left to the runtime) with its own log group and a role that may write
 * to that log group, send X-Ray traces and — only with {@link IdpTokenAuthorizerProps.clientStatus} —
 * read the keys and `status` of the client, user and deny-list items of the IdP table. No KMS permission at all: tokens are verified with the public
 * JWKS.
 *
 * Integration context on an allow: `clientId`, `jti`, `scope` (space-delimited) — HTTP APIs in
 * `event.requestContext.authorizer.lambda`, REST APIs in `event.requestContext.authorizer`.
 *
 * ```ts
 * const auth = new IdpTokenAuthorizer(this, 'Auth', {
 *   issuer: 'https://idp.example.com',
 *   audience: 'https://orders.example.com',
 *   routeScopes: { 'GET /orders': ['orders:read'], 'POST /orders': ['orders:write'] },
 * });
 * api.addRoutes({ path: '/orders', methods: [HttpMethod.GET], integration, authorizer: auth.httpAuthorizer });
 * ```
 */
export class IdpTokenAuthorizer extends Construct {
  /** The authorizer function (its `fn`, `role`, `logGroup`). */
  readonly handler: IdpFunction;
  readonly kind: IdpAuthorizerKind;
  /** The route scopes the function enforces (as given, validated). */
  readonly routeScopes: Readonly<Record<string, readonly string[]>>;
  private readonly http?: HttpLambdaAuthorizer;
  private readonly rest?: apigw.TokenAuthorizer | apigw.RequestAuthorizer;

  constructor(scope: Construct, id: string, props: IdpTokenAuthorizerProps) {
    super(scope, id);
    const kind = props.kind ?? 'http';
    const cacheTtl = props.resultsCacheTtl ?? DEFAULT_RESULTS_CACHE_TTL;
    wholeSeconds('resultsCacheTtl', cacheTtl);
    requireHttpsIssuer(this, props.issuer);
    this.kind = kind;
    this.routeScopes = props.routeScopes ?? { '*': [] };
    const routeScopesJson = JSON.stringify(this.routeScopes);
    try {
      parseRouteScopes(routeScopesJson);
    } catch (err) {
      throw new Error(`${this.node.path}: routeScopes: ${(err as Error).message}`);
    }

    const environment: Record<string, string> = {
      IDP_ISSUER: props.issuer,
      IDP_AUDIENCE: props.audience,
      IDP_ROUTE_SCOPES: routeScopesJson,
    };
    if (props.jwks !== undefined) environment['IDP_JWKS'] = JSON.stringify(publicJwks(this, props.jwks));
    if (props.jwksRefetchInterval !== undefined) {
      environment['IDP_JWKS_REFETCH_SECONDS'] = String(wholeSeconds('jwksRefetchInterval', props.jwksRefetchInterval));
    }
    if (props.jwksMaxAge !== undefined) {
      environment['IDP_JWKS_MAX_AGE_SECONDS'] = String(wholeSeconds('jwksMaxAge', props.jwksMaxAge));
    }
    if (props.clientStatus !== undefined) {
      environment['IDP_TABLE_NAME'] = props.clientStatus.table.tableName;
      if (props.clientStatus.ttl !== undefined) {
        environment['IDP_CLIENT_STATUS_TTL_SECONDS'] = String(wholeSeconds('clientStatus.ttl', props.clientStatus.ttl));
      }
    }

    this.handler = new IdpFunction(this, 'Function', {
      entry: handlerEntry('authorizer-handler.ts'),
      description: `serverless-idp access-token authorizer (${kind})`,
      serviceName: 'authorizer',
      metricsNamespace: 'serverless-idp/authorizer',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment,
    });
    checkEnvironmentSize(this, this.handler);
    if (props.clientStatus !== undefined) {
      // Not table.grant(...): that would add kms:Decrypt for a customer-managed table key, and the
      // authorizer reads one projected attribute of one item.
      this.handler.role.addToPrincipalPolicy(clientStatusReadStatement(props.clientStatus.table.tableArn));
    }

    const authorizerName = props.authorizerName ?? id;
    if (kind === 'http') {
      this.http = new HttpLambdaAuthorizer(id, this.handler.target, {
        authorizerName,
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: [...HTTP_IDENTITY_SOURCES],
        resultsCacheTtl: cacheTtl,
      });
    } else if (kind === 'rest-token') {
      this.rest = new apigw.TokenAuthorizer(this, 'RestAuthorizer', {
        handler: this.handler.target,
        authorizerName,
        identitySource: REST_TOKEN_IDENTITY_SOURCE,
        resultsCacheTtl: cacheTtl,
      });
    } else {
      this.rest = new apigw.RequestAuthorizer(this, 'RestAuthorizer', {
        handler: this.handler.target,
        authorizerName,
        identitySources: [...REST_REQUEST_IDENTITY_SOURCES],
        resultsCacheTtl: cacheTtl,
      });
    }

    // cdk-nag (AwsSolutions): narrow, with reasons, on this construct's own resources only.
    Validations.of(this.handler.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 (docs/deploy.md, cdk-nag): the bundle targets node22 and the runtime is upgraded deliberately together with the esbuild target.',
    });
    Validations.of(this.handler.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    });
  }

  /**
   * The HTTP API route authorizer (`authorizer:` of `HttpApi.addRoutes`). One HTTP API per instance.
   * @throws Error unless `kind` is `http`
   */
  get httpAuthorizer(): HttpLambdaAuthorizer {
    if (this.http === undefined) throw new Error(`${this.node.path} is a ${this.kind} authorizer, not an HTTP API one`);
    return this.http;
  }

  /**
   * The REST API authorizer (`authorizer:` of `Resource.addMethod`), a `TokenAuthorizer` or a
   * `RequestAuthorizer`. It must be attached to exactly one REST API.
   * @throws Error unless `kind` is `rest-token` or `rest-request`
   */
  get restAuthorizer(): apigw.TokenAuthorizer | apigw.RequestAuthorizer {
    if (this.rest === undefined) throw new Error(`${this.node.path} is an HTTP API authorizer, not a REST API one`);
    return this.rest;
  }
}

/** Props of {@link idpJwtAuthorizer}. */
export interface IdpJwtAuthorizerProps {
  /** The IdP's issuer (`https://<host>`, no trailing slash), as in the tokens' `iss`. */
  readonly issuer: string;
  /** The protected API's identifier, as in the tokens' `aud`. */
  readonly audience: string;
  /**
   * The authorizer's name in API Gateway.
   * @default - the id
   */
  readonly authorizerName?: string;
}

/**
 * The HTTP API's native JWT authorizer for this IdP's tokens: `jwtIssuer` = the issuer (API Gateway
 * reads `<issuer>/.well-known/openid-configuration`, then its `jwks_uri`, both public on this IdP),
 * `jwtAudience: [audience]`, identity source `$request.header.Authorization`. No Lambda, no extra
 * latency or cost; API Gateway checks the RSA signature against the issuer's keys (`kid`), `iss`,
 * `aud`, `exp`, `nbf`, `iat`, and — per route, through the route's `authorizationScopes` — the
 * `scope` claim.
 *
 * What it does NOT check, and why {@link IdpTokenAuthorizer} is the default:
 * - the `typ: at+jwt` header (RFC 9068 §4): any JWT from the issuer with the right `aud` passes;
 * - `jti` and `client_id` are not required;
 * - route scopes are ANY-of: `authorizationScopes: ['orders:read', 'orders:write']` admits a token
 *   holding either; a route that needs two scopes together must be re-checked by the integration
 *   (`event.requestContext.authorizer.jwt.claims.scope`);
 * - no disabled-client check: a disabled partner's tokens work until they expire (up to 30 days);
 * - RSA only: an ES256 stage (`idp:<stage>:signingAlgorithm`) cannot use it.
 *
 * ```ts
 * const jwt = idpJwtAuthorizer(this, 'Jwt', { issuer, audience: 'https://orders.example.com' });
 * api.addRoutes({ path: '/orders', methods: [HttpMethod.GET], integration, authorizer: jwt,
 *   authorizationScopes: ['orders:read'] });
 * ```
 * @param scope where the authorizer is used (names it in error messages)
 * @throws Error when the issuer is a literal that is not `https://`
 */
export function idpJwtAuthorizer(scope: Construct, id: string, props: IdpJwtAuthorizerProps): HttpJwtAuthorizer {
  requireHttpsIssuer(scope, props.issuer, id);
  return new HttpJwtAuthorizer(id, props.issuer, {
    authorizerName: props.authorizerName ?? id,
    jwtAudience: [props.audience],
    identitySource: ['$request.header.Authorization'],
  });
}

/** A literal issuer must be `https://` (aws-jwt-verify and API Gateway fetch keys over https only). */
function requireHttpsIssuer(scope: Construct, issuer: string, id?: string): void {
  if (Token.isUnresolved(issuer)) return;
  if (!/^https:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(issuer) || issuer.endsWith('/')) {
    const where = id === undefined ? scope.node.path : `${scope.node.path}/${id}`;
    throw new Error(`${where}: issuer must be https://<host> without a trailing slash, got ${issuer}`);
  }
}

/** Whole seconds from 0 to 3600 (API Gateway's cache maximum; the handler's limit for the status TTL). */
function wholeSeconds(name: string, duration: Duration): number {
  const seconds = duration.toSeconds();
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`${name} must be whole seconds from 0 to 3600, got ${seconds}`);
  }
  return seconds;
}

/** The JWKS, refused when a key carries private or symmetric material. */
function publicJwks(scope: Construct, jwks: IdpJwks): IdpJwks {
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${scope.node.path}: jwks has no keys`);
  for (const key of jwks.keys) {
    const secret = PRIVATE_JWK_MEMBERS.filter((m) => Object.hasOwn(key, m));
    if (secret.length > 0) {
      throw new Error(`${scope.node.path}: jwks must hold public keys only (found ${secret.join(', ')})`);
    }
  }
  return { keys: jwks.keys };
}

/** Fails synthesis when the function's environment is known to exceed Lambda's 4 KB. */
function checkEnvironmentSize(scope: Construct, fn: IdpFunction): void {
  const stack = Stack.of(scope);
  scope.node.addValidation({
    validate: () => {
      const cfn = fn.fn.node.defaultChild as { environment?: { variables?: Record<string, unknown> } } | undefined;
      const variables = (stack.resolve(cfn?.environment) as { variables?: Record<string, unknown> } | undefined)
        ?.variables;
      if (variables === undefined) return [];
      let size = 0;
      for (const [key, value] of Object.entries(variables)) {
        if (typeof value !== 'string') continue; // deploy-time values (names, ARNs) are short
        size += Buffer.byteLength(key) + Buffer.byteLength(value);
      }
      return size > LAMBDA_ENVIRONMENT_LIMIT
        ? [
            `the authorizer's environment is ${size} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT}: preload fewer keys (jwks) or shorten routeScopes`,
          ]
        : [];
    },
  });
}
