/**
 * An example consumer of the IdP: an "orders" HTTP API protected by this IdP's access tokens, as an
 * API owner would build it in their own CDK app (docs/protect-your-api.md). Two route groups over one
 * tiny backend that echoes what the authorizer passed on:
 * - `/orders…` behind {@link IdpTokenAuthorizer} (the default: RFC 9068 checks, all-of scopes per
 *   route, disabled clients refused within the revocation bound);
 * - `/native/orders` behind the HTTP API's native JWT authorizer ({@link idpJwtAuthorizer}), to show
 *   the no-Lambda option and its any-of route scopes.
 *
 * In this app it is `serverless-idp-dev/example-consumer` (stack `serverless-idp-dev-example-consumer`,
 * see {@link addExampleConsumer}), reading the dev stage's issuer and table.
 */
import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { credentialFreeAccessLogFormat } from './http-api';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ARCHITECTURE, RUNTIME } from './function-defaults';
import type { IdpStage } from './idp-stage';
import { IdpTokenAuthorizer, idpJwtAuthorizer } from './idp-token-authorizer';

/** The example API's identifier (its tokens' `aud`), as registered in the README's admin walkthrough. */
export const EXAMPLE_AUDIENCE = 'https://orders.example.com';

/** Required scopes (all-of) of the routes behind the Lambda authorizer. */
export const ORDERS_ROUTE_SCOPES = {
  'GET /orders': ['orders:read'],
  'POST /orders': ['orders:write'],
  'GET /orders/{id}': ['orders:read'],
} as const;

/** Scopes (any-of, API Gateway's rule) of the routes behind the native JWT authorizer. */
export const NATIVE_ROUTE_SCOPES = {
  'GET /native/orders': ['orders:read'],
  'POST /native/orders': ['orders:write'],
} as const;

/**
 * The backend: answers 200 with the route and the caller as the authorizer described it (Lambda
 * authorizer context, or the native JWT authorizer's claims). CommonJS, no dependencies, inline.
 */
export const ECHO_HANDLER_SOURCE = `'use strict';
exports.handler = async (event) => {
  const authorizer = (event.requestContext && event.requestContext.authorizer) || {};
  let caller = { authorizer: 'none' };
  if (authorizer.lambda) {
    const c = authorizer.lambda;
    caller = { authorizer: 'lambda', clientId: c.clientId, scope: c.scope, jti: c.jti };
  } else if (authorizer.jwt) {
    const c = authorizer.jwt.claims || {};
    caller = { authorizer: 'jwt', clientId: c.client_id, scope: c.scope, jti: c.jti };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ route: event.routeKey, id: (event.pathParameters && event.pathParameters.id) || null, caller }),
  };
};
`;

/** Props of {@link ExampleConsumerStack}. */
export interface ExampleConsumerStackProps extends StackProps {
  /** The IdP's issuer (`https://<host>`, no trailing slash). */
  readonly issuer: string;
  /**
   * The API's identifier, the tokens' `aud`.
   * @default EXAMPLE_AUDIENCE
   */
  readonly audience?: string;
  /**
   * The IdP's table, for the Lambda authorizer's disabled-client check.
   * @default - no status check
   */
  readonly clientStatusTable?: dynamodb.ITable;
  /**
   * Retention of every log group of the stack.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
}

export class ExampleConsumerStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly authorizer: IdpTokenAuthorizer;
  readonly backend: lambda.Function;
  /** The `$default` stage URL of the example API. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ExampleConsumerStackProps) {
    super(scope, id, props);
    const audience = props.audience ?? EXAMPLE_AUDIENCE;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_WEEK;

    // --- Backend: an inline echo function with its own log group and nothing else --------------
    const backendLogs = new logs.LogGroup(this, 'BackendLogs', { retention });
    const backendRole = new iam.Role(this, 'BackendRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the example orders backend',
    });
    const backendLogsPolicy = new iam.Policy(this, 'BackendLogsPolicy', {
      roles: [backendRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [backendLogs.logGroupArn],
        }),
      ],
    });
    this.backend = new lambda.Function(this, 'Backend', {
      description: 'serverless-idp example consumer: echoes the authorizer context',
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      handler: 'index.handler',
      code: lambda.Code.fromInline(ECHO_HANDLER_SOURCE),
      memorySize: 128,
      timeout: Duration.seconds(3),
      role: backendRole,
      logGroup: backendLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    this.backend.node.addDependency(backendLogsPolicy);
    const integration = new HttpLambdaIntegration('Backend', this.backend);

    // --- HTTP API with an access-logged $default stage -------------------------------------------
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${this.stackName}`,
      description: 'serverless-idp example consumer: orders API protected by IdP access tokens',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention });
    const stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: credentialFreeAccessLogFormat(),
      },
    });
    this.url = stage.url;

    // --- Routes behind the IdP's Lambda authorizer (all-of scopes per route) ---------------------
    this.authorizer = new IdpTokenAuthorizer(this, 'OrdersAuthorizer', {
      issuer: props.issuer,
      audience,
      routeScopes: ORDERS_ROUTE_SCOPES,
      ...(props.clientStatusTable !== undefined ? { clientStatus: { table: props.clientStatusTable } } : {}),
      logRetention: retention,
    });
    const routes: apigwv2.HttpRoute[] = [];
    for (const routeKey of Object.keys(ORDERS_ROUTE_SCOPES)) {
      const [method, path] = routeKey.split(' ') as [apigwv2.HttpMethod, string];
      routes.push(
        ...this.api.addRoutes({ path, methods: [method], integration, authorizer: this.authorizer.httpAuthorizer }),
      );
    }

    // --- Routes behind the native JWT authorizer (any-of scopes, no typ / disabled-client check) --
    const jwt = idpJwtAuthorizer(this, 'NativeJwt', { issuer: props.issuer, audience });
    for (const [routeKey, scopes] of Object.entries(NATIVE_ROUTE_SCOPES)) {
      const [method, path] = routeKey.split(' ') as [apigwv2.HttpMethod, string];
      routes.push(
        ...this.api.addRoutes({
          path,
          methods: [method],
          integration,
          authorizer: jwt,
          authorizationScopes: [...scopes],
        }),
      );
    }
    for (const route of routes) stage.node.addDependency(route);

    new CfnOutput(this, 'ApiUrl', { value: this.url, description: 'Base URL of the example orders API' });
    new CfnOutput(this, 'Audience', { value: audience, description: 'Register this API identifier in the IdP' });

    Validations.of(this.backend).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 like every function of this app (docs/deploy.md, cdk-nag); the runtime is upgraded deliberately.',
    });
  }
}

/**
 * Adds the example consumer to a stage of this app (`<stage>/example-consumer`), protected by that
 * stage's issuer, with the disabled-client check against its table.
 */
export function addExampleConsumer(stage: IdpStage): ExampleConsumerStack {
  return new ExampleConsumerStack(stage, 'example-consumer', {
    issuer: stage.api.issuer,
    clientStatusTable: stage.stateful.table,
    logRetention: stage.config.logRetention,
    description: `serverless-idp ${stage.config.stageName}: example API protected by the IdP's authorizers`,
    tags: { project: 'serverless-idp', stage: stage.config.stageName, example: 'consumer' },
  });
}
