/**
 * The console function's Lambda handler (docs/contract.md, "Admin console"): `GET|HEAD /console` and
 * `/console/{proxy+}` on the stage's HTTP API, so the console is on the issuer's origin (no CORS) on every
 * stage, with or without CloudFront. A thin shell around {@link ConsoleEndpoint}; `makeHandler(deps)` is
 * for tests and the local server, `handler` reads the assets beside its bundle once per cold start.
 */
import { ConsoleEndpoint } from '../domain/endpoints/console-endpoint';
import type { HttpApiHandler } from './api-gateway';
import { lazyHandler, toResult } from './api-gateway';
import type { ConsoleDeps } from './compose/console';
import { composeConsole } from './compose/console';
import { functionEnvironment } from './compose/environment';

export function makeHandler(deps: ConsoleDeps): HttpApiHandler {
  const endpoint = new ConsoleEndpoint(deps.assets, deps.settings);
  return async (event) => toResult(endpoint.handle(event.requestContext.http.method, event.rawPath));
}

/** The Lambda entry; until it can start, a plain 503 (the console is a page, not an API). */
export const handler: HttpApiHandler = lazyHandler(
  () => composeConsole(functionEnvironment()),
  makeHandler,
  () => ({
    statusCode: 503,
    headers: { 'Content-Type': 'text/plain;charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '1' },
    body: 'The admin console is starting; reload in a moment.',
  }),
);
