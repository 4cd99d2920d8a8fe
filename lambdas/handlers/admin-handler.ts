/**
 * Admin API Lambda handler (`ANY /admin/{proxy+}` and `GET /admin/openapi.json`): a thin shell around
 * the core's {@link AdminApi}. The acting admin comes from the Lambda authorizer's context in
 * `event.requestContext.authorizer.lambda` (`{clientId, sub, jti, scope}`, scope space-delimited): a
 * client acting with its own token (`sub = clientId`) or a person through a client (`sub` = the user
 * id); the core re-checks the route's scope and that a person is still an enabled user. `makeHandler(deps)` is for tests and the local server; `handler`
 * is composed by ./compose/admin.ts once per cold start.
 */
import { AdminApi } from '../domain/admin/admin-api';
import type { AdminPrincipal } from '../domain/admin/admin-api';
import type { AdminDeps } from '../domain/admin/context';
import { ProblemError, problemResponse } from '../domain/admin/problem';
import type { HttpApiEvent, HttpApiHandler } from './api-gateway';
import { toHttpRequest, toResult } from './api-gateway';
import { adminEntry } from './compose/admin';

/** An HTTP API v2 event with the Lambda authorizer's context (payload format 2.0). */
export type AdminApiEvent = HttpApiEvent & {
  requestContext: HttpApiEvent['requestContext'] & {
    authorizer?: { lambda?: Record<string, unknown> | null } | null;
  };
};

/** The principal the authorizer passed on, or `undefined` when there is none (answered 401). */
export function principalFromEvent(event: AdminApiEvent): AdminPrincipal | undefined {
  const context = event.requestContext.authorizer?.lambda;
  if (context === undefined || context === null) return undefined;
  const { clientId, jti, scope, sub } = context;
  if (typeof clientId !== 'string' || clientId === '' || typeof jti !== 'string' || jti === '') return undefined;
  let scopes: string[] = [];
  if (typeof scope === 'string') scopes = scope.split(' ').filter((s) => s !== '');
  else if (Array.isArray(scope)) scopes = scope.filter((s): s is string => typeof s === 'string');
  const principal: AdminPrincipal = { clientId, jti, scopes: new Set(scopes) };
  // RFC 9068 §2.2: `sub` is the client itself for client credentials, else the person the client acts for.
  if (typeof sub === 'string' && sub !== '' && sub !== clientId) principal.userId = sub;
  return principal;
}

/** The handler over given dependencies: the acting admin from the authorizer, then the admin API. */
export function makeHandler(deps: AdminDeps): (event: AdminApiEvent) => ReturnType<HttpApiHandler> {
  const api = new AdminApi(deps);
  return async (event) => toResult(await api.handle(toHttpRequest(event), principalFromEvent(event)));
}

/** The Lambda entry; until it can start, the `service-unavailable` problem (RFC 9457) with `Retry-After`. */
export const handler = adminEntry(makeHandler, () =>
  toResult(
    problemResponse(
      new ProblemError('service-unavailable', 'the admin API is starting; retry', { headers: { 'Retry-After': '1' } }),
    ),
  ),
);
