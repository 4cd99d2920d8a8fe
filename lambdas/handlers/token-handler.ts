/**
 * `POST /oauth2/token` Lambda handler: a thin shell around the core's {@link TokenEndpoint}.
 * `makeHandler(deps)` is for tests and the local server; `handler` is composed by ./compose/token.ts
 * once per cold start.
 */
import { TemporarilyUnavailableError } from '../domain/errors';
import { TokenEndpoint, oauthErrorResponse } from '../domain/endpoints/token-endpoint';
import type { TokenEndpointDeps } from '../domain/endpoints/token-endpoint';
import type { HttpApiHandler } from './api-gateway';
import { toHttpRequest, toResult } from './api-gateway';
import { tokenEntry } from './compose/token';

/** The handler over given dependencies: parse the event, ask the endpoint, map its answer. */
export function makeHandler(deps: TokenEndpointDeps): HttpApiHandler {
  const endpoint = new TokenEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

/** The Lambda entry; until it can start, RFC 6749 §5.2-shaped 503 `temporarily_unavailable`. */
export const handler: HttpApiHandler = tokenEntry(makeHandler, (issuer) =>
  toResult(oauthErrorResponse(new TemporarilyUnavailableError(), issuer)),
);
