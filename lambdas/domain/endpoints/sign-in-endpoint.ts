/**
 * `POST /oauth2/sign-in`, the sign-in form's target (docs/contract.md, "People › Sign-in"):
 * - the pending request must exist, be live and belong to this browser (its `SameSite=Lax` binding
 *   cookie), and the form's CSRF token must be the one last rendered for it; otherwise a 400 page and
 *   no code (login CSRF, RFC 9700 §4.4.1.8);
 * - an unknown user, a wrong password, a disabled user and a locked user get the same page with the
 *   same error line and a fresh CSRF token, after the same KDF work (`burn` for an unknown user);
 * - 10 consecutive failures lock the username for 15 minutes (stored by the user repository);
 * - success resets the counter (or rehashes the password when the KDF's parameters were raised),
 *   starts a new sign-in session (a new id and cookie: no session fixation) and answers 303 to the
 *   client with a code, or to the consent page.
 */
import { ConflictError, describeError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import { signInPage, SIGN_IN_FAILED } from '../pages/sign-in-page';
import { AuthorizationFlow } from '../people/authorization-flow';
import { formParams } from '../people/form-params';
import { digestOf, matchesDigest, newPublicId } from '../people/handles';
import { LOCK_AFTER_FAILURES, LOCK_SECONDS } from '../people/hosted-pages-deps';
import type { HostedPagesDeps } from '../people/hosted-pages-deps';
import type { AuthorizationRequest, SignInSession, UserBundle } from '../people/model';
import { MAX_PASSWORD_LENGTH } from '../people/password-policy';

/** Longest username (docs/contract.md, "People › Users"). */
export const MAX_USERNAME_LENGTH = 128;

export class SignInEndpoint {
  constructor(private readonly flow: AuthorizationFlow) {}

  static create(deps: HostedPagesDeps): SignInEndpoint {
    return new SignInEndpoint(new AuthorizationFlow(deps));
  }

  /** Answers one sign-in form post; never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.signIn(req);
    } catch (err) {
      return this.flow.failurePage(err, 'sign-in');
    }
  }

  private async signIn(req: HttpRequest): Promise<HttpResponse> {
    const flow = this.flow;
    const params = formParams(req);
    if (params === undefined || params.repeated.size > 0) return flow.requestGonePage();
    const handle = params.values.get('request');
    const pending = await flow.findPending(req, handle);
    if (pending === undefined || !matchesDigest(params.values.get('csrf'), pending.csrfDigest)) {
      return flow.requestGonePage();
    }
    const bundle = await flow.loadUsableClient(pending.clientId);
    if (bundle === undefined) {
      await flow.deps.requests.consumeAuthorizationRequest(pending.digest);
      return flow.errorPage(400, 'This app is not available', 'The app you are signing in to has been disabled.');
    }
    const username = params.values.get('username') ?? '';
    const user = await this.authenticate(username, params.values.get('password') ?? '');
    if (user === undefined) return this.failed(pending, handle!, bundle.client.name, username);

    const session = await this.startSession(user);
    const cookies = [flow.sessionCookie(session.handle)];
    // A previous session of this browser ends: one browser, one session.
    const previous = flow.sessionHandle(req);
    if (previous !== undefined) await flow.deps.signInSessions.deleteSignInSession(digestOf(previous));
    return flow.complete({
      status: 303,
      req,
      pending: { request: pending, handle },
      bundle,
      live: { session: session.session, user },
      cookies,
    });
  }

  /** The same page and message for every failure; a fresh CSRF token replaces the used one. */
  private async failed(
    pending: AuthorizationRequest,
    handle: string,
    clientName: string,
    username: string,
  ): Promise<HttpResponse> {
    const csrf = this.flow.newHandle();
    await this.flow.deps.requests.updateAuthorizationRequest({ ...pending, csrfDigest: digestOf(csrf) });
    return this.flow.page(
      200,
      signInPage({
        clientName,
        request: handle,
        csrf,
        username: username.length <= MAX_USERNAME_LENGTH ? username : undefined,
        error: SIGN_IN_FAILED,
      }),
    );
  }

  /**
   * The user when the password is right and the user may sign in; `undefined` otherwise, after the same
   * KDF work whatever the reason (OWASP Authentication Cheat Sheet, "Authentication responses").
   */
  private async authenticate(username: string, password: string): Promise<UserBundle | undefined> {
    const { users, kdf } = this.flow.deps;
    const plausible =
      username !== '' &&
      username.length <= MAX_USERNAME_LENGTH &&
      password !== '' &&
      [...password].length <= MAX_PASSWORD_LENGTH;
    const found = plausible ? await users.findByUsername(username) : undefined;
    const stored = found?.user.password;
    if (found === undefined || stored === undefined) {
      await kdf.burn(password.slice(0, MAX_PASSWORD_LENGTH * 2));
      return undefined;
    }
    const valid = await kdf.verify(password, stored);
    const user = found.user;
    const locked = user.lockedUntil !== undefined && !this.flow.expired(user.lockedUntil);
    if (locked || user.status !== 'enabled') return undefined;
    if (!valid) {
      await users.recordFailedSignIn(user.userId, LOCK_AFTER_FAILURES, this.flow.at(LOCK_SECONDS));
      return undefined;
    }
    if (kdf.needsRehash(stored)) {
      const { lockedUntil: _lockedUntil, ...rest } = user;
      const rehashed = { ...rest, password: await kdf.hash(password), failedSignIns: 0, version: user.version + 1 };
      try {
        await users.updateUser(rehashed, user.version);
        return { ...found, user: rehashed };
      } catch (err) {
        // The user changed meanwhile: the rehash waits for the next sign-in.
        if (!(err instanceof ConflictError)) throw err;
        this.flow.deps.logger.info('rehash skipped', { userId: user.userId, reason: describeError(err) });
      }
    }
    if (user.failedSignIns > 0) await users.recordSuccessfulSignIn(user.userId);
    return found;
  }

  /** A new sign-in session: a 256-bit handle in the cookie, its digest as the key, a public `sid`. */
  private async startSession(user: UserBundle): Promise<{ handle: string; session: SignInSession }> {
    const flow = this.flow;
    const handle = flow.newHandle();
    const session: SignInSession = {
      digest: digestOf(handle),
      sessionId: newPublicId(),
      userId: user.user.userId,
      authTime: flow.nowSeconds(),
      createdAt: flow.at(),
      expiresAt: flow.at(flow.signInSessionTtl),
    };
    await flow.deps.signInSessions.createSignInSession(session);
    return { handle, session };
  }
}
