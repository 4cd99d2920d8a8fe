/**
 * The routes of the IdP's HTTP API (docs/contract.md, HTTP contract): the token endpoint (and its CORS
 * preflight, answered by the token function: no API-level CORS configuration), revocation (RFC 7009,
 * with its preflight) and introspection (RFC 7662) on the token function, metadata and JWKS, the
 * hosted pages and their stylesheet (the sign-in function), userinfo (its own function), the admin
 * OpenAPI document, and the admin API behind the bearer-token authorizer, plus the token route's own
 * throttling. The paths are the domain's (lambdas/domain/endpoints/paths.ts).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  ADMIN_OPENAPI_PATH,
  ADMIN_PREFIX,
  AUTHORIZE_PATH,
  CONSOLE_PREFIX,
  CONSENT_PATH,
  DISCOVERY_PATHS,
  INTROSPECTION_PATH,
  JWKS_PATH,
  LOGOUT_PATH,
  OAUTH_METADATA_PATH,
  OPENID_CONFIGURATION_PATH,
  PAGES_STYLESHEET_PATH,
  REVOCATION_PATH,
  SET_PASSWORD_PATH,
  SIGN_IN_PATH,
  TOKEN_PATH,
  USERINFO_PATH,
} from '../lambdas/domain/endpoints/paths';
import type { ApiFunctions } from './api-functions';
import type { ThrottleConfig } from './config';

/** The HTTP API's route template of everything under the admin prefix (the admin function routes it). */
export const ADMIN_PROXY_PATH = `${ADMIN_PREFIX}/{proxy+}`;

/** The HTTP API's route template of the console's pages and files (the console function answers them). */
export const CONSOLE_PROXY_PATH = `${CONSOLE_PREFIX}/{proxy+}`;

/** Route keys of the HTTP API (docs/contract.md, HTTP contract); the paths are the domain's. */
export const ROUTES = {
  token: `POST ${TOKEN_PATH}`,
  revocation: `POST ${REVOCATION_PATH}`,
  introspection: `POST ${INTROSPECTION_PATH}`,
  metadata: `GET ${OAUTH_METADATA_PATH}`,
  openidConfiguration: `GET ${OPENID_CONFIGURATION_PATH}`,
  jwks: `GET ${JWKS_PATH}`,
  admin: `ANY ${ADMIN_PROXY_PATH}`,
  adminOpenApi: `GET ${ADMIN_OPENAPI_PATH}`,
  console: `GET ${CONSOLE_PREFIX}`,
  consoleProxy: `GET ${CONSOLE_PROXY_PATH}`,
} as const;

const { GET, HEAD, POST } = apigwv2.HttpMethod;

/**
 * The sign-in function's paths and the methods it answers (lambdas/handlers/sign-in-handler.ts); HEAD
 * wherever it answers GET (RFC 9110 §9.3.2: the handler answers HEAD as GET without the body).
 */
export const SIGN_IN_ROUTE_METHODS: Readonly<Record<string, readonly apigwv2.HttpMethod[]>> = {
  [AUTHORIZE_PATH]: [GET, HEAD],
  [SIGN_IN_PATH]: [POST],
  [CONSENT_PATH]: [GET, HEAD, POST],
  [LOGOUT_PATH]: [GET, HEAD, POST],
  [SET_PASSWORD_PATH]: [GET, HEAD, POST],
  [PAGES_STYLESHEET_PATH]: [GET, HEAD],
};

/** The userinfo function's methods (OIDC Core §5.3: GET and POST; it answers HEAD 405). */
export const USERINFO_ROUTE_METHODS: readonly apigwv2.HttpMethod[] = [GET, POST];

/** Props of {@link addIdpRoutes}. */
export interface IdpRoutesProps {
  /** The API the routes are added to. */
  readonly api: apigwv2.HttpApi;
  /** The API's `$default` stage: it gets the token route's settings and waits for every route. */
  readonly stage: apigwv2.HttpStage;
  /** The functions behind the routes (each integrated through its `target`). */
  readonly functions: ApiFunctions;
  /** Throttling of {@link ROUTES}.token, a route setting of the stage. */
  readonly tokenThrottle: ThrottleConfig;
}

/** The routes, by who may call them. */
export interface IdpRoutes {
  /**
   * Routes without an API Gateway authorizer: the token endpoint and its preflight, metadata, JWKS, the
   * hosted pages, userinfo, the OpenAPI document.
   */
  readonly publicRoutes: apigwv2.HttpRoute[];
  /** The admin API's routes, behind the bearer-token authorizer. */
  readonly adminRoutes: apigwv2.HttpRoute[];
}

/** Adds the IdP's routes to the API (they live under the API construct, as `addRoutes` places them). */
export function addIdpRoutes(props: IdpRoutesProps): IdpRoutes {
  const { api, stage, functions } = props;
  const tokenIntegration = new HttpLambdaIntegration('TokenIntegration', functions.token.target);
  const discoveryIntegration = new HttpLambdaIntegration('DiscoveryIntegration', functions.discovery.target);
  const adminIntegration = new HttpLambdaIntegration('AdminIntegration', functions.admin.target);
  const signInIntegration = new HttpLambdaIntegration('SignInIntegration', functions.signIn.target);
  const userinfoIntegration = new HttpLambdaIntegration('UserinfoIntegration', functions.userinfo.target);
  const consoleIntegration = new HttpLambdaIntegration('ConsoleIntegration', functions.console.target);
  const adminAuthorizer = new HttpLambdaAuthorizer('AdminAuthorizer', functions.authorizer.target, {
    authorizerName: 'admin-bearer',
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    // Method and route are part of the cache key: the route key of `ANY /admin/{proxy+}` is the same
    // for every method, so without the method a cached allow for a GET (admin:read) would admit a
    // POST (admin:write).
    identitySource: ['$request.header.Authorization', '$context.httpMethod', '$context.routeKey'],
    // No result cache on the admin API: disabling an admin client must take effect at the next call.
    resultsCacheTtl: Duration.seconds(0),
  });
  const publicRoutes = [
    ...api.addRoutes({ path: TOKEN_PATH, methods: [POST], integration: tokenIntegration }),
    // The CORS preflight of browser clients (public SPAs): answered by the token function from the
    // client's allowedOrigins, so it is a route, not the API's CORS configuration.
    ...api.addRoutes({ path: TOKEN_PATH, methods: [apigwv2.HttpMethod.OPTIONS], integration: tokenIntegration }),
    // RFC 7009 revocation (with the same CORS preflight) and RFC 7662 introspection: the token
    // function authenticates their clients with the same reads.
    ...api.addRoutes({
      path: REVOCATION_PATH,
      methods: [POST, apigwv2.HttpMethod.OPTIONS],
      integration: tokenIntegration,
    }),
    ...api.addRoutes({ path: INTROSPECTION_PATH, methods: [POST], integration: tokenIntegration }),
    ...DISCOVERY_PATHS.flatMap((path) => api.addRoutes({ path, methods: [GET], integration: discoveryIntegration })),
    ...Object.entries(SIGN_IN_ROUTE_METHODS).flatMap(([path, methods]) =>
      api.addRoutes({ path, methods: [...methods], integration: signInIntegration }),
    ),
    ...api.addRoutes({ path: USERINFO_PATH, methods: [...USERINFO_ROUTE_METHODS], integration: userinfoIntegration }),
    ...api.addRoutes({
      path: ADMIN_OPENAPI_PATH,
      methods: [GET],
      integration: adminIntegration,
    }),
    // The admin console: `/console` (redirects to `/console/`) and everything below it (index.html and
    // the hashed files); GET and HEAD, which the function answers alike (docs/contract.md, "Admin console").
    ...api.addRoutes({ path: CONSOLE_PREFIX, methods: [GET, HEAD], integration: consoleIntegration }),
    ...api.addRoutes({ path: CONSOLE_PROXY_PATH, methods: [GET, HEAD], integration: consoleIntegration }),
  ];
  const adminRoutes = api.addRoutes({
    path: ADMIN_PROXY_PATH,
    methods: [apigwv2.HttpMethod.ANY],
    integration: adminIntegration,
    authorizer: adminAuthorizer,
  });

  // Route-level throttling and detailed metrics for the token endpoint.
  const cfnStage = stage.node.defaultChild as apigwv2.CfnStage;
  cfnStage.routeSettings = {
    [ROUTES.token]: {
      ThrottlingRateLimit: props.tokenThrottle.rateLimit,
      ThrottlingBurstLimit: props.tokenThrottle.burstLimit,
      DetailedMetricsEnabled: true,
    },
    // The same throttle for the token function's other endpoints (each route has its own bucket).
    [ROUTES.revocation]: {
      ThrottlingRateLimit: props.tokenThrottle.rateLimit,
      ThrottlingBurstLimit: props.tokenThrottle.burstLimit,
      DetailedMetricsEnabled: true,
    },
    [ROUTES.introspection]: {
      ThrottlingRateLimit: props.tokenThrottle.rateLimit,
      ThrottlingBurstLimit: props.tokenThrottle.burstLimit,
      DetailedMetricsEnabled: true,
    },
  };
  for (const route of [...publicRoutes, ...adminRoutes]) stage.node.addDependency(route);

  for (const route of publicRoutes) {
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Public by protocol: the token, revocation and introspection endpoints authenticate clients themselves (RFC 6749 §2.3, RFC 7009 §2.1, RFC 7662 §2.1) and answer their CORS preflight, metadata and JWKS are public documents (RFC 8414 §3, RFC 7517), the hosted sign-in pages are where users authenticate (RFC 6749 §3.1), userinfo checks its bearer token itself (OIDC Core §5.3, RFC 6750), the admin OpenAPI description holds no data, and the admin console is static files (its API calls carry the bearer token of the person to the authorizer of the admin API).',
    });
  }
  return { publicRoutes, adminRoutes };
}
