/**
 * The local HTTP server: turns each request into an API Gateway HTTP API v2 event and calls the same
 * handlers that run in Lambda, then writes their result. Routing mirrors the HTTP API's routes.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  ADMIN_OPENAPI_PATH,
  SIGN_IN_FUNCTION_PATHS,
  TOKEN_PATH,
  USERINFO_PATH,
  WELL_KNOWN_PREFIX,
  isAdminPath,
} from '../domain/endpoints/paths';
import type { HttpApiHandler, HttpApiResult } from '../handlers/api-gateway';

/** API Gateway HTTP API's payload limit is 10 MB; locally 1 MiB is plenty and bounds memory. */
export const LOCAL_MAX_BODY_BYTES = 1024 * 1024;

export interface LocalRoutes {
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
      {
        Allow: 'OPTIONS, POST',
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
      },
    );
  }
  if (path.startsWith(WELL_KNOWN_PREFIX)) return routes.discovery;
  if (path === USERINFO_PATH && routes.userinfo !== undefined) return routes.userinfo;
  if (routes.signIn !== undefined && path !== USERINFO_PATH && SIGN_IN_FUNCTION_PATHS.includes(path)) {
    return routes.signIn;
  }
  if (path === ADMIN_OPENAPI_PATH && method === 'GET' && routes.adminOpenApi !== undefined) return routes.adminOpenApi;
  if (isAdminPath(path) && routes.admin !== undefined) return routes.admin;
  return json(404, { error: 'not_found' });
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpApiResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Builds the HTTP API v2 event for a request (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html). */
export function toApiGatewayEvent(req: http.IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
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
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
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
 * arrive earlier wait for it.
 */
export function createLocalServer(ready: Promise<LocalRoutes>, onError: (err: unknown) => void): http.Server {
  return http.createServer((req, res) => {
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
          if (tooLarge) {
            result = json(
              413,
              { error: 'invalid_request', error_description: 'request body too large' },
              { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
            );
          } else {
            const target = route(
              await ready,
              req.method ?? 'GET',
              new URL(req.url ?? '/', 'http://localhost').pathname,
            );
            result =
              typeof target === 'function' ? await target(toApiGatewayEvent(req, Buffer.concat(chunks))) : target;
          }
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
    req.on('error', onError);
  });
}
