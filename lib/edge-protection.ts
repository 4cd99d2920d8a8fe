/**
 * Edge protection for stages that enable it (staging, prod): an AWS WAF web ACL on a CloudFront
 * distribution in front of the HTTP API.
 *
 * Why CloudFront: AWS WAF can be associated with REST APIs, ALBs, AppSync, Cognito, App Runner,
 * Verified Access and CloudFront, but not with API Gateway HTTP APIs. API Gateway throttling is a
 * shared token bucket (per stage/route, not per caller), so it cannot stop one client from guessing
 * secrets. WAF rate-based rules keyed on the source IP are the per-client brute-force limits: one
 * scoped to the endpoints that authenticate clients (`/oauth2/token`, `/oauth2/revoke`,
 * `/oauth2/introspect`, one bucket for the three, so a guesser gains nothing by switching), a stricter one to the `POST`s that run the password KDF (`/oauth2/sign-in`,
 * `/oauth2/set-password`), one to `/oauth2/authorize`; a wider per-IP rule and the AWS managed common
 * rule set cover the rest.
 * A CLOUDFRONT-scoped web ACL must be created in us-east-1 (see {@link EdgeWafStack}).
 */
import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  AUTHORIZE_PATH,
  INTROSPECTION_PATH,
  REVOCATION_PATH,
  SET_PASSWORD_PATH,
  SIGN_IN_PATH,
  TOKEN_PATH,
} from '../lambdas/domain/endpoints/paths';
import type { EdgeProtectionConfig, StageName } from './config';

/**
 * Requests whose path starts with `path` once URL-decoded and normalised: `/oauth2/%74oken` or
 * `/x/../oauth2/token` still count.
 */
export function pathStartsWith(path: string): wafv2.CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: path,
      textTransformations: [
        { priority: 0, type: 'URL_DECODE' },
        { priority: 1, type: 'NORMALIZE_PATH' },
      ],
    },
  };
}

/** `POST` requests (the method as CloudFront received it). */
const IS_POST: wafv2.CfnWebACL.StatementProperty = {
  byteMatchStatement: {
    fieldToMatch: { method: {} },
    positionalConstraint: 'EXACTLY',
    searchString: 'POST',
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
};

/**
 * Rules of the AWS managed common rule set that only count. `NoUserAgent_HEADER`: machine clients (OAuth
 * libraries, curl in scripts) may omit User-Agent. `GenericRFI_QUERYARGUMENTS` / `GenericRFI_BODY` match
 * any `http://<IPv4>` value, which is what a native app's loopback redirect URI is (RFC 8252 §7.3:
 * `redirect_uri=http://127.0.0.1:<port>/…` at authorize and in the code exchange's form body); the IdP
 * includes no file by URL, so the rule protects nothing here and would block those flows.
 */
export const COUNTED_COMMON_RULES = ['NoUserAgent_HEADER', 'GenericRFI_QUERYARGUMENTS', 'GenericRFI_BODY'] as const;

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
              // Every endpoint that checks a client secret (RFC 6749 §2.3, RFC 7009, RFC 7662).
              scopeDownStatement: {
                orStatement: {
                  statements: [TOKEN_PATH, REVOCATION_PATH, INTROSPECTION_PATH].map((path) => pathStartsWith(path)),
                },
              },
            },
          },
        },
        {
          // Each of these POSTs costs the IdP one scrypt hash (128 MiB, most of a CPU second).
          name: 'SignInPerIpRateLimit',
          priority: 1,
          action: tooManyRequests,
          visibilityConfig: metric('sign-in-rate'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              limit: props.config.signInRequestsPerIpPer5Min,
              scopeDownStatement: {
                andStatement: {
                  statements: [
                    IS_POST,
                    { orStatement: { statements: [pathStartsWith(SIGN_IN_PATH), pathStartsWith(SET_PASSWORD_PATH)] } },
                  ],
                },
              },
            },
          },
        },
        {
          name: 'AuthorizePerIpRateLimit',
          priority: 2,
          action: tooManyRequests,
          visibilityConfig: metric('authorize-rate'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              limit: props.config.authorizeRequestsPerIpPer5Min,
              scopeDownStatement: pathStartsWith(AUTHORIZE_PATH),
            },
          },
        },
        {
          name: 'AllPathsPerIpRateLimit',
          priority: 3,
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
          priority: 4,
          overrideAction: { none: {} },
          visibilityConfig: metric('common'),
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: COUNTED_COMMON_RULES.map((name) => ({ name, actionToUse: { count: {} } })),
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
