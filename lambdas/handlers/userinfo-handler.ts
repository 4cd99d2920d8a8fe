/**
 * `GET|POST /oauth2/userinfo` Lambda handler: a thin shell around the core's {@link UserinfoEndpoint}
 * (OIDC Core §5.3). `makeHandler(deps)` is for tests and the local server; `handler` composes the AWS
 * dependencies once per cold start (compose-userinfo.ts).
 */
import { describeError } from '../domain/errors';
import { UserinfoEndpoint } from '../domain/endpoints/userinfo-endpoint';
import type { UserinfoDeps } from '../domain/endpoints/userinfo-endpoint';
import { jsonResponse, NO_STORE_HEADERS } from '../domain/http';
import type { HttpApiHandler } from './api-gateway';
import { lazyHandler, toHttpRequest, toResult } from './api-gateway';
import { awsLogger, guardedByOrigin } from './compose';
import { composeUserinfoDeps } from './compose-userinfo';

/** The handler over given dependencies: parse the event, ask the endpoint, map its answer. */
export function makeHandler(deps: UserinfoDeps): HttpApiHandler {
  const endpoint = new UserinfoEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

const unavailable = (err: unknown) => {
  awsLogger().error('userinfo handler initialisation failed', { error: describeError(err) });
  return toResult(jsonResponse(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1', ...NO_STORE_HEADERS }));
};

/** The Lambda entry. */
export const handler: HttpApiHandler = guardedByOrigin(
  lazyHandler(composeUserinfoDeps, makeHandler, unavailable),
  unavailable,
);
