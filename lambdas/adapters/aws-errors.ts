/**
 * Translation of AWS SDK v3 errors at the adapter edge (DESIGN.md, style 4): a failed or throttled
 * call to DynamoDB, KMS or Secrets Manager becomes a {@link DependencyUnavailableError}, which the
 * token endpoint answers with 503 `temporarily_unavailable` and `Retry-After`.
 */
import { DependencyUnavailableError } from '../domain/errors';

/** SDK throttling error names; the same list the SDK's own retry strategy uses. */
const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Whether an AWS SDK v3 error is a throttle (by name, HTTP 429, or the SDK's own classification). */
export function isThrottle(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: { throttling?: unknown } };
  return (
    (typeof e.name === 'string' && THROTTLING_ERROR_NAMES.has(e.name)) ||
    e.$metadata?.httpStatusCode === 429 ||
    e.$retryable?.throttling === true
  );
}

/** The domain error for a failed call to a dependency; the SDK error stays its `cause`. */
export function dependencyUnavailable(
  dependency: DependencyUnavailableError['dependency'],
  err: unknown,
): DependencyUnavailableError {
  return new DependencyUnavailableError(dependency, err, isThrottle(err));
}
