/**
 * Once-per-cold-start values that may fail: composition of a handler's dependencies, the origin
 * secret. Shared by lazyHandler (api-gateway.ts) and originGuard (origin-guard.ts).
 */

/**
 * A promise made on first use and shared by every later call. When it rejects it is forgotten, so the
 * next call makes it again (a dependency that could not be read is retried by the next request).
 */
export function memoiseUntilRejected<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      const attempt = make();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
