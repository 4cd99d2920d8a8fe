/**
 * The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1): every use
 * returns a new refresh token and consumes the presented one. Public clients (`none`) send only
 * `client_id`; confidential ones authenticate as registered (RFC 6749 §6: "the client MUST
 * authenticate").
 *
 * Cost (docs/contract.md, Budgets): the client bundle Query the endpoint made, then ONE conditional
 * UpdateItem on the session (`currentDigest = :presented`, the same client, not revoked, not expired,
 * a narrower `scope` within the session's; `ReturnValues: ALL_NEW`), and one signature (two with an
 * ID token, made concurrently). The user is not read: a user disabled, deleted or given a new password
 * has had all sessions revoked in that change's own transaction (docs/data-model.md, Sessions), and
 * the session carries the user's claims. The one exception is an API whose `userAccess` is `granted`,
 * where the user's grants are read to re-check them.
 *
 * Refusals are all `invalid_grant` (RFC 6749 §5.2) with one description, so a caller learns nothing
 * about tokens it does not hold: garbage, an access token, an unknown session, another client's token,
 * an expired (absolute `refreshTokenTtl` or idle `refreshTokenIdleTtl`) or revoked session. A
 * consumed token presented again is a reuse: the whole session is revoked (its newest refresh token,
 * and its access tokens through the `sid` deny-list), a `RefreshTokenReuse` metric counts it. A
 * broader `scope` is `invalid_scope` and consumes nothing. Of concurrent uses of one token exactly one
 * succeeds; the others are reuses, so the session ends (clients must not retry with a consumed token).
 */
import { CLIENT_AUTH_METHODS } from '../client-auth/methods';
import type { TokenRequest } from '../endpoints/token-request';
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../errors';
import type { ParsedRefreshToken } from '../people/refresh-tokens';
import { newRefreshToken, parseRefreshToken } from '../people/refresh-tokens';
import type { IssuedToken } from '../tokens/token-response';
import type { Grant, GrantContext, GrantDeps, GrantDescriptor } from './grant';
import { issueUserTokens, longestUserAccessTokenTtl, needsUserGrants, userRuleFor } from './user-tokens';

/** The grant type and the methods it accepts: confidential clients as registered, public clients (`none`). */
export const REFRESH_TOKEN: GrantDescriptor = {
  grantType: 'refresh_token',
  authMethods: CLIENT_AUTH_METHODS,
};

/** The one description of every refusal that concerns the refresh token itself. */
export const INVALID_REFRESH_TOKEN_DESCRIPTION = 'the refresh token is invalid, expired or revoked';

/** What the grant reads from the request (RFC 6749 §6). */
export interface RefreshTokenParams {
  /** The presented token's session and digest; `undefined` when it is not one of ours. */
  token: ParsedRefreshToken | undefined;
  /** A narrower `scope`, when sent. */
  scopes?: string[];
  audience?: string;
}

export class RefreshTokenGrant implements Grant<RefreshTokenParams> {
  readonly grantType = REFRESH_TOKEN.grantType;
  readonly authMethods = REFRESH_TOKEN.authMethods;

  constructor(private readonly deps: GrantDeps) {}

  /**
   * A disabled client's refresh token is refused like any other dead token (docs/contract.md, Token
   * endpoint › refresh_token: "a disabled user or client → invalid_grant"): RFC 6749 §5.2 invalid_grant,
   * "revoked … or was issued to another client".
   */
  disabledClientError(): Error {
    return new InvalidGrantError(INVALID_REFRESH_TOKEN_DESCRIPTION);
  }

  /**
   * `refresh_token` is required (RFC 6749 §6: `invalid_request` without it). A value that is not one
   * of ours is refused after client authentication, like any other bad token.
   * @throws InvalidRequestError
   */
  read(request: TokenRequest): RefreshTokenParams {
    const token = request.params.get('refresh_token');
    if (token === undefined) throw new InvalidRequestError('missing required parameter: refresh_token');
    return {
      token: parseRefreshToken(token),
      ...(request.scopes === undefined ? {} : { scopes: request.scopes }),
      ...(request.audience === undefined ? {} : { audience: request.audience }),
    };
  }

  /**
   * Rotates the session with one conditional write and issues the new tokens.
   * @throws InvalidGrantError, InvalidScopeError, InvalidTargetError, DependencyUnavailableError
   */
  async issue({ params, client: { client }, bundle }: GrantContext<RefreshTokenParams>): Promise<IssuedToken> {
    const { clock, ids, config, people } = this.deps;
    if (params.token === undefined) throw new InvalidGrantError(INVALID_REFRESH_TOKEN_DESCRIPTION);
    const nowMs = clock.now();
    const at = new Date(nowMs).toISOString();
    const next = newRefreshToken(params.token.sessionId);
    const rotation = await people.sessions.rotate(params.token.sessionId, {
      clientId: client.clientId,
      presentedDigest: params.token.digest,
      nextDigest: next.digest,
      at,
      ...(client.refreshTokenIdleTtl === undefined
        ? {}
        : { idleExpiresAt: new Date(nowMs + client.refreshTokenIdleTtl * 1000).toISOString() }),
      ...(params.scopes === undefined ? {} : { requiredScopes: params.scopes }),
      ...(params.audience === undefined ? {} : { requiredAudience: params.audience }),
    });

    if (rotation.outcome === 'reused') {
      // RFC 9700 §4.14.2: a consumed token came back — the legitimate client or an attacker holds a
      // stolen one; revoke the whole session (its newest refresh token and, by sid, its access tokens).
      this.deps.logger?.warn('refresh token reused: revoking its session', {
        clientId: client.clientId,
        revokedSession: rotation.session.sessionId,
      });
      await people.sessions.revokeSession(
        rotation.session.sessionId,
        'refresh-token-reuse',
        at,
        longestUserAccessTokenTtl(bundle, config.defaultAccessTokenTtl),
      );
      throw new InvalidGrantError(INVALID_REFRESH_TOKEN_DESCRIPTION, 'refresh_token_reuse');
    }
    if (rotation.outcome === 'scope-exceeded') {
      // RFC 6749 §6: the scope must not include any scope not originally granted.
      throw new InvalidScopeError('the requested scope exceeds the scope originally granted');
    }
    if (rotation.outcome === 'target-mismatch') {
      // RFC 8707 §2.2: a resource named on refresh must be the session's (nothing was consumed).
      throw new InvalidTargetError('the refresh token was not granted for this resource');
    }
    if (rotation.outcome !== 'rotated') throw new InvalidGrantError(INVALID_REFRESH_TOKEN_DESCRIPTION);

    const session = rotation.session;
    // Expiry is checked in code too, against the stored values (the write's condition already did).
    if (
      Date.parse(session.expiresAt) <= nowMs ||
      (session.idleExpiresAt !== undefined && Date.parse(session.idleExpiresAt) <= nowMs)
    ) {
      throw new InvalidGrantError(INVALID_REFRESH_TOKEN_DESCRIPTION);
    }
    // RFC 8707 §2.2: a resource named on refresh must be the session's.
    if (params.audience !== undefined && params.audience !== session.audience) {
      throw new InvalidTargetError('the refresh token was not granted for this resource');
    }
    // RFC 6749 §6: a narrower scope for this access token; the session keeps the original one.
    const scopes = params.scopes ?? session.scopes;
    let grants;
    if (needsUserGrants(session.audience, bundle)) {
      const user = await people.users.loadUser(session.userId);
      if (user === undefined || user.user.status !== 'enabled') {
        throw new InvalidGrantError(INVALID_REFRESH_TOKEN_DESCRIPTION);
      }
      grants = user.grants;
    }
    const rule = userRuleFor(session.audience, scopes, bundle, grants);

    return issueUserTokens({
      issuer: config.issuer,
      defaultAccessTokenTtl: config.defaultAccessTokenTtl,
      signer: this.deps.signer,
      client,
      rule,
      user: session.user,
      scopes,
      ...(session.audience === undefined ? {} : { audience: session.audience }),
      // OIDC Core §12.2: the original authentication's auth_time; no nonce.
      authTime: session.authTime,
      sessionId: session.sessionId,
      issuedAt: Math.floor(nowMs / 1000),
      jti: ids.tokenId(),
      refreshToken: next.token,
    });
  }
}
