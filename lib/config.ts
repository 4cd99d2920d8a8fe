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
 * - `idp:<s>:signing`: `kms` | `envelope` (overrides {@link StageConfig.signing})
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MAX_ACCESS_TOKEN_TTL } from '../lambdas/domain/tokens/access-token';

/** The environments the app deploys. */
export const STAGE_NAMES = ['dev', 'test', 'staging', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** JWS algorithm of access tokens; decides the KMS key spec (RSA_2048 or ECC_NIST_P256). */
export type SigningAlgorithm = 'RS256' | 'ES256';

/**
 * How a stage signs tokens (README, "Signing modes"):
 * - `kms`: the private key never leaves KMS; one `kms:Sign` per token, which the account's KMS request
 *   quota limits (RSA 500/s, ECC 300/s by default, shared by every key and caller in the account and
 *   Region) and which costs $0.15 per 10,000 requests;
 * - `envelope`: the key pair is generated in KMS at deploy and its private half stored only encrypted
 *   under a symmetric KMS key; the token function decrypts it once per cold start and signs in memory
 *   (no KMS call per token). A compromised token function can copy the key, where with `kms` it can
 *   only sign while it is compromised.
 */
export type SigningMode = 'kms' | 'envelope';

/** Reserved concurrency of the functions besides token and sign-in (which have their own settings). */
export interface ReservedConcurrencyConfig {
  /**
   * The admin API: capacity a token flood cannot take from administrators (and a cap on the admin API).
   * @default - none (unreserved pool)
   */
  readonly admin?: number;
  /** The admin API's Lambda authorizer. @default - none (unreserved pool) */
  readonly authorizer?: number;
  /** Metadata and JWKS (cached by CloudFront where the stage has it). @default - none (unreserved pool) */
  readonly discovery?: number;
  /** `/oauth2/userinfo`. @default - none (unreserved pool) */
  readonly userinfo?: number;
}

/** KMS request quota of the stage's account and Region, for the alarm that warns before it is reached. */
export interface KmsQuotaConfig {
  /**
   * The account's "Cryptographic operations (RSA) request rate" quota (or ECC for ES256 keys), requests
   * per second, as Service Quotas shows it. Default 500 (RSA); ECC's default is 300.
   * @default 500
   */
  readonly signRequestsPerSecond: number;
  /**
   * Share of the quota at which the `KmsSignRateNearQuota` alarm fires (the stage's own Sign requests;
   * other callers in the account use the same quota).
   * @default 0.8
   */
  readonly alarmShare: number;
}

/** The KMS quota of every stage unless a stage says otherwise. */
export const DEFAULT_KMS_QUOTA: KmsQuotaConfig = { signRequestsPerSecond: 500, alarmShare: 0.8 };

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
  /**
   * `POST` requests per source IP per 5-minute window on `/oauth2/sign-in` and `/oauth2/set-password`
   * before WAF blocks: the two forms that run the password KDF (a guessed password costs the attacker
   * one request and the IdP one scrypt hash). Stricter than the token limit; an office behind one NAT
   * address shares it.
   * @default 100
   */
  readonly signInRequestsPerIpPer5Min: number;
  /**
   * Requests per source IP per 5-minute window on `/oauth2/authorize` (each may write a pending
   * authorization request to the table).
   * @default 300 (staging), 600 (prod)
   */
  readonly authorizeRequestsPerIpPer5Min: number;
  /** Requests per source IP per 5-minute window on all paths. */
  readonly requestsPerIpPer5Min: number;
}

/**
 * The sign-in function (the hosted pages: authorize, sign-in, consent, logout, set-password). Its
 * password KDF — scrypt N=2^17, r=8, p=1 — takes 128 MiB and is CPU-bound, and Lambda allocates CPU
 * in proportion to memory (one full vCPU at 1,769 MB), so the function gets more memory than the
 * others for the CPU share, and a timeout that fits a cold start and a few hashes.
 */
export interface SignInFunctionConfig {
  /** Memory, MB (also its CPU share). @default 1024 */
  readonly memorySize: number;
  /** Timeout; API Gateway's integration timeout (30 s) is the upper bound. @default Duration.seconds(15) */
  readonly timeout: Duration;
  /**
   * Reserved concurrency: a cap on the KDF's CPU, and so on what a sign-in flood can cost.
   * @default - none (unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * The issuer's name on the pages (`IDP_DISPLAY_NAME`).
   * @default - the issuer's host name
   */
  readonly displayName?: string;
  /**
   * Lifetime of a browser sign-in session (`IDP_SIGN_IN_SESSION_TTL`), 5 minutes to 30 days.
   * @default - 12 hours (the function's own default)
   */
  readonly sessionTtl?: Duration;
}

/** The sign-in function of every stage unless a stage says otherwise. */
export const DEFAULT_SIGN_IN_FUNCTION: SignInFunctionConfig = { memorySize: 1024, timeout: Duration.seconds(15) };

/**
 * Where a signing key is in its life (README, "Rotating the signing key"; docs/deploy.md, Signing keys):
 * - `next`: published in the JWKS, signs nothing — verifiers learn it before it signs;
 * - `active`: signs every new token; exactly one per stage;
 * - `retired`: signs nothing, still published so the tokens it signed keep verifying until they
 *   expire; removed from the config once {@link StageConfig.retiredKeyRetention} has passed since
 *   its `retiredAt`.
 */
export type SigningKeyState = 'next' | 'active' | 'retired';

/** One KMS signing key of a stage: its own `AWS::KMS::Key` resource in the stateful stack. */
export interface SigningKeyConfig {
  /**
   * Stable id of the key: names its construct (and so its CloudFormation logical id) and its alias
   * `alias/serverless-idp/<stage>/signing/<id>`. Never rename or reuse one: a new id is a new KMS key.
   * `initial` is the key every stage was first deployed with: construct id `SigningKey` and alias
   * `alias/serverless-idp/<stage>/signing`, as before keys were listed, so it is never replaced.
   * Letters, digits and `-`, starting with a letter, at most 32 characters.
   */
  readonly id: string;
  readonly state: SigningKeyState;
  /**
   * The key's JWS algorithm (decides its KMS key spec; changing it replaces the key, so change it by
   * rotating to a new key instead).
   * @default - the stage's {@link StageConfig.signingAlgorithm}
   */
  readonly algorithm?: SigningAlgorithm;
  /**
   * How this key signs: a KMS asymmetric key (`kms`) or a wrapped key pair (`envelope`). Set it on a new
   * key to change a live stage's mode by rotation (README, "Signing modes"); never change it on an
   * existing key (that replaces the key).
   * @default - the stage's {@link StageConfig.signing}
   */
  readonly signing?: SigningMode;
  /**
   * When the key stopped signing: the day (or date-time, UTC) the deploy that retired it ran — when in
   * doubt, later rather than earlier. Required for `retired` keys, refused on the others. Synthesis warns
   * once {@link StageConfig.retiredKeyRetention} has passed: then (and only then) remove the key.
   */
  readonly retiredAt?: string;
}

/** The signing keys of a stage before any rotation: the one key it was first deployed with. */
export const INITIAL_SIGNING_KEYS: readonly SigningKeyConfig[] = [{ id: 'initial', state: 'active' }];

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
  /**
   * How the stage's keys sign (see {@link SigningMode}); a key may say otherwise
   * ({@link SigningKeyConfig.signing}).
   * @default 'kms'
   */
  readonly signing: SigningMode;
  /** The account's KMS Sign quota and the alarm's share of it. @default DEFAULT_KMS_QUOTA - 500/s, alarm at 80 % */
  readonly kmsQuota: KmsQuotaConfig;
  /**
   * Reserved concurrency of admin, authorizer, discovery and userinfo: what a flood of token requests
   * cannot take from them (the token function's own cap is {@link tokenReservedConcurrency}).
   * @default - none in dev and test; admin 10, authorizer 10, discovery 10 in staging; 20, 20, 20 in prod
   */
  readonly reservedConcurrency: ReservedConcurrencyConfig;
  /** Memory of the request-path functions (token, discovery, admin, userinfo), MB. CPU scales with it. @default 512 */
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
  /**
   * The sign-in function: memory and timeout sized for the password KDF, concurrency, page settings.
   * @default DEFAULT_SIGN_IN_FUNCTION - 1024 MB, 15 s, unreserved, the issuer's host as display name, 12 h sessions
   */
  readonly signIn: SignInFunctionConfig;
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
  /** Access-token signing algorithm of the keys that name none. @default 'RS256' (KMS RSA_2048) */
  readonly signingAlgorithm: SigningAlgorithm;
  /**
   * The stage's signing keys with their states; exactly one `active` (validated at synth by
   * {@link validateSigningKeys}). Rotate in two deploys: add a `next` key; then make it `active` and
   * the old one `retired` (README, "Rotating the signing key").
   * @default INITIAL_SIGNING_KEYS - `[{ id: 'initial', state: 'active' }]`
   */
  readonly signingKeys: readonly SigningKeyConfig[];
  /**
   * How long a retired key stays published after its `retiredAt`: the longest lifetime of a token it
   * can have signed. Access tokens live at most 30 days (the admin API's `accessTokenTtl` maximum);
   * lower it only if no client or API of the stage sets a longer TTL than this.
   * @default Duration.days(30)
   */
  readonly retiredKeyRetention: Duration;
  /** Days after which audit items expire through the table's TTL; 0 keeps them forever. @default 90, 365 for prod */
  readonly auditTtlDays: number;
}

const NO_EDGE: EdgeProtectionConfig = {
  enabled: false,
  tokenRequestsPerIpPer5Min: 300,
  signInRequestsPerIpPer5Min: 100,
  authorizeRequestsPerIpPer5Min: 300,
  requestsPerIpPer5Min: 3000,
};

/** The stage defaults; {@link resolveStageConfig} adds context-provided values. */
export const STAGE_DEFAULTS: Record<StageName, StageConfig> = {
  dev: {
    stageName: 'dev',
    signing: 'kms',
    kmsQuota: DEFAULT_KMS_QUOTA,
    reservedConcurrency: {},
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    signIn: DEFAULT_SIGN_IN_FUNCTION,
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    pointInTimeRecovery: false,
    alarms: { enabled: false },
    tokenThrottle: { rateLimit: 50, burstLimit: 100 },
    defaultThrottle: { rateLimit: 50, burstLimit: 100 },
    edgeProtection: NO_EDGE,
    signingAlgorithm: 'RS256',
    signingKeys: INITIAL_SIGNING_KEYS,
    retiredKeyRetention: Duration.seconds(MAX_ACCESS_TOKEN_TTL),
    auditTtlDays: 30,
  },
  test: {
    stageName: 'test',
    signing: 'kms',
    kmsQuota: DEFAULT_KMS_QUOTA,
    reservedConcurrency: {},
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    signIn: DEFAULT_SIGN_IN_FUNCTION,
    logRetention: RetentionDays.TWO_WEEKS,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    pointInTimeRecovery: true,
    alarms: { enabled: false },
    tokenThrottle: { rateLimit: 100, burstLimit: 200 },
    defaultThrottle: { rateLimit: 100, burstLimit: 200 },
    edgeProtection: NO_EDGE,
    signingAlgorithm: 'RS256',
    signingKeys: INITIAL_SIGNING_KEYS,
    retiredKeyRetention: Duration.seconds(MAX_ACCESS_TOKEN_TTL),
    auditTtlDays: 30,
  },
  staging: {
    stageName: 'staging',
    signing: 'kms',
    kmsQuota: DEFAULT_KMS_QUOTA,
    reservedConcurrency: { admin: 10, authorizer: 10, discovery: 10 },
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    signIn: DEFAULT_SIGN_IN_FUNCTION,
    tokenReservedConcurrency: 50,
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    pointInTimeRecovery: true,
    alarms: { enabled: true },
    tokenThrottle: { rateLimit: 200, burstLimit: 400 },
    defaultThrottle: { rateLimit: 100, burstLimit: 200 },
    edgeProtection: {
      enabled: true,
      tokenRequestsPerIpPer5Min: 300,
      signInRequestsPerIpPer5Min: 100,
      authorizeRequestsPerIpPer5Min: 300,
      requestsPerIpPer5Min: 3000,
    },
    signingAlgorithm: 'RS256',
    signingKeys: INITIAL_SIGNING_KEYS,
    retiredKeyRetention: Duration.seconds(MAX_ACCESS_TOKEN_TTL),
    auditTtlDays: 90,
  },
  prod: {
    stageName: 'prod',
    signing: 'kms',
    kmsQuota: DEFAULT_KMS_QUOTA,
    reservedConcurrency: { admin: 20, authorizer: 20, discovery: 20 },
    defaultAccessTokenTtl: Duration.hours(1),
    memorySize: 512,
    signIn: DEFAULT_SIGN_IN_FUNCTION,
    tokenReservedConcurrency: 200,
    tokenProvisionedConcurrency: 2,
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    pointInTimeRecovery: true,
    alarms: { enabled: true },
    tokenThrottle: { rateLimit: 1000, burstLimit: 2000 },
    defaultThrottle: { rateLimit: 200, burstLimit: 400 },
    edgeProtection: {
      enabled: true,
      tokenRequestsPerIpPer5Min: 600,
      signInRequestsPerIpPer5Min: 100,
      authorizeRequestsPerIpPer5Min: 600,
      requestsPerIpPer5Min: 6000,
    },
    signingAlgorithm: 'RS256',
    signingKeys: INITIAL_SIGNING_KEYS,
    retiredKeyRetention: Duration.seconds(MAX_ACCESS_TOKEN_TTL),
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
  const signing = ctx('signing') ?? base.signing;
  if (signing !== 'kms' && signing !== 'envelope') throw new Error(`idp:${stageName}:signing must be kms or envelope`);
  const topicArn = ctx('alarmTopicArn');
  validateSigningKeys(stageName, base.signingKeys);

  return {
    ...base,
    ...(account !== undefined ? { account } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(customDomain !== undefined ? { customDomain } : {}),
    signingAlgorithm: alg,
    signing,
    alarms: { ...base.alarms, ...(topicArn !== undefined ? { topicArn } : {}) },
  };
}

/**
 * Refuses sign-in settings the function would refuse at its cold start (or that cannot run the KDF).
 * @throws Error naming the setting
 */
export function validateSignInFunction(stageName: StageName, signIn: SignInFunctionConfig): void {
  const where = `stage ${stageName}: signIn`;
  // 128 MiB per scrypt hash plus the runtime; Lambda allows 128 .. 10,240 MB.
  if (!Number.isInteger(signIn.memorySize) || signIn.memorySize < 512 || signIn.memorySize > 10_240) {
    throw new Error(`${where}.memorySize must be a whole number of MB from 512 to 10240 (the KDF takes 128 MiB)`);
  }
  const timeout = signIn.timeout.toSeconds();
  if (timeout < 3 || timeout > 30) throw new Error(`${where}.timeout must be 3 to 30 seconds (API Gateway waits 30 s)`);
  const ttl = signIn.sessionTtl?.toSeconds();
  if (ttl !== undefined && (ttl < 300 || ttl > 30 * 86_400)) {
    throw new Error(`${where}.sessionTtl must be 5 minutes to 30 days`);
  }
}

/** The id of the key every stage was first deployed with (see {@link SigningKeyConfig.id}). */
export const INITIAL_SIGNING_KEY_ID = 'initial';

/** The KMS alias of a stage's signing key: `alias/serverless-idp/<stage>/signing[/<id>]`. */
export function signingKeyAlias(stageName: StageName, keyId: string = INITIAL_SIGNING_KEY_ID): string {
  const base = `alias/serverless-idp/${stageName}/signing`;
  return keyId === INITIAL_SIGNING_KEY_ID ? base : `${base}/${keyId}`;
}

/** The construct id of a signing key's `kms.Key`: `SigningKey` for the initial key (never replaced). */
export function signingKeyConstructId(keyId: string): string {
  return keyId === INITIAL_SIGNING_KEY_ID ? 'SigningKey' : `SigningKey-${keyId}`;
}

const KEY_ID = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
/** `YYYY-MM-DD` or an ISO 8601 UTC date-time. */
const RETIRED_AT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/;

/**
 * The signing keys of a stage in publication order — the active key first (it signs), then `next`,
 * then `retired` (RFC 7517 §5 gives a JWK Set no order; ours is for humans and for the env var).
 * @throws Error unless exactly one key is `active`, ids are unique and well-formed, and exactly the
 *   `retired` keys carry a valid `retiredAt`
 */
export function validateSigningKeys(stageName: StageName, keys: readonly SigningKeyConfig[]): SigningKeyConfig[] {
  const where = `stage ${stageName}: signingKeys`;
  const active = keys.filter((k) => k.state === 'active');
  if (active.length !== 1) {
    throw new Error(
      `${where} must have exactly one key with state 'active' (it signs every token), found ${active.length}` +
        (active.length > 1 ? ` (${active.map((k) => k.id).join(', ')})` : ''),
    );
  }
  const seen = new Set<string>();
  for (const key of keys) {
    if (!KEY_ID.test(key.id)) {
      throw new Error(`${where}: id '${key.id}' must be letters, digits and '-', start with a letter, ≤ 32 characters`);
    }
    if (seen.has(key.id)) throw new Error(`${where}: id '${key.id}' is listed twice`);
    seen.add(key.id);
    if (!['next', 'active', 'retired'].includes(key.state)) {
      throw new Error(`${where}: key '${key.id}' has state '${String(key.state)}'; use next, active or retired`);
    }
    if (key.algorithm !== undefined && key.algorithm !== 'RS256' && key.algorithm !== 'ES256') {
      throw new Error(`${where}: key '${key.id}' algorithm must be RS256 or ES256`);
    }
    if (key.signing !== undefined && key.signing !== 'kms' && key.signing !== 'envelope') {
      throw new Error(`${where}: key '${key.id}' signing must be kms or envelope`);
    }
    if (key.state === 'retired') {
      if (key.retiredAt === undefined || !RETIRED_AT.test(key.retiredAt) || Number.isNaN(Date.parse(key.retiredAt))) {
        throw new Error(
          `${where}: retired key '${key.id}' needs retiredAt, the date its successor became active (e.g. '2026-03-01')`,
        );
      }
    } else if (key.retiredAt !== undefined) {
      throw new Error(`${where}: key '${key.id}' is ${key.state}; only a retired key has retiredAt`);
    }
  }
  const rank: Record<SigningKeyState, number> = { active: 0, next: 1, retired: 2 };
  return [...keys].sort((a, b) => rank[a.state] - rank[b.state]);
}

/**
 * The retired keys that may be removed now: `retiredAt` + `retention` has passed, so every token they
 * signed has expired. Synthesis warns about them (lib/stateful-stack.ts); removing a key earlier makes
 * its unexpired tokens fail.
 */
export function removableSigningKeys(
  keys: readonly SigningKeyConfig[],
  retention: Duration,
  now: number = Date.now(),
): SigningKeyConfig[] {
  return keys.filter(
    (k) =>
      k.state === 'retired' && k.retiredAt !== undefined && Date.parse(k.retiredAt) + retention.toMilliseconds() <= now,
  );
}

/**
 * Refuses a KMS quota the alarm cannot use.
 * @throws Error naming the setting
 */
export function validateKmsQuota(stageName: StageName, quota: KmsQuotaConfig): void {
  if (!Number.isInteger(quota.signRequestsPerSecond) || quota.signRequestsPerSecond < 1) {
    throw new Error(`stage ${stageName}: kmsQuota.signRequestsPerSecond must be a whole number of requests per second`);
  }
  if (!(quota.alarmShare > 0 && quota.alarmShare <= 1)) {
    throw new Error(`stage ${stageName}: kmsQuota.alarmShare must be above 0 and at most 1`);
  }
}
