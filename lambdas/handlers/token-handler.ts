/**
 * The token function's Lambda handler: a thin shell around the core's {@link TokenEndpoint}
 * (`POST /oauth2/token`) and, on the same function, the {@link RevocationEndpoint} (`POST|OPTIONS
 * /oauth2/revoke`, RFC 7009) and the {@link IntrospectionEndpoint} (`POST /oauth2/introspect`, RFC
 * 7662): they authenticate clients the same way with the same reads. `makeHandler(deps)` (the token
 * endpoint alone) and `makeTokenFunctionHandler(deps)` are for tests and the local server; `handler`
 * is composed by ./compose/token.ts once per cold start.
 */
import { TemporarilyUnavailableError } from '../domain/errors';
import { IntrospectionEndpoint } from '../domain/endpoints/introspection-endpoint';
import { INTROSPECTION_PATH, REVOCATION_PATH } from '../domain/endpoints/paths';
import { RevocationEndpoint } from '../domain/endpoints/revocation-endpoint';
import { TokenEndpoint, oauthErrorResponse } from '../domain/endpoints/token-endpoint';
import type { TokenEndpointDeps } from '../domain/endpoints/token-endpoint';
import type { HttpApiHandler } from './api-gateway';
import { toHttpRequest, toResult } from './api-gateway';
import { tokenEntry } from './compose/token';
import type { TokenFunctionDeps } from './compose/token';

export type { TokenFunctionDeps };

/** The token endpoint alone over given dependencies: parse the event, ask the endpoint, map its answer. */
export function makeHandler(deps: TokenEndpointDeps): HttpApiHandler {
  const endpoint = new TokenEndpoint(deps);
  return async (event) => toResult(await endpoint.handle(toHttpRequest(event)));
}

/** The token function: the route's path picks the endpoint (the HTTP API routes only these three). */
export function makeTokenFunctionHandler(deps: TokenFunctionDeps): HttpApiHandler {
  const token = new TokenEndpoint(deps.token);
  const revocation = new RevocationEndpoint(deps.revocation);
  const introspection = new IntrospectionEndpoint(deps.introspection);
  return async (event) => {
    const request = toHttpRequest(event);
    if (request.path === REVOCATION_PATH) return toResult(await revocation.handle(request));
    if (request.path === INTROSPECTION_PATH) return toResult(await introspection.handle(request));
    return toResult(await token.handle(request));
  };
}

/** The Lambda entry; until it can start, RFC 6749 §5.2-shaped 503 `temporarily_unavailable`. */
export const handler: HttpApiHandler = tokenEntry(makeTokenFunctionHandler, (issuer) =>
  toResult(oauthErrorResponse(new TemporarilyUnavailableError(), issuer)),
);
