/**
 * `GET|POST /oauth2/consent` (docs/contract.md, "People › Consent"): for a client with
 * `requireConsent` (or `prompt=consent`), after sign-in. GET shows the client's name and the scopes it
 * asks for with a fresh CSRF token; POST takes the answer: Allow records the consent for this user and
 * client and answers 303 with a code, Deny answers 303 with `access_denied` (RFC 6749 §4.1.2.1). The
 * pending request must be live, bound to this browser and to its current sign-in session.
 */
import { AccessDeniedError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import { consentPage, OIDC_SCOPE_DESCRIPTIONS } from '../pages/consent-page';
import type { ScopeLine } from '../pages/consent-page';
import { AuthorizationFlow, consentKeys } from '../people/authorization-flow';
import type { LiveSession } from '../people/authorization-flow';
import { formParams, queryParams } from '../people/form-params';
import type { Params } from '../people/form-params';
import { digestOf, matchesDigest } from '../people/handles';
import type { HostedPagesDeps } from '../people/hosted-pages-deps';
import type { AuthorizationRequest } from '../people/model';

export class ConsentEndpoint {
  constructor(private readonly flow: AuthorizationFlow) {}

  static create(deps: HostedPagesDeps): ConsentEndpoint {
    return new ConsentEndpoint(new AuthorizationFlow(deps));
  }

  /** Answers GET (the page) and POST (the answer); never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      if (req.method === 'POST') return await this.answer(req);
      return await this.show(req);
    } catch (err) {
      return this.flow.failurePage(err, 'consent');
    }
  }

  /** The pending request after sign-in, its live session and its client; `undefined` when refused. */
  private async load(req: HttpRequest, params: Params | undefined) {
    if (params === undefined || params.repeated.size > 0) return undefined;
    const handle = params.values.get('request');
    const pending = await this.flow.findPending(req, handle);
    if (pending?.userId === undefined) return undefined;
    const live = await this.flow.liveSession(req);
    if (
      live === undefined ||
      live.session.sessionId !== pending.sessionId ||
      live.user.user.userId !== pending.userId
    ) {
      return undefined;
    }
    const bundle = await this.flow.loadUsableClient(pending.clientId);
    if (bundle === undefined) return undefined;
    return { handle: handle!, pending, live, bundle };
  }

  private async show(req: HttpRequest): Promise<HttpResponse> {
    const loaded = await this.load(req, queryParams(req));
    if (loaded === undefined) return this.flow.requestGonePage();
    const { handle, pending, live, bundle } = loaded;
    const csrf = this.flow.newHandle();
    await this.flow.deps.requests.updateAuthorizationRequest({ ...pending, csrfDigest: digestOf(csrf) });
    const { scopes, apiName } = await this.describe(pending);
    return this.flow.page(
      200,
      consentPage({
        clientName: bundle.client.name,
        apiName,
        scopes,
        request: handle,
        csrf,
        username: live.user.user.username,
      }),
    );
  }

  private async answer(req: HttpRequest): Promise<HttpResponse> {
    const params = formParams(req);
    const loaded = await this.load(req, params);
    if (loaded === undefined || !matchesDigest(params?.values.get('csrf'), loaded.pending.csrfDigest)) {
      return this.flow.requestGonePage();
    }
    const { handle, pending, live, bundle } = loaded;
    const decision = params?.values.get('decision');
    if (decision === 'deny') {
      await this.flow.deps.requests.consumeAuthorizationRequest(pending.digest);
      return this.flow.errorRedirect(
        303,
        pending.redirectUri,
        pending.state,
        new AccessDeniedError('the user denied the request'),
      );
    }
    if (decision !== 'allow') return this.flow.requestGonePage();
    await this.remember(pending, live);
    return this.flow.complete({
      status: 303,
      req,
      pending: { request: pending, handle },
      bundle,
      live,
      consented: true,
    });
  }

  /** Adds these scopes to the user's consent for the client. */
  private async remember(pending: AuthorizationRequest, live: LiveSession): Promise<void> {
    const { consents } = this.flow.deps;
    const userId = live.user.user.userId;
    const previous = await consents.findConsent(userId, pending.clientId);
    const scopes = [...new Set([...(previous?.scopes ?? []), ...consentKeys(pending.scopes, pending.audience)])];
    await consents.putConsent({
      userId,
      clientId: pending.clientId,
      scopes,
      createdAt: previous?.createdAt ?? this.flow.at(),
      updatedAt: this.flow.at(),
    });
  }

  /** The scopes as shown: OIDC scopes in words, API scopes with the API's descriptions. */
  private async describe(pending: AuthorizationRequest): Promise<{ scopes: ScopeLine[]; apiName?: string }> {
    const api = pending.audience === undefined ? undefined : await this.flow.deps.apis.getApi(pending.audience);
    const descriptions = new Map((api?.scopes ?? []).map((s) => [s.value, s.description]));
    return {
      apiName: pending.audience === undefined ? undefined : (api?.name ?? pending.audience),
      scopes: pending.scopes.map((scope) => ({
        scope,
        description: OIDC_SCOPE_DESCRIPTIONS[scope] ?? descriptions.get(scope),
      })),
    };
  }
}
