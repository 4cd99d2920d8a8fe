/**
 * Edge protection for stages that enable it (staging, prod): an AWS WAF web ACL on a CloudFront
 * distribution in front of the HTTP API.
 *
 * Why CloudFront: AWS WAF can be associated with REST APIs, ALBs, AppSync, Cognito, App Runner,
 * Verified Access and CloudFront, but not with API Gateway HTTP APIs. API Gateway throttling is a
 * shared token bucket (per stage/route, not per caller), so it cannot stop one client from guessing
 * secrets. A WAF rate-based rule keyed on the source IP, scoped to `/oauth2/token`, is the per-client
 * brute-force limit; a wider per-IP rule and the AWS managed common rule set cover the rest.
 * A CLOUDFRONT-scoped web ACL must be created in us-east-1 (see {@link EdgeWafStack}).
 */
import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { TOKEN_PATH } from '../lambdas/domain/endpoints/paths';
import type { EdgeProtectionConfig, StageName } from './config';

/** Props of {@link EdgeWebAcl}. */
export interface EdgeWebAclProps {
  readonly stageName: StageName;
  readonly config: EdgeProtectionConfig;
}

/** The CLOUDFRONT-scoped web ACL: per-IP rate limits plus the AWS managed common rule set. */
export class EdgeWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeWebAclProps) {
    super(scope, id);
    const metric = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `serverless-idp-${props.stageName}-${name}`,
    });
    // RFC 6585 §4: 429 Too Many Requests for a blocked burst, so clients back off.
    const tooManyRequests: wafv2.CfnWebACL.RuleActionProperty = {
      block: { customResponse: { responseCode: 429 } },
    };
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `serverless-idp-${props.stageName}-edge`,
      description: `serverless-idp ${props.stageName}: per-IP rate limits and common protections`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('edge'),
      rules: [
        {
          name: 'TokenEndpointPerIpRateLimit',
          priority: 0,
          action: tooManyRequests,
          visibilityConfig: metric('token-rate'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              limit: props.config.tokenRequestsPerIpPer5Min,
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: TOKEN_PATH,
                  // Decoded and normalised first: `/oauth2/%74oken` or `/x/../oauth2/token` still count.
                  textTransformations: [
                    { priority: 0, type: 'URL_DECODE' },
                    { priority: 1, type: 'NORMALIZE_PATH' },
                  ],
                },
              },
            },
          },
        },
        {
          name: 'AllPathsPerIpRateLimit',
          priority: 1,
          action: tooManyRequests,
          visibilityConfig: metric('all-rate'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              limit: props.config.requestsPerIpPer5Min,
            },
          },
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 2,
          overrideAction: { none: {} },
          visibilityConfig: metric('common'),
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // Machine clients (OAuth libraries, curl in scripts) may omit User-Agent: count, not block.
              ruleActionOverrides: [{ name: 'NoUserAgent_HEADER', actionToUse: { count: {} } }],
            },
          },
        },
      ],
    });
  }
}

/** Props of {@link EdgeWafStack}. */
export interface EdgeWafStackProps extends StackProps {
  readonly stageName: StageName;
  readonly config: EdgeProtectionConfig;
}

/**
 * The web ACL's own stack, pinned to us-east-1 (CloudFront-scoped WAF resources exist only there),
 * for stages whose API lives in another region. The API stack reads the ACL's ARN through a
 * cross-region reference.
 */
export class EdgeWafStack extends Stack {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeWafStackProps) {
    super(scope, id, props);
    this.webAclArn = new EdgeWebAcl(this, 'Edge', { stageName: props.stageName, config: props.config }).webAcl.attrArn;
  }
}
