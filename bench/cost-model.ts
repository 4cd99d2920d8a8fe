/**
 * What token requests cost on AWS for one stage as configured (lib/config.ts): a pure function of the
 * configuration, the price table (bench/prices.ts) and the monthly volume, itemised per metered
 * service. Every service the stage deploys ({@link deployedServices}) gets a line, with a non-zero
 * amount or a stated reason why it is $0 per token.
 *
 * Per million token requests (N = 1,000,000, h = reuse hit ratio, c = cold starts per million):
 * - API Gateway HTTP API: N requests (one 512 KB metering unit each);
 * - Lambda: N invocations; memory GB × (N × ((1 − h) × handlerMs + h × reuseHitHandlerMs) + c × initMs) / 1000
 *   GB-s, all at the arm64 on-demand rate (with provisioned concurrency the used part is billed at a
 *   lower rate, so this is an upper bound there);
 * - DynamoDB: N × readUnitsPerRequest RRU (one strongly consistent Query of the client's item
 *   collection, reused token or not), `writeUnitsPerMillion` WRU (secret `lastUsedAt`, at most one per
 *   secret per 5 minutes per instance: lambdas/domain/secret-usage.ts);
 * - KMS: N × (1 − h) `Sign`; `GetPublicKey` is $0 per token (see {@link KMS_GET_PUBLIC_KEY_NOTE});
 * - Secrets Manager: `secretReadsPerColdStart` `GetSecretValue` per cold start (the pepper, and the
 *   origin-verify value behind CloudFront: lambdas/handlers/compose/origin.ts);
 * - CloudWatch Logs: ingestion of the bytes measured per request and per cold start (bench/cost-measure.ts)
 *   plus {@link LOG_EVENT_OVERHEAD_BYTES} per event, and their storage for the stage's retention;
 * - X-Ray (active tracing on every function): traces recorded under the default sampling rule at the
 *   monthly volume, see {@link tracedPerMillion};
 * - edge stages only: AWS WAF N requests, CloudFront N HTTPS requests, the response bytes out to the
 *   viewer and the request bytes to the origin.
 * Fixed per month: the KMS key, the secrets, the custom metrics, the alarms, the WAF web ACL and its
 * rules, provisioned concurrency; amortised over the monthly volume in {@link CostBreakdown.totalUsd}.
 *
 * The API owner's Lambda authorizer (lib/idp-token-authorizer.ts, as lib/example-consumer-stack.ts
 * deploys it) is costed apart, in {@link CostBreakdown.consumer}: it is the API owner's bill, not the IdP's.
 */
import type { SigningAlgorithm } from '../lambdas/domain/ports';
import type { StageConfig } from '../lib/config';
import type { PriceTable } from './prices';

/** The metered services a stage can deploy, by the name they have on the AWS bill. */
export type ServiceName =
  | 'API Gateway'
  | 'Lambda'
  | 'DynamoDB'
  | 'KMS'
  | 'Secrets Manager'
  | 'CloudWatch Logs'
  | 'CloudWatch metrics'
  | 'CloudWatch alarms'
  | 'X-Ray'
  | 'AWS WAF'
  | 'CloudFront';

/** Seconds in the month the model bills (30 days). */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;
/** Bytes per GB as AWS bills data (GiB). */
export const BYTES_PER_GB = 1024 ** 3;
/**
 * Bytes added to each log event: CloudWatch Logs counts an event's UTF-8 message plus 26 bytes in a
 * `PutLogEvents` batch; the model assumes ingestion is metered the same way.
 */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
/** Why `GetPublicKey` is $0 per token. */
export const KMS_GET_PUBLIC_KEY_NOTE =
  '$0 because it is not on the token path: the discovery function calls it once per its own cold start (billed like Sign)';

/** Bytes per token request and per cold start (measured or constructed by bench/cost-measure.ts). */
export interface RequestBytes {
  /** Log bytes per token request, all log groups (access log, Lambda system records, EMF, app lines). */
  logBytesPerRequest: number;
  /** Log events per token request. */
  logEventsPerRequest: number;
  /** Log bytes per cold start (Lambda init records). */
  logBytesPerColdStart: number;
  logEventsPerColdStart: number;
  /** Edge stages: bytes CloudFront sends the viewer per token response (status line, headers, body). */
  responseBytes: number;
  /** Edge stages: bytes CloudFront sends the origin per token request. */
  originRequestBytes: number;
}

/** The default X-Ray sampling rule: the first `reservoirPerSecond` requests each second, then `fixedRate`. */
export interface XRaySampling {
  reservoirPerSecond: number;
  fixedRate: number;
}

/** The API owner's Lambda authorizer, per token the IdP issues. */
export interface ConsumerAuthorizerConfig {
  /** API calls made with each token during its life. */
  apiCallsPerToken: number;
  /** Fraction of those answered from API Gateway's authorizer result cache, 0..1. */
  cacheHitRatio: number;
  memoryMb: number;
  /** Billed duration of one authorizer invocation, ms. */
  handlerMs: number;
  /** Client-status `GetItem`s (eventually consistent, 0.5 RRU) per invocation (its 60 s cache misses). */
  statusReadsPerInvocation: number;
  /** Log bytes and events per invocation (Lambda system records; a success logs no app line). */
  logBytesPerInvocation: number;
  logEventsPerInvocation: number;
}

export interface CostConfig {
  /** A name for the table, e.g. `prod RS256, 90% reuse`. */
  name: string;
  alg: SigningAlgorithm;
  /**
   * `kms`: one `kms:Sign` per signed token; `envelope`: one `kms:Decrypt` per cold start and no KMS
   * request per token (README, "Signing modes"). @default 'kms'
   */
  signing?: 'kms' | 'envelope';
  /** Lambda memory of the token function, MB (arm64). */
  memoryMb: number;
  /** Billed duration of a warm request that signs (DynamoDB Query + KMS Sign round trips + CPU), ms. */
  handlerMs: number;
  /** Billed duration of a warm request answered with a reused token (the Query only), ms. */
  reuseHitHandlerMs: number;
  /** Fraction of requests answered with a reused token, 0..1. */
  reuseHitRatio: number;
  /** Cold starts per million requests. */
  coldStartsPerMillion: number;
  /** Billed INIT duration of a cold start, ms. */
  initMs: number;
  /** Read request units per token request (1: a strongly consistent Query under 4 KB). */
  readUnitsPerRequest: number;
  /** Write request units per million token requests. */
  writeUnitsPerMillion: number;
  /** `GetSecretValue` calls per cold start. */
  secretReadsPerColdStart: number;
  bytes: RequestBytes;
  /** Retention of the stage's log groups, days. */
  logRetentionDays: number;
  xRay: XRaySampling;
  /** CloudFront + WAF; absent for stages without edge protection. */
  edge?: { wafRules: number };
  /** Fixed monthly quantities. */
  fixed: {
    secrets: number;
    customMetrics: number;
    /** Alarm metrics (an alarm on a math expression counts each metric in it). 0 without alarms. */
    alarmMetrics: number;
    /** Provisioned concurrency of the token function (instances). */
    provisionedConcurrency: number;
  };
  /** The API owner's authorizer, costed apart. */
  consumer?: ConsumerAuthorizerConfig;
}

export interface CostItem {
  service: ServiceName;
  item: string;
  /** Quantity per million token requests (per month for fixed items), in `unit`. */
  quantity: number;
  unit: string;
  usd: number;
  /** Why the amount is $0, when it is. */
  note?: string;
}

export interface CostBreakdown {
  config: CostConfig;
  /** Token requests per month the X-Ray sampling and the amortisation assume. */
  monthlyTokens: number;
  /** Per million token requests. */
  items: CostItem[];
  /** Sum of {@link items}, USD per million token requests. */
  variableUsd: number;
  /** Fixed, per month, whatever the traffic. */
  fixedMonthly: CostItem[];
  fixedMonthlyUsd: number;
  /** {@link fixedMonthlyUsd} spread over the month's tokens, USD per million. */
  fixedPerMillionUsd: number;
  /** variableUsd + fixedPerMillionUsd: USD per million token requests, all in. */
  totalUsd: number;
  /** KMS requests per million token requests: `Sign` (kms mode) or `Decrypt` (envelope mode, per cold start). */
  kmsSigns: number;
  /** The API owner's authorizer per million tokens (not the IdP's cost); empty without a consumer. */
  consumer: CostItem[];
  consumerUsd: number;
  /** Amazon Cognito M2M for the same million token requests, USD. */
  cognitoUsd: number;
  /** cognitoUsd ÷ totalUsd. */
  cognitoRatio: number;
}

const MILLION = 1_000_000;

/**
 * Requests traced per million under an X-Ray sampling rule, traffic spread evenly over the month: each
 * second the first `reservoirPerSecond` requests are traced, then `fixedRate` of the rest.
 */
export function tracedPerMillion(monthlyRequests: number, sampling: XRaySampling): number {
  if (monthlyRequests <= 0) return 0;
  const reservoir = Math.min(monthlyRequests, sampling.reservoirPerSecond * SECONDS_PER_MONTH);
  const traced = reservoir + sampling.fixedRate * (monthlyRequests - reservoir);
  return (traced / monthlyRequests) * MILLION;
}

function nonNegative(config: object, keys: string[]): void {
  const record = config as Record<string, unknown>;
  for (const key of keys) {
    const value = record[key];
    if (!(typeof value === 'number' && value >= 0)) throw new RangeError(`${key} must be a non-negative number`);
  }
}

function ratio(value: number, name: string): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1]`);
}

/** Itemised AWS cost of one million token requests at `monthlyTokens` token requests a month. */
export function costPerMillionTokens(config: CostConfig, prices: PriceTable, monthlyTokens: number): CostBreakdown {
  ratio(config.reuseHitRatio, 'reuseHitRatio');
  nonNegative(config, ['memoryMb', 'handlerMs', 'reuseHitHandlerMs', 'coldStartsPerMillion', 'initMs']);
  if (!(monthlyTokens > 0)) throw new RangeError('monthlyTokens must be positive');
  const reused = MILLION * config.reuseHitRatio;
  const envelope = config.signing === 'envelope';
  const signed = MILLION - reused;
  const signs = envelope ? 0 : signed;
  const decrypts = envelope ? config.coldStartsPerMillion : 0;
  const warmSeconds = (signed * config.handlerMs + reused * config.reuseHitHandlerMs) / 1000;
  const initSeconds = (config.coldStartsPerMillion * config.initMs) / 1000;
  const gbSeconds = (config.memoryMb / 1024) * (warmSeconds + initSeconds);
  const readUnits = MILLION * config.readUnitsPerRequest;
  const secretCalls = config.coldStartsPerMillion * config.secretReadsPerColdStart;
  const { bytes } = config;
  const logBytes =
    MILLION * (bytes.logBytesPerRequest + LOG_EVENT_OVERHEAD_BYTES * bytes.logEventsPerRequest) +
    config.coldStartsPerMillion * (bytes.logBytesPerColdStart + LOG_EVENT_OVERHEAD_BYTES * bytes.logEventsPerColdStart);
  const logGb = logBytes / BYTES_PER_GB;
  const logGbMonths = (logGb * config.logRetentionDays) / 30;
  const traces = tracedPerMillion(monthlyTokens, config.xRay);

  const items: CostItem[] = [
    {
      service: 'API Gateway',
      item: 'API Gateway HTTP API',
      quantity: MILLION,
      unit: 'requests',
      usd: prices.apiGatewayHttpPerMillionRequests,
    },
    {
      service: 'Lambda',
      item: 'Lambda requests',
      quantity: MILLION,
      unit: 'invocations',
      usd: prices.lambdaPerMillionRequests,
    },
    {
      service: 'Lambda',
      item: 'Lambda duration (arm64)',
      quantity: gbSeconds,
      unit: 'GB-s',
      usd: gbSeconds * prices.lambdaArmPerGbSecond,
    },
    {
      service: 'DynamoDB',
      item: 'DynamoDB reads',
      quantity: readUnits,
      unit: 'RRU',
      usd: (readUnits / MILLION) * prices.dynamoDbPerMillionReadUnits,
    },
    {
      service: 'DynamoDB',
      item: 'DynamoDB writes',
      quantity: config.writeUnitsPerMillion,
      unit: 'WRU',
      usd: (config.writeUnitsPerMillion / MILLION) * prices.dynamoDbPerMillionWriteUnits,
    },
    {
      service: 'KMS',
      item: `KMS Sign (${config.alg === 'RS256' ? 'RSA_2048' : 'ECC_NIST_P256'})`,
      quantity: signs,
      unit: 'requests',
      usd: (signs / 10_000) * prices.kmsSignPer10kRequests[config.alg],
    },
    ...(envelope
      ? [
          {
            service: 'KMS' as const,
            item: 'KMS Decrypt (envelope key, once per cold start)',
            quantity: decrypts,
            unit: 'requests',
            usd: (decrypts / 10_000) * prices.kmsSymmetricPer10kRequests,
          },
        ]
      : []),
    {
      service: 'KMS',
      item: 'KMS GetPublicKey',
      quantity: 0,
      unit: 'requests',
      usd: 0,
      note: KMS_GET_PUBLIC_KEY_NOTE,
    },
    {
      service: 'Secrets Manager',
      item: 'Secrets Manager GetSecretValue',
      quantity: secretCalls,
      unit: 'calls',
      usd: (secretCalls / 10_000) * prices.secretsManagerPer10kCalls,
    },
    {
      service: 'CloudWatch Logs',
      item: 'CloudWatch Logs ingestion',
      quantity: logGb,
      unit: 'GB',
      usd: logGb * prices.cloudWatchLogsPerGbIngested,
    },
    {
      service: 'CloudWatch Logs',
      item: `CloudWatch Logs storage (${config.logRetentionDays} days)`,
      quantity: logGbMonths,
      unit: 'GB-month',
      usd: logGbMonths * prices.cloudWatchLogsPerGbMonthStored,
    },
    {
      service: 'CloudWatch metrics',
      item: 'CloudWatch metrics (EMF)',
      quantity: 0,
      unit: 'PutMetricData calls',
      usd: 0,
      note: '$0 because EMF records are log lines (counted in ingestion); the metrics are billed per month (fixed)',
    },
    {
      service: 'X-Ray',
      item: 'X-Ray traces recorded',
      quantity: traces,
      unit: 'traces',
      usd: (traces / MILLION) * prices.xRayPerMillionTraces,
    },
  ];
  if (config.edge !== undefined) {
    const outGb = (MILLION * bytes.responseBytes) / BYTES_PER_GB;
    const originGb = (MILLION * bytes.originRequestBytes) / BYTES_PER_GB;
    items.push(
      {
        service: 'AWS WAF',
        item: 'AWS WAF requests',
        quantity: MILLION,
        unit: 'requests',
        usd: prices.wafPerMillionRequests,
      },
      {
        service: 'CloudFront',
        item: 'CloudFront HTTPS requests',
        quantity: MILLION,
        unit: 'requests',
        usd: (MILLION / 10_000) * prices.cloudFrontPer10kHttpsRequests,
      },
      {
        service: 'CloudFront',
        item: 'CloudFront data transfer out',
        quantity: outGb,
        unit: 'GB',
        usd: outGb * prices.cloudFrontPerGbOut,
      },
      {
        service: 'CloudFront',
        item: 'CloudFront transfer to origin',
        quantity: originGb,
        unit: 'GB',
        usd: originGb * prices.cloudFrontPerGbToOrigin,
      },
    );
  }

  const fixedMonthly = fixedMonthlyItems(config, prices);
  const variableUsd = items.reduce((sum, item) => sum + item.usd, 0);
  const fixedMonthlyUsd = fixedMonthly.reduce((sum, item) => sum + item.usd, 0);
  const fixedPerMillionUsd = (fixedMonthlyUsd * MILLION) / monthlyTokens;
  const totalUsd = variableUsd + fixedPerMillionUsd;
  const consumer = config.consumer === undefined ? [] : consumerItems(config.consumer, config, prices, monthlyTokens);
  const cognitoUsd = (MILLION / 1000) * prices.cognitoM2mPer1000TokenRequests;
  return {
    config,
    monthlyTokens,
    items,
    variableUsd,
    fixedMonthly,
    fixedMonthlyUsd,
    fixedPerMillionUsd,
    totalUsd,
    kmsSigns: signs + decrypts,
    consumer,
    consumerUsd: consumer.reduce((sum, item) => sum + item.usd, 0),
    cognitoUsd,
    cognitoRatio: cognitoUsd / totalUsd,
  };
}

function fixedMonthlyItems(config: CostConfig, prices: PriceTable): CostItem[] {
  const { fixed } = config;
  const items: CostItem[] = [
    { service: 'KMS', item: 'KMS signing key', quantity: 1, unit: 'key', usd: prices.kmsKeyPerMonth },
    {
      service: 'Secrets Manager',
      item: 'Secrets Manager secrets',
      quantity: fixed.secrets,
      unit: 'secrets',
      usd: fixed.secrets * prices.secretsManagerSecretPerMonth,
    },
    {
      service: 'CloudWatch metrics',
      item: 'CloudWatch custom metrics',
      quantity: fixed.customMetrics,
      unit: 'metrics',
      usd: fixed.customMetrics * prices.cloudWatchMetricPerMonth,
    },
    {
      service: 'DynamoDB',
      item: 'DynamoDB storage and backups',
      quantity: 0,
      unit: 'GB',
      usd: 0,
      note: '$0 because it is billed on table size, a client registry of KB to MB (under $0.01 a month)',
    },
  ];
  if (fixed.alarmMetrics > 0) {
    items.push({
      service: 'CloudWatch alarms',
      item: 'CloudWatch alarms',
      quantity: fixed.alarmMetrics,
      unit: 'alarm metrics',
      usd: fixed.alarmMetrics * prices.cloudWatchAlarmMetricPerMonth,
    });
  }
  if (config.edge !== undefined) {
    items.push(
      { service: 'AWS WAF', item: 'AWS WAF web ACL', quantity: 1, unit: 'web ACL', usd: prices.wafWebAclPerMonth },
      {
        service: 'AWS WAF',
        item: 'AWS WAF rules',
        quantity: config.edge.wafRules,
        unit: 'rules',
        usd: config.edge.wafRules * prices.wafRulePerMonth,
      },
    );
  }
  if (fixed.provisionedConcurrency > 0) {
    const gbSeconds = fixed.provisionedConcurrency * (config.memoryMb / 1024) * SECONDS_PER_MONTH;
    items.push({
      service: 'Lambda',
      item: `Lambda provisioned concurrency (${fixed.provisionedConcurrency})`,
      quantity: gbSeconds,
      unit: 'GB-s',
      usd: gbSeconds * prices.lambdaArmProvisionedPerGbSecond,
    });
  }
  return items;
}

function consumerItems(
  consumer: ConsumerAuthorizerConfig,
  config: CostConfig,
  prices: PriceTable,
  monthlyTokens: number,
): CostItem[] {
  ratio(consumer.cacheHitRatio, 'cacheHitRatio');
  const invocations = MILLION * consumer.apiCallsPerToken * (1 - consumer.cacheHitRatio);
  const gbSeconds = (consumer.memoryMb / 1024) * ((invocations * consumer.handlerMs) / 1000);
  const readUnits = invocations * consumer.statusReadsPerInvocation * 0.5;
  const logGb =
    (invocations * (consumer.logBytesPerInvocation + LOG_EVENT_OVERHEAD_BYTES * consumer.logEventsPerInvocation)) /
    BYTES_PER_GB;
  const traces = (invocations / MILLION) * tracedPerMillion((monthlyTokens * invocations) / MILLION, config.xRay);
  return [
    {
      service: 'Lambda',
      item: 'authorizer requests',
      quantity: invocations,
      unit: 'invocations',
      usd: (invocations / MILLION) * prices.lambdaPerMillionRequests,
    },
    {
      service: 'Lambda',
      item: 'authorizer duration (arm64)',
      quantity: gbSeconds,
      unit: 'GB-s',
      usd: gbSeconds * prices.lambdaArmPerGbSecond,
    },
    {
      service: 'DynamoDB',
      item: 'authorizer client-status reads',
      quantity: readUnits,
      unit: 'RRU',
      usd: (readUnits / MILLION) * prices.dynamoDbPerMillionReadUnits,
    },
    {
      service: 'CloudWatch Logs',
      item: 'authorizer log ingestion',
      quantity: logGb,
      unit: 'GB',
      usd: logGb * prices.cloudWatchLogsPerGbIngested,
    },
    {
      service: 'X-Ray',
      item: 'authorizer traces recorded',
      quantity: traces,
      unit: 'traces',
      usd: (traces / MILLION) * prices.xRayPerMillionTraces,
    },
  ];
}

/**
 * The metered services a stage deploys, read from its configuration: every stage has the HTTP API,
 * the functions (with X-Ray active tracing and their log groups: lib/function-defaults.ts), the table,
 * the signing key, the secrets and the token metrics; alarms where enabled (lib/alarms.ts); CloudFront
 * and WAF with edge protection (lib/edge-distribution.ts, lib/edge-protection.ts).
 */
export function deployedServices(stage: StageConfig): ServiceName[] {
  const services: ServiceName[] = [
    'API Gateway',
    'Lambda',
    'DynamoDB',
    'KMS',
    'Secrets Manager',
    'CloudWatch Logs',
    'CloudWatch metrics',
    'X-Ray',
  ];
  if (stage.alarms.enabled) services.push('CloudWatch alarms');
  if (stage.edgeProtection.enabled) services.push('AWS WAF', 'CloudFront');
  return services;
}

/**
 * Rules of the edge web ACL (lib/edge-protection.ts): the token-endpoint and all-paths per-IP rate
 * rules and the AWS managed common rule set.
 */
export const EDGE_WAF_RULES = 3;

/**
 * Alarm metrics of lib/alarms.ts: API 5xx, 4xx spike and token p99 (3); errors and throttles of the
 * token, discovery, admin and authorizer functions (8); DynamoDB read + write throttles (2, one math
 * expression); DynamoDB system errors over 7 operations (7, one math expression); KMS, store and init
 * failures from metric filters (3); KMS throttles and the Sign rate near the quota (2).
 */
export const ALARM_METRICS = 3 + 8 + 2 + 7 + 3 + 2;

/**
 * Custom metrics the token function publishes every month through EMF (lambdas/adapters/token-metrics.ts):
 * `TokensIssued` and `TokensReused`, each with the `service` dimension, and `KmsSignRequests` (kms mode) or
 * `KmsDecryptRequests` (envelope mode; `KmsThrottles` only in a month with throttles). `TokensDenied` adds one
 * metric per (error, reason) pair that occurs in the month, and the metric filters of lib/alarms.ts one
 * each only in a month they match: not counted.
 */
export const CUSTOM_METRICS = 3;

/** What {@link stageCostConfig} needs besides the stage's configuration. */
export interface StageAssumptions {
  /** Billed warm duration of a signing request per algorithm, ms (`kms` mode: the Sign round trip included). */
  handlerMs: Record<SigningAlgorithm, number>;
  /** The same in `envelope` mode: the Query and the in-memory signature. @default handlerMs */
  envelopeHandlerMs?: Record<SigningAlgorithm, number>;
  reuseHitHandlerMs: number;
  initMs: number;
  coldStartsPerMillion: number;
  writeUnitsPerMillion: number;
  /** Per request and cold start bytes from bench/cost-measure.ts, edge headers not included. */
  measured: {
    logBytesPerRequest: number;
    logEventsPerRequest: number;
    logBytesPerColdStart: number;
    logEventsPerColdStart: number;
    responseBytes: number;
    requestBytes: number;
    edgeResponseHeaderBytes: number;
    edgeOriginHeaderBytes: number;
  };
  xRay: XRaySampling;
  consumer?: ConsumerAuthorizerConfig;
}

/** The cost configuration of a stage as lib/config.ts deploys it, at a reuse hit ratio. */
export function stageCostConfig(stage: StageConfig, reuseHitRatio: number, assumed: StageAssumptions): CostConfig {
  const edge = stage.edgeProtection.enabled;
  const { measured } = assumed;
  const envelope = stage.signing === 'envelope';
  return {
    name: `${stage.stageName} ${stage.signingAlgorithm}${envelope ? ' envelope' : ''}, ${Math.round(reuseHitRatio * 100)}% reuse`,
    alg: stage.signingAlgorithm,
    signing: stage.signing,
    memoryMb: stage.memorySize,
    handlerMs: ((envelope ? assumed.envelopeHandlerMs : undefined) ?? assumed.handlerMs)[stage.signingAlgorithm],
    reuseHitHandlerMs: assumed.reuseHitHandlerMs,
    reuseHitRatio,
    coldStartsPerMillion: assumed.coldStartsPerMillion,
    initMs: assumed.initMs,
    readUnitsPerRequest: 1,
    writeUnitsPerMillion: assumed.writeUnitsPerMillion,
    // The pepper; behind CloudFront also the origin-verify value.
    secretReadsPerColdStart: edge ? 2 : 1,
    bytes: {
      logBytesPerRequest: measured.logBytesPerRequest,
      logEventsPerRequest: measured.logEventsPerRequest,
      logBytesPerColdStart: measured.logBytesPerColdStart,
      logEventsPerColdStart: measured.logEventsPerColdStart,
      responseBytes: measured.responseBytes + measured.edgeResponseHeaderBytes,
      originRequestBytes: measured.requestBytes + measured.edgeOriginHeaderBytes,
    },
    logRetentionDays: stage.logRetention,
    xRay: assumed.xRay,
    ...(edge ? { edge: { wafRules: EDGE_WAF_RULES } } : {}),
    fixed: {
      // The pepper and the bootstrap admin secret (lib/stateful-stack.ts); the origin-verify secret at the edge.
      secrets: edge ? 3 : 2,
      customMetrics: CUSTOM_METRICS,
      alarmMetrics: stage.alarms.enabled ? ALARM_METRICS : 0,
      provisionedConcurrency: stage.tokenProvisionedConcurrency ?? 0,
    },
    ...(assumed.consumer !== undefined ? { consumer: assumed.consumer } : {}),
  };
}
