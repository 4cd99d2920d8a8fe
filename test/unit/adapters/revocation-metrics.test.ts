/**
 * Revocation metrics in the embedded metric format: `RevocationsFailed` as a metric of its own with the
 * default `service` dimension only (the stage's alarm watches exactly that, lib/alarms.ts),
 * `TokensRevoked` with the client and token type as metadata, nothing for ignored or refused requests.
 */
import { REVOCATIONS_FAILED, TOKENS_REVOKED, revocationMetricsObserver } from '../../../lambdas/adapters/token-metrics';
import { captureMetrics } from '../../support/emf-capture';

const metricNames = (record: Record<string, unknown>) =>
  (record['_aws'] as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0]!.Metrics.map(
    (m) => m.Name,
  );
const dimensions = (record: Record<string, unknown>) =>
  (record['_aws'] as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]!.Dimensions;

describe('revocation metrics', () => {
  it('a failed revocation: RevocationsFailed = 1 with the service dimension only', () => {
    const records = captureMetrics((metrics) =>
      revocationMetricsObserver(metrics)({ outcome: 'failed', error: 'temporarily_unavailable' }),
    );
    expect(records).toHaveLength(1);
    expect(metricNames(records[0]!)).toEqual([REVOCATIONS_FAILED]);
    expect(dimensions(records[0]!)).toEqual([['service']]);
    expect(records[0]![REVOCATIONS_FAILED]).toBe(1);
    expect(records[0]!['service']).toBe('serverless-idp');
  });

  it('a revocation: TokensRevoked, client and token type as metadata; ignored and refused: no metric', () => {
    const [record] = captureMetrics((metrics) =>
      revocationMetricsObserver(metrics)({ outcome: 'revoked', tokenType: 'refresh_token', clientId: 'c1' }),
    );
    expect(metricNames(record!)).toEqual([TOKENS_REVOKED]);
    expect(record).toMatchObject({ clientId: 'c1', tokenType: 'refresh_token', [TOKENS_REVOKED]: 1 });
    expect(
      captureMetrics((metrics) => {
        revocationMetricsObserver(metrics)({ outcome: 'ignored', clientId: 'c1' });
        revocationMetricsObserver(metrics)({ outcome: 'refused', error: 'invalid_client' });
      }),
    ).toEqual([]);
  });
});
