/**
 * CORS for the token endpoint (and, later, the revocation endpoint), so that a browser app (a public
 * SPA) can call them: Fetch standard, "CORS protocol" (docs/contract.md, Token endpoint › CORS).
 *
 * - **Actual responses** carry `Access-Control-Allow-Origin: <origin>` and `Vary: Origin` only when the
 *   request's `Origin` is one of the allowed origins of the client the request names
 *   (people/client-settings.ts, `allowedOriginsOf`), read with the client in the request's one store
 *   read. Nothing else ever gets CORS headers; never `*`, never `Access-Control-Allow-Credentials`
 *   (the endpoint reads no cookie, so a credentialed request gains nothing).
 * - **Preflights** (`OPTIONS`) carry no client id, and knowing every client's origins would need an
 *   index the token path does not have. A preflight is therefore allowed for any syntactically valid
 *   web origin, for `POST` with only the `Content-Type` and `Authorization` headers, without
 *   credentials. That grants nothing: a preflight only lets the browser send the POST, which anyone
 *   outside a browser can send anyway; whether the page may read the answer is decided on the actual
 *   response, by the named client's origins.
 */
import type { HttpRequest, HttpResponse } from '../http';
import { NO_STORE_HEADERS, headerValue } from '../http';
import type { ClientBundle } from '../model';
import { allowedOriginsOf, originProblem } from '../people/client-settings';

/** The one method a preflight may ask for (RFC 6749 §3.2: the token endpoint takes POST). */
export const CORS_ALLOWED_METHODS = 'POST';
/** Request headers a preflight may ask for (the only non-safelisted ones a token request needs). */
export const CORS_ALLOWED_HEADERS: readonly string[] = ['authorization', 'content-type'];
/** How long a browser may cache an allowed preflight, seconds. */
export const CORS_PREFLIGHT_MAX_AGE = 600;

/** What `OPTIONS` on the endpoint supports, for requests that are no allowed preflight. */
const ALLOW = 'OPTIONS, POST';

/** Whether every header a preflight asks for (`Access-Control-Request-Headers`) is allowed. */
function headersAllowed(requested: string | undefined): boolean {
  if (requested === undefined) return true;
  return requested
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
    .every((name) => CORS_ALLOWED_HEADERS.includes(name));
}

/**
 * The answer to `OPTIONS` (RFC 9110 §9.3.7): 204 with `Allow`; for an allowed CORS preflight (a valid
 * origin, `POST`, allowed headers) also the CORS preflight headers. A preflight that is not allowed gets
 * no CORS header at all, so the browser does not send the request.
 */
export function preflightResponse(req: HttpRequest): HttpResponse {
  const headers: Record<string, string> = { Allow: ALLOW, ...NO_STORE_HEADERS };
  const origin = headerValue(req.headers, 'origin');
  const method = headerValue(req.headers, 'access-control-request-method');
  if (
    origin !== undefined &&
    originProblem(origin) === undefined &&
    method === CORS_ALLOWED_METHODS &&
    headersAllowed(headerValue(req.headers, 'access-control-request-headers'))
  ) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Methods'] = CORS_ALLOWED_METHODS;
    headers['Access-Control-Allow-Headers'] = 'Authorization, Content-Type';
    headers['Access-Control-Max-Age'] = String(CORS_PREFLIGHT_MAX_AGE);
    headers['Vary'] = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  }
  return { status: 204, headers, body: '' };
}

/**
 * The response with `Access-Control-Allow-Origin: <origin>` and `Vary: Origin` when the request's
 * `origin` is one of `allowedOrigins` (compared exactly, as browsers serialise origins); otherwise
 * unchanged.
 */
export function withCors(
  response: HttpResponse,
  origin: string | undefined,
  allowedOrigins: readonly string[],
): HttpResponse {
  if (origin === undefined || !allowedOrigins.includes(origin)) return response;
  return {
    ...response,
    headers: { ...response.headers, 'Access-Control-Allow-Origin': origin, Vary: 'Origin' },
  };
}

/**
 * A client-authenticated endpoint's answer with CORS: a preflight is answered by itself; otherwise
 * `answer` runs and its response carries `Access-Control-Allow-Origin` only for an `Origin` among the
 * allowed origins of the client it read (`read.bundle`). Errors found before the client is read (a
 * malformed request) carry no CORS headers: deciding would cost a store read, and the browser then
 * reports a network error instead.
 */
export async function withClientCors(
  req: HttpRequest,
  answer: (read: { bundle?: ClientBundle }) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  if (req.method === 'OPTIONS') return preflightResponse(req);
  const read: { bundle?: ClientBundle } = {};
  const response = await answer(read);
  const allowed = read.bundle === undefined ? [] : allowedOriginsOf(read.bundle.client);
  return withCors(response, headerValue(req.headers, 'origin'), allowed);
}
