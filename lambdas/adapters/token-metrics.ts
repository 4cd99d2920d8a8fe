/**
 * CloudWatch metrics of the token function through Powertools (embedded metric format, no API call):
 * `TokensIssued`, `TokensReused` (no dimension: audiences and clients are unbounded) and `TokensDenied` by `error`
 * and `reason` — bounded sets, so the metric count (and its cost) stays fixed. The client id and, for
 * issued tokens, whether the token was reused are EMF metadata: searchable per client in CloudWatch
 * Logs Insights without a metric per client. Never a secret or a token. KMS requests and throttles
 * (`KmsSignRequests`, `KmsDecryptRequests`, `KmsThrottles`) are counted by {@link kmsCallMetricsObserver}.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { TokenOutcome } from '../domain/endpoints/token-endpoint';
import type { KmsCallObserver } from './kms-retry';

export const TOKENS_ISSUED = 'TokensIssued';
export const TOKENS_DENIED = 'TokensDenied';
export const TOKENS_REUSED = 'TokensReused';

/** The token endpoint's `observe` hook that records one request's outcome; flushed per invocation. */
export function tokenMetricsObserver(metrics: Metrics): (outcome: TokenOutcome) => void {
  return (outcome) => {
    if (outcome.outcome === 'issued') {
      metrics.addMetric(TOKENS_ISSUED, MetricUnit.Count, 1);
      if (outcome.reused) metrics.addMetric(TOKENS_REUSED, MetricUnit.Count, 1);
      metrics.addMetadata('clientId', outcome.clientId);
      metrics.addMetadata('audience', outcome.audience);
      return;
    }
    metrics.addDimensions({ error: outcome.error, reason: outcome.reason ?? outcome.error });
    metrics.addMetric(TOKENS_DENIED, MetricUnit.Count, 1);
    if (outcome.clientId !== undefined) metrics.addMetadata('clientId', outcome.clientId);
  };
}

/** KMS requests of the token function (every attempt, retries included): `Sign` in `kms` mode. */
export const KMS_SIGN_REQUESTS = 'KmsSignRequests';
/** KMS requests that KMS throttled (`ThrottlingException`): `Sign`, or `Decrypt` in `envelope` mode. */
export const KMS_THROTTLES = 'KmsThrottles';
/** `Decrypt` requests of the envelope key (one per cold start in `envelope` mode, retries included). */
export const KMS_DECRYPT_REQUESTS = 'KmsDecryptRequests';

/**
 * The signers' KMS observer (lambdas/adapters/kms-retry.ts): counts requests and throttles, with no
 * dimension but the service, so the alarms of lib/alarms.ts see every one. It records into its own
 * {@link Metrics} (flushed per invocation beside the token metrics), because a denied token request
 * adds `error`/`reason` dimensions to the token record — and a throttled Sign ends in exactly such a
 * denial.
 */
export function kmsCallMetricsObserver(metrics: Metrics): KmsCallObserver {
  return (event) => {
    metrics.addMetric(event.operation === 'Sign' ? KMS_SIGN_REQUESTS : KMS_DECRYPT_REQUESTS, MetricUnit.Count, 1);
    if (event.outcome === 'throttled') metrics.addMetric(KMS_THROTTLES, MetricUnit.Count, 1);
  };
}
