/**
 * What one million token requests cost on AWS for a stage's configuration: a pure function of the
 * configuration and the price table (bench/prices.ts), itemised. Fixed monthly costs (the KMS key, the
 * secrets) do not scale with tokens and are returned apart.
 *
 * Per million token requests (N = 1,000,000, h = reuse hit ratio):
 * - API Gateway HTTP API: N requests;
 * - Lambda requests: N invocations;
 * - Lambda duration: memory GB × (N × ((1 − h) × handlerMs + h × reuseHitHandlerMs) + coldStarts × initMs) / 1000 s;
 * - DynamoDB reads: N × readUnitsPerRequest RRU (one strongly consistent Query of the client's item
 *   collection; a reused token still reads it, which is what keeps invalidation exact);
 * - DynamoDB writes: `writeUnitsPerMillion` WRU (secret `lastUsedAt`, at most one per secret per 5 minutes per instance);
 * - KMS: N × (1 − h) `Sign` requests at the price of the key spec behind `alg`;
 * - Secrets Manager: one `GetSecretValue` (the pepper) per cold start.
 */
import type { SigningAlgorithm } from '../lambdas/domain/ports';
import type { PriceTable } from './prices';

export interface CostConfig {
  /** A name for the table, e.g. `prod RS256, 90% reuse`. */
  name: string;
  alg: SigningAlgorithm;
  /** Lambda memory, MB. */
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
}

export interface CostItem {
  item: string;
  /** Quantity per million token requests, in `unit`. */
  quantity: number;
  unit: string;
  usd: number;
}

export interface CostBreakdown {
  config: CostConfig;
  /** Per million token requests. */
  items: CostItem[];
  /** USD per million token requests. */
  totalUsd: number;
  /** KMS `Sign` requests per million token requests. */
  kmsSigns: number;
  /** Fixed, per month, whatever the traffic. */
  fixedMonthly: CostItem[];
  /** Amazon Cognito M2M for the same million token requests, USD. */
  cognitoUsd: number;
  /** cognitoUsd ÷ totalUsd. */
  cognitoRatio: number;
}

const MILLION = 1_000_000;

/** Itemised AWS cost of one million token requests. */
export function costPerMillionTokens(config: CostConfig, prices: PriceTable): CostBreakdown {
  if (!(config.reuseHitRatio >= 0 && config.reuseHitRatio <= 1))
    throw new RangeError('reuseHitRatio must be in [0, 1]');
  for (const key of ['memoryMb', 'handlerMs', 'reuseHitHandlerMs', 'coldStartsPerMillion', 'initMs'] as const) {
    if (!(config[key] >= 0)) throw new RangeError(`${key} must be a non-negative number`);
  }
  const reused = MILLION * config.reuseHitRatio;
  const signs = MILLION - reused;
  const warmSeconds = (signs * config.handlerMs + reused * config.reuseHitHandlerMs) / 1000;
  const initSeconds = (config.coldStartsPerMillion * config.initMs) / 1000;
  const gbSeconds = (config.memoryMb / 1024) * (warmSeconds + initSeconds);
  const readUnits = MILLION * config.readUnitsPerRequest;

  const items: CostItem[] = [
    { item: 'API Gateway HTTP API', quantity: MILLION, unit: 'requests', usd: prices.apiGatewayHttpPerMillionRequests },
    { item: 'Lambda requests', quantity: MILLION, unit: 'invocations', usd: prices.lambdaPerMillionRequests },
    {
      item: 'Lambda duration (arm64)',
      quantity: gbSeconds,
      unit: 'GB-s',
      usd: gbSeconds * prices.lambdaArmPerGbSecond,
    },
    {
      item: 'DynamoDB reads',
      quantity: readUnits,
      unit: 'RRU',
      usd: (readUnits / MILLION) * prices.dynamoDbPerMillionReadUnits,
    },
    {
      item: 'DynamoDB writes',
      quantity: config.writeUnitsPerMillion,
      unit: 'WRU',
      usd: (config.writeUnitsPerMillion / MILLION) * prices.dynamoDbPerMillionWriteUnits,
    },
    {
      item: `KMS Sign (${config.alg === 'RS256' ? 'RSA_2048' : 'ECC_NIST_P256'})`,
      quantity: signs,
      unit: 'requests',
      usd: (signs / 10_000) * prices.kmsSignPer10kRequests[config.alg],
    },
    {
      item: 'Secrets Manager GetSecretValue',
      quantity: config.coldStartsPerMillion,
      unit: 'calls',
      usd: (config.coldStartsPerMillion / 10_000) * prices.secretsManagerPer10kCalls,
    },
  ];
  const totalUsd = items.reduce((sum, item) => sum + item.usd, 0);
  const cognitoUsd = (MILLION / 1000) * prices.cognitoM2mPer1000TokenRequests;
  return {
    config,
    items,
    totalUsd,
    kmsSigns: signs,
    fixedMonthly: [
      { item: 'KMS signing key', quantity: 1, unit: 'key', usd: prices.kmsKeyPerMonth },
      {
        item: 'Secrets Manager (pepper, bootstrap admin secret)',
        quantity: 2,
        unit: 'secrets',
        usd: 2 * prices.secretsManagerSecretPerMonth,
      },
    ],
    cognitoUsd,
    cognitoRatio: cognitoUsd / totalUsd,
  };
}
