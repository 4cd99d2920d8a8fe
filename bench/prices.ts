/**
 * The one price table of the cost model (bench/cost-model.ts): AWS list prices in us-east-1 (US East,
 * N. Virginia), on-demand, first tier, no free tier, no savings plans, as checked on 2026-11-23. Each
 * value names the AWS pricing page it is read from by that page's title. Update the values and `asOf`
 * together; test/unit/cost-model.test.ts recomputes its expected numbers from this table.
 */
import type { SigningAlgorithm } from '../lambdas/domain/ports';

export interface PriceTable {
  region: string;
  /** When the prices were checked (ISO date). */
  asOf: string;
  /** API Gateway HTTP API, USD per million requests (first 300 million a month; 512 KB metering unit). */
  apiGatewayHttpPerMillionRequests: number;
  /** Lambda arm64 on-demand duration, USD per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmPerGbSecond: number;
  /** Lambda requests, USD per million (both architectures). */
  lambdaPerMillionRequests: number;
  /** Lambda arm64 provisioned concurrency, USD per GB-second provisioned (whether used or not). */
  lambdaArmProvisionedPerGbSecond: number;
  /** DynamoDB on-demand, USD per million read request units. */
  dynamoDbPerMillionReadUnits: number;
  /** DynamoDB on-demand, USD per million write request units. */
  dynamoDbPerMillionWriteUnits: number;
  /** KMS `Sign` (and `GetPublicKey`) with the key spec behind each JWS algorithm, USD per 10,000 requests. */
  kmsSignPer10kRequests: Record<SigningAlgorithm, number>;
  /** KMS customer managed key, USD per month. */
  kmsKeyPerMonth: number;
  /** Symmetric requests (Decrypt of the envelope key), USD per 10,000. */
  kmsSymmetricPer10kRequests: number;
  /** Secrets Manager, USD per secret per month. */
  secretsManagerSecretPerMonth: number;
  /** Secrets Manager API calls, USD per 10,000. */
  secretsManagerPer10kCalls: number;
  /** AWS WAF, USD per million requests inspected by a web ACL (rules of up to 1,500 WCU). */
  wafPerMillionRequests: number;
  /** AWS WAF, USD per web ACL per month. */
  wafWebAclPerMonth: number;
  /** AWS WAF, USD per rule per month (a managed rule group counts as one rule). */
  wafRulePerMonth: number;
  /** CloudFront, USD per 10,000 HTTPS requests (United States, Mexico and Canada). */
  cloudFrontPer10kHttpsRequests: number;
  /** CloudFront data transfer out to the internet, USD per GB (United States, first 10 TB a month). */
  cloudFrontPerGbOut: number;
  /** CloudFront regional data transfer out to the origin, USD per GB (United States). */
  cloudFrontPerGbToOrigin: number;
  /** CloudWatch Logs, USD per GB ingested (standard log class; vended Lambda logs' first tier is the same). */
  cloudWatchLogsPerGbIngested: number;
  /** CloudWatch Logs, USD per GB-month stored (archived). */
  cloudWatchLogsPerGbMonthStored: number;
  /** CloudWatch custom metric, USD per metric per month (first 10,000 metrics). */
  cloudWatchMetricPerMonth: number;
  /** CloudWatch standard-resolution alarm, USD per alarm metric per month. */
  cloudWatchAlarmMetricPerMonth: number;
  /** AWS X-Ray, USD per million traces recorded. */
  xRayPerMillionTraces: number;
  /** Amazon Cognito M2M (client credentials), USD per 1,000 successful token requests (first tier). */
  cognitoM2mPer1000TokenRequests: number;
  /** Amazon Cognito M2M, USD per app client per month. */
  cognitoM2mAppClientPerMonth: number;
}

export const PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11-23',
  // "Amazon API Gateway Pricing", HTTP APIs: $1.00 per million requests for the first 300 million.
  apiGatewayHttpPerMillionRequests: 1.0,
  // "AWS Lambda Pricing", Arm price: $0.0000133334 per GB-s of duration, $0.20 per million requests,
  // provisioned concurrency $0.0000033334 per GB-s. Since 2025-08-01 the INIT phase of on-demand
  // functions is billed as duration too.
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  lambdaArmProvisionedPerGbSecond: 0.0000033334,
  // "Amazon DynamoDB pricing for on-demand capacity" (after the 50% cut of 2024-11-01): $0.125 per
  // million RRU, $0.625 per million WRU. A strongly consistent Query of an item collection under 4 KB
  // is 1 RRU; an eventually consistent GetItem under 4 KB is 0.5 RRU.
  dynamoDbPerMillionReadUnits: 0.125,
  dynamoDbPerMillionWriteUnits: 0.625,
  // "AWS Key Management Service Pricing": requests involving RSA 2048 keys $0.03 per 10,000 (like
  // symmetric requests); other asymmetric requests, ECC_NIST_P256 included, $0.15 per 10,000.
  // Asymmetric requests (Sign, GetPublicKey) are excluded from the 20,000-request free tier. $1 per key-month.
  kmsSignPer10kRequests: { RS256: 0.03, ES256: 0.15 },
  kmsKeyPerMonth: 1.0,
  // Symmetric requests (Decrypt): $0.03 per 10,000 (the 20,000-request monthly free tier not counted).
  kmsSymmetricPer10kRequests: 0.03,
  // "AWS Secrets Manager Pricing": $0.40 per secret per month, $0.05 per 10,000 API calls.
  secretsManagerSecretPerMonth: 0.4,
  secretsManagerPer10kCalls: 0.05,
  // "AWS WAF Pricing": $5.00 per web ACL per month, $1.00 per rule per month, $0.60 per million
  // requests (web ACLs up to 1,500 WCU; AWS managed rule groups such as the common rule set carry no
  // subscription fee beyond their rule charge).
  wafPerMillionRequests: 0.6,
  wafWebAclPerMonth: 5.0,
  wafRulePerMonth: 1.0,
  // "Amazon CloudFront Pricing" (pay as you go): HTTPS requests $0.0100 per 10,000 in the United
  // States; data transfer out to the internet $0.085 per GB (United States, first 10 TB); regional
  // data transfer out to origin $0.020 per GB (United States). Transfer from AWS origins to CloudFront
  // is free.
  cloudFrontPer10kHttpsRequests: 0.01,
  cloudFrontPerGbOut: 0.085,
  cloudFrontPerGbToOrigin: 0.02,
  // "Amazon CloudWatch Pricing": logs ingestion (standard) $0.50 per GB, storage (archival) $0.03
  // per GB-month; custom metrics $0.30 per metric-month (first 10,000); standard-resolution alarms
  // $0.10 per alarm metric-month.
  cloudWatchLogsPerGbIngested: 0.5,
  cloudWatchLogsPerGbMonthStored: 0.03,
  cloudWatchMetricPerMonth: 0.3,
  cloudWatchAlarmMetricPerMonth: 0.1,
  // "AWS X-Ray Pricing": traces recorded $5.00 per million (retrieval and scans are billed only when
  // someone reads traces, which the model does not count).
  xRayPerMillionTraces: 5.0,
  // "Amazon Cognito Pricing", machine-to-machine (published 2024-05-09): $2.25 per 1,000 token
  // requests in the first tier, $6.00 per app client per month.
  cognitoM2mPer1000TokenRequests: 2.25,
  cognitoM2mAppClientPerMonth: 6.0,
};
