/**
 * The local server's side of the authorizer. On AWS, API Gateway runs the authorizer Lambda and can
 * only answer a bare 401 / 403; locally the same decision ({@link authorizeRequest}) is rendered as
 * RFC 6750 §3 intends: a `WWW-Authenticate` challenge and an RFC 9457 `application/problem+json` body.
 */
import { JwksUnavailableError } from '../adapters/access-token-verifier';
import type { BearerDecision, BearerDenial } from '../domain/bearer-authorization';
import { ClientStatusUnavailableError, bearerChallenge } from '../domain/bearer-authorization';
import type { ProblemSlug } from '../domain/admin/problem';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, problemType } from '../domain/admin/problem';
import type { HttpResponse } from '../domain/http';
import type { HttpApiEvent, HttpApiHandler } from './api-gateway';
import { toResult } from './api-gateway';
import type { AuthorizerContext, AuthorizerDeps } from './authorizer-handler';
import { authorizeRequest, authorizerContext } from './authorizer-handler';

/** The admin API's problem types (lambdas/domain/admin/problem.ts), so both layers answer alike. */
const SLUGS = { 401: 'unauthorized', 403: 'insufficient-scope' } as const satisfies Record<
  BearerDenial['status'],
  ProblemSlug
>;

function problem(slug: ProblemSlug, detail: string, instance: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: problemType(slug),
    title: PROBLEM_TYPES[slug].title,
    status: PROBLEM_TYPES[slug].status,
    detail,
  };
  if (instance !== undefined) body['instance'] = instance;
  return body;
}

/**
 * 401 / 403 with `WWW-Authenticate: Bearer realm="<issuer>"` (+ `error`, `error_description`, `scope`)
 * and an RFC 9457 problem (the admin API's `unauthorized` / `insufficient-scope` types) carrying the
 * RFC 6750 `error` code and the required `scope` as extension members when there are any.
 */
export function bearerDenialResponse(
  decision: Extract<BearerDecision, { deny: unknown }>,
  issuer: string,
  instance?: string,
): HttpResponse {
  const { status, error, description, scope } = decision.deny;
  const body = problem(SLUGS[status], description, instance);
  if (error !== undefined) body['error'] = error;
  if (scope !== undefined && scope.length > 0) body['scope'] = scope.join(' ');
  return {
    status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      'WWW-Authenticate': bearerChallenge(issuer, decision.deny),
      'Cache-Control': 'no-store',
    },
    body: JSON.stringify(body),
  };
}

/** An HTTP API v2 event after a Lambda authorizer allowed it (payload 2.0, simple response context). */
export type AuthorizedHttpApiEvent = HttpApiEvent & {
  requestContext: HttpApiEvent['requestContext'] & { authorizer: { lambda: AuthorizerContext } };
};

/**
 * Guards an HTTP API handler the way API Gateway does with the authorizer: the same decision, then
 * either the RFC 6750 answer or the inner handler called with `requestContext.authorizer.lambda` set
 * to `{clientId, sub, jti, scope, claims}`, exactly where API Gateway puts it. A JWKS that cannot be obtained, or a
 * token status that cannot be read, is a 503 problem (API Gateway would answer 500): fail closed.
 */
export function withBearerAuthorization(deps: AuthorizerDeps, issuer: string, inner: HttpApiHandler): HttpApiHandler {
  return async (event) => {
    let decision: BearerDecision;
    try {
      decision = await authorizeRequest(deps, {
        method: event.requestContext.http.method,
        headers: event.headers ?? {},
      });
    } catch (err) {
      const detail =
        err instanceof JwksUnavailableError
          ? 'the signing keys could not be obtained'
          : err instanceof ClientStatusUnavailableError
            ? 'the client status could not be read'
            : undefined;
      if (detail === undefined) throw err;
      deps.logger.error(detail, { error: String((err as Error).cause) });
      return toResult({
        status: 503,
        headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Retry-After': '1', 'Cache-Control': 'no-store' },
        body: JSON.stringify(problem('service-unavailable', detail, event.rawPath)),
      });
    }
    if ('deny' in decision) return toResult(bearerDenialResponse(decision, issuer, event.rawPath));
    const authorized: AuthorizedHttpApiEvent = {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { lambda: authorizerContext(decision.allow) } },
    };
    return inner(authorized);
  };
}
