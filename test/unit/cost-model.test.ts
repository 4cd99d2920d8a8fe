/**
 * The cost model's arithmetic on a fixed configuration, against numbers computed by hand from the
 * price table (bench/prices.ts, us-east-1):
 *
 *   config: RS256, 512 MB, handlerMs 20, reuseHitHandlerMs 6, 100 cold starts × 400 ms, 1 RRU/request,
 *           1,000 WRU per million
 *
 *   API Gateway      1,000,000 requests × $1.00/M                                   = $1.00
 *   Lambda requests  1,000,000 × $0.20/M                                            = $0.20
 *   Lambda duration  0.5 GB × (1e6 × ((1 − h) × 20 + h × 6) ms + 100 × 400 ms) × $0.0000133334/GB-s
 *                    h = 0.9: 0.5 × (7,400 s + 40 s) = 3,720 GB-s                   = $0.049600248
 *                    h = 0:   0.5 × (20,000 s + 40 s) = 10,020 GB-s                 = $0.133600668
 *   DynamoDB reads   1,000,000 RRU × $0.125/M                                       = $0.125
 *   DynamoDB writes  1,000 WRU × $0.625/M                                           = $0.000625
 *   KMS Sign         1e6 × (1 − h) signs × $0.03/10k: h = 0.9 → 100,000 signs        = $0.30
 *                                                    h = 0   → 1,000,000 signs      = $3.00
 *   Secrets Manager  100 calls × $0.05/10k                                          = $0.0005
 *   total            h = 0.9: $1.675725248;  h = 0: $4.459725668
 *   Cognito M2M      1,000 × $2.25 = $2,250 → ratio 2,250 / total
 */
import { costPerMillionTokens } from '../../bench/cost-model';
import type { CostConfig } from '../../bench/cost-model';
import { PRICES } from '../../bench/prices';

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
};

describe('costPerMillionTokens', () => {
  it('itemises one million RS256 tokens with 90% reuse', () => {
    const result = costPerMillionTokens(CONFIG, PRICES);
    expect(result.items.map((item) => [item.item, item.quantity, item.unit])).toEqual([
      ['API Gateway HTTP API', 1_000_000, 'requests'],
      ['Lambda requests', 1_000_000, 'invocations'],
      ['Lambda duration (arm64)', 3720, 'GB-s'],
      ['DynamoDB reads', 1_000_000, 'RRU'],
      ['DynamoDB writes', 1000, 'WRU'],
      ['KMS Sign (RSA_2048)', 100_000, 'requests'],
      ['Secrets Manager GetSecretValue', 100, 'calls'],
    ]);
    const usd = result.items.map((item) => item.usd);
    const expected = [1.0, 0.2, 0.049600248, 0.125, 0.000625, 0.3, 0.0005];
    expected.forEach((value, i) => expect(usd[i]).toBeCloseTo(value, 12));
    expect(result.kmsSigns).toBeCloseTo(100_000, 6);
    expect(result.totalUsd).toBeCloseTo(1.675725248, 12);
    expect(result.cognitoUsd).toBe(2250);
    expect(result.cognitoRatio).toBeCloseTo(2250 / 1.675725248, 9);
    expect(result.fixedMonthly.map((item) => [item.item, item.usd])).toEqual([
      ['KMS signing key', 1.0],
      ['Secrets Manager (pepper, bootstrap admin secret)', 0.8],
    ]);
  });

  it('signs every token without reuse', () => {
    const result = costPerMillionTokens({ ...CONFIG, reuseHitRatio: 0 }, PRICES);
    expect(result.kmsSigns).toBe(1_000_000);
    expect(result.items[2]!.quantity).toBe(10_020);
    expect(result.items[2]!.usd).toBeCloseTo(0.133600668, 12);
    expect(result.items[5]!.usd).toBeCloseTo(3.0, 12);
    expect(result.totalUsd).toBeCloseTo(4.459725668, 12);
  });

  it('prices ES256 signatures at the ECC_NIST_P256 rate', () => {
    const result = costPerMillionTokens({ ...CONFIG, alg: 'ES256', reuseHitRatio: 0 }, PRICES);
    // 1,000,000 signs × $0.15 / 10,000 = $15.00
    expect(result.items[5]).toEqual({
      item: 'KMS Sign (ECC_NIST_P256)',
      quantity: 1_000_000,
      unit: 'requests',
      usd: 15,
    });
  });

  it('rejects a hit ratio outside [0, 1] and negative durations', () => {
    expect(() => costPerMillionTokens({ ...CONFIG, reuseHitRatio: 1.1 }, PRICES)).toThrow(
      'reuseHitRatio must be in [0, 1]',
    );
    expect(() => costPerMillionTokens({ ...CONFIG, handlerMs: -1 }, PRICES)).toThrow(
      'handlerMs must be a non-negative number',
    );
  });
});
