/**
 * The local HTTP server: turns each request into an API Gateway HTTP API v2 event and calls the same
 * handlers that run in Lambda, then writes their result. Routing mirrors the HTTP API's routes.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ProblemError, problemResponse } from '../domain/admin/problem';
import {
  ADMIN_OPENAPI_PATH,
  INTROSPECTION_PATH,
  REVOCATION_PATH,
  SIGN_IN_FUNCTION_PATHS,
  TOKEN_PATH,
  USERINFO_PATH,
  WELL_KNOWN_PREFIX,
  isAdminPath,
  isConsolePath,
} from '../domain/endpoints/paths';
import { NO_STORE_HEADERS } from '../domain/http';
import { restrictToErrorChars } from '../domain/oauth-grammar';
import type { HttpApiHandler, HttpApiResult } from '../handlers/api-gateway';
import { toResult } from '../handlers/api-gateway';

/** API Gateway HTTP API's payload limit is 10 MB; locally 1 MiB is plenty and bounds memory. */
export const LOCAL_MAX_BODY_BYTES = 1024 * 1024;

export interface LocalRoutes {
  /** The token function: `/oauth2/token`, `/oauth2/revoke` (RFC 7009), `/oauth2/introspect` (RFC 7662). */
  token: HttpApiHandler;
  discovery: HttpApiHandler;
  /** `/admin/*` behind the authorizer. */
  admin?: HttpApiHandler;
  /** `GET /admin/openapi.json`, public. */
  adminOpenApi?: HttpApiHandler;
  /** `GET|POST /oauth2/userinfo` (OIDC Core §5.3); the endpoint answers other methods 405 itself. */
  userinfo?: HttpApiHandler;
  /** The hosted pages (authorize, sign-in, consent, logout, set-password, stylesheet); they answer 405 themselves. */
  signIn?: HttpApiHandler;
  /** The admin console's files under `/console` (the HTTP API's `/console/{proxy+}` route to the console function). */
  console?: HttpApiHandler;
}

/** Picks the handler for a request the way the HTTP API's route table does. */
export function route(routes: LocalRoutes, method: string, path: string): HttpApiHandler | HttpApiResult {
  if (path === TOKEN_PATH) {
    // POST, and OPTIONS for CORS preflights (lambdas/domain/endpoints/cors.ts): the HTTP API's
    // `POST /oauth2/token` and `OPTIONS /oauth2/token` routes, both to the token function.
    if (method === 'POST' || method === 'OPTIONS') return routes.token;
    return json(
      405,
      { error: 'invalid_request', error_description: 'the token endpoint accepts POST only' },
      // RFC 6749 §5.1 / §5.2: JSON with UTF-8, never cached; RFC 9110 §15.5.6: every method it answers.
      { Allow: 'OPTIONS, POST', 'Content-Type': 'application/json;charset=UTF-8', ...NO_STORE_HEADERS },
    );
  }
  // RFC 7009 / RFC 7662: the token function's other endpoints; revocation answers CORS preflights too.
  if (path === REVOCATION_PATH || path === INTROSPECTION_PATH) {
    const methods = path === REVOCATION_PATH ? ['POST', 'OPTIONS'] : ['POST'];
    if (methods.includes(method)) return routes.token;
    return json(
      405,
      { error: 'invalid_request', error_description: 'the endpoint accepts POST only' },
      { Allow: methods.sort().join(', '), 'Content-Type': 'application/json;charset=UTF-8', ...NO_STORE_HEADERS },
    );
  }
  if (path.startsWith(WELL_KNOWN_PREFIX)) return routes.discovery;
  if (path === USERINFO_PATH && routes.userinfo !== undefined) return routes.userinfo;
  if (routes.signIn !== undefined && path !== USERINFO_PATH && SIGN_IN_FUNCTION_PATHS.includes(path)) {
    return routes.signIn;
  }
  if (path === ADMIN_OPENAPI_PATH && method === 'GET' && routes.adminOpenApi !== undefined) return routes.adminOpenApi;
  if (isAdminPath(path) && routes.admin !== undefined) return routes.admin;
  if (isConsolePath(path) && routes.console !== undefined) return routes.console;
  return json(404, { error: 'not_found' });
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpApiResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * A request target as the server reads it (RFC 9112 §3.2): the path as sent (`rawPath`, still with
 * dot segments and percent-encoding), and, when the whole target is a valid URI, the normalised path
 * (RFC 3986 §5.2.4 dot segments removed, as the WHATWG URL parser does) and the query. An
 * absolute-form target (`http://host/path`) whose authority does not parse — `[::1`, `%zz`, a port
 * above 65535 — is not `ok`, and `rawPath` still says which endpoint it was meant for; an
 * asterisk- or authority-form target has no path at all.
 */
export type RequestTarget =
  { ok: true; rawPath: string; path: string; rawQuery: string } | { ok: false; rawPath: string | undefined };

// RFC 9112 §3.2.2 absolute-form: scheme "://" authority, then the path (up to `?` or `#`).
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/;

/** Reads a request target; never throws. */
export function parseRequestTarget(target: string): RequestTarget {
  const origin = target.startsWith('/');
  const absolute = origin ? undefined : ABSOLUTE_FORM.exec(target);
  if (!origin && (absolute === null || absolute === undefined)) return { ok: false, rawPath: undefined };
  const rawPath = origin ? target.replace(/[?#][\s\S]*$/, '') : absolute![1] || '/';
  let url: URL;
  try {
    // Origin-form is resolved under a fixed origin: `//x` is a path here, not a network-path reference.
    url = new URL(origin ? `http://localhost${target}` : target);
  } catch {
    return { ok: false, rawPath };
  }
  return { ok: true, rawPath, path: url.pathname, rawQuery: url.search.replace(/^\?/, '') };
}

/** Whose error format an answer of the server's own edge takes (docs/contract.md). */
type ErrorFormat = 'token' | 'admin' | 'plain';

/** The format of the endpoint `paths` (raw and normalised) name: admin if any of them is under `/admin`. */
function errorFormat(...paths: (string | undefined)[]): ErrorFormat {
  if (paths.some((p) => p !== undefined && isAdminPath(p))) return 'admin';
  if (paths.some((p) => p === TOKEN_PATH || p === REVOCATION_PATH || p === INTROSPECTION_PATH)) return 'token';
  return 'plain';
}

const ADMIN_SLUGS = { 400: 'bad-request', 404: 'not-found', 413: 'payload-too-large' } as const;

/**
 * An error the server's edge answers before any handler runs, in the endpoint's format: RFC 6749
 * §5.2 `invalid_request` with `no-store` at the token endpoint, RFC 9457 problem+json under `/admin`,
 * plain JSON elsewhere. `detail` is fixed text, never caller input.
 */
export function edgeError(format: ErrorFormat, status: keyof typeof ADMIN_SLUGS, detail: string): HttpApiResult {
  if (format === 'admin') return toResult(problemResponse(new ProblemError(ADMIN_SLUGS[status], detail)));
  const body = { error: 'invalid_request', error_description: restrictToErrorChars(detail) };
  if (format === 'token')
    return json(status, body, { 'Content-Type': 'application/json;charset=UTF-8', ...NO_STORE_HEADERS });
  return json(status, body);
}

const BAD_TARGET = 'the request target is not a valid URI (RFC 9112 section 3.2)';

/** Builds the HTTP API v2 event for a request (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). */
export function toApiGatewayEvent(
  req: http.IncomingMessage,
  body: Buffer,
  target: Extract<RequestTarget, { ok: true }>,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  // API Gateway joins repeated headers with commas; node would drop repeated Authorization headers.
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined) continue;
    // Payload v2 carries cookies in `cookies`, not in the headers.
    if (name === 'cookie') cookies = values.flatMap((value) => value.split(/;\s*/)).filter((c) => c !== '');
    else headers[name] = values.join(',');
  }
  const now = new Date();
  const domainName = (req.headers.host ?? 'localhost').replace(/:\d+$/, '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: target.path,
    rawQueryString: target.rawQuery,
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: target.path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
}

/**
 * Creates the server. `ready` resolves to the routes once the runtime is composed; requests that
 * arrive earlier wait for it. `onError` hears what is a bug of the runtime; `onClientAbort` a client
 * that went away before its request was complete, which is not the server's error.
 */
export function createLocalServer(
  ready: Promise<LocalRoutes>,
  onError: (err: unknown) => void,
  onClientAbort: (err: unknown) => void = () => {},
): http.Server {
  // Host is checked in `answer`, so that its absence is answered in the endpoint's format.
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > LOCAL_MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        let result: HttpApiResult;
        try {
          result = await answer(await ready, req, tooLarge, chunks);
        } catch (err) {
          // Handlers answer every error themselves; reaching here is a bug in the runtime.
          onError(err);
          result = json(500, { error: 'server_error' });
        }
        const headers: Record<string, string | string[]> = {
          ...(result.headers as Record<string, string> | undefined),
        };
        if (result.cookies !== undefined && result.cookies.length > 0) headers['Set-Cookie'] = result.cookies;
        res.writeHead(result.statusCode ?? 200, headers);
        res.end(req.method === 'HEAD' ? undefined : (result.body ?? ''));
      })();
    });
    // A client that closes the connection mid-request (`aborted`, ECONNRESET) is no server error.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.message === 'aborted' ? onClientAbort(err) : onError(err),
    );
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      onClientAbort(err);
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(err.code));
  });
  return server;
}

/**
 * What node's HTTP parser refused before there was a request (malformed request line or headers,
 * bad chunking, oversized headers): a plain JSON answer and a closed connection, since no endpoint
 * can be told apart yet. RFC 6585 §5 431 for headers over node's limit, RFC 9110 §15.5.9 408 for a
 * request that did not arrive in time, else RFC 9110 §15.5.1 400.
 */
function clientErrorResponse(code: string | undefined): string {
  const [status, reason, description] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request did not arrive in time']
        : [400, 'Bad Request', 'the request is not valid HTTP/1.1 (RFC 9112)'];
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

async function answer(
  routes: LocalRoutes,
  req: http.IncomingMessage,
  tooLarge: boolean,
  chunks: Buffer[],
): Promise<HttpApiResult> {
  const target = parseRequestTarget(req.url ?? '/');
  // RFC 9110 §15.5.1: a target that is not a URI is a bad request, in the format of the endpoint it names.
  if (!target.ok) return edgeError(errorFormat(target.rawPath), 400, BAD_TARGET);
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is a bad request.
  if (req.httpVersion === '1.1' && req.headers.host === undefined) {
    return edgeError(
      errorFormat(target.rawPath, target.path),
      400,
      'the Host header is required (RFC 9112 section 3.2)',
    );
  }
  if (tooLarge) {
    // RFC 9110 §15.5.14.
    const format = errorFormat(target.rawPath, target.path);
    return edgeError(
      format,
      413,
      format === 'admin' ? `the body has more than ${LOCAL_MAX_BODY_BYTES} bytes` : 'request body too large',
    );
  }
  // A path under /admin whose dot segments lead out of it (RFC 3986 §5.2.4) names no admin resource.
  if (isAdminPath(target.rawPath) && !isAdminPath(target.path)) {
    return edgeError('admin', 404, 'no admin resource at this path');
  }
  const handler = route(routes, req.method ?? 'GET', target.path);
  return typeof handler === 'function' ? handler(toApiGatewayEvent(req, Buffer.concat(chunks), target)) : handler;
}
