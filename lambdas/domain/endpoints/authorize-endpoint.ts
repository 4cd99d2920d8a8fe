/**
 * `GET /oauth2/authorize` (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2; docs/contract.md, "People ›
 * Authorize"). In this order:
 * 1. the client and its redirect URI: an unknown or disabled client, or a `redirect_uri` missing, sent
 *    twice or not registered exactly (people/redirect-uris.ts) → a 400 page and never a redirect (RFC
 *    6749 §4.1.2.1, RFC 9700 §4.1.1: an unverified redirect URI is an open redirector);
 * 2. every other error → 302 to the redirect URI with `error`, `error_description`, `state` and `iss`
 *    (RFC 9207 §2) in its query;
 * 3. a live sign-in session (unless `prompt=login` or `max_age` has passed) → 302 to the client with a
 *    code (or to the consent page); `prompt=none` without one → `login_required`;
 * 4. otherwise the sign-in page, its pending request stored and bound to this browser.
 */
import { MAX_CLIENT_ID_LENGTH } from '../client-auth/credentials-reader';
import {
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  LoginRequiredError,
  OAuthError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import type { ClientBundle } from '../model';
import { SCOPE_TOKEN } from '../oauth-grammar';
import { signInPage } from '../pages/sign-in-page';
import { AuthorizationFlow } from '../people/authorization-flow';
import type { RequestedAuthorization } from '../people/authorization-flow';
import { queryParams } from '../people/form-params';
import type { Params } from '../people/form-params';
import type { HostedPagesDeps } from '../people/hosted-pages-deps';
import type { Prompt } from '../people/model';
import { redirectUriMatches } from '../people/redirect-uris';
import { resolveUserScopes } from '../people/user-scope-resolution';
import { NoRuleForAudience } from '../scope-resolution';
import { MAX_API_IDENTIFIER_LENGTH } from './token-request';

/** Longest `state`, `nonce` and `login_hint` kept in a pending request (they are stored and echoed). */
export const MAX_STATE_LENGTH = 2048;
export const MAX_NONCE_LENGTH = 512;
export const MAX_LOGIN_HINT_LENGTH = 128;
/** Longest `scope` parameter. */
export const MAX_SCOPE_LENGTH = 2048;

/** RFC 7636 §4.2: a S256 challenge is base64url; 43–128 characters, as a verifier (§4.1). */
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** What the first step established: the client and the redirect URI that may be trusted. */
interface Trusted {
  bundle: ClientBundle;
  redirectUri: string;
  state?: string;
}

export class AuthorizeEndpoint {
  constructor(private readonly flow: AuthorizationFlow) {}

  static create(deps: HostedPagesDeps): AuthorizeEndpoint {
    return new AuthorizeEndpoint(new AuthorizationFlow(deps));
  }

  /** Answers one authorization request; never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    const params = queryParams(req);
    let trusted: Trusted | HttpResponse;
    try {
      trusted = await this.trust(params);
    } catch (err) {
      return this.flow.failurePage(err, 'authorize');
    }
    if (!('bundle' in trusted)) return trusted;
    try {
      return await this.authorize(req, params, trusted);
    } catch (err) {
      if (err instanceof OAuthError) return this.flow.errorRedirect(302, trusted.redirectUri, trusted.state, err);
      return this.flow.failurePage(err, 'authorize');
    }
  }

  /** Step 1: the client and the redirect URI, or the page that refuses them (no redirect). */
  private async trust(params: Params): Promise<Trusted | HttpResponse> {
    const { values, repeated } = params;
    const clientId = values.get('client_id');
    if (repeated.has('client_id') || repeated.has('redirect_uri')) {
      return this.refuse('The request names its app or its return address more than once.');
    }
    if (clientId === undefined) return this.refuse('The request does not name an app (client_id is missing).');
    const bundle =
      clientId.length <= MAX_CLIENT_ID_LENGTH ? await this.flow.deps.clients.loadClientBundle(clientId) : undefined;
    if (bundle === undefined || bundle.client.status !== 'enabled') {
      return this.refuse('The app that sent you here is not registered with this sign-in service, or is disabled.');
    }
    const redirectUri = values.get('redirect_uri');
    if (redirectUri === undefined)
      return this.refuse('The request does not say where to return (redirect_uri is missing).');
    if (!redirectUriMatches(bundle.client.redirectUris ?? [], redirectUri)) {
      return this.refuse('The address the app asked to return to is not registered for it.');
    }
    // A repeated state is not echoed: no value of it can be told to be the app's.
    const state = repeated.has('state') ? undefined : values.get('state');
    return { bundle, redirectUri, state: state !== undefined && state.length <= MAX_STATE_LENGTH ? state : undefined };
  }

  private refuse(reason: string): HttpResponse {
    return this.flow.errorPage(400, 'This sign-in request is not valid', reason, 'Go back to the app and try again.');
  }

  /** Steps 2–4, with a trusted redirect URI: every OAuthError thrown here is redirected. */
  private async authorize(req: HttpRequest, params: Params, trusted: Trusted): Promise<HttpResponse> {
    const requested = await this.validate(params, trusted);
    const flow = this.flow;
    const prompt = requested.prompt;
    let live =
      prompt === 'login' || params.values.get('prompt')?.split(' ').includes('login')
        ? undefined
        : await flow.liveSession(req);
    // OIDC Core §3.1.2.1 max_age: a sign-in older than max_age seconds must be repeated.
    if (
      live !== undefined &&
      requested.maxAge !== undefined &&
      flow.nowSeconds() - live.session.authTime > requested.maxAge
    ) {
      live = undefined;
    }
    if (live === undefined) {
      if (prompt === 'none') throw new LoginRequiredError('the user is not signed in');
      const pending = await flow.storePending(req, requested);
      return flow.page(
        200,
        signInPage({
          clientName: trusted.bundle.client.name,
          request: pending.handle,
          csrf: pending.csrf,
          username: requested.loginHint,
        }),
        [pending.cookie],
      );
    }
    return flow.complete({ status: 302, req, pending: { request: requested }, bundle: trusted.bundle, live });
  }

  /** Step 2: every parameter, in RFC order, into the request to store. */
  private async validate(params: Params, trusted: Trusted): Promise<RequestedAuthorization> {
    const { values, repeated } = params;
    // RFC 6749 §3.1: parameters must not be included more than once.
    if (repeated.size > 0)
      throw new InvalidRequestError(`parameter sent more than once: ${[...repeated].sort().join(' ')}`);
    const state = values.get('state');
    if (state !== undefined && state.length > MAX_STATE_LENGTH)
      throw new InvalidRequestError(`state exceeds ${MAX_STATE_LENGTH} characters`);

    // RFC 6749 §4.1.1, §3.1.1.
    const responseType = values.get('response_type');
    if (responseType === undefined) throw new InvalidRequestError('missing required parameter: response_type');
    if (responseType !== 'code') throw new UnsupportedResponseTypeError('only response_type=code is supported');
    const { client, rules } = trusted.bundle;
    if (!client.grantTypes.includes('authorization_code')) {
      throw new UnauthorizedClientError('client is not authorized to use the authorization_code grant');
    }

    // RFC 7636 §4.3, RFC 9700 §2.1.1: PKCE with S256 for every client.
    const method = values.get('code_challenge_method');
    if (method === undefined) throw new InvalidRequestError('code_challenge_method is required and must be S256');
    if (method !== 'S256') throw new InvalidRequestError('code_challenge_method must be S256');
    const challenge = values.get('code_challenge');
    if (challenge === undefined) throw new InvalidRequestError('missing required parameter: code_challenge');
    if (!CODE_CHALLENGE.test(challenge)) {
      throw new InvalidRequestError('code_challenge must be 43 to 128 base64url characters');
    }

    const prompt = readPrompt(values.get('prompt'));
    const maxAge = readMaxAge(values.get('max_age'));
    const nonce = values.get('nonce');
    if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH)
      throw new InvalidRequestError(`nonce exceeds ${MAX_NONCE_LENGTH} characters`);
    const loginHint = values.get('login_hint');
    if (loginHint !== undefined && loginHint.length > MAX_LOGIN_HINT_LENGTH) {
      throw new InvalidRequestError(`login_hint exceeds ${MAX_LOGIN_HINT_LENGTH} characters`);
    }

    const scopes = readScope(values.get('scope'));
    const audience = readAudience(values.get('audience'), values.get('resource'));
    let resolved;
    try {
      resolved = resolveUserScopes(audience, scopes, rules);
    } catch (err) {
      if (!(err instanceof NoRuleForAudience)) throw err;
      // RFC 8707 §2: an API that does not exist is invalid_target; one the client has no user rule for, invalid_scope.
      if ((await this.flow.deps.apis.getApi(err.audience)) === undefined)
        throw new InvalidTargetError('unknown audience');
      throw new InvalidScopeError('the client may not request scopes on this API for users');
    }
    return {
      clientId: client.clientId,
      redirectUri: trusted.redirectUri,
      scopes: resolved.scopes,
      ...(resolved.audience === undefined ? {} : { audience: resolved.audience }),
      ...(state === undefined ? {} : { state }),
      ...(nonce === undefined ? {} : { nonce }),
      codeChallenge: challenge,
      ...(prompt === undefined ? {} : { prompt }),
      ...(maxAge === undefined ? {} : { maxAge }),
      ...(loginHint === undefined ? {} : { loginHint }),
    };
  }
}

/**
 * OIDC Core §3.1.2.1 `prompt`: space-delimited `login` and/or `consent`, or `none` alone. What is kept:
 * `none`, else `consent` (still to come after sign-in), else `login` (already served by the sign-in page).
 */
function readPrompt(value: string | undefined): Prompt | undefined {
  if (value === undefined) return undefined;
  const values = new Set(value.split(' '));
  for (const v of values) {
    if (v !== 'none' && v !== 'login' && v !== 'consent')
      throw new InvalidRequestError('prompt must be none, login or consent');
  }
  if (values.has('none')) {
    if (values.size > 1) throw new InvalidRequestError('prompt=none cannot be combined with other values');
    return 'none';
  }
  return values.has('consent') ? 'consent' : 'login';
}

/** OIDC Core §3.1.2.1 `max_age`: a non-negative whole number of seconds. */
function readMaxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value))
    throw new InvalidRequestError('max_age must be a non-negative whole number of seconds');
  return Number(value);
}

/** RFC 6749 §3.3: space-delimited scope tokens, de-duplicated in order. */
function readScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.length > MAX_SCOPE_LENGTH) throw new InvalidScopeError(`scope exceeds ${MAX_SCOPE_LENGTH} characters`);
  const tokens = value.split(' ');
  if (tokens.some((token) => !SCOPE_TOKEN.test(token))) throw new InvalidScopeError('scope is malformed');
  return [...new Set(tokens)];
}

/** `audience` (Auth0 style) or RFC 8707 §2 `resource`; both must then name the same API. */
function readAudience(audience: string | undefined, resource: string | undefined): string | undefined {
  if (resource !== undefined && audience !== undefined && resource !== audience) {
    throw new InvalidRequestError('audience and resource name different APIs');
  }
  const value = resource ?? audience;
  if (value !== undefined && value.length > MAX_API_IDENTIFIER_LENGTH) throw new InvalidTargetError('unknown audience');
  return value;
}
