/**
 * The request path of one stage: the four functions (token, discovery + JWKS, admin, admin
 * authorizer), the HTTP API with its `$default` stage (so the issuer has no path), throttling, an
 * optional custom domain, optional CloudFront + WAF edge protection, alarms, and the deploy-time
 * bootstrap of the admin API and its bootstrap client.
 */
import { CfnOutput, CfnRule, CustomResource, Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import {
  ADMIN_OPENAPI_PATH,
  ADMIN_PREFIX,
  DISCOVERY_PATHS,
  JWKS_PATH,
  OAUTH_METADATA_PATH,
  OPENID_CONFIGURATION_PATH,
  ORIGIN_VERIFY_HEADER,
  TOKEN_PATH,
  WELL_KNOWN_PREFIX,
} from '../lambdas/domain/endpoints/paths';
import { ADMIN_ROUTE_SCOPES } from '../lambdas/domain/bearer-authorization';
import { adminAudience } from '../lambdas/domain/bootstrap';
import { IdpAlarms } from './alarms';
import type { StageConfig } from './config';
import { EdgeWebAcl } from './edge-protection';
import { IdpFunction, handlerEntry } from './function-defaults';
import type { StatefulStack } from './stateful-stack';

/** The HTTP API's route template of everything under the admin prefix (the admin function routes it). */
export const ADMIN_PROXY_PATH = `${ADMIN_PREFIX}/{proxy+}`;

/** Route keys of the HTTP API (docs/contract.md, HTTP contract); the paths are the domain's. */
export const ROUTES = {
  token: `POST ${TOKEN_PATH}`,
  metadata: `GET ${OAUTH_METADATA_PATH}`,
  openidConfiguration: `GET ${OPENID_CONFIGURATION_PATH}`,
  jwks: `GET ${JWKS_PATH}`,
  admin: `ANY ${ADMIN_PROXY_PATH}`,
  adminOpenApi: `GET ${ADMIN_OPENAPI_PATH}`,
} as const;

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

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  /**
   * ARN of a CLOUDFRONT-scoped web ACL made elsewhere (the us-east-1 edge stack). Only with edge
   * protection enabled.
   * @default - with edge protection, the web ACL is created in this stack (which must then deploy to us-east-1)
   */
  readonly webAclArn?: string;
}

export class ApiStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** `https://<host>` with no path and no trailing slash. */
  readonly issuer: string;
  readonly functions: { token: IdpFunction; discovery: IdpFunction; admin: IdpFunction; authorizer: IdpFunction };
  readonly bootstrapFunction: IdpFunction;
  readonly distribution?: cloudfront.Distribution;
  readonly alarms?: IdpAlarms;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const stage = config.stageName;
    const edge = config.edgeProtection.enabled;
    const domain = config.customDomain;
    const metricsNamespace = `serverless-idp/${stage}`;

    // --- HTTP API and its $default stage ----------------------------------------------------------
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `serverless-idp-${stage}`,
      description: `serverless-idp ${stage}: OAuth 2.0 token, discovery and admin API`,
      createDefaultStage: false,
      // With a custom domain and no CloudFront in front, the generated host would be a second issuer.
      disableExecuteApiEndpoint: domain !== undefined && !edge,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.defaultThrottle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: credentialFreeAccessLogFormat(),
      },
    });

    // --- Issuer -------------------------------------------------------------------------------------
    const executeApiHost = `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    let webAclArn = props.webAclArn;
    if (edge && webAclArn === undefined) {
      webAclArn = new EdgeWebAcl(this, 'EdgeWaf', { stageName: stage, config: config.edgeProtection }).webAcl.attrArn;
      if (Token.isUnresolved(this.region)) {
        // Environment-agnostic: CLOUDFRONT-scoped WAF resources exist only in us-east-1.
        new CfnRule(this, 'EdgeWafRegion', {
          assertions: [
            {
              assert: Fn.conditionEquals(this.region, 'us-east-1'),
              assertDescription:
                'Edge protection creates a CloudFront web ACL, which must be deployed in us-east-1; set -c idp:<stage>:region to deploy the API elsewhere.',
            },
          ],
        });
      }
    }
    // With edge protection, CloudFront adds a secret header on its way to the API, and the functions
    // refuse requests without it: the execute-api host (CloudFront's origin) cannot be used to go
    // around the WAF's per-IP limits.
    const originVerify = edge
      ? new secretsmanager.Secret(this, 'OriginVerifySecret', {
          description: `serverless-idp ${stage}: value of the ${ORIGIN_VERIFY_HEADER} header CloudFront sends to the API`,
          generateSecretString: { excludePunctuation: true, passwordLength: 48 },
        })
      : undefined;
    if (edge && webAclArn !== undefined && originVerify !== undefined) {
      this.distribution = this.edgeDistribution(config, executeApiHost, webAclArn, originVerify);
    }
    const originVerifyEnv: Record<string, string> =
      originVerify === undefined ? {} : { IDP_ORIGIN_VERIFY_SECRET_ARN: originVerify.secretArn };
    this.issuer =
      domain !== undefined
        ? `https://${domain.domainName}`
        : this.distribution !== undefined
          ? `https://${this.distribution.distributionDomainName}`
          : `https://${executeApiHost}`;

    // --- Functions ------------------------------------------------------------------------------------
    // Logs follow the stage's removal policy: kept with staging/prod data, removed with dev/test stacks.
    const common = { logRetention: config.logRetention, logRemovalPolicy: config.removalPolicy, metricsNamespace };
    const ttl = String(config.defaultAccessTokenTtl.toSeconds());
    const token = new IdpFunction(this, 'TokenFunction', {
      ...common,
      entry: handlerEntry('token-handler.ts'),
      description: `serverless-idp ${stage}: POST ${TOKEN_PATH}`,
      serviceName: 'token',
      role: stateful.roles.token,
      memorySize: config.memorySize,
      reservedConcurrentExecutions: config.tokenReservedConcurrency,
      provisionedConcurrentExecutions: config.tokenProvisionedConcurrency,
      environment: {
        IDP_ISSUER: this.issuer,
        IDP_TABLE_NAME: stateful.table.tableName,
        IDP_SIGNING_KEY_ARN: stateful.signingKey.keyArn,
        IDP_SIGNING_ALG: config.signingAlgorithm,
        IDP_PEPPER_SECRET_ARN: stateful.pepperSecret.secretArn,
        IDP_DEFAULT_ACCESS_TOKEN_TTL: ttl,
        ...originVerifyEnv,
      },
    });
    const discovery = new IdpFunction(this, 'DiscoveryFunction', {
      ...common,
      entry: handlerEntry('discovery-handler.ts'),
      description: `serverless-idp ${stage}: metadata and JWKS`,
      serviceName: 'discovery',
      role: stateful.roles.discovery,
      memorySize: config.memorySize,
      environment: {
        IDP_ISSUER: this.issuer,
        IDP_SIGNING_KEY_ARN: stateful.signingKey.keyArn,
        IDP_SIGNING_ALG: config.signingAlgorithm,
        IDP_PUBLISHED_KEY_ARNS: stateful.signingKey.keyArn,
        ...originVerifyEnv,
      },
    });
    const admin = new IdpFunction(this, 'AdminFunction', {
      ...common,
      entry: handlerEntry('admin-handler.ts'),
      description: `serverless-idp ${stage}: admin API`,
      serviceName: 'admin',
      role: stateful.roles.admin,
      memorySize: config.memorySize,
      environment: {
        IDP_ISSUER: this.issuer,
        IDP_TABLE_NAME: stateful.table.tableName,
        IDP_PEPPER_SECRET_ARN: stateful.pepperSecret.secretArn,
        IDP_AUDIT_RETENTION_DAYS: String(config.auditTtlDays),
        ...originVerifyEnv,
      },
    });
    const authorizer = new IdpFunction(this, 'AuthorizerFunction', {
      ...common,
      entry: handlerEntry('authorizer-handler.ts'),
      description: `serverless-idp ${stage}: admin API bearer-token authorizer`,
      serviceName: 'authorizer',
      role: stateful.roles.authorizer,
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: {
        IDP_ISSUER: this.issuer,
        IDP_AUDIENCE: adminAudience(this.issuer),
        IDP_ROUTE_SCOPES: JSON.stringify(ADMIN_ROUTE_SCOPES),
        // A disabled admin's tokens stop at once: the client status is read on every admin request
        // (admin traffic is low), and authorizer results are not cached (below).
        IDP_TABLE_NAME: stateful.table.tableName,
        IDP_CLIENT_STATUS_TTL_SECONDS: '0',
      },
    });
    this.functions = { token, discovery, admin, authorizer };
    if (originVerify !== undefined) {
      // In this stack (the roles live in the stateful stack, which must not point back here).
      new iam.Policy(this, 'OriginVerifyRead', {
        roles: [stateful.roles.token, stateful.roles.discovery, stateful.roles.admin],
        statements: [
          new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [originVerify.secretArn] }),
        ],
      });
      Validations.of(originVerify).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The origin-verify value changes with a redeploy (a new secret replaces it); Secrets Manager rotation would break CloudFront until the distribution is updated.',
      });
    }

    // --- Routes ---------------------------------------------------------------------------------------
    const tokenIntegration = new HttpLambdaIntegration('TokenIntegration', token.target);
    const discoveryIntegration = new HttpLambdaIntegration('DiscoveryIntegration', discovery.target);
    const adminIntegration = new HttpLambdaIntegration('AdminIntegration', admin.target);
    const adminAuthorizer = new HttpLambdaAuthorizer('AdminAuthorizer', authorizer.target, {
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
      ...this.api.addRoutes({ path: TOKEN_PATH, methods: [apigwv2.HttpMethod.POST], integration: tokenIntegration }),
      ...DISCOVERY_PATHS.flatMap((path) =>
        this.api.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration: discoveryIntegration }),
      ),
      ...this.api.addRoutes({
        path: ADMIN_OPENAPI_PATH,
        methods: [apigwv2.HttpMethod.GET],
        integration: adminIntegration,
      }),
    ];
    const adminRoutes = this.api.addRoutes({
      path: ADMIN_PROXY_PATH,
      methods: [apigwv2.HttpMethod.ANY],
      integration: adminIntegration,
      authorizer: adminAuthorizer,
    });

    // Route-level throttling and detailed metrics for the token endpoint.
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = {
      [ROUTES.token]: {
        ThrottlingRateLimit: config.tokenThrottle.rateLimit,
        ThrottlingBurstLimit: config.tokenThrottle.burstLimit,
        DetailedMetricsEnabled: true,
      },
    };
    for (const route of [...publicRoutes, ...adminRoutes]) this.stage.node.addDependency(route);

    // --- Custom domain ------------------------------------------------------------------------------
    if (domain !== undefined && !edge) {
      const domainName = new apigwv2.DomainName(this, 'DomainName', {
        domainName: domain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
      new apigwv2.ApiMapping(this, 'ApiMapping', { api: this.api, domainName, stage: this.stage });
      const target = route53.RecordTarget.fromAlias(
        new targets.ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId),
      );
      this.aliasRecords(domain, target);
      new CfnOutput(this, 'DnsTarget', {
        value: domainName.regionalDomainName,
        description: 'Alias/CNAME target of the custom domain',
      });
    }
    if (domain !== undefined && this.distribution !== undefined) {
      this.aliasRecords(domain, route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution)));
      new CfnOutput(this, 'DnsTarget', {
        value: this.distribution.distributionDomainName,
        description: 'Alias/CNAME target of the custom domain',
      });
    }

    // --- Deploy-time bootstrap of the admin API and the bootstrap admin client -------------------
    this.bootstrapFunction = new IdpFunction(this, 'BootstrapFunction', {
      ...common,
      entry: handlerEntry('bootstrap-handler.ts'),
      description: `serverless-idp ${stage}: deploy-time bootstrap (custom resource)`,
      serviceName: 'bootstrap',
      memorySize: 256,
      timeout: Duration.minutes(1),
    });
    this.bootstrapFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [stateful.table.tableArn],
      }),
    );
    this.bootstrapFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [stateful.bootstrapSecret.secretArn, stateful.pepperSecret.secretArn],
      }),
    );
    const providerLogs = new logs.LogGroup(this, 'BootstrapProviderLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const provider = new cr.Provider(this, 'BootstrapProvider', {
      onEventHandler: this.bootstrapFunction.fn,
      logGroup: providerLogs,
    });
    const bootstrap = new CustomResource(this, 'Bootstrap', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::IdpBootstrap',
      properties: {
        Issuer: this.issuer,
        TableName: stateful.table.tableName,
        BootstrapSecretArn: stateful.bootstrapSecret.secretArn,
        PepperSecretArn: stateful.pepperSecret.secretArn,
      },
    });

    // --- Per-client views ----------------------------------------------------------------------------
    // Metrics carry no client dimension (one metric per client would cost per client and month); the
    // EMF records carry the client id, so per-client views are saved Logs Insights queries.
    new logs.QueryDefinition(this, 'TokensPerClientQuery', {
      queryDefinitionName: `serverless-idp/${stage}/tokens-per-client`,
      logGroups: [token.logGroup],
      queryString: new logs.QueryString({
        filterStatements: ['ispresent(TokensIssued)'],
        statsStatements: ['sum(TokensIssued) as issued, sum(TokensReused) as reused by clientId, audience'],
        sort: 'issued desc',
        limit: 100,
      }),
    });
    new logs.QueryDefinition(this, 'DenialsPerClientQuery', {
      queryDefinitionName: `serverless-idp/${stage}/token-denials-per-client`,
      logGroups: [token.logGroup],
      queryString: new logs.QueryString({
        filterStatements: ['ispresent(TokensDenied)'],
        statsStatements: ['sum(TokensDenied) as denied by clientId, error, reason'],
        sort: 'denied desc',
        limit: 100,
      }),
    });

    // --- Alarms -------------------------------------------------------------------------------------
    if (config.alarms.enabled) {
      this.alarms = new IdpAlarms(this, 'Alarms', {
        config,
        apiId: this.api.apiId,
        stageName: '$default',
        functions: { Token: token.fn, Discovery: discovery.fn, Admin: admin.fn, Authorizer: authorizer.fn },
        table: stateful.table,
        tokenLogGroup: token.logGroup,
        metricsNamespace,
      });
    }

    // --- Outputs --------------------------------------------------------------------------------------
    new CfnOutput(this, 'Issuer', { value: this.issuer, description: 'OAuth 2.0 issuer (RFC 8414)' });
    new CfnOutput(this, 'TokenEndpoint', { value: `${this.issuer}${TOKEN_PATH}` });
    new CfnOutput(this, 'BootstrapSecretArn', {
      value: stateful.bootstrapSecret.secretArn,
      description: 'aws secretsmanager get-secret-value --secret-id <this> (JSON {clientId, clientSecret})',
    });
    new CfnOutput(this, 'BootstrapClientId', { value: bootstrap.getAttString('ClientId') });

    this.acknowledgeFindings(publicRoutes, provider);
  }

  /** CloudFront in front of the API's execute-api host, with the web ACL attached. */
  private edgeDistribution(
    config: StageConfig,
    executeApiHost: string,
    webAclArn: string,
    originVerify: secretsmanager.ISecret,
  ): cloudfront.Distribution {
    const origin = new origins.HttpOrigin(executeApiHost, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      // A CloudFormation dynamic reference: the value is resolved at deploy time, never in the template.
      customHeaders: { [ORIGIN_VERIFY_HEADER]: originVerify.secretValue.unsafeUnwrap() },
    });
    // Nothing on the token/admin paths is cached; with caching off, AllViewerExceptHostHeader forwards
    // Authorization (client_secret_basic, bearer tokens) and API Gateway still sees its own Host.
    const dynamic: cloudfront.BehaviorOptions = {
      origin,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    };
    // Metadata and JWKS: cached as the origin's Cache-Control says. The cache key holds no header, so
    // CloudFront sends API Gateway its own Host (the managed UseOriginCacheControlHeaders policy keys on
    // Host, which would forward the viewer's Host and make API Gateway answer 403).
    const wellKnownCache = new cloudfront.CachePolicy(this, 'WellKnownCache', {
      comment: 'serverless-idp metadata and JWKS: origin Cache-Control, no headers, cookies or query strings',
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.hours(1),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const domain = config.customDomain;
    return new cloudfront.Distribution(this, 'Edge', {
      comment: `serverless-idp ${config.stageName}`,
      defaultBehavior: dynamic,
      additionalBehaviors: {
        // Metadata and JWKS are public and carry Cache-Control max-age: let the edge serve them.
        [`${WELL_KNOWN_PREFIX}*`]: {
          origin,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: wellKnownCache,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        },
      },
      webAclId: webAclArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(domain !== undefined
        ? {
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            domainNames: [domain.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'EdgeCertificate', domain.certificateArn),
          }
        : {}),
    });
  }

  private aliasRecords(domain: NonNullable<StageConfig['customDomain']>, target: route53.RecordTarget): void {
    if (domain.hostedZone === undefined) return;
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', domain.hostedZone);
    new route53.ARecord(this, 'AliasA', { zone, recordName: domain.domainName, target });
    new route53.AaaaRecord(this, 'AliasAAAA', { zone, recordName: domain.domainName, target });
  }

  /** cdk-nag acknowledgements: each narrow (one construct, one finding) and with its reason. */
  private acknowledgeFindings(publicRoutes: apigwv2.HttpRoute[], provider: cr.Provider): void {
    for (const route of publicRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Public by protocol: the token endpoint authenticates clients itself (RFC 6749 §2.3), metadata and JWKS are public documents (RFC 8414 §3, RFC 7517), and the admin OpenAPI description holds no data.',
      });
    }
    const ours = [...Object.values(this.functions), this.bootstrapFunction];
    for (const f of ours) {
      Validations.of(f.fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to Node.js 22 (DESIGN.md): the bundles target node22 and the runtime is upgraded deliberately together with the esbuild target.',
      });
    }
    Validations.of(this.bootstrapFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "The CDK custom-resource provider framework's own function uses the AWS managed basic execution role; it only relays CloudFormation events to the bootstrap function.",
    });
    const bootstrapFnId = this.getLogicalId(this.bootstrapFunction.fn.node.defaultChild as lambda.CfnFunction);
    Validations.of(provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bootstrapFnId}.Arn>:*]`,
      reason:
        'The provider framework may invoke any version of the bootstrap function (lambda:InvokeFunction on <arn>:*).',
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The provider framework function and its runtime are chosen by aws-cdk-lib, not by this app.',
    });
    if (this.distribution !== undefined) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR1',
        reason: 'OAuth clients are partner backends worldwide; no geographic restriction applies.',
      });
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR3',
        reason:
          'Requests are logged by the access log of the origin API stage and sampled by AWS WAF; CloudFront standard logs would duplicate them into an extra bucket.',
      });
      if (!hasCustomCertificate(this.distribution)) {
        Validations.of(this.distribution).acknowledge({
          id: 'AwsSolutions-CFR4',
          reason:
            'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be chosen; configure idp:<stage>:domainName to enforce TLSv1.2_2021.',
        });
      }
    }
  }
}

function hasCustomCertificate(distribution: cloudfront.Distribution): boolean {
  const cfn = distribution.node.defaultChild as cloudfront.CfnDistribution;
  const config = cfn.distributionConfig as cloudfront.CfnDistribution.DistributionConfigProperty;
  const viewer = config.viewerCertificate as cloudfront.CfnDistribution.ViewerCertificateProperty | undefined;
  return viewer?.acmCertificateArn !== undefined;
}
