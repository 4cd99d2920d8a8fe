/**
 * Translation of AWS SDK v3 errors at the adapter edge (docs/architecture.md, Style rules 4): a failed or throttled
 * call to DynamoDB, KMS or Secrets Manager that may succeed on retry becomes a
 * {@link DependencyUnavailableError}, which the token endpoint answers with 503
 * `temporarily_unavailable` and `Retry-After`; a refusal that will not go away is a plain Error.
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

/**
 * `CancellationReasons` codes of a DynamoDB transaction cancelled because an item was throttled
 * (DynamoDB API Reference, TransactWriteItems): a 400 whose cause retrying fixes.
 */
const THROTTLED_CANCELLATION_CODES: ReadonlySet<string> = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * Whether an AWS SDK v3 error is a throttle (by name, HTTP 429, the SDK's own classification, or a
 * DynamoDB transaction cancelled for a throttled item).
 */
export function isThrottle(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: unknown };
    CancellationReasons?: unknown;
  };
  return (
    (typeof e.name === 'string' && THROTTLING_ERROR_NAMES.has(e.name)) ||
    e.$metadata?.httpStatusCode === 429 ||
    e.$retryable?.throttling === true ||
    (e.name === 'TransactionCanceledException' &&
      Array.isArray(e.CancellationReasons) &&
      e.CancellationReasons.some((r) => THROTTLED_CANCELLATION_CODES.has(String((r as { Code?: unknown }).Code))))
  );
}

/**
 * Whether a failure is transient: a throttle, a server-side fault (5xx), or a request sent without an
 * answer (network error, timeout: SDK metadata without a status). A 4xx answer such as AccessDenied,
 * NotFound or a disabled key is a deployment mistake that retrying will not fix, and an error raised
 * before anything was sent (marshalling, a TypeError) is a bug: neither is transient.
 */
export function isTransient(err: unknown): boolean {
  if (isThrottle(err)) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (e.$fault === 'server') return true;
  if (e.$metadata === undefined) return false;
  const status = e.$metadata.httpStatusCode;
  return typeof status !== 'number' || status >= 500;
}

/**
 * Translates an error of a call to a dependency: transient → {@link DependencyUnavailableError} (the
 * token endpoint's 503 with `Retry-After`); anything else → a plain Error naming the dependency, which
 * callers log and answer as a 500. The SDK error stays the `cause` either way.
 */
export function dependencyUnavailable(dependency: DependencyUnavailableError['dependency'], err: unknown): Error {
  if (isTransient(err)) return new DependencyUnavailableError(dependency, err, isThrottle(err));
  const name = (err as { name?: unknown }).name;
  return new Error(`${dependency} call refused: ${typeof name === 'string' ? name : 'unknown error'}`, { cause: err });
}
