/**
 * The Lambda entry of an HTTP API function (token, discovery, admin): the origin check where the stage
 * is behind CloudFront, then the dependencies composed once per cold start (`lazyHandler`). A failed
 * composition or origin-secret read is logged and answered with the function's own 503, and retried by
 * the next invocation.
 */
import { DependencyUnavailableError, describeError } from '../../domain/errors';
import type { Logger } from '../../domain/ports';
import type { HttpApiHandler, HttpApiResult } from '../api-gateway';
import { lazyHandler } from '../api-gateway';
import { awsLogger } from './observability';
import { guardedByOrigin } from './origin';
import type { EnvironmentVariables } from './environment';

/** What {@link httpEntry} wires. */
export interface HttpEntryOptions<D> {
  /** The function's name in the log line of a failed start (`token` → `token handler initialisation failed`). */
  name: string;
  /** The function's environment (./environment.ts). */
  vars: EnvironmentVariables;
  /** The dependencies, composed from `vars` on the first invocation. */
  compose: (vars: EnvironmentVariables) => Promise<D>;
  /** The handler over them: the handler module's `makeHandler`. */
  make: (deps: D) => HttpApiHandler;
  /** The answer while the function cannot start (a 503 with `Retry-After`). */
  unavailable: () => HttpApiResult;
  /** Where a failed start is logged. @default the Powertools logger (./observability.ts) */
  logger?: Logger;
}

/** The function's `handler` (see the module comment). */
export function httpEntry<D>({ name, vars, compose, make, unavailable, logger }: HttpEntryOptions<D>): HttpApiHandler {
  const onStartFailure = (err: unknown): HttpApiResult => {
    const log = logger ?? awsLogger();
    // A dependency that may answer on retry (a throttled or timed-out pepper read) is a warning naming
    // it; anything else (a missing variable, a refused or missing secret) an error.
    if (err instanceof DependencyUnavailableError) {
      log.warn(`${name} handler initialisation failed: dependency unavailable`, {
        dependency: err.dependency,
        throttled: err.throttled,
        cause: describeError(err.cause),
      });
    } else log.error(`${name} handler initialisation failed`, { error: describeError(err) });
    return unavailable();
  };
  return guardedByOrigin(
    lazyHandler(() => compose(vars), make, onStartFailure),
    onStartFailure,
    vars,
  );
}
