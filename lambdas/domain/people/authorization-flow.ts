/**
 * The steps the hosted pages share (docs/contract.md, "People › Authorize"): the browser's live
 * sign-in session, the browser binding of pending requests, redirects back to the client (success with
 * a code, or an error, RFC 6749 §4.1.2 / §4.1.2.1, with `iss`, RFC 9207 §2), and the last step once the
 * user is known — the user's own grants, consent, and the code.
 */
import { AccessDeniedError, ConsentRequiredError, DependencyUnavailableError, describeError } from '../errors';
import type { OAuthError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import type { Client, ClientBundle } from '../model';
import { CONSENT_PATH } from '../endpoints/paths';
import { defaultDisplayName, pageResponse, redirectResponse } from '../pages/layout';
import type { PageContent, PageFrame } from '../pages/layout';
import { messagePage } from '../pages/message-page';
import { clearCookie, cookieNames, readCookies, setCookie } from './browser-cookies';
import type { CookieNames } from './browser-cookies';
import { digestOf, isHandle, matchesDigest, newHandle } from './handles';
import {
  AUTHORIZATION_CODE_TTL,
  AUTHORIZATION_REQUEST_TTL,
  BROWSER_COOKIE_TTL,
  DEFAULT_SIGN_IN_SESSION_TTL,
} from './hosted-pages-deps';
import type { HostedPagesDeps } from './hosted-pages-deps';
import { maxSessionsPerUserOf, usesRefreshTokens } from './client-settings';
import type { AuthorizationRequest, SignInSession, User, UserBundle, UserSnapshot } from './model';
import { limitByUserGrants, OIDC_SCOPES } from './user-scope-resolution';

/** The validated request as authorize resolved it, before anyone signed in. */
export type RequestedAuthorization = Pick<
  AuthorizationRequest,
  | 'clientId'
  | 'redirectUri'
  | 'scopes'
  | 'audience'
  | 'state'
  | 'nonce'
  | 'codeChallenge'
  | 'prompt'
  | 'maxAge'
  | 'loginHint'
>;

/** A pending request as stored, with the handle that names it (when there is one). */
export interface Pending {
  request: RequestedAuthorization & Partial<AuthorizationRequest>;
  /** The handle whose digest keys the stored request; absent when nothing is stored yet. */
  handle?: string;
}

/** The browser's live sign-in session and its user. */
export interface LiveSession {
  session: SignInSession;
  user: UserBundle;
}

/** The consent key of a scope (model.ts, Consent): OIDC scopes as is, API scopes with their audience. */
export function consentKeys(scopes: readonly string[], audience: string | undefined): string[] {
  return scopes.map((scope) =>
    OIDC_SCOPES.includes(scope) || audience === undefined ? scope : `${audience} ${scope}`,
  );
}

/**
 * Appends parameters to a redirect URI's query (RFC 6749 §4.1.2: "retaining" any query component it
 * has, §3.1.2); registered redirect URIs never carry a fragment.
 */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  const text = query.toString();
  if (text === '') return uri;
  if (!uri.includes('?')) return `${uri}?${text}`;
  return uri.endsWith('?') || uri.endsWith('&') ? `${uri}${text}` : `${uri}&${text}`;
}

export class AuthorizationFlow {
  readonly frame: PageFrame;
  readonly cookies: CookieNames;
  readonly issuer: string;
  readonly signInSessionTtl: number;
  private readonly makeHandle: () => string;

  constructor(readonly deps: HostedPagesDeps) {
    this.issuer = deps.config.issuer;
    this.frame = { displayName: deps.config.displayName ?? defaultDisplayName(deps.config.issuer) };
    this.cookies = cookieNames(deps.config.issuer);
    this.signInSessionTtl = deps.config.signInSessionTtl ?? DEFAULT_SIGN_IN_SESSION_TTL;
    this.makeHandle = deps.newHandle ?? newHandle;
  }

  /** A new 256-bit handle. */
  newHandle(): string {
    return this.makeHandle();
  }

  /** Now, ISO 8601, plus `offsetSeconds`. */
  at(offsetSeconds = 0): string {
    return new Date(this.deps.clock.now() + offsetSeconds * 1000).toISOString();
  }

  /** Now, seconds since the epoch. */
  nowSeconds(): number {
    return Math.floor(this.deps.clock.now() / 1000);
  }

  /** Whether an ISO instant has passed. */
  expired(expiresAt: string): boolean {
    return Date.parse(expiresAt) <= this.deps.clock.now();
  }

  page(status: number, content: PageContent, cookies: string[] = []): HttpResponse {
    return pageResponse(status, this.frame, content, cookies);
  }

  /** A page that cannot go back to the app (RFC 6749 §4.1.2.1: never redirect to an unverified URI). */
  errorPage(status: number, title: string, ...paragraphs: string[]): HttpResponse {
    return this.page(status, messagePage(title, ...paragraphs));
  }

  /** The page of a pending request that is unknown, expired, used, or not this browser's. */
  requestGonePage(): HttpResponse {
    return this.errorPage(
      400,
      'This sign-in cannot continue',
      'The sign-in request has expired, was already completed, or was started in another browser.',
      'Go back to the app and start again.',
    );
  }

  /** A failure of a dependency or a bug: logged, answered with a page (never a stack trace). */
  failurePage(err: unknown, where: string): HttpResponse {
    if (err instanceof DependencyUnavailableError) {
      this.deps.logger.warn('dependency unavailable', {
        where,
        dependency: err.dependency,
        cause: describeError(err.cause),
      });
      const res = this.errorPage(503, 'Try again in a moment', 'The service is briefly unavailable.');
      res.headers['Retry-After'] = '1';
      return res;
    }
    this.deps.logger.error('unexpected error in the hosted pages', { where, error: describeError(err) });
    return this.errorPage(500, 'Something went wrong', 'Go back to the app and try again.');
  }

  /**
   * RFC 6749 §4.1.2.1 error response: `error`, `error_description`, `state` and (RFC 9207 §2) `iss`
   * as query parameters of the redirect URI.
   */
  errorRedirect(
    status: 302 | 303,
    redirectUri: string,
    state: string | undefined,
    error: OAuthError,
    cookies: string[] = [],
  ): HttpResponse {
    const location = withQuery(redirectUri, {
      error: error.code,
      error_description: error.description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?'),
      state,
      iss: this.issuer,
    });
    return redirectResponse(status, location, cookies);
  }

  /** This browser's live sign-in session and its (enabled) user; `undefined` when there is none. */
  async liveSession(req: HttpRequest): Promise<LiveSession | undefined> {
    const handle = readCookies(req).get(this.cookies.session);
    if (!isHandle(handle)) return undefined;
    const session = await this.deps.signInSessions.findSignInSession(digestOf(handle));
    if (session === undefined || this.expired(session.expiresAt)) return undefined;
    const user = await this.deps.users.loadUser(session.userId);
    if (user === undefined || user.user.status !== 'enabled') return undefined;
    return { session, user };
  }

  /** The session cookie's handle as presented (to end that session). */
  sessionHandle(req: HttpRequest): string | undefined {
    const handle = readCookies(req).get(this.cookies.session);
    return isHandle(handle) ? handle : undefined;
  }

  /**
   * The browser-binding value: the browser's cookie when it has one (so two tabs can sign in at once),
   * else a new one; the cookie is (re)set either way.
   */
  browserBinding(req: HttpRequest): { digest: string; cookie: string } {
    const existing = readCookies(req).get(this.cookies.browser);
    const value = isHandle(existing) ? existing : this.newHandle();
    return {
      digest: digestOf(value),
      cookie: setCookie(this.cookies, this.cookies.browser, value, BROWSER_COOKIE_TTL),
    };
  }

  /** Whether this request comes from the browser that started `pending` (login CSRF, RFC 9700 §4.4.1.8). */
  sameBrowser(req: HttpRequest, pending: AuthorizationRequest): boolean {
    return matchesDigest(readCookies(req).get(this.cookies.browser), pending.browserDigest);
  }

  /** The `Set-Cookie` of a new sign-in session. */
  sessionCookie(handle: string): string {
    return setCookie(this.cookies, this.cookies.session, handle, this.signInSessionTtl);
  }

  /** The `Set-Cookie` that ends the session cookie. */
  clearSessionCookie(): string {
    return clearCookie(this.cookies, this.cookies.session);
  }

  /**
   * The stored pending request named by `handle`, when it exists, is live and belongs to this browser.
   * Reads nothing for a handle of the wrong shape.
   */
  async findPending(req: HttpRequest, handle: string | undefined): Promise<AuthorizationRequest | undefined> {
    if (!isHandle(handle)) return undefined;
    const pending = await this.deps.requests.findAuthorizationRequest(digestOf(handle));
    if (pending === undefined || this.expired(pending.expiresAt) || !this.sameBrowser(req, pending)) return undefined;
    return pending;
  }

  /** Stores a new pending request bound to this browser; returns its handle and the browser cookie. */
  async storePending(
    req: HttpRequest,
    requested: RequestedAuthorization,
    user?: { userId: string; sessionId: string; authTime: number },
  ): Promise<{ handle: string; csrf: string; cookie: string }> {
    const handle = this.newHandle();
    const csrf = this.newHandle();
    const browser = this.browserBinding(req);
    await this.deps.requests.createAuthorizationRequest({
      ...requested,
      ...(user ?? {}),
      digest: digestOf(handle),
      browserDigest: browser.digest,
      csrfDigest: digestOf(csrf),
      createdAt: this.at(),
      expiresAt: this.at(AUTHORIZATION_REQUEST_TTL),
    });
    return { handle, csrf, cookie: browser.cookie };
  }

  /** The client of a pending request, still registered, enabled and allowed the code grant. */
  async loadUsableClient(clientId: string): Promise<ClientBundle | undefined> {
    const bundle = await this.deps.clients.loadClientBundle(clientId);
    if (bundle === undefined || bundle.client.status !== 'enabled') return undefined;
    if (!bundle.client.grantTypes.includes('authorization_code')) return undefined;
    return bundle;
  }

  /**
   * The last step once the user is known (after a live session at authorize, a sign-in, or consent):
   * the user's own grants narrow the scopes (an empty result is `access_denied`), then consent when the
   * client requires it (or `prompt=consent`), then the code.
   */
  async complete(input: {
    status: 302 | 303;
    req: HttpRequest;
    pending: Pending;
    bundle: ClientBundle;
    live: LiveSession;
    /** True once the user has just approved on the consent page. */
    consented?: boolean;
    cookies?: string[];
  }): Promise<HttpResponse> {
    const { status, req, pending, bundle, live } = input;
    const cookies = [...(input.cookies ?? [])];
    const request = pending.request;
    const rule = bundle.rules.find((r) => r.subjectType === 'user' && r.audience === request.audience);
    let scopes: string[];
    try {
      scopes = limitByUserGrants(
        { scopes: request.scopes, audience: request.audience, userAccess: rule?.apiUserAccess ?? 'any' },
        live.user.grants,
      ).scopes;
    } catch (err) {
      if (!(err instanceof AccessDeniedError)) throw err;
      if (pending.handle !== undefined) await this.deps.requests.consumeAuthorizationRequest(digestOf(pending.handle));
      return this.errorRedirect(status, request.redirectUri, request.state, err, cookies);
    }

    if (input.consented !== true && (await this.needsConsent(bundle.client, request, live, scopes))) {
      if (request.prompt === 'none') {
        return this.errorRedirect(
          status,
          request.redirectUri,
          request.state,
          new ConsentRequiredError('the user has not consented to these scopes'),
          cookies,
        );
      }
      const user = {
        userId: live.user.user.userId,
        sessionId: live.session.sessionId,
        authTime: live.session.authTime,
      };
      let handle = pending.handle;
      if (handle !== undefined && pending.request.digest !== undefined) {
        await this.deps.requests.updateAuthorizationRequest({
          ...(pending.request as AuthorizationRequest),
          ...user,
          scopes,
        });
      } else {
        const stored = await this.storePending(req, { ...request, scopes }, user);
        handle = stored.handle;
        cookies.push(stored.cookie);
      }
      return redirectResponse(
        status,
        `${CONSENT_PATH}?${new URLSearchParams({ request: handle }).toString()}`,
        cookies,
      );
    }

    if (
      pending.handle !== undefined &&
      !(await this.deps.requests.consumeAuthorizationRequest(digestOf(pending.handle)))
    ) {
      // A double submit: the first one took the request (and made the code).
      return this.requestGonePage();
    }
    return this.issueCode(status, request, scopes, live, cookies, bundle.client);
  }

  /** Whether the consent page must be shown for these scopes. */
  private async needsConsent(
    client: Client,
    request: RequestedAuthorization,
    live: LiveSession,
    scopes: string[],
  ): Promise<boolean> {
    if (request.prompt === 'consent') return true;
    if (client.requireConsent !== true) return false;
    const consent = await this.deps.consents.findConsent(live.user.user.userId, client.clientId);
    const given = new Set(consent?.scopes ?? []);
    return consentKeys(scopes, request.audience).some((key) => !given.has(key));
  }

  /**
   * RFC 6749 §4.1.2: a 256-bit code, stored as its SHA-256 digest, bound to the client, redirect URI,
   * PKCE challenge (RFC 7636 §4.4), user, scopes, audience, nonce, `auth_time` and `sid`; 60 s.
   */
  private async issueCode(
    status: 302 | 303,
    request: RequestedAuthorization,
    scopes: string[],
    live: LiveSession,
    cookies: string[],
    client: Client,
  ): Promise<HttpResponse> {
    const code = this.newHandle();
    if (usesRefreshTokens(client)) {
      // The 11th sign-in to a client revokes the oldest of the user's sessions there: make room for the
      // one this code is about to start (docs/contract.md, Client settings › maxSessionsPerUser).
      await this.deps.sessions?.limitUserSessions(
        live.user.user.userId,
        client.clientId,
        maxSessionsPerUserOf(client) - 1,
        this.at(),
      );
    }
    await this.deps.codes.createCode({
      digest: digestOf(code),
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      userId: live.user.user.userId,
      scopes,
      ...(request.audience === undefined ? {} : { audience: request.audience }),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      authTime: live.session.authTime,
      sessionId: live.session.sessionId,
      // The claims tokens carry, so that the exchange needs no read of the user.
      user: userSnapshot(live.user.user),
      createdAt: this.at(),
      expiresAt: this.at(AUTHORIZATION_CODE_TTL),
    });
    // RFC 9207 §2: `iss` beside `code` and `state`.
    return redirectResponse(
      status,
      withQuery(request.redirectUri, { code, state: request.state, iss: this.issuer }),
      cookies,
    );
  }
}

/** The claims a code (and the session it may start) carries about its user (people/model.ts). */
export function userSnapshot(user: User): UserSnapshot {
  return {
    userId: user.userId,
    username: user.username,
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.email === undefined ? {} : { email: user.email }),
  };
}
