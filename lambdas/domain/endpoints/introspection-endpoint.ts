/**
 * The introspection endpoint (RFC 7662), `POST /oauth2/introspect` (docs/contract.md, Introspection):
 *
 * - Only a confidential client may call it, authenticated with its secret as registered (RFC 7662 §2.1:
 *   the endpoint MUST require authorization; a `client_id` alone, a public client or bad credentials →
 *   401 `invalid_client`, with `WWW-Authenticate` when the Authorization header was used).
 * - `active: true` only for a live token the caller may see: an access token this IdP signed (signature,
 *   `iss`, `exp`, `nbf` verified), its `jti` not on the deny-list, its client still enabled, for a
 *   person's token (`sub` ≠ `client_id`) the user still enabled; and the caller is the client the token
 *   was issued to, or is listed in the `introspectors` of an API the token is for (`aud`).
 * - The active answer (RFC 7662 §2.2): `active, scope, client_id, username` (people only), `token_type`
 *   (`Bearer`), `exp, iat, nbf, sub, aud, iss, jti`. A denied `sid` (a revoked refresh-token session)
 *   makes its access tokens inactive too.
 * - A refresh token (people/refresh-tokens.ts) is active while it is its session's current token and the
 *   session is neither revoked nor expired (absolute or idle), its client and user enabled; the caller
 *   is the session's client or an introspector of its API. Members: `active, scope` (the session's
 *   original scope), `client_id, username, token_type` (`refresh_token`), `exp` (the earlier of the
 *   absolute and idle expiry), `iat` (when this token was issued: the session's last rotation),
 *   `sub, sid`. Anything else — unknown, expired, revoked, garbage,
 *   another client's token — is exactly `{"active":false}` (RFC 7662 §2.2: no other member, so the
 *   answer tells nothing about tokens the caller may not see).
 * - Every answer carries `Cache-Control: no-store` (RFC 7662 §4: the response is not to be cached).
 * - A storage (or key) failure → 503 `temporarily_unavailable` with `Retry-After`, never `active:false`
 *   for a token that may be live.
 */
import type { AccessTokenVerifierPort, BearerGrant } from '../bearer-authorization';
import { SECRET_AUTH_METHODS } from '../client-auth/methods';
import type { HttpRequest, HttpResponse } from '../http';
import { NO_STORE_HEADERS } from '../http';
import type { ClientBundle } from '../model';
import type { RefreshSession } from '../people/model';
import { refreshSessionStatus } from '../people/model';
import type { RefreshSessionRepository, RevocationRepository, UserRepository } from '../people/ports';
import { parseRefreshToken } from '../people/refresh-tokens';
import type { ApiRepository, Logger } from '../ports';
import { toOAuthError } from './endpoint-failures';
import { oauthErrorResponse } from './token-endpoint';
import type { CallerAuthDeps } from './token-inspection';
import { authenticateRequest, numericClaim, stringClaim, verifiedAccessToken } from './token-inspection';

/** What the introspection endpoint is built with (once per cold start). */
export interface IntrospectionEndpointDeps extends CallerAuthDeps {
  /** The issuer: the `realm` of `WWW-Authenticate`. */
  issuer: string;
  /** Verifies this IdP's access tokens: `iss` pinned, any `aud`, any `sub` (token-inspection.ts). */
  verifier: AccessTokenVerifierPort;
  apis: Pick<ApiRepository, 'getApi'>;
  people: {
    users: Pick<UserRepository, 'loadUser'>;
    revocations: Pick<RevocationRepository, 'isAccessTokenDenied' | 'isSessionDenied'>;
    sessions: Pick<RefreshSessionRepository, 'findSession'>;
  };
  logger: Logger;
}

/** RFC 7662 §2.2 response members of an active access token, in the order they are sent. */
export interface ActiveAccessToken {
  active: true;
  scope: string;
  client_id: string;
  username?: string;
  token_type: 'Bearer';
  exp: number;
  iat: number;
  nbf: number;
  sub: string;
  aud: string | string[];
  iss: string;
  jti: string;
}

/** RFC 7662 §2.2 response members of an active refresh token, in the order they are sent. */
export interface ActiveRefreshToken {
  active: true;
  scope: string;
  client_id: string;
  username: string;
  token_type: 'refresh_token';
  exp: number;
  iat: number;
  sub: string;
  sid: string;
}

const JSON_UTF8 = 'application/json;charset=UTF-8';
const INACTIVE = JSON.stringify({ active: false });

/** The RFC 7662 introspection endpoint. */
export class IntrospectionEndpoint {
  constructor(private readonly deps: IntrospectionEndpointDeps) {}

  /** Answers one introspection request; never throws. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      const { bundle, token } = await authenticateRequest(req, SECRET_AUTH_METHODS, this.deps, {});
      const refresh = parseRefreshToken(token);
      let active: ActiveAccessToken | ActiveRefreshToken | undefined;
      if (refresh !== undefined) {
        active = await this.activeRefreshToken(refresh, bundle);
      } else {
        const access = await verifiedAccessToken(this.deps.verifier, token);
        active = access === undefined ? undefined : await this.activeAccessToken(access, bundle);
      }
      return introspectionResponse(active === undefined ? INACTIVE : JSON.stringify(active));
    } catch (err) {
      return this.errorResponse(err);
    }
  }

  /**
   * The RFC 7662 §2.2 members, or `undefined` when the token is not active or not the caller's to see.
   * Its reads (deny-list, the token's client, its user, its APIs) go out concurrently.
   */
  private async activeAccessToken(access: BearerGrant, caller: ClientBundle): Promise<ActiveAccessToken | undefined> {
    const { claims, clientId, jti } = access;
    const sub = stringClaim(claims, 'sub');
    const iss = stringClaim(claims, 'iss');
    const exp = numericClaim(claims, 'exp');
    const iat = numericClaim(claims, 'iat');
    const nbf = numericClaim(claims, 'nbf') ?? iat;
    const aud = claims['aud'];
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter(isString) : [];
    if (sub === undefined || iss === undefined || exp === undefined || iat === undefined || nbf === undefined) {
      return undefined;
    }
    if (audiences.length === 0) return undefined;
    const callerId = caller.client.clientId;
    const owner = clientId === callerId;
    const person = sub !== clientId;
    const sid = stringClaim(claims, 'sid');
    const [denied, sidDenied, client, user, listed] = await Promise.all([
      this.deps.people.revocations.isAccessTokenDenied(jti),
      sid === undefined ? false : this.deps.people.revocations.isSessionDenied(sid),
      owner ? caller : this.deps.store.loadClientBundle(clientId),
      person ? this.deps.people.users.loadUser(sub) : undefined,
      owner ? true : this.listsIntrospector(audiences, callerId),
    ]);
    if (!listed || denied || sidDenied) return undefined;
    if (client === undefined || client.client.status !== 'enabled') return undefined;
    if (person && (user === undefined || user.user.status !== 'enabled')) return undefined;
    return {
      active: true,
      scope: access.scope.join(' '),
      client_id: clientId,
      ...(person && user !== undefined ? { username: user.user.username } : {}),
      token_type: 'Bearer',
      exp,
      iat,
      nbf,
      sub,
      aud: typeof aud === 'string' ? aud : audiences,
      iss,
      jti,
    };
  }

  /**
   * The RFC 7662 §2.2 members of a refresh token, or `undefined`: one strongly consistent read of the
   * session, then its client (unless it is the caller), its user and its API concurrently.
   */
  private async activeRefreshToken(
    refresh: { sessionId: string; digest: string },
    caller: ClientBundle,
  ): Promise<ActiveRefreshToken | undefined> {
    const session = await this.deps.people.sessions.findSession(refresh.sessionId);
    if (session === undefined || session.currentDigest !== refresh.digest) return undefined;
    if (refreshSessionStatus(session, this.deps.clock.now()) !== 'active') return undefined;
    const callerId = caller.client.clientId;
    const owner = session.clientId === callerId;
    const [client, user, listed] = await Promise.all([
      owner ? caller : this.deps.store.loadClientBundle(session.clientId),
      this.deps.people.users.loadUser(session.userId),
      owner || session.audience === undefined ? owner : this.listsIntrospector([session.audience], callerId),
    ]);
    if (!listed || client === undefined || client.client.status !== 'enabled') return undefined;
    if (user === undefined || user.user.status !== 'enabled') return undefined;
    return {
      active: true,
      scope: session.scopes.join(' '),
      client_id: session.clientId,
      username: user.user.username,
      token_type: 'refresh_token',
      exp: sessionExpiry(session),
      iat: Math.floor(Date.parse(session.lastUsedAt) / 1000),
      sub: session.userId,
      sid: session.sessionId,
    };
  }

  /** Whether an API the token is for lists the caller among its `introspectors`. */
  private async listsIntrospector(audiences: string[], callerId: string): Promise<boolean> {
    const apis = await Promise.all(audiences.map((identifier) => this.deps.apis.getApi(identifier)));
    return apis.some((api) => api?.introspectors?.includes(callerId) === true);
  }

  private errorResponse(err: unknown): HttpResponse {
    const error = toOAuthError(err, this.deps.logger, {
      unavailable: 'introspection failed: dependency unavailable',
      unexpected: 'unexpected error at the introspection endpoint',
    });
    return oauthErrorResponse(error, this.deps.issuer);
  }
}

/** When the session's refresh token stops working: the earlier of its absolute and idle expiry, seconds. */
function sessionExpiry(session: RefreshSession): number {
  const ends = [Date.parse(session.expiresAt)];
  if (session.idleExpiresAt !== undefined) ends.push(Date.parse(session.idleExpiresAt));
  return Math.floor(Math.min(...ends) / 1000);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** RFC 7662 §2.2: `application/json`; §4: never cached. */
function introspectionResponse(body: string): HttpResponse {
  return { status: 200, headers: { 'Content-Type': JSON_UTF8, ...NO_STORE_HEADERS }, body };
}
