/**
 * The request path of one stage, assembled: the HTTP API with its `$default` stage (so the issuer has
 * no path) and throttling (lib/http-api.ts), optional CloudFront + WAF edge protection
 * (lib/edge-distribution.ts), the request-path functions (lib/api-functions.ts) and their routes
 * (lib/api-routes.ts), an optional custom domain (lib/custom-domain.ts), the deploy-time bootstrap of
 * the admin API and its bootstrap client (lib/admin-bootstrap.ts), per-client queries and alarms.
 *
 * The parts add their resources to this stack itself (no intermediate construct), so logical IDs are
 * those of the stack's own children: `TokenFunction…`, `Edge…`, `HttpApi…`.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { AUTHORIZE_PATH, TOKEN_PATH } from '../lambdas/domain/endpoints/paths';
import { addAdminBootstrap } from './admin-bootstrap';
import { IdpAlarms } from './alarms';
import type { ApiFunctions } from './api-functions';
import { addApiFunctions } from './api-functions';
import { addIdpRoutes } from './api-routes';
import type { StageConfig } from './config';
import { addCustomDomain } from './custom-domain';
import { addEdgeDistribution } from './edge-distribution';
import type { IdpFunction } from './function-defaults';
import { addIdpHttpApi } from './http-api';
import { addPerClientQueries } from './per-client-queries';
import type { StatefulStack } from './stateful-stack';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  /** The stage's configuration. */
  readonly config: StageConfig;
  /** The stage's stateful stack: table, signing key, secrets, function roles. */
  readonly stateful: StatefulStack;
  /**
   * ARN of a CLOUDFRONT-scoped web ACL made elsewhere (the us-east-1 edge stack). Only with edge
   * protection enabled.
   * @default - with edge protection, the web ACL is created in this stack (which must then deploy to us-east-1)
   */
  readonly webAclArn?: string;
}

/** The API stack of one stage (`serverless-idp-<stage>-api`). */
export class ApiStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** `https://<host>` with no path and no trailing slash. */
  readonly issuer: string;
  readonly functions: ApiFunctions;
  readonly bootstrapFunction: IdpFunction;
  /** CloudFront in front of the API, on stages with edge protection. */
  readonly distribution?: cloudfront.Distribution;
  /** The stage's alarms, when its config enables them. */
  readonly alarms?: IdpAlarms;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const domain = config.customDomain;
    const metricsNamespace = `serverless-idp/${config.stageName}`;

    const httpApi = addIdpHttpApi(this, { config });
    this.api = httpApi.api;
    this.stage = httpApi.stage;

    // --- Edge protection and the issuer ------------------------------------------------------------
    const executeApiHost = `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    const edge = config.edgeProtection.enabled
      ? addEdgeDistribution(this, { config, executeApiHost, webAclArn: props.webAclArn })
      : undefined;
    this.distribution = edge?.distribution;
    this.issuer =
      domain !== undefined
        ? `https://${domain.domainName}`
        : this.distribution !== undefined
          ? `https://${this.distribution.distributionDomainName}`
          : `https://${executeApiHost}`;

    // --- Functions and routes ----------------------------------------------------------------------
    this.functions = addApiFunctions(this, {
      config,
      stateful,
      issuer: this.issuer,
      metricsNamespace,
      originVerify: edge?.originVerify,
    });
    addIdpRoutes({ api: this.api, stage: this.stage, functions: this.functions, tokenThrottle: config.tokenThrottle });
    if (domain !== undefined) {
      addCustomDomain(this, { domain, api: this.api, stage: this.stage, distribution: this.distribution });
    }

    // --- Deploy-time bootstrap, per-client views, alarms ---------------------------------------------
    const bootstrap = addAdminBootstrap(this, {
      config,
      issuer: this.issuer,
      metricsNamespace,
      table: stateful.table,
      bootstrapSecret: stateful.bootstrapSecret,
      pepperSecret: stateful.pepperSecret,
      adminPersonSecret: stateful.adminPersonSecret,
    });
    this.bootstrapFunction = bootstrap.fn;
    const { token, discovery, admin, authorizer, signIn, userinfo } = this.functions;
    addPerClientQueries(this, { stageName: config.stageName, tokenLogGroup: token.logGroup });
    if (config.alarms.enabled) {
      this.alarms = new IdpAlarms(this, 'Alarms', {
        config,
        apiId: this.api.apiId,
        stageName: '$default',
        functions: {
          Token: token.fn,
          Discovery: discovery.fn,
          Admin: admin.fn,
          Authorizer: authorizer.fn,
          SignIn: signIn.fn,
          Userinfo: userinfo.fn,
        },
        table: stateful.table,
        tokenLogGroup: token.logGroup,
        signInLogGroup: signIn.logGroup,
        metricsNamespace,
      });
    }

    // --- Outputs --------------------------------------------------------------------------------------
    new CfnOutput(this, 'Issuer', { value: this.issuer, description: 'OAuth 2.0 issuer (RFC 8414)' });
    new CfnOutput(this, 'TokenEndpoint', { value: `${this.issuer}${TOKEN_PATH}` });
    new CfnOutput(this, 'AuthorizationEndpoint', { value: `${this.issuer}${AUTHORIZE_PATH}` });
    new CfnOutput(this, 'BootstrapSecretArn', {
      value: stateful.bootstrapSecret.secretArn,
      description: 'aws secretsmanager get-secret-value --secret-id <this> (JSON {clientId, clientSecret})',
    });
    new CfnOutput(this, 'BootstrapClientId', { value: bootstrap.clientId });
    new CfnOutput(this, 'AdminPersonSecretArn', {
      value: stateful.adminPersonSecret.secretArn,
      description:
        'aws secretsmanager get-secret-value --secret-id <this> (JSON {username, password}: the first admin person)',
    });
  }
}
