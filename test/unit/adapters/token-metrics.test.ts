/**
 * Token metrics in the embedded metric format: bounded dimensions (error, reason), the client id as
 * metadata, and nothing secret in the record.
 */
import {
  KMS_DECRYPT_REQUESTS,
  KMS_SIGN_REQUESTS,
  KMS_THROTTLES,
  kmsCallMetricsObserver,
  REFRESH_TOKEN_REUSE,
  TOKENS_DENIED,
  TOKENS_ISSUED,
  TOKENS_REUSED,
  tokenMetricsObserver,
} from '../../../lambdas/adapters/token-metrics';
import { captureMetrics } from '../../support/emf-capture';

describe('token metrics', () => {
  it('counts an issued (and reused) token, with client and audience as metadata only', () => {
    const [record] = captureMetrics((metrics) =>
      tokenMetricsObserver(metrics)({
        outcome: 'issued',
        clientId: 'c1',
        audience: 'https://api.example.com',
        secretId: 'sec_1',
        reused: true,
      }),
    );
    expect(record).toMatchObject({
      [TOKENS_ISSUED]: 1,
      [TOKENS_REUSED]: 1,
      clientId: 'c1',
      audience: 'https://api.example.com',
      service: 'serverless-idp',
    });
    const aws = record!['_aws'] as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort()).toEqual([TOKENS_ISSUED, TOKENS_REUSED]);
    expect(JSON.stringify(record)).not.toContain('sec_1');
  });

  it('counts a denial by error and reason', () => {
    const [record] = captureMetrics((metrics) =>
      tokenMetricsObserver(metrics)({
        outcome: 'denied',
        error: 'invalid_client',
        reason: 'invalid_secret',
        clientId: 'c2',
      }),
    );
    expect(record).toMatchObject({
      [TOKENS_DENIED]: 1,
      error: 'invalid_client',
      reason: 'invalid_secret',
      clientId: 'c2',
    });
    const aws = record!['_aws'] as { CloudWatchMetrics: { Dimensions: string[][] }[] };
    expect(aws.CloudWatchMetrics[0]!.Dimensions[0]!.sort()).toEqual(['error', 'reason', 'service']);
  });

  it('counts a refresh-token reuse as RefreshTokenReuse without dimensions, beside the denial', () => {
    const records = captureMetrics((metrics) =>
      tokenMetricsObserver(metrics)({
        outcome: 'denied',
        error: 'invalid_grant',
        reason: 'refresh_token_reuse',
        clientId: 'spa',
      }),
    );
    const reuse = records.find((r) => REFRESH_TOKEN_REUSE in r);
    expect(reuse?.[REFRESH_TOKEN_REUSE]).toBe(1);
    expect(reuse).not.toHaveProperty('error');
    expect(reuse).not.toHaveProperty('reason');
    const denied = records.find((r) => TOKENS_DENIED in r);
    expect(denied).toMatchObject({ [TOKENS_DENIED]: 1, error: 'invalid_grant', reason: 'refresh_token_reuse' });
  });
});

describe('KMS request metrics', () => {
  it('counts every Sign and Decrypt attempt and every throttle, with the service as the only dimension', () => {
    const [record] = captureMetrics((metrics) => {
      const observe = kmsCallMetricsObserver(metrics);
      observe({ operation: 'Sign', outcome: 'throttled' });
      observe({ operation: 'Sign', outcome: 'throttled' });
      observe({ operation: 'Sign', outcome: 'ok' });
      observe({ operation: 'Decrypt', outcome: 'failed' });
    });
    expect(record).toMatchObject({
      [KMS_SIGN_REQUESTS]: [1, 1, 1],
      [KMS_THROTTLES]: [1, 1],
      [KMS_DECRYPT_REQUESTS]: 1,
      service: 'serverless-idp',
    });
    const aws = record!['_aws'] as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort()).toEqual(
      [KMS_DECRYPT_REQUESTS, KMS_SIGN_REQUESTS, KMS_THROTTLES].sort(),
    );
  });
});
