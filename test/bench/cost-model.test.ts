/**
 * The cost model's arithmetic (bench/cost-model.ts) on a fixed configuration, against numbers computed
 * by hand from the price table (bench/prices.ts, us-east-1), and the stage rows derived from
 * lib/config.ts: edge stages carry WAF and CloudFront, the others do not, and every service a stage
 * deploys has a line.
 *
 *   config: RS256, 512 MB, handlerMs 20, reuseHitHandlerMs 6, h = 0.9, 100 cold starts × 400 ms, 1 RRU
 *           per request, 1,000 WRU per million, 2 secret reads per cold start; logs 1,000 B in 4 events
 *           per request and 600 B in 2 events per cold start, 90 days kept; edge with 3 WAF rules,
 *           1,300 B out per response, 700 B to the origin per request; 10 M tokens a month
 *
 *   API Gateway      1,000,000 requests × $1.00/M                                    = $1.00
 *   Lambda requests  1,000,000 × $0.20/M                                             = $0.20
 *   Lambda duration  0.5 GB × (1e6 × (0.1 × 20 + 0.9 × 6) ms + 100 × 400 ms) = 0.5 × (7,400 + 40) s
 *                    = 3,720 GB-s × $0.0000133334                                    = $0.049600248
 *   DynamoDB         1,000,000 RRU × $0.125/M = $0.125;  1,000 WRU × $0.625/M        = $0.000625
 *   KMS Sign         100,000 × $0.03/10k                                             = $0.30
 *   KMS GetPublicKey 0 (not on the token path)                                       = $0
 *   Secrets Manager  100 × 2 = 200 calls × $0.05/10k                                 = $0.001
 *   Logs ingestion   1e6 × (1,000 + 4 × 26) + 100 × (600 + 2 × 26) = 1,104,065,200 B
 *                    = 1.028240845 GiB × $0.50                                       = $0.514120422
 *   Logs storage     1.028240845 GiB × 90/30 months × $0.03                          = $0.092541676
 *   X-Ray            10 M/month: 2,592,000 (1/s) + 5% × 7,408,000 = 2,962,400 traced
 *                    → 296,240 per million × $5/M                                    = $1.4812
 *   WAF              1,000,000 × $0.60/M                                             = $0.60
 *   CloudFront       100 × $0.01 = $1.00; 1.3e9 B = 1.210719347 GiB × $0.085         = $0.102911144
 *                    0.7e9 B = 0.651925802 GiB × $0.02                               = $0.013038516
 *   per request      $5.480037007
 *   fixed / month    key $1 + 3 secrets $1.20 + 2 metrics $0.60 + 23 alarm metrics $2.30 + web ACL $5
 *                    + 3 rules $3 + PC 2 × 0.5 GB × 2,592,000 s × $0.0000033334 = $8.6401728 → $21.7401728
 *   total @ 10 M     5.480037007 + 21.7401728 / 10                                   = $7.654054287
 *   consumer         100 calls × 10% misses = 10 M invocations: $2.00; 0.25 GB × 5 ms → 12,500 GB-s
 *                    $0.1666675; 10 M × 0.05 × 0.5 = 250,000 RRU $0.03125; 10 M × (700 + 2 × 26) B =
 *                    7.003545761 GiB $3.501772881; X-Ray at 100 M/month 746,240 traces $3.7312;
 *                    total $9.430890381
 */
import { costPerMillionTokens, deployedServices, stageCostConfig, tracedPerMillion } from '../../bench/cost-model';
import type { CostConfig, StageAssumptions } from '../../bench/cost-model';
import { PRICES } from '../../bench/prices';
import { STAGE_DEFAULTS, STAGE_NAMES } from '../../lib/config';

const GIB = 1024 ** 3;

const CONFIG: CostConfig = {
  name: 'fixed',
  alg: 'RS256',
  memoryMb: 512,
  handlerMs: 20,
  reuseHitHandlerMs: 6,
  reuseHitRatio: 0.9,
  coldStartsPerMillion: 100,
  initMs: 400,
  readUnitsPerRequest: 1,
  writeUnitsPerMillion: 1000,
  secretReadsPerColdStart: 2,
  bytes: {
    logBytesPerRequest: 1000,
    logEventsPerRequest: 4,
    logBytesPerColdStart: 600,
    logEventsPerColdStart: 2,
    responseBytes: 1300,
    originRequestBytes: 700,
  },
  logRetentionDays: 90,
  xRay: { reservoirPerSecond: 1, fixedRate: 0.05 },
  edge: { wafRules: 3 },
  fixed: { secrets: 3, customMetrics: 2, alarmMetrics: 23, provisionedConcurrency: 2 },
  consumer: {
    apiCallsPerToken: 100,
    cacheHitRatio: 0.9,
    memoryMb: 256,
    handlerMs: 5,
    statusReadsPerInvocation: 0.05,
    logBytesPerInvocation: 700,
    logEventsPerInvocation: 2,
  },
};

const LOG_GB = 1_104_065_200 / GIB;

describe('costPerMillionTokens', () => {
  const result = costPerMillionTokens(CONFIG, PRICES, 10_000_000);

  it('itemises one million RS256 tokens with 90% reuse behind the edge', () => {
    const expected: [string, number, string, number][] = [
      ['API Gateway HTTP API', 1_000_000, 'requests', 1.0],
      ['Lambda requests', 1_000_000, 'invocations', 0.2],
      ['Lambda duration (arm64)', 3720, 'GB-s', 0.049600248],
      ['DynamoDB reads', 1_000_000, 'RRU', 0.125],
      ['DynamoDB writes', 1000, 'WRU', 0.000625],
      ['KMS Sign (RSA_2048)', 100_000, 'requests', 0.3],
      ['KMS GetPublicKey', 0, 'requests', 0],
      ['Secrets Manager GetSecretValue', 200, 'calls', 0.001],
      ['CloudWatch Logs ingestion', LOG_GB, 'GB', 0.514120422],
      ['CloudWatch Logs storage (90 days)', LOG_GB * 3, 'GB-month', 0.092541676],
      ['CloudWatch metrics (EMF)', 0, 'PutMetricData calls', 0],
      ['X-Ray traces recorded', 296_240, 'traces', 1.4812],
      ['AWS WAF requests', 1_000_000, 'requests', 0.6],
      ['CloudFront HTTPS requests', 1_000_000, 'requests', 1.0],
      ['CloudFront data transfer out', 1.3e9 / GIB, 'GB', 0.102911144],
      ['CloudFront transfer to origin', 0.7e9 / GIB, 'GB', 0.013038516],
    ];
    expect(result.items.map((item) => item.item)).toEqual(expected.map(([item]) => item));
    expected.forEach(([item, quantity, unit, usd], i) => {
      const actual = result.items[i]!;
      expect([item, actual.unit]).toEqual([actual.item, unit]);
      expect(actual.quantity).toBeCloseTo(quantity, 6);
      expect(actual.usd).toBeCloseTo(usd, 9);
    });
    expect(result.kmsSigns).toBeCloseTo(100_000, 6);
    expect(result.variableUsd).toBeCloseTo(5.480037007, 9);
  });

  it('keeps the fixed monthly part apart and spreads it over the monthly volume', () => {
    expect(result.fixedMonthly.map((item) => [item.item, item.quantity, item.usd])).toEqual([
      ['KMS signing key', 1, 1.0],
      ['Secrets Manager secrets', 3, 1.2000000000000002],
      ['CloudWatch custom metrics', 2, 0.6],
      ['DynamoDB storage and backups', 0, 0],
      ['CloudWatch alarms', 23, 2.3000000000000003],
      ['AWS WAF web ACL', 1, 5.0],
      ['AWS WAF rules', 3, 3.0],
      ['Lambda provisioned concurrency (2)', 2_592_000, 8.6401728],
    ]);
    expect(result.fixedMonthlyUsd).toBeCloseTo(21.7401728, 9);
    expect(result.fixedPerMillionUsd).toBeCloseTo(2.17401728, 9);
    expect(result.totalUsd).toBeCloseTo(7.654054287, 9);
    expect(result.cognitoUsd).toBe(2250);
    expect(result.cognitoRatio).toBeCloseTo(2250 / 7.654054287, 6);
    // At 100 M a month the fixed part is a tenth, and X-Ray samples a smaller share.
    const large = costPerMillionTokens(CONFIG, PRICES, 100_000_000);
    expect(large.fixedPerMillionUsd).toBeCloseTo(0.217401728, 9);
    expect(large.items.find((item) => item.service === 'X-Ray')!.quantity).toBeCloseTo(74_624, 6);
  });

  it("costs the API owner's authorizer apart, not in the IdP's total", () => {
    expect(result.consumer.map((item) => [item.item, item.unit])).toEqual([
      ['authorizer requests', 'invocations'],
      ['authorizer duration (arm64)', 'GB-s'],
      ['authorizer client-status reads', 'RRU'],
      ['authorizer log ingestion', 'GB'],
      ['authorizer traces recorded', 'traces'],
    ]);
    const quantities = [10_000_000, 12_500, 250_000, 7_520_000_000 / GIB, 746_240];
    const usd = [2.0, 0.1666675, 0.03125, 3.501772881, 3.7312];
    result.consumer.forEach((item, i) => {
      expect(item.quantity).toBeCloseTo(quantities[i]!, 4);
      expect(item.usd).toBeCloseTo(usd[i]!, 9);
    });
    expect(result.consumerUsd).toBeCloseTo(9.430890381, 9);
    expect(result.totalUsd).toBeCloseTo(7.654054287, 9);
  });

  it('signs every token without reuse; ES256 at the ECC_NIST_P256 rate', () => {
    const none = costPerMillionTokens({ ...CONFIG, reuseHitRatio: 0 }, PRICES, 10_000_000);
    expect(none.kmsSigns).toBe(1_000_000);
    expect(none.items[2]!.quantity).toBe(10_020);
    expect(none.items[2]!.usd).toBeCloseTo(0.133600668, 12);
    expect(none.items[5]!.usd).toBeCloseTo(3.0, 12);
    const es = costPerMillionTokens({ ...CONFIG, alg: 'ES256', reuseHitRatio: 0 }, PRICES, 10_000_000);
    expect(es.items[5]).toEqual({
      service: 'KMS',
      item: 'KMS Sign (ECC_NIST_P256)',
      quantity: 1_000_000,
      unit: 'requests',
      usd: 15,
    });
  });

  it('samples X-Ray traces with the reservoir first, then the fixed rate', () => {
    const rule = { reservoirPerSecond: 1, fixedRate: 0.05 };
    expect(tracedPerMillion(1_000_000, rule)).toBe(1_000_000);
    expect(tracedPerMillion(10_000_000, rule)).toBeCloseTo(296_240, 6);
    expect(tracedPerMillion(0, rule)).toBe(0);
  });

  it('rejects ratios outside [0, 1], negative durations and no volume', () => {
    expect(() => costPerMillionTokens({ ...CONFIG, reuseHitRatio: 1.1 }, PRICES, 1e7)).toThrow(
      'reuseHitRatio must be in [0, 1]',
    );
    expect(() => costPerMillionTokens({ ...CONFIG, handlerMs: -1 }, PRICES, 1e7)).toThrow(
      'handlerMs must be a non-negative number',
    );
    expect(() => costPerMillionTokens(CONFIG, PRICES, 0)).toThrow('monthlyTokens must be positive');
  });
});

describe('stage rows as lib/config.ts deploys them', () => {
  const assumed: StageAssumptions = {
    handlerMs: { RS256: 25, ES256: 20 },
    reuseHitHandlerMs: 8,
    initMs: 400,
    coldStartsPerMillion: 1000,
    writeUnitsPerMillion: 1000,
    measured: {
      logBytesPerRequest: 1300,
      logEventsPerRequest: 4,
      logBytesPerColdStart: 650,
      logEventsPerColdStart: 2,
      responseBytes: 1092,
      requestBytes: 423,
      edgeResponseHeaderBytes: 234,
      edgeOriginHeaderBytes: 324,
    },
    xRay: { reservoirPerSecond: 1, fixedRate: 0.05 },
  };
  const rows = STAGE_NAMES.map((name) => {
    const stage = STAGE_DEFAULTS[name];
    return { stage, result: costPerMillionTokens(stageCostConfig(stage, 0, assumed), PRICES, 10_000_000) };
  });
  const services = (result: (typeof rows)[number]['result']) =>
    new Set([...result.items, ...result.fixedMonthly].map((item) => item.service));

  it('puts WAF and CloudFront on the edge stages (staging, prod) only', () => {
    expect(rows.map(({ stage, result }) => [stage.stageName, services(result).has('AWS WAF')])).toEqual([
      ['dev', false],
      ['test', false],
      ['staging', true],
      ['prod', true],
    ]);
    const prod = rows[3]!.result;
    expect(prod.items.find((item) => item.item === 'AWS WAF requests')!.usd).toBe(0.6);
    expect(prod.items.find((item) => item.item === 'CloudFront data transfer out')!.quantity).toBeCloseTo(
      (1_000_000 * (1092 + 234)) / GIB,
      9,
    );
    expect(prod.fixedMonthly.find((item) => item.item === 'AWS WAF rules')!.quantity).toBe(3);
    const dev = rows[0]!.result;
    expect(dev.items.some((item) => item.service === 'CloudFront' || item.service === 'AWS WAF')).toBe(false);
    expect(dev.fixedMonthly.some((item) => item.service === 'AWS WAF')).toBe(false);
  });

  it('gives every service a stage deploys a non-zero line or an explicit "$0 because"', () => {
    for (const { stage, result } of rows) {
      const lines = [...result.items, ...result.fixedMonthly];
      for (const service of deployedServices(stage)) {
        const own = lines.filter((item) => item.service === service);
        expect([stage.stageName, service, own.length > 0]).toEqual([stage.stageName, service, true]);
        for (const item of own) {
          if (item.usd === 0) expect(item.note).toMatch(/^\$0 because /);
        }
        expect([stage.stageName, service, own.some((item) => item.usd > 0)]).toEqual([stage.stageName, service, true]);
      }
      // And nothing the stage does not deploy.
      const deployed = new Set(deployedServices(stage));
      expect(lines.filter((item) => !deployed.has(item.service))).toEqual([]);
    }
  });

  it('reads memory, retention, alarms, secrets and provisioned concurrency from the stage', () => {
    const [dev, , staging, prod] = rows.map(({ result }) => result);
    expect(dev!.config.logRetentionDays).toBe(7);
    expect(prod!.config.logRetentionDays).toBe(90);
    expect(dev!.config.secretReadsPerColdStart).toBe(1);
    expect(prod!.config.secretReadsPerColdStart).toBe(2);
    // KMS key, secrets, 3 custom metrics ($0.30 each), 25 alarm metrics ($0.10), web ACL, WAF rules, provisioned.
    expect(dev!.fixedMonthlyUsd).toBeCloseTo(1 + 0.8 + 0.9, 9);
    expect(staging!.fixedMonthlyUsd).toBeCloseTo(1 + 1.2 + 0.9 + 2.5 + 5 + 3, 9);
    expect(prod!.fixedMonthlyUsd).toBeCloseTo(1 + 1.2 + 0.9 + 2.5 + 5 + 3 + 8.6401728, 9);
  });
});

describe('envelope signing (README, "Signing modes")', () => {
  it('no KMS request per token: the KMS cost is one Decrypt per cold start; the rest as in kms mode', () => {
    const kms = costPerMillionTokens(CONFIG, PRICES, 10_000_000);
    const envelope = costPerMillionTokens({ ...CONFIG, signing: 'envelope' }, PRICES, 10_000_000);
    const kmsItems = (r: typeof kms) => r.items.filter((i) => i.service === 'KMS' && i.usd > 0);
    expect(kmsItems(envelope)).toEqual([
      {
        service: 'KMS',
        item: 'KMS Decrypt (envelope key, once per cold start)',
        quantity: CONFIG.coldStartsPerMillion,
        unit: 'requests',
        usd: (CONFIG.coldStartsPerMillion / 10_000) * PRICES.kmsSymmetricPer10kRequests,
      },
    ]);
    expect(envelope.kmsSigns).toBe(CONFIG.coldStartsPerMillion);
    expect(kmsItems(kms).map((i) => i.item)).toEqual([expect.stringMatching(/^KMS Sign/)]);
    const notKms = (r: typeof kms) => r.items.filter((i) => i.service !== 'KMS');
    expect(notKms(envelope)).toEqual(notKms(kms));
  });
});
