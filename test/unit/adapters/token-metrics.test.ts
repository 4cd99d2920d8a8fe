/**
 * Token metrics in the embedded metric format: bounded dimensions (error, reason), the client id as
 * metadata, and nothing secret in the record.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  KMS_DECRYPT_REQUESTS,
  KMS_SIGN_REQUESTS,
  KMS_THROTTLES,
  kmsCallMetricsObserver,
  TOKENS_DENIED,
  TOKENS_ISSUED,
  TOKENS_REUSED,
  tokenMetricsObserver,
} from '../../../lambdas/adapters/token-metrics';

function capture(run: (metrics: Metrics) => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const log = jest
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => lines.push(args.map(String).join(' ')));
  try {
    const metrics = new Metrics({ namespace: 'ServerlessIdpTest', serviceName: 'serverless-idp' });
    run(metrics);
    metrics.publishStoredMetrics();
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return lines.filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('token metrics', () => {
  it('counts an issued (and reused) token, with client and audience as metadata only', () => {
    const [record] = capture((metrics) =>
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
    const [record] = capture((metrics) =>
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
});

describe('KMS request metrics', () => {
  it('counts every Sign and Decrypt attempt and every throttle, with the service as the only dimension', () => {
    const [record] = capture((metrics) => {
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
