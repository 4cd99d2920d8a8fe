/**
 * The one price table of the cost model: AWS list prices in us-east-1 (N. Virginia), on-demand, no
 * free tier, no savings plans, as checked on 2026-11-23. Update the values and `asOf` together.
 */
import type { SigningAlgorithm } from '../lambdas/domain/ports';

export interface PriceTable {
  region: string;
  /** When the prices were checked (ISO date). */
  asOf: string;
  /** API Gateway HTTP API, USD per million requests (first 300 million a month; 512 KB metering unit). */
  apiGatewayHttpPerMillionRequests: number;
  /** Lambda arm64 duration, USD per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmPerGbSecond: number;
  /** Lambda requests, USD per million. */
  lambdaPerMillionRequests: number;
  /** DynamoDB on-demand, USD per million read request units. */
  dynamoDbPerMillionReadUnits: number;
  /** DynamoDB on-demand, USD per million write request units. */
  dynamoDbPerMillionWriteUnits: number;
  /** KMS `Sign` with the key spec behind each JWS algorithm, USD per 10,000 requests. */
  kmsSignPer10kRequests: Record<SigningAlgorithm, number>;
  /** KMS customer managed key, USD per month. */
  kmsKeyPerMonth: number;
  /** Secrets Manager, USD per secret per month. */
  secretsManagerSecretPerMonth: number;
  /** Secrets Manager API calls, USD per 10,000. */
  secretsManagerPer10kCalls: number;
  /** Amazon Cognito M2M (client credentials), USD per 1,000 successful token requests (first tier). */
  cognitoM2mPer1000TokenRequests: number;
  /** Amazon Cognito M2M, USD per app client per month. */
  cognitoM2mAppClientPerMonth: number;
}

export const PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11-23',
  // https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs: $1.00 per million for the first 300 million)
  apiGatewayHttpPerMillionRequests: 1.0,
  // https://aws.amazon.com/lambda/pricing/ (Arm: $0.0000133334 per GB-s; requests $0.20 per million).
  // Since 2025-08-01 the INIT phase of on-demand functions is billed as duration too.
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the 50% on-demand cut of 2024-11-01:
  // $0.125 per million RRU, $0.625 per million WRU). A strongly consistent Query of an item collection
  // under 4 KB is 1 RRU.
  dynamoDbPerMillionReadUnits: 0.125,
  dynamoDbPerMillionWriteUnits: 0.625,
  // https://aws.amazon.com/kms/pricing/ (requests involving RSA 2048 keys: $0.03 per 10,000, like
  // symmetric requests; other asymmetric requests, ECC_NIST_P256 included: $0.15 per 10,000).
  // Asymmetric requests are excluded from the 20,000-request free tier.
  kmsSignPer10kRequests: { RS256: 0.03, ES256: 0.15 },
  kmsKeyPerMonth: 1.0,
  // https://aws.amazon.com/secrets-manager/pricing/ ($0.40 per secret per month, $0.05 per 10,000 API calls)
  secretsManagerSecretPerMonth: 0.4,
  secretsManagerPer10kCalls: 0.05,
  // https://aws.amazon.com/cognito/pricing/ (machine-to-machine, published 2024-05-09: $2.25 per 1,000
  // token requests in the first tier, $6.00 per app client per month)
  cognitoM2mPer1000TokenRequests: 2.25,
  cognitoM2mAppClientPerMonth: 6.0,
};
