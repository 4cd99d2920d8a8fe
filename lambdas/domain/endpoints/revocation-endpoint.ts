/**
 * The revocation endpoint (RFC 7009), `POST /oauth2/revoke` (docs/contract.md, Revocation):
 *
 * - The client authenticates as registered, exactly as at the token endpoint (a public client with its
 *   `client_id`, RFC 7009 §2.1); bad credentials → 401 `invalid_client` (with `WWW-Authenticate` when
 *   the Authorization header was used, RFC 6749 §5.2).
 * - A refresh token (people/refresh-tokens.ts; the current one of its session or one it consumed) → the
 *   whole session is revoked: the session is marked and its `sid` denied, so its refresh token stops at
 *   the token endpoint and the access tokens issued under it stop at the APIs (RFC 7009 §2.1: revoking
 *   a refresh token SHOULD also invalidate the access tokens of the same grant).
 * - A JWT access token this IdP signed (signature verified before any claim is trusted) → its `jti` on
 *   the deny-list until its `exp`, so the APIs' authorizers and the userinfo endpoint refuse it.
 * - `token_type_hint` is optional and never required to be right (RFC 7009 §2.1: the server extends its
 *   search across all token types), so any value or none is accepted.
 * - An unknown, expired, forged or malformed token → 200 with an empty body (RFC 7009 §2.2: invalid
 *   tokens do not cause an error, the client cannot handle one anyway).
 * - A token issued to another client is not revoked (RFC 7009 §2.1: the server verifies that the token
 *   was issued to the client making the request): a public caller gets 200, as for an unknown token, so
 *   it learns nothing about tokens it does not hold; an authenticated confidential caller gets 400
 *   `invalid_request`.
 * - A storage (or key) failure → 503 `temporarily_unavailable` with `Retry-After` (RFC 7009 §2.2.1):
 *   never a 200 for a revocation that did not happen.
 * - CORS as the token endpoint (cors.ts): the answer is readable by the caller's `allowedOrigins`.
 */
import type { AccessTokenVerifierPort } from '../bearer-authorization';
import type { AuthenticatedClient } from '../client-auth/client-authentication';
import { CLIENT_AUTH_METHODS } from '../client-auth/methods';
import { InvalidClientError, InvalidRequestError, ServerError, TemporarilyUnavailableError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import { NO_STORE_HEADERS } from '../http';
import type { ClientBundle } from '../model';
import type { RefreshSessionRepository, RevocationRepository } from '../people/ports';
import { parseRefreshToken } from '../people/refresh-tokens';
import type { Logger } from '../ports';
import { MAX_ACCESS_TOKEN_TTL } from '../tokens/access-token';
import { withClientCors } from './cors';
import { notifyObserver, toOAuthError } from './endpoint-failures';
import { oauthErrorResponse } from './token-endpoint';
import type { CallerAuthDeps } from './token-inspection';
import { authenticateRequest, numericClaim, verifiedAccessToken } from './token-inspection';

/** What happened to one revocation request, for metrics (never a token). */
export type RevocationOutcome =
  | { outcome: 'revoked'; tokenType: 'access_token' | 'refresh_token'; clientId: string }
  /** Nothing to revoke: unknown, expired or garbage, or another client's token from a public caller. */
  | { outcome: 'ignored'; clientId: string }
  | { outcome: 'refused'; error: string; reason?: string }
  /** The revocation could not be carried out (503 / 500): the metric the alarm watches. */
  | { outcome: 'failed'; error: string };

/** What the revocation endpoint is built with (once per cold start). */
export interface RevocationEndpointDeps extends CallerAuthDeps {
  /** The issuer: the `realm` of `WWW-Authenticate`. */
  issuer: string;
  /** Verifies this IdP's access tokens: `iss` pinned, any `aud`, any `sub` (token-inspection.ts). */
  verifier: AccessTokenVerifierPort;
  people: {
    revocations: Pick<RevocationRepository, 'denyAccessToken'>;
    sessions: Pick<RefreshSessionRepository, 'findSession' | 'revokeSession'>;
  };
  logger: Logger;
  /** Called once per request with its outcome (metrics); never changes the answer. */
  observe?: (outcome: RevocationOutcome) => unknown;
}

/** The RFC 7009 revocation endpoint. */
export class RevocationEndpoint {
  constructor(private readonly deps: RevocationEndpointDeps) {}

  /** Answers one revocation request — or an `OPTIONS` preflight — and never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    return withClientCors(req, (read) => this.answer(req, read));
  }

  private async answer(req: HttpRequest, read: { bundle?: ClientBundle }): Promise<HttpResponse> {
    try {
      const { caller, token } = await authenticateRequest(req, CLIENT_AUTH_METHODS, this.deps, read);
      const clientId = caller.client.clientId;
      const refresh = parseRefreshToken(token);
      if (refresh !== undefined) return await this.revokeRefreshToken(refresh, caller);
      const access = await verifiedAccessToken(this.deps.verifier, token);
      if (access === undefined) {
        await this.notify({ outcome: 'ignored', clientId });
        return revoked();
      }
      if (access.clientId !== clientId) {
        // RFC 7009 §2.1: only the client the token was issued to may revoke it.
        if (caller.method === 'none') {
          await this.notify({ outcome: 'ignored', clientId });
          return revoked();
        }
        throw new InvalidRequestError('the token was not issued to this client');
      }
      const exp = numericClaim(access.claims, 'exp');
      // The verifier refuses a token without a future `exp`; a token without one is no token of ours.
      if (exp === undefined) {
        await this.notify({ outcome: 'ignored', clientId });
        return revoked();
      }
      await this.deps.people.revocations.denyAccessToken(access.jti, exp);
      await this.notify({ outcome: 'revoked', tokenType: 'access_token', clientId });
      return revoked();
    } catch (err) {
      return await this.errorResponse(err);
    }
  }

  /**
   * A refresh token names its session: one strongly consistent read, then (the caller's own token) one
   * transaction that marks the session and denies its `sid` until the session's expiry plus the longest
   * access-token lifetime. A session that is revoked already is answered 200 without a write.
   */
  private async revokeRefreshToken(
    refresh: { sessionId: string; digest: string },
    caller: AuthenticatedClient,
  ): Promise<HttpResponse> {
    const clientId = caller.client.clientId;
    const session = await this.deps.people.sessions.findSession(refresh.sessionId);
    const known =
      session !== undefined &&
      (session.currentDigest === refresh.digest || session.consumedDigests.includes(refresh.digest));
    if (!known) {
      await this.notify({ outcome: 'ignored', clientId });
      return revoked();
    }
    if (session.clientId !== clientId) {
      // RFC 7009 §2.1: only the client the token was issued to may revoke it.
      if (caller.method === 'none') {
        await this.notify({ outcome: 'ignored', clientId });
        return revoked();
      }
      throw new InvalidRequestError('the token was not issued to this client');
    }
    if (session.revokedAt === undefined) {
      const at = new Date(this.deps.clock.now()).toISOString();
      await this.deps.people.sessions.revokeSession(session.sessionId, 'token-revoked', at, MAX_ACCESS_TOKEN_TTL);
    }
    await this.notify({ outcome: 'revoked', tokenType: 'refresh_token', clientId });
    return revoked();
  }

  private async errorResponse(err: unknown): Promise<HttpResponse> {
    const error = toOAuthError(err, this.deps.logger, {
      unavailable: 'revocation failed: dependency unavailable',
      unexpected: 'unexpected error at the revocation endpoint',
    });
    if (error instanceof TemporarilyUnavailableError || error instanceof ServerError) {
      await this.notify({ outcome: 'failed', error: error.code });
    } else {
      const reason = error instanceof InvalidClientError ? error.reason : undefined;
      await this.notify({ outcome: 'refused', error: error.code, ...(reason === undefined ? {} : { reason }) });
    }
    return oauthErrorResponse(error, this.deps.issuer);
  }

  private async notify(outcome: RevocationOutcome): Promise<void> {
    await notifyObserver(this.deps.observe, outcome, this.deps.logger, 'revocation outcome observer failed');
  }
}

/** RFC 7009 §2.2: 200, and the content of the body is ignored by the client — so none is sent. */
function revoked(): HttpResponse {
  return { status: 200, headers: { ...NO_STORE_HEADERS }, body: '' };
}
