/**
 * `GET|POST /oauth2/set-password?token=…` (docs/contract.md, "People › Set password"): the page behind
 * a user's one-time setup link (a PasswordSetup keyed by SHA-256 of the token, 24 h). GET shows the
 * form; POST checks the confirmation and the password rules (people/password-policy.ts; a clear error
 * line, 400), hashes the password and uses the setup once (PasswordSetupRepository.completeSetup, one
 * transaction with the audit event). An unknown, used or expired token → a 400 page; success → a
 * "password set" page. The token itself is the secret a cross-site post would lack.
 */
import { ConflictError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import { messagePage } from '../pages/message-page';
import { setPasswordPage } from '../pages/set-password-page';
import { AuthorizationFlow } from '../people/authorization-flow';
import { formParams, queryParams } from '../people/form-params';
import { digestOf } from '../people/handles';
import type { HostedPagesDeps } from '../people/hosted-pages-deps';
import type { PasswordSetup, UserBundle } from '../people/model';
import { passwordProblem } from '../people/password-policy';

/** The shape of a setup token read (ours are 43 base64url characters); nothing else reaches the store. */
const SETUP_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

export class SetPasswordEndpoint {
  constructor(private readonly flow: AuthorizationFlow) {}

  static create(deps: HostedPagesDeps): SetPasswordEndpoint {
    return new SetPasswordEndpoint(new AuthorizationFlow(deps));
  }

  /** Answers GET (the form) and POST (the new password); never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      return req.method === 'POST' ? await this.set(req) : await this.show(req);
    } catch (err) {
      return this.flow.failurePage(err, 'set-password');
    }
  }

  private async show(req: HttpRequest): Promise<HttpResponse> {
    const params = queryParams(req);
    const token = params.repeated.size > 0 ? undefined : params.values.get('token');
    const found = await this.find(token);
    if (found === undefined) return this.gone();
    return this.flow.page(200, setPasswordPage({ token: token!, username: found.user.user.username }));
  }

  private async set(req: HttpRequest): Promise<HttpResponse> {
    const params = formParams(req);
    if (params === undefined || params.repeated.size > 0) return this.gone();
    const token = params.values.get('token');
    const found = await this.find(token);
    if (found === undefined) return this.gone();
    const { setup, user } = found;
    const password = params.values.get('password') ?? '';
    const confirmation = params.values.get('confirmation') ?? '';
    const username = user.user.username;
    const problem =
      passwordProblem(password, username) ?? (password === confirmation ? undefined : 'the two passwords do not match');
    if (problem !== undefined) {
      const error = `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
      return this.flow.page(400, setPasswordPage({ token: token!, username, error }));
    }
    const at = this.flow.at();
    const { lockedUntil: _lockedUntil, ...rest } = user.user;
    const updated = {
      ...rest,
      password: await this.flow.deps.kdf.hash(password),
      failedSignIns: 0,
      updatedAt: at,
      version: user.user.version + 1,
    };
    try {
      await this.flow.deps.setups.completeSetup(setup.digest, updated, user.user.version, {
        eventId: this.flow.deps.ids.eventId(),
        at,
        actor: `user:${user.user.userId}`,
        actorJti: 'password-setup',
        action: 'user.update',
        targetType: 'user',
        targetId: user.user.userId,
        diff: { password: { to: 'set' } },
      });
    } catch (err) {
      if (err instanceof ConflictError) return this.gone();
      throw err;
    }
    return this.flow.page(200, messagePage('Password set', `The password of ${username} is set. You can now sign in.`));
  }

  /** The live setup named by `token` and its user. */
  private async find(token: string | undefined): Promise<{ setup: PasswordSetup; user: UserBundle } | undefined> {
    if (token === undefined || !SETUP_TOKEN.test(token)) return undefined;
    const setup = await this.flow.deps.setups.findSetup(digestOf(token));
    if (setup === undefined || this.flow.expired(setup.expiresAt)) return undefined;
    const user = await this.flow.deps.users.loadUser(setup.userId);
    if (user === undefined) return undefined;
    return { setup, user };
  }

  private gone(): HttpResponse {
    return this.flow.page(
      400,
      messagePage(
        'This link cannot be used',
        'The password setup link is unknown, was already used, or has expired (links last 24 hours).',
        'Ask your administrator for a new link.',
      ),
    );
  }
}
