/**
 * Discovery Lambda handler (`GET /.well-known/oauth-authorization-server`,
 * `/.well-known/openid-configuration`, `/.well-known/jwks.json`): a thin shell around the core's
 * {@link DiscoveryEndpoint}. `makeHandler(deps)` is for tests and the local server; `handler`
 * composes AWS adapters once per cold start.
 */
import { describeError } from '../domain/errors';
import { DiscoveryEndpoint } from '../domain/endpoints/discovery-endpoint';
import type { DiscoveryDeps } from '../domain/endpoints/discovery-endpoint';
import { jsonResponse } from '../domain/http';
import type { HttpApiHandler } from './api-gateway';
import { lazyHandler, toHttpRequest, toResult } from './api-gateway';
import { awsLogger, composeDiscoveryDeps, guardedByOrigin } from './compose';

/** The handler over given dependencies: parse the event, ask the endpoint, map its answer. */
export function makeHandler(deps: DiscoveryDeps): HttpApiHandler {
  const endpoint = new DiscoveryEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

const unavailable = (err: unknown) => {
  awsLogger().error('discovery handler initialisation failed', { error: describeError(err) });
  return toResult(jsonResponse(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1' }));
};

/** The Lambda entry. */
export const handler: HttpApiHandler = guardedByOrigin(
  lazyHandler(composeDiscoveryDeps, makeHandler, unavailable),
  unavailable,
);
