/**
 * The IdP's HTTP API and its `$default` stage (so the issuer has no path): the stage's default
 * throttling and an access log that carries no credential. Routes are added by lib/api-routes.ts.
 */
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';

/**
 * The HTTP API access-log line of every API this app builds (the IdP's and consumers'): no headers, no
 * query string, no body — nothing that can carry a credential (client_secret_basic, bearer tokens).
 */
export function credentialFreeAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
      clientId: '$context.authorizer.clientId',
    }),
  );
}

/** Props of {@link addIdpHttpApi}. */
export interface IdpHttpApiProps {
  /** The stage: its name, log retention, removal policy, default throttling and custom domain. */
  readonly config: StageConfig;
}

/** The HTTP API and its one stage. */
export interface IdpHttpApi {
  readonly api: apigwv2.HttpApi;
  /** The `$default` stage, auto-deployed. */
  readonly stage: apigwv2.HttpStage;
}

/**
 * Adds the HTTP API (`HttpApi`), its access log group (`AccessLogs`) and its `$default` stage
 * (`DefaultStage`) to `scope`, under those ids.
 */
export function addIdpHttpApi(scope: Construct, props: IdpHttpApiProps): IdpHttpApi {
  const { config } = props;
  const stage = config.stageName;
  const api = new apigwv2.HttpApi(scope, 'HttpApi', {
    apiName: `serverless-idp-${stage}`,
    description: `serverless-idp ${stage}: OAuth 2.0 token, discovery and admin API`,
    createDefaultStage: false,
    // With a custom domain and no CloudFront in front, the generated host would be a second issuer.
    disableExecuteApiEndpoint: config.customDomain !== undefined && !config.edgeProtection.enabled,
  });
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', {
    retention: config.logRetention,
    removalPolicy: config.removalPolicy,
  });
  const httpStage = new apigwv2.HttpStage(scope, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: config.defaultThrottle,
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: credentialFreeAccessLogFormat(),
    },
  });
  return { api, stage: httpStage };
}
