/**
 * `GET|POST /oauth2/userinfo` Lambda handler: a thin shell around the core's {@link UserinfoEndpoint}
 * (OIDC Core §5.3). `makeHandler(deps)` is for tests and the local server; `handler` composes the AWS
 * dependencies once per cold start (./compose/userinfo.ts).
 */
import { UserinfoEndpoint } from '../domain/endpoints/userinfo-endpoint';
import type { UserinfoDeps } from '../domain/endpoints/userinfo-endpoint';
import { jsonResponse, NO_STORE_HEADERS } from '../domain/http';
import type { HttpApiHandler } from './api-gateway';
import { toHttpRequest, toResult } from './api-gateway';
import { userinfoEntry } from './compose/userinfo';

/** The handler over given dependencies: parse the event, ask the endpoint, map its answer. */
export function makeHandler(deps: UserinfoDeps): HttpApiHandler {
  const endpoint = new UserinfoEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

/** The Lambda entry; until it can start, 503 `temporarily_unavailable` (RFC 6750 errors are JSON too). */
export const handler: HttpApiHandler = userinfoEntry(makeHandler, () =>
  toResult(jsonResponse(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1', ...NO_STORE_HEADERS })),
);
