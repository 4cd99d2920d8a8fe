/**
 * The sign-in function's Lambda handler (docs/contract.md, "People"): the hosted pages. A thin shell:
 * the event's path and method pick the endpoint — `GET /oauth2/authorize`, `POST /oauth2/sign-in`,
 * `GET|POST /oauth2/consent`, `GET|POST /oauth2/logout`, `GET|POST /oauth2/set-password` and the
 * stylesheet — which answers; another method is a 405 page with `Allow`, another path a 404 page.
 * (`/oauth2/userinfo` is served by its own handler.) `makeHandler(deps)` is for tests and the local
 * server; `handler` composes AWS adapters once per cold start (./compose/sign-in.ts).
 */
import { AuthorizeEndpoint } from '../domain/endpoints/authorize-endpoint';
import { ConsentEndpoint } from '../domain/endpoints/consent-endpoint';
import { LogoutEndpoint } from '../domain/endpoints/logout-endpoint';
import {
  AUTHORIZE_PATH,
  CONSENT_PATH,
  LOGOUT_PATH,
  PAGES_STYLESHEET_PATH,
  SET_PASSWORD_PATH,
  SIGN_IN_PATH,
} from '../domain/endpoints/paths';
import { SetPasswordEndpoint } from '../domain/endpoints/set-password-endpoint';
import { SignInEndpoint } from '../domain/endpoints/sign-in-endpoint';
import type { HttpRequest, HttpResponse } from '../domain/http';
import { defaultDisplayName, pageResponse } from '../domain/pages/layout';
import { messagePage } from '../domain/pages/message-page';
import { stylesheetResponse } from '../domain/pages/stylesheet';
import { AuthorizationFlow } from '../domain/people/authorization-flow';
import type { HostedPagesDeps } from '../domain/people/hosted-pages-deps';
import type { HttpApiHandler } from './api-gateway';
import { toHttpRequest, toResult } from './api-gateway';
import { signInEntry } from './compose/sign-in';

type Answer = (req: HttpRequest) => Promise<HttpResponse>;

/** One path: the methods it answers. */
type Route = Partial<Record<'GET' | 'POST', Answer>>;

export function makeHandler(deps: HostedPagesDeps): HttpApiHandler {
  const flow = new AuthorizationFlow(deps);
  const authorize = new AuthorizeEndpoint(flow);
  const signIn = new SignInEndpoint(flow);
  const consent = new ConsentEndpoint(flow);
  const logout = new LogoutEndpoint(flow);
  const setPassword = new SetPasswordEndpoint(flow);
  const stylesheet: Answer = async () => stylesheetResponse();
  const routes: Record<string, Route> = {
    [AUTHORIZE_PATH]: { GET: (req) => authorize.handle(req) },
    [SIGN_IN_PATH]: { POST: (req) => signIn.handle(req) },
    [CONSENT_PATH]: { GET: (req) => consent.handle(req), POST: (req) => consent.handle(req) },
    [LOGOUT_PATH]: { GET: (req) => logout.handle(req), POST: (req) => logout.handle(req) },
    [SET_PASSWORD_PATH]: { GET: (req) => setPassword.handle(req), POST: (req) => setPassword.handle(req) },
    [PAGES_STYLESHEET_PATH]: { GET: stylesheet },
  };
  return async (event) => {
    const req = toHttpRequest(event);
    const route = Object.hasOwn(routes, req.path) ? routes[req.path] : undefined;
    if (route === undefined)
      return toResult(flow.errorPage(404, 'Page not found', 'There is no page at this address.'));
    // RFC 9110 §9.3.2: HEAD is answered as GET, without the body (the local server drops it).
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const answer = method === 'GET' || method === 'POST' ? route[method] : undefined;
    if (answer === undefined) {
      const res = flow.errorPage(405, 'Method not allowed', 'This page cannot be used that way.');
      res.headers['Allow'] = Object.keys(route).join(', ');
      return toResult(res);
    }
    return toResult(await answer(req));
  };
}

/** The Lambda entry; until it can start, a 503 page with `Retry-After`. */
export const handler: HttpApiHandler = signInEntry(makeHandler, (issuer) => {
  const res = pageResponse(
    503,
    { displayName: defaultDisplayName(issuer.replace(/\/+$/, '')) },
    messagePage('Try again in a moment', 'The sign-in service is starting or briefly unavailable.'),
  );
  res.headers['Retry-After'] = '1';
  return toResult(res);
});
