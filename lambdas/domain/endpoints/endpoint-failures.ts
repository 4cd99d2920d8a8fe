/**
 * What the OAuth endpoints that answer with RFC 6749 §5.2 errors (token, revocation, introspection)
 * share when a request fails or an observer misbehaves: the mapping of a thrown value to the
 * `OAuthError` sent, and the guard that keeps metrics observers from changing the answer.
 */
import {
  DependencyUnavailableError,
  describeError,
  OAuthError,
  ServerError,
  TemporarilyUnavailableError,
} from '../errors';
import type { Logger } from '../ports';

/** The log lines an endpoint writes for failures that are not the client's fault. */
export interface FailureMessages {
  /** Warning for a dependency that is down or throttling (answered 503 `temporarily_unavailable`). */
  unavailable: string;
  /** Error for anything else unexpected (answered 500 `server_error`). */
  unexpected: string;
}

/**
 * The RFC 6749 §5.2 error for `err`: an `OAuthError` as thrown; an unavailable dependency as
 * `temporarily_unavailable` (logged as a warning); anything else as `server_error` (logged as an error).
 */
export function toOAuthError(err: unknown, logger: Logger, messages: FailureMessages): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof DependencyUnavailableError) {
    logger.warn(messages.unavailable, {
      dependency: err.dependency,
      throttled: err.throttled,
      cause: describeError(err.cause),
    });
    return new TemporarilyUnavailableError();
  }
  logger.error(messages.unexpected, { error: describeError(err) });
  return new ServerError();
}

/**
 * Calls an outcome observer (metrics, last-use tracking); it never changes or breaks the answer: a
 * failure is logged as `failureMessage`. A write it starts is awaited, so on Lambda it completes within
 * the invocation instead of in a frozen sandbox.
 */
export async function notifyObserver<T>(
  observe: ((outcome: T) => unknown) | undefined,
  outcome: T,
  logger: Logger,
  failureMessage: string,
): Promise<void> {
  try {
    await observe?.(outcome);
  } catch (err) {
    logger.error(failureMessage, { error: describeError(err) });
  }
}
