/**
 * CloudFront in front of the HTTP API for stages with edge protection (staging, prod): the WAF web ACL
 * (lib/edge-protection.ts) on the distribution, metadata, JWKS and the pages' stylesheet cached at the
 * edge, everything else — the hosted pages with their cookies and query strings among it — passed
 * through uncached, and the origin-verify secret CloudFront adds as a header so the API's own
 * execute-api host cannot be used to go around the WAF (docs/deploy.md).
 */
import { CfnRule, Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  CONSOLE_ASSETS_PREFIX,
  ORIGIN_VERIFY_HEADER,
  PAGES_STYLESHEET_PATH,
  SIGN_IN_FUNCTION_PATHS,
  WELL_KNOWN_PREFIX,
} from '../lambdas/domain/endpoints/paths';
import type { StageConfig } from './config';
import { EdgeWebAcl } from './edge-protection';

/** Props of {@link addEdgeDistribution}. */
export interface EdgeDistributionProps {
  /** The stage: its name, edge protection settings and custom domain. */
  readonly config: StageConfig;
  /** The API's `<api-id>.execute-api.<region>.<suffix>` host, CloudFront's origin. */
  readonly executeApiHost: string;
  /**
   * ARN of a CLOUDFRONT-scoped web ACL made elsewhere (the us-east-1 edge stack).
   * @default - the web ACL is created in `scope` (whose stack must then deploy to us-east-1)
   */
  readonly webAclArn?: string;
}

/** The distribution and the secret it sends to the origin. */
export interface EdgeDistribution {
  readonly distribution: cloudfront.Distribution;
  /** Value of the {@link ORIGIN_VERIFY_HEADER} header CloudFront adds; the functions require it. */
  readonly originVerify: secretsmanager.ISecret;
}

/**
 * Adds to `scope`: the web ACL (`EdgeWaf`, unless {@link EdgeDistributionProps.webAclArn} is given) with
 * its us-east-1 rule (`EdgeWafRegion`, environment-agnostic stacks only), the origin-verify secret
 * (`OriginVerifySecret`), the metadata/JWKS cache policy (`WellKnownCache`) and the distribution (`Edge`).
 */
export function addEdgeDistribution(scope: Construct, props: EdgeDistributionProps): EdgeDistribution {
  const { config } = props;
  const stage = config.stageName;
  let webAclArn = props.webAclArn;
  if (webAclArn === undefined) {
    webAclArn = new EdgeWebAcl(scope, 'EdgeWaf', { stageName: stage, config: config.edgeProtection }).webAcl.attrArn;
    const region = Stack.of(scope).region;
    if (Token.isUnresolved(region)) {
      // Environment-agnostic: CLOUDFRONT-scoped WAF resources exist only in us-east-1.
      new CfnRule(scope, 'EdgeWafRegion', {
        assertions: [
          {
            assert: Fn.conditionEquals(region, 'us-east-1'),
            assertDescription:
              'Edge protection creates a CloudFront web ACL, which must be deployed in us-east-1; set -c idp:<stage>:region to deploy the API elsewhere.',
          },
        ],
      });
    }
  }
  // CloudFront adds a secret header on its way to the API, and the functions refuse requests without
  // it: the execute-api host (CloudFront's origin) cannot be used to go around the WAF's per-IP limits.
  const originVerify = new secretsmanager.Secret(scope, 'OriginVerifySecret', {
    description: `serverless-idp ${stage}: value of the ${ORIGIN_VERIFY_HEADER} header CloudFront sends to the API`,
    generateSecretString: { excludePunctuation: true, passwordLength: 48 },
  });
  Validations.of(originVerify).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The origin-verify value changes with a redeploy (a new secret replaces it); Secrets Manager rotation would break CloudFront until the distribution is updated.',
  });
  const distribution = newDistribution(scope, config, props.executeApiHost, webAclArn, originVerify);
  acknowledgeDistributionFindings(distribution);
  return { distribution, originVerify };
}

/** CloudFront in front of the API's execute-api host, with the web ACL attached. */
function newDistribution(
  scope: Construct,
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
  // Nothing on the token/admin paths or the hosted pages is cached; with caching off,
  // AllViewerExceptHostHeader forwards Authorization (client_secret_basic, bearer tokens), every cookie
  // (the sign-in session) and the query string (`?request=…`, authorize's parameters), Set-Cookie comes
  // back to the browser, and API Gateway still sees its own Host.
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
  const wellKnownCache = new cloudfront.CachePolicy(scope, 'WellKnownCache', {
    comment:
      'serverless-idp metadata, JWKS, pages stylesheet: origin Cache-Control, no headers, cookies or query strings',
    headerBehavior: cloudfront.CacheHeaderBehavior.none(),
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.seconds(0),
    maxTtl: Duration.hours(1),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
  });
  const cachedPublic: cloudfront.BehaviorOptions = {
    origin,
    allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    cachePolicy: wellKnownCache,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
  };
  // The hosted pages and userinfo, pinned to the uncached, cookie-forwarding behaviour whatever the
  // default becomes; the stylesheet (public, no cookie) is cached like the metadata.
  const pages = Object.fromEntries(
    SIGN_IN_FUNCTION_PATHS.map((path) => [path, path === PAGES_STYLESHEET_PATH ? cachedPublic : dynamic]),
  );
  const domain = config.customDomain;
  return new cloudfront.Distribution(scope, 'Edge', {
    comment: `serverless-idp ${config.stageName}`,
    defaultBehavior: dynamic,
    additionalBehaviors: {
      // Metadata and JWKS are public and carry Cache-Control max-age: let the edge serve them.
      [`${WELL_KNOWN_PREFIX}*`]: cachedPublic,
      // The console's content-hashed files (Cache-Control immutable); its index.html stays uncached.
      [`${CONSOLE_ASSETS_PREFIX}*`]: cachedPublic,
      ...pages,
    },
    webAclId: webAclArn,
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    ...(domain !== undefined
      ? {
          minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          domainNames: [domain.domainName],
          certificate: acm.Certificate.fromCertificateArn(scope, 'EdgeCertificate', domain.certificateArn),
        }
      : {}),
  });
}

/** cdk-nag acknowledgements of the distribution, each with its reason. */
function acknowledgeDistributionFindings(distribution: cloudfront.Distribution): void {
  Validations.of(distribution).acknowledge({
    id: 'AwsSolutions-CFR1',
    reason: 'OAuth clients are partner backends worldwide; no geographic restriction applies.',
  });
  Validations.of(distribution).acknowledge({
    id: 'AwsSolutions-CFR3',
    reason:
      'Requests are logged by the access log of the origin API stage and sampled by AWS WAF; CloudFront standard logs would duplicate them into an extra bucket.',
  });
  if (!hasCustomCertificate(distribution)) {
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be chosen; configure idp:<stage>:domainName to enforce TLSv1.2_2021.',
    });
  }
}

function hasCustomCertificate(distribution: cloudfront.Distribution): boolean {
  const cfn = distribution.node.defaultChild as cloudfront.CfnDistribution;
  const config = cfn.distributionConfig as cloudfront.CfnDistribution.DistributionConfigProperty;
  const viewer = config.viewerCertificate as cloudfront.CfnDistribution.ViewerCertificateProperty | undefined;
  return viewer?.acmCertificateArn !== undefined;
}
