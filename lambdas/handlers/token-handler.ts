/**
 * `POST /oauth2/token` Lambda handler: a thin shell around the core's {@link TokenEndpoint}.
 * `makeHandler(deps)` is for tests and the local server; `handler` composes AWS adapters once per
 * cold start.
 */
import { TemporarilyUnavailableError } from '../domain/errors';
import { describeError } from '../domain/errors';
import { TokenEndpoint, oauthErrorResponse } from '../domain/endpoints/token-endpoint';
import type { TokenEndpointDeps } from '../domain/endpoints/token-endpoint';
import type { HttpApiHandler } from './api-gateway';
import { lazyHandler, toHttpRequest, toResult } from './api-gateway';
import { awsLogger, awsMetrics, composeTokenDeps, guardedByOrigin, readIssuer } from './compose';

export function makeHandler(deps: TokenEndpointDeps): HttpApiHandler {
  const endpoint = new TokenEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

const unavailable = (err: unknown) => {
  awsLogger().error('token handler initialisation failed', { error: describeError(err) });
  return toResult(oauthErrorResponse(new TemporarilyUnavailableError(), readIssuer()));
};

const composed: HttpApiHandler = guardedByOrigin(lazyHandler(composeTokenDeps, makeHandler, unavailable), unavailable);

/** The Lambda entry: one request, then this invocation's metrics flushed as one EMF record. */
export const handler: HttpApiHandler = async (event) => {
  try {
    return await composed(event);
  } finally {
    awsMetrics().publishStoredMetrics();
  }
};
