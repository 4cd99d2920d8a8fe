/**
 * `GET|POST /oauth2/logout`, OIDC RP-Initiated Logout 1.0 §2 (docs/contract.md, "People › Logout"):
 * `id_token_hint`, `client_id`, `post_logout_redirect_uri`, `state`. The browser's sign-in session
 * ends (its item deleted, its cookie cleared with `Max-Age=0`); then a redirect to the
 * `post_logout_redirect_uri` with `state` when it is registered exactly for the client
 * (`postLogoutRedirectUris`), else a "signed out" page.
 *
 * The `id_token_hint` is only used to choose the client: its payload is decoded and its `iss` must be
 * this issuer, its `aud` (or `azp`) names the client. Its signature is not verified here (the sign-in
 * function holds no key source), so it is trusted for nothing else — a forged hint can at most pick a
 * client whose registered URI then receives the browser, which that client's own `client_id` could do
 * too. A request that is not valid changes nothing: a 400 page, the session kept.
 */
import type { HttpRequest, HttpResponse } from '../http';
import { messagePage } from '../pages/message-page';
import { redirectResponse } from '../pages/layout';
import { AuthorizationFlow, withQuery } from '../people/authorization-flow';
import { formParams, queryParams } from '../people/form-params';
import { digestOf } from '../people/handles';
import type { HostedPagesDeps } from '../people/hosted-pages-deps';
import { MAX_CLIENT_ID_LENGTH } from '../client-auth/credentials-reader';

/** Longest `id_token_hint` read. */
const MAX_ID_TOKEN_HINT_LENGTH = 8192;

export class LogoutEndpoint {
  constructor(private readonly flow: AuthorizationFlow) {}

  static create(deps: HostedPagesDeps): LogoutEndpoint {
    return new LogoutEndpoint(new AuthorizationFlow(deps));
  }

  /** Answers GET and POST; never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.logout(req);
    } catch (err) {
      return this.flow.failurePage(err, 'logout');
    }
  }

  private async logout(req: HttpRequest): Promise<HttpResponse> {
    const flow = this.flow;
    const params = req.method === 'POST' ? formParams(req) : queryParams(req);
    if (params === undefined || params.repeated.size > 0) return this.refuse('The sign-out request is malformed.');
    const { values } = params;
    const hint = values.get('id_token_hint');
    let hinted: string[] | undefined;
    if (hint !== undefined) {
      hinted = this.hintedClients(hint);
      if (hinted === undefined) return this.refuse('The sign-out request carries an ID token of another issuer.');
    }
    const clientId = values.get('client_id') ?? (hinted?.length === 1 ? hinted[0] : undefined);
    if (clientId !== undefined && hinted !== undefined && !hinted.includes(clientId)) {
      return this.refuse('The sign-out request names two different apps.');
    }
    const target = values.get('post_logout_redirect_uri');
    let location: string | undefined;
    if (target !== undefined) {
      if (clientId === undefined || clientId.length > MAX_CLIENT_ID_LENGTH) {
        return this.refuse('The sign-out request does not name its app.');
      }
      const bundle = await flow.deps.clients.loadClientBundle(clientId);
      // OIDC RP-Initiated Logout §2: exact match with a registered value.
      if (bundle === undefined || !(bundle.client.postLogoutRedirectUris ?? []).includes(target)) {
        return this.refuse('The address the app asked to return to after sign-out is not registered for it.');
      }
      location = withQuery(target, { state: values.get('state') });
    }

    const handle = flow.sessionHandle(req);
    if (handle !== undefined) await flow.deps.signInSessions.deleteSignInSession(digestOf(handle));
    const cookies = [flow.clearSessionCookie()];
    if (location !== undefined) return redirectResponse(req.method === 'POST' ? 303 : 302, location, cookies);
    return flow.page(200, messagePage('Signed out', 'You are signed out. You can close this window.'), cookies);
  }

  private refuse(reason: string): HttpResponse {
    return this.flow.page(400, messagePage('Sign-out request not valid', reason, 'You have not been signed out.'));
  }

  /** The clients an ID token of this issuer was issued to (`aud`, `azp`); `undefined` when it is not one. */
  private hintedClients(hint: string): string[] | undefined {
    if (hint.length > MAX_ID_TOKEN_HINT_LENGTH) return undefined;
    const parts = hint.split('.');
    if (parts.length !== 3) return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof payload !== 'object' || payload === null) return undefined;
    const claims = payload as Record<string, unknown>;
    if (claims['iss'] !== this.flow.issuer) return undefined;
    const aud = claims['aud'];
    const audiences =
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
    if (typeof claims['azp'] === 'string' && audiences.length !== 1) return [claims['azp']];
    return audiences.length > 0 ? audiences : undefined;
  }
}
