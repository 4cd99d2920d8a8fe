/**
 * Discovery Lambda handler (`GET /.well-known/oauth-authorization-server`,
 * `/.well-known/openid-configuration`, `/.well-known/jwks.json`): a thin shell around the core's
 * {@link DiscoveryEndpoint}. `makeHandler(deps)` is for tests and the local server; `handler` is
 * composed by ./compose/discovery.ts once per cold start.
 */
import { DiscoveryEndpoint } from '../domain/endpoints/discovery-endpoint';
import type { DiscoveryDeps } from '../domain/endpoints/discovery-endpoint';
import { jsonResponse } from '../domain/http';
import type { HttpApiHandler } from './api-gateway';
import { toHttpRequest, toResult } from './api-gateway';
import { discoveryEntry } from './compose/discovery';

/** The handler over given dependencies: parse the event, ask the endpoint, map its answer. */
export function makeHandler(deps: DiscoveryDeps): HttpApiHandler {
  const endpoint = new DiscoveryEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

/** The Lambda entry; until it can start, 503 `temporarily_unavailable`. */
export const handler: HttpApiHandler = discoveryEntry(makeHandler, () =>
  toResult(jsonResponse(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1' })),
);
