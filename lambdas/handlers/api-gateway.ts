/**
 * Translation between API Gateway HTTP API payload v2 and the core's {@link HttpRequest} /
 * {@link HttpResponse}. The local server builds the same events, so one code path serves both.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../domain/http';
import { memoiseUntilRejected } from './memoise';

/** An HTTP API v2 event as far as our handlers read it. */
export type HttpApiEvent = Pick<
  APIGatewayProxyEventV2,
  'rawPath' | 'rawQueryString' | 'headers' | 'body' | 'isBase64Encoded'
> &
  Partial<Pick<APIGatewayProxyEventV2, 'cookies'>> & {
    requestContext: { http: { method: string } };
  };

/** The Lambda result: status, headers and a text body. */
export type HttpApiResult = APIGatewayProxyStructuredResultV2;

export function toHttpRequest(event: HttpApiEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  // Payload v2 moves the Cookie header into `cookies`; the core reads it as the one header again.
  if (event.cookies !== undefined && event.cookies.length > 0) headers['cookie'] = event.cookies.join('; ');
  const body =
    event.body === undefined || event.body === null
      ? new Uint8Array()
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    headers,
    rawQuery: event.rawQueryString ?? '',
    body,
  };
}

export function toResult(res: HttpResponse): HttpApiResult {
  return {
    statusCode: res.status,
    headers: res.headers,
    body: res.body,
    isBase64Encoded: false,
    // Payload v2: one Set-Cookie header per entry.
    ...(res.cookies !== undefined && res.cookies.length > 0 ? { cookies: res.cookies } : {}),
  };
}

/** A handler of HTTP API v2 events. */
export type HttpApiHandler = (event: HttpApiEvent) => Promise<HttpApiResult>;

/**
 * Lazily composes dependencies once per cold start and reuses them for every warm invocation. When
 * composition fails (e.g. the pepper could not be read), `onInitError` answers and the next
 * invocation tries again.
 */
export function lazyHandler<D>(
  compose: () => Promise<D>,
  make: (deps: D) => HttpApiHandler,
  onInitError: (err: unknown) => HttpApiResult,
): HttpApiHandler {
  const ready = memoiseUntilRejected(() => compose().then(make));
  return async (event) => {
    let handle: HttpApiHandler;
    try {
      handle = await ready();
    } catch (err) {
      return onInitError(err);
    }
    return handle(event);
  };
}
