/**
 * `npm run cost`: AWS cost per million access tokens for each stage as lib/config.ts deploys it (dev
 * and test without edge protection, staging and prod behind CloudFront + WAF), RS256 as configured,
 * without and with token reuse, beside Amazon Cognito M2M; and, apart, the API owner's authorizer.
 * Prices: bench/prices.ts. The model: bench/cost-model.ts. Bytes: measured on the local IdP first
 * (bench/cost-measure.ts), so the run takes a few seconds.
 *
 * The durations are assumptions, not measurements: on AWS a warm token request is dominated by two
 * in-region round trips (a DynamoDB Query, a KMS Sign); the local bench measures the CPU part only.
 */
import { STAGE_DEFAULTS, STAGE_NAMES } from '../lib/config';
import type { StageName } from '../lib/config';
import { measureTokenRequestBytes, platformLogLines } from './cost-measure';
import type { MeasuredBytes } from './cost-measure';
import { costPerMillionTokens, stageCostConfig } from './cost-model';
import type { ConsumerAuthorizerConfig, CostBreakdown, CostItem, ServiceName, StageAssumptions } from './cost-model';
import { PRICES } from './prices';
import { markdownTable, num } from './table';

/** Monthly token volumes the fixed costs are spread over (and X-Ray's sampling is read at). */
const VOLUMES = [10_000_000, 100_000_000] as const;
/** Token requests measured on the local IdP. */
const MEASURED_REQUESTS = 50;

/** Shared assumptions, stated once so the table reads against them. */
const ASSUMED = {
  /** DynamoDB consistent Query (~5 ms) + KMS Sign RSA_2048 (~15 ms) / ECC_NIST_P256 (~10 ms) + CPU at 512 MB (~5 ms). */
  handlerMs: { RS256: 25, ES256: 20 },
  /**
   * Envelope mode: the Query (~5 ms), the in-memory signature at 512 MB (~0.29 vCPU: RS256 ~3 ms,
   * ES256 ~0.3 ms; `npm run bench` section 9) and the CPU (~5 ms).
   */
  envelopeHandlerMs: { RS256: 13, ES256: 10 },
  /** The Query and the CPU only. */
  reuseHitHandlerMs: 8,
  /** Module init (~110 ms measured locally for the token bundle) + SDK clients + the secrets from Secrets Manager. */
  initMs: 400,
  /** Cold starts per million: dev and test see sparse traffic, staging a small warm pool, prod a warm pool plus 2 provisioned. */
  coldStartsPerMillion: { dev: 10_000, test: 10_000, staging: 1_000, prod: 200 } satisfies Record<StageName, number>,
  /** Secret `lastUsedAt` writes per million: few secrets × instances × one per 5 minutes. */
  writeUnitsPerMillion: { dev: 100, test: 100, staging: 1_000, prod: 1_000 } satisfies Record<StageName, number>,
  /** The default X-Ray sampling rule (the functions set none of their own). */
  xRay: { reservoirPerSecond: 1, fixedRate: 0.05 },
};

/**
 * The API owner's Lambda authorizer (lib/idp-token-authorizer.ts, 256 MB arm64, results cached 5 min
 * keyed per token, method and route): each token is used for 100 API calls, 90% answered from the
 * cache (≤ 10 misses per token: e.g. one route called over 50 minutes), 5 ms billed per invocation
 * (verification is ~75 µs of CPU with a cached JWKS, plus the client-status read when its 60 s cache
 * misses, 1 in 20 invocations assumed). The API's own requests are the owner's with or without an
 * authorizer and are not counted.
 */
function consumerAssumptions(): ConsumerAuthorizerConfig {
  const lines = platformLogLines(256).invocation;
  return {
    apiCallsPerToken: 100,
    cacheHitRatio: 0.9,
    memoryMb: 256,
    handlerMs: 5,
    statusReadsPerInvocation: 0.05,
    logBytesPerInvocation: lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0),
    logEventsPerInvocation: lines.length,
  };
}

function assumptionsFor(
  stage: StageName,
  measured: MeasuredBytes,
  consumer: ConsumerAuthorizerConfig,
): StageAssumptions {
  return {
    handlerMs: ASSUMED.handlerMs,
    envelopeHandlerMs: ASSUMED.envelopeHandlerMs,
    reuseHitHandlerMs: ASSUMED.reuseHitHandlerMs,
    initMs: ASSUMED.initMs,
    coldStartsPerMillion: ASSUMED.coldStartsPerMillion[stage],
    writeUnitsPerMillion: ASSUMED.writeUnitsPerMillion[stage],
    measured: {
      logBytesPerRequest: measured.accessLogBytes + measured.platformBytes + measured.emfBytes + measured.appLogBytes,
      logEventsPerRequest: 1 + measured.platformLines + 1 + measured.appLogLines,
      logBytesPerColdStart: measured.coldStartBytes,
      logEventsPerColdStart: measured.coldStartLines,
      responseBytes: measured.responseBytes,
      requestBytes: measured.requestBytes,
      edgeResponseHeaderBytes: measured.edgeResponseHeaderBytes,
      edgeOriginHeaderBytes: measured.edgeOriginHeaderBytes,
    },
    xRay: ASSUMED.xRay,
    consumer,
  };
}

function usd(value: number): string {
  return `$${value !== 0 && value < 0.01 ? value.toFixed(4) : num(value, 3)}`;
}

function usdOf(breakdown: CostBreakdown, service: ServiceName): number {
  return breakdown.items.filter((item) => item.service === service).reduce((sum, item) => sum + item.usd, 0);
}

function quantity(item: CostItem): string {
  const whole = Math.abs(item.quantity - Math.round(item.quantity)) < 1e-6;
  return num(item.quantity, whole ? 0 : item.quantity < 10 ? 3 : 1);
}

function itemRows(items: CostItem[]): string[][] {
  return items.map((item) => [item.item, quantity(item), item.unit, usd(item.usd), item.note ?? '']);
}

async function main(): Promise<void> {
  const plain = await measureTokenRequestBytes({ alg: 'RS256', requests: MEASURED_REQUESTS, memoryMb: 512 });
  const reuse = await measureTokenRequestBytes({
    alg: 'RS256',
    requests: MEASURED_REQUESTS,
    memoryMb: 512,
    tokenReuse: true,
  });
  if (plain.ok !== plain.requests || reuse.ok !== reuse.requests) throw new Error('a measured token request failed');
  const consumer = consumerAssumptions();

  const rows: { stage: StageName; at: CostBreakdown[] }[] = [];
  for (const stage of STAGE_NAMES) {
    for (const [hit, measured] of [
      [0, plain],
      [0.9, reuse],
    ] as const) {
      const config = stageCostConfig(STAGE_DEFAULTS[stage], hit, assumptionsFor(stage, measured, consumer));
      rows.push({ stage, at: VOLUMES.map((volume) => costPerMillionTokens(config, PRICES, volume)) });
    }
  }
  // Envelope signing (README, "Signing modes"): no KMS request per token, one Decrypt per cold start;
  // dev and test without the edge, staging and prod with CloudFront + WAF.
  const envelopeRows: { stage: StageName; at: CostBreakdown[] }[] = [];
  for (const stage of STAGE_NAMES) {
    const config = stageCostConfig(
      { ...STAGE_DEFAULTS[stage], signing: 'envelope' },
      0,
      assumptionsFor(stage, plain, consumer),
    );
    envelopeRows.push({ stage, at: VOLUMES.map((volume) => costPerMillionTokens(config, PRICES, volume)) });
  }
  rows.push(...envelopeRows);

  const out: string[] = [];
  out.push(`# Cost per million access tokens (AWS list prices, ${PRICES.region}, as of ${PRICES.asOf})`);
  out.push('');
  out.push(
    markdownTable(
      [
        'stage as configured',
        'KMS requests',
        'API Gateway',
        'Lambda',
        'DynamoDB',
        'KMS',
        'Secrets Mgr',
        'CW Logs',
        'WAF',
        'CloudFront',
        'X-Ray 10M / 100M',
        'fixed / month',
        'total / 1M @ 10M/mo',
        'total / 1M @ 100M/mo',
        'Cognito ÷ ours @ 100M',
      ],
      rows.map(({ at: [r10, r100] }) => [
        r10!.config.name,
        num(r10!.kmsSigns),
        usd(usdOf(r10!, 'API Gateway')),
        usd(usdOf(r10!, 'Lambda')),
        usd(usdOf(r10!, 'DynamoDB')),
        usd(usdOf(r10!, 'KMS')),
        usd(usdOf(r10!, 'Secrets Manager')),
        usd(usdOf(r10!, 'CloudWatch Logs')),
        r10!.config.edge === undefined ? '—' : usd(usdOf(r10!, 'AWS WAF')),
        r10!.config.edge === undefined ? '—' : usd(usdOf(r10!, 'CloudFront')),
        `${usd(usdOf(r10!, 'X-Ray'))} / ${usd(usdOf(r100!, 'X-Ray'))}`,
        usd(r10!.fixedMonthlyUsd),
        usd(r10!.totalUsd),
        usd(r100!.totalUsd),
        `${num(r100!.cognitoRatio)}×`,
      ]),
    ),
  );
  out.push('');
  out.push(
    `Cognito M2M: ${usd(rows[0]!.at[0]!.cognitoUsd)} per million tokens (${usd(PRICES.cognitoM2mPer1000TokenRequests)} per 1,000) ` +
      `plus ${usd(PRICES.cognitoM2mAppClientPerMonth)} per app client per month. "total" = the per-request items + the fixed ` +
      `monthly part spread over 10 M or 100 M tokens a month.`,
  );
  out.push('');
  const prod = rows.find((row) => row.stage === 'prod' && row.at[0]!.config.reuseHitRatio > 0)!.at[0]!;
  out.push(`Itemised, ${prod.config.name}, per million tokens at 10 M tokens a month:`);
  out.push('');
  out.push(markdownTable(['item', 'quantity', 'unit', 'USD', 'note'], itemRows(prod.items)));
  out.push('');
  out.push(`Fixed per month, ${prod.config.name.split(',')[0]}:`);
  out.push('');
  out.push(markdownTable(['item', 'quantity', 'unit', 'USD / month', 'note'], itemRows(prod.fixedMonthly)));
  out.push('');
  out.push(
    `Fixed per month by stage: ${rows
      .slice(0, 2 * STAGE_NAMES.length)
      .filter((_, i) => i % 2 === 0)
      .map(({ stage, at }) => `${stage} ${usd(at[0]!.fixedMonthlyUsd)}`)
      .join(', ')}.`,
  );
  out.push('');
  out.push(
    "**API owner's cost, not the IdP's**: the example consumer's Lambda authorizer (lib/example-consumer-stack.ts), " +
      `per million tokens at 10 M tokens a month; ${num(consumer.apiCallsPerToken)} API calls per token, ` +
      `${num(consumer.cacheHitRatio * 100)}% authorizer cache hits:`,
  );
  out.push('');
  out.push(markdownTable(['item', 'quantity', 'unit', 'USD', 'note'], itemRows(prod.consumer)));
  out.push('');
  out.push(`Total: ${usd(prod.consumerUsd)} per million tokens on the API owner's bill.`);
  out.push('');
  out.push(
    `Measured on the local IdP (${plain.requests} RS256 token requests, bench client): request ${num(plain.requestBytes)} B; ` +
      `response ${num(plain.responseBytes)} B (body ${num(plain.responseBodyBytes)} B), ` +
      `+${num(plain.edgeResponseHeaderBytes)} B of API Gateway/CloudFront headers at the edge, ` +
      `+${num(plain.edgeOriginHeaderBytes)} B of CloudFront headers to the origin; ` +
      `${num(plain.appLogLines, 1)} app log lines (${num(plain.appLogBytes)} B), EMF record ${num(plain.emfBytes)} B ` +
      `(${num(reuse.emfBytes, 1)} B with reuse). Constructed from documented shapes: access-log line ` +
      `${num(plain.accessLogBytes)} B, Lambda platform.start + platform.report ${num(plain.platformBytes)} B, ` +
      `init records ${num(plain.coldStartBytes)} B per cold start; +26 B per log event.`,
  );
  out.push(
    `Assumed: warm request ${ASSUMED.handlerMs.RS256} ms (RS256), ${ASSUMED.reuseHitHandlerMs} ms reused, ` +
      `${ASSUMED.initMs} ms billed init; cold starts per million ${STAGE_NAMES.map((s) => `${s} ${num(ASSUMED.coldStartsPerMillion[s])}`).join(', ')}; ` +
      `1 RRU per request; X-Ray default rule (1/s + 5%) over evenly spread traffic; log storage uncompressed for the ` +
      `stage's retention; free tiers, taxes and data transfer of the discovery/JWKS and admin paths not counted.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`cost: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
