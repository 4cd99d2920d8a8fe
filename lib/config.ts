/**
 * Typed per-environment configuration (docs/deploy.md, Stage differences): one {@link StageConfig} per stage
 * (dev, test, staging, prod). Defaults live in {@link STAGE_DEFAULTS}; what differs between accounts
 * (account, region, custom domain, alarm topic) comes from CDK context (`-c key=value` or cdk.json)
 * or the CDK CLI's `CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION`, never from a console.
 *
 * Context keys (all strings, so they work with `-c`), per stage `<s>` ∈ dev|test|staging|prod:
 * - `idp:<s>:account`, `idp:<s>:region` (fall back to `idp:account` / `idp:region`, then the CLI env)
 * - `idp:<s>:domainName`, `idp:<s>:certificateArn`, optional `idp:<s>:hostedZoneId` + `idp:<s>:hostedZoneName`
 * - `idp:<s>:alarmTopicArn`: SNS topic that receives alarm notifications
 * - `idp:<s>:signingAlgorithm`: `RS256` | `ES256`
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The environments the app deploys. */
export const STAGE_NAMES = ['dev', 'test', 'staging', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** JWS algorithm of access tokens; decides the KMS key spec (RSA_2048 or ECC_NIST_P256). */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** A custom domain for the issuer instead of the generated `execute-api` (or CloudFront) host name. */
export interface CustomDomainConfig {
  /** Fully qualified host name, e.g. `idp.example.com`; the issuer becomes `https://<domainName>`. */
  readonly domainName: string;
  /**
   * ACM certificate covering {@link domainName}. Without edge protection it must be in the stage's
   * region (API Gateway regional domain); with edge protection it must be in us-east-1 (CloudFront).
   */
  readonly certificateArn: string;
  /**
   * Route 53 public hosted zone to create the alias record in.
   * @default - no DNS record is created; point the name at the output `DnsTarget` yourself
   */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
}

/** API Gateway token-bucket throttling: steady-state requests per second and burst. */
export interface ThrottleConfig {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** CloudWatch alarms. */
export interface AlarmsConfig {
  /** Create the alarms. */
  readonly enabled: boolean;
  /**
   * SNS topic notified on ALARM and OK.
   * @default - alarms without actions (visible in the console and to external tooling)
   */
  readonly topicArn?: string;
}

/**
 * Edge protection: a CloudFront distribution with an AWS WAF web ACL in front of the HTTP API.
 * WAF cannot be associated with API Gateway HTTP APIs (only REST APIs, ALB, AppSync, Cognito, App
 * Runner, Verified Access and CloudFront), so per-client (per source IP) brute-force limits on the
 * token endpoint are enforced by a WAF rate-based rule on CloudFront; API Gateway stage/route
 * throttling remains the account-level backstop.
 */
export interface EdgeProtectionConfig {
  readonly enabled: boolean;
  /** Requests per source IP per 5-minute window on `/oauth2/token` before WAF blocks (WAF minimum is 10). */
  readonly tokenRequestsPerIpPer5Min: number;
  /** Requests per source IP per 5-minute window on all paths. */
  readonly requestsPerIpPer5Min: number;
}

/** Everything that differs between environments. */
export interface StageConfig {
  /** dev | test | staging | prod; part of every resource name and of the KMS alias. */
  readonly stageName: StageName;
  /**
   * AWS account.
   * @default - context `idp:<stage>:account`, then `idp:account`, then `CDK_DEFAULT_ACCOUNT`; else env-agnostic
   */
  readonly account?: string;
  /**
   * AWS region.
   * @default - context `idp:<stage>:region`, then `idp:region`, then `CDK_DEFAULT_REGION`; else env-agnostic
   */
  readonly region?: string;
  /**
   * Custom domain of the issuer.
   * @default - none: the issuer is the HTTP API's `$default` stage URL (or the CloudFront URL with edge protection)
   */
  readonly customDomain?: CustomDomainConfig;
  /** Access-token lifetime when neither the client nor the API sets one. @default Duration.hours(1) */
  readonly defaultAccessTokenTtl: Duration;
  /** Memory of the request-path functions (token, discovery, admin), MB. CPU scales with it. @default 512 */
  readonly memorySize: number;
  /**
   * Reserved concurrency of the token function: a cap that protects the table and KMS quotas and
   * leaves the rest of the account's concurrency to other workloads.
   * @default - none (unreserved pool)
   */
  readonly tokenReservedConcurrency?: number;
  /**
   * Provisioned concurrency of the token function (through the `live` alias): no cold starts for
   * this many concurrent requests, billed per hour.
   * @default - none
   */
  readonly tokenProvisionedConcurrency?: number;
  /** Retention of every log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention: RetentionDays;
  /** What happens to the table, key and secrets when the stack is deleted. DESTROY for dev/test, RETAIN for staging/prod. */
  readonly removalPolicy: RemovalPolicy;
  /** DynamoDB deletion protection (and stack termination protection). @default true for staging/prod */
  readonly deletionProtection: boolean;
  /** DynamoDB point-in-time recovery (35 days of restores). @default true except dev */
  readonly pointInTimeRecovery: boolean;
  /** CloudWatch alarms. @default enabled for staging/prod */
  readonly alarms: AlarmsConfig;
  /** Throttling of `POST /oauth2/token` (route setting of the `$default` stage). */
  readonly tokenThrottle: ThrottleConfig;
  /** Throttling of every other route (stage default). */
  readonly defaultThrottle: ThrottleConfig;
  /** CloudFront + WAF in front of the API. @default enabled for staging/prod */
  readonly edgeProtection: EdgeProtectionConfig;
  /** Access-token signing algorithm. @default 'RS256' (KMS RSA_2048) */
  readonly signingAlgorithm: SigningAlgorithm;
  /** Days after which audit items expire through the table's TTL; 0 keeps them forever. @default 90, 365 for prod */
  readonly auditTtlDays: number;
}

const NO_EDGE: EdgeProtectionConfig = { enabled: false, tokenRequestsPerIpPer5Min: 300, requestsPerIpPer5Min: 3000 };

/** The stage defaults; {@link resolveStageConfig} adds context-provided values. */
export const STAGE_DEFAULTS: Record<StageName, StageConfig> = {
  dev: {
    stageName: 'dev',
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    pointInTimeRecovery: false,
    alarms: { enabled: false },
    tokenThrottle: { rateLimit: 50, burstLimit: 100 },
    defaultThrottle: { rateLimit: 50, burstLimit: 100 },
    edgeProtection: NO_EDGE,
    signingAlgorithm: 'RS256',
    auditTtlDays: 30,
  },
  test: {
    stageName: 'test',
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    logRetention: RetentionDays.TWO_WEEKS,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    pointInTimeRecovery: true,
    alarms: { enabled: false },
    tokenThrottle: { rateLimit: 100, burstLimit: 200 },
    defaultThrottle: { rateLimit: 100, burstLimit: 200 },
    edgeProtection: NO_EDGE,
    signingAlgorithm: 'RS256',
    auditTtlDays: 30,
  },
  staging: {
    stageName: 'staging',
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    tokenReservedConcurrency: 50,
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    pointInTimeRecovery: true,
    alarms: { enabled: true },
    tokenThrottle: { rateLimit: 200, burstLimit: 400 },
    defaultThrottle: { rateLimit: 100, burstLimit: 200 },
    edgeProtection: { enabled: true, tokenRequestsPerIpPer5Min: 300, requestsPerIpPer5Min: 3000 },
    signingAlgorithm: 'RS256',
    auditTtlDays: 90,
  },
  prod: {
    stageName: 'prod',
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    tokenReservedConcurrency: 200,
    tokenProvisionedConcurrency: 2,
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    pointInTimeRecovery: true,
    alarms: { enabled: true },
    tokenThrottle: { rateLimit: 1000, burstLimit: 2000 },
    defaultThrottle: { rateLimit: 200, burstLimit: 400 },
    edgeProtection: { enabled: true, tokenRequestsPerIpPer5Min: 600, requestsPerIpPer5Min: 6000 },
    signingAlgorithm: 'RS256',
    auditTtlDays: 365,
  },
};

/** Reads CDK context; the part of a construct tree this module needs. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

function contextString(source: ContextSource, key: string): string | undefined {
  const value = source.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context ${key} must be a string`);
  return value;
}

/**
 * The configuration of one stage: {@link STAGE_DEFAULTS} plus context values (see the module
 * comment) and, for account/region, the CDK CLI's environment.
 * @throws Error on an inconsistent custom domain or an unknown signing algorithm
 */
export function resolveStageConfig(
  stageName: StageName,
  source: ContextSource,
  env: Record<string, string | undefined> = process.env,
): StageConfig {
  const base = STAGE_DEFAULTS[stageName];
  const ctx = (key: string) => contextString(source, `idp:${stageName}:${key}`);
  const account = ctx('account') ?? contextString(source, 'idp:account') ?? env['CDK_DEFAULT_ACCOUNT'];
  const region = ctx('region') ?? contextString(source, 'idp:region') ?? env['CDK_DEFAULT_REGION'];

  const domainName = ctx('domainName');
  const certificateArn = ctx('certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error(`idp:${stageName}:domainName and idp:${stageName}:certificateArn go together`);
  }
  const hostedZoneId = ctx('hostedZoneId');
  const hostedZoneName = ctx('hostedZoneName');
  if ((hostedZoneId === undefined) !== (hostedZoneName === undefined)) {
    throw new Error(`idp:${stageName}:hostedZoneId and idp:${stageName}:hostedZoneName go together`);
  }
  const customDomain: CustomDomainConfig | undefined =
    domainName === undefined || certificateArn === undefined
      ? undefined
      : {
          domainName,
          certificateArn,
          ...(hostedZoneId !== undefined && hostedZoneName !== undefined
            ? { hostedZone: { hostedZoneId, zoneName: hostedZoneName } }
            : {}),
        };

  const alg = ctx('signingAlgorithm') ?? base.signingAlgorithm;
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`idp:${stageName}:signingAlgorithm must be RS256 or ES256`);
  const topicArn = ctx('alarmTopicArn');

  return {
    ...base,
    ...(account !== undefined ? { account } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(customDomain !== undefined ? { customDomain } : {}),
    signingAlgorithm: alg,
    alarms: { ...base.alarms, ...(topicArn !== undefined ? { topicArn } : {}) },
  };
}

/** The KMS alias of a stage's signing key. */
export function signingKeyAlias(stageName: StageName): string {
  return `alias/serverless-idp/${stageName}/signing`;
}
