/**
 * `npm run cost`: AWS cost per million access tokens for the dev and prod-like stage configurations
 * (lib/config.ts: 512 MB, RS256 by default), without and with token reuse, beside Amazon Cognito M2M.
 * Prices: bench/prices.ts. The model: bench/cost-model.ts.
 *
 * The durations are assumptions, not measurements: on AWS a warm token request is dominated by two
 * in-region round trips (a DynamoDB Query, a KMS Sign); the local bench measures the CPU part only.
 */
import { costPerMillionTokens } from './cost-model';
import type { CostBreakdown, CostConfig } from './cost-model';
import { PRICES } from './prices';
import { markdownTable, num } from './table';

/** Shared assumptions, stated once so the table reads against them. */
const ASSUMED = {
  /** DynamoDB consistent Query (~5 ms) + KMS Sign RSA_2048 (~15 ms) + CPU at 512 MB (~5 ms). */
  rs256HandlerMs: 25,
  /** DynamoDB consistent Query (~5 ms) + KMS Sign ECC_NIST_P256 (~10 ms) + CPU at 512 MB (~5 ms). */
  es256HandlerMs: 20,
  /** The Query and the CPU only. */
  reuseHitHandlerMs: 8,
  /** Module init (~110 ms measured locally for the token bundle) + SDK clients + the pepper from Secrets Manager. */
  initMs: 400,
};

function config(
  name: string,
  stage: { alg: 'RS256' | 'ES256'; coldStartsPerMillion: number; writeUnitsPerMillion: number },
  reuseHitRatio: number,
): CostConfig {
  return {
    name: `${name}, ${Math.round(reuseHitRatio * 100)}% reuse`,
    alg: stage.alg,
    memoryMb: 512,
    handlerMs: stage.alg === 'RS256' ? ASSUMED.rs256HandlerMs : ASSUMED.es256HandlerMs,
    reuseHitHandlerMs: ASSUMED.reuseHitHandlerMs,
    reuseHitRatio,
    coldStartsPerMillion: stage.coldStartsPerMillion,
    initMs: ASSUMED.initMs,
    readUnitsPerRequest: 1,
    writeUnitsPerMillion: stage.writeUnitsPerMillion,
  };
}

// dev: sparse traffic, a cold start every 100 requests; prod-like: warm pool, 1 in 5,000.
const DEV = { alg: 'RS256', coldStartsPerMillion: 10_000, writeUnitsPerMillion: 100 } as const;
const PROD = { alg: 'RS256', coldStartsPerMillion: 200, writeUnitsPerMillion: 1_000 } as const;
const PROD_ES256 = { ...PROD, alg: 'ES256' } as const;

const CONFIGS: CostConfig[] = [
  config('dev RS256', DEV, 0),
  config('dev RS256', DEV, 0.9),
  config('prod-like RS256', PROD, 0),
  config('prod-like RS256', PROD, 0.9),
  config('prod-like ES256', PROD_ES256, 0),
  config('prod-like ES256', PROD_ES256, 0.9),
];

function usd(value: number): string {
  return `$${value < 0.01 ? value.toFixed(4) : num(value, 3)}`;
}

function usdOf(breakdown: CostBreakdown, prefix: string): number {
  return breakdown.items.filter((item) => item.item.startsWith(prefix)).reduce((sum, item) => sum + item.usd, 0);
}

function main(): void {
  const results = CONFIGS.map((c) => costPerMillionTokens(c, PRICES));
  const out: string[] = [];
  out.push(`# Cost per million access tokens (AWS list prices, ${PRICES.region}, as of ${PRICES.asOf})`);
  out.push('');
  out.push(
    markdownTable(
      [
        'configuration',
        'KMS signs',
        'API Gateway',
        'Lambda',
        'DynamoDB',
        'KMS',
        'Secrets Manager',
        'total / 1M tokens',
        'Cognito M2M / 1M',
        'Cognito ÷ ours',
      ],
      results.map((r) => [
        r.config.name,
        num(r.kmsSigns),
        usd(usdOf(r, 'API Gateway')),
        usd(usdOf(r, 'Lambda')),
        usd(usdOf(r, 'DynamoDB')),
        usd(usdOf(r, 'KMS')),
        usd(usdOf(r, 'Secrets Manager')),
        usd(r.totalUsd),
        usd(r.cognitoUsd),
        `${num(r.cognitoRatio)}×`,
      ]),
    ),
  );
  out.push('');
  out.push('Itemised, prod-like RS256 with 90% reuse:');
  out.push('');
  const example = results[3]!;
  out.push(
    markdownTable(
      ['item', 'quantity', 'unit', 'USD'],
      example.items.map((item) => [
        item.item,
        num(item.quantity, item.quantity % 1 === 0 ? 0 : 1),
        item.unit,
        usd(item.usd),
      ]),
    ),
  );
  out.push('');
  const fixed = example.fixedMonthly.reduce((sum, item) => sum + item.usd, 0);
  out.push(
    `Fixed per stage and month, whatever the traffic: ${example.fixedMonthly
      .map((item) => `${item.item} ${usd(item.usd)}`)
      .join(', ')} = ${usd(fixed)} (Cognito M2M: ${usd(PRICES.cognitoM2mAppClientPerMonth)} per app client per month).`,
  );
  out.push(
    `Assumed: 512 MB; warm request ${ASSUMED.rs256HandlerMs} ms (RS256) / ${ASSUMED.es256HandlerMs} ms (ES256), ` +
      `${ASSUMED.reuseHitHandlerMs} ms when the token is reused; ${ASSUMED.initMs} ms billed init per cold start; ` +
      `cold starts per million: dev ${num(DEV.coldStartsPerMillion)}, prod-like ${num(PROD.coldStartsPerMillion)}; ` +
      `1 RRU per request; free tiers and provisioned concurrency not counted.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
