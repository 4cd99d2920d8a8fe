/**
 * The authorization code grant (RFC 6749 §4.1.3, §4.1.4) with PKCE (RFC 7636 §4.5, §4.6): a client
 * exchanges the code its user's sign-in produced for an RFC 9068 access token issued on the user's
 * behalf and, when `openid` was granted, an OIDC ID token (OIDC Core §3.1.3). Public clients (`none`)
 * send only `client_id`; confidential ones authenticate with their registered method. PKCE S256 is
 * required from every client.
 *
 * Cost (docs/contract.md, Budgets): the client bundle Query the endpoint made, then ONE conditional
 * UpdateItem that consumes the code and records the access token's pre-generated `jti` at once
 * (single use, RFC 6749 §4.1.2, §10.5), and one signature (two with an ID token, made concurrently).
 * The user is not read: the code carries a snapshot of the user's claims taken at sign-in, and a user
 * disabled (or deleted, or given a new password) after sign-in cannot redeem it, because that change
 * revokes the user's pending codes in its own transaction (`revokedAt`, which the redemption's
 * condition refuses; docs/data-model.md, Sessions › Revoking a user's sessions). The one exception is
 * an API whose `userAccess` is `granted`: the user's grants are read to re-check them.
 *
 * For a client whose `grantTypes` include `refresh_token`, the redemption also starts a refresh-token
 * session (RFC 6749 §5.1 `refresh_token`; one more TransactWriteItems: the session, its entry under
 * the user, and a ConditionCheck that the user is still enabled). A second redemption answers
 * `invalid_grant`, puts the first one's `jti` on the deny-list and revokes its session.
 */
import { createHash } from 'node:crypto';
import { CLIENT_AUTH_METHODS } from '../client-auth/methods';
import type { TokenRequest } from '../endpoints/token-request';
import { ConflictError, InvalidGrantError, InvalidRequestError, InvalidTargetError } from '../errors';
import type { Client } from '../model';
import { refreshTokenTtlOf, usesRefreshTokens } from '../people/client-settings';
import type { AuthorizationCode, RefreshSession, UserGrant, UserSnapshot } from '../people/model';
import { newRefreshSessionId, newRefreshToken } from '../people/refresh-tokens';
import type { IssuedToken } from '../tokens/token-response';
import type { Grant, GrantContext, GrantDeps, GrantDescriptor } from './grant';
import { isCodeVerifier, verifiesS256 } from './pkce';
import { issueUserTokens, longestUserAccessTokenTtl, needsUserGrants, userRuleFor } from './user-tokens';

export { userinfoAudience } from './user-tokens';

/** The grant type and the methods it accepts: confidential clients as registered, public clients (`none`). */
export const AUTHORIZATION_CODE: GrantDescriptor = {
  grantType: 'authorization_code',
  authMethods: CLIENT_AUTH_METHODS,
};

/** What the grant reads from the request (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface AuthorizationCodeParams {
  /** SHA-256 (base64url) of the presented code: codes are stored by digest only. */
  codeDigest: string;
  redirectUri: string;
  codeVerifier: string;
  /** `audience` / `resource` when sent: it must name the API the code was granted for (RFC 8707 §2.2). */
  audience?: string;
}

/**
 * The one description of every refusal that concerns the code itself — unknown, expired, already
 * used, issued to another client, its user gone or disabled — so that a caller learns nothing about
 * codes it does not hold.
 */
export const INVALID_CODE_DESCRIPTION = 'the authorization code is invalid, expired or already used';

/** SHA-256 (base64url) of a code, as codes are stored (docs/data-model.md). */
export function codeDigest(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('base64url');
}

/** The authorization code grant; built once per cold start. */
export class AuthorizationCodeGrant implements Grant<AuthorizationCodeParams> {
  readonly grantType = AUTHORIZATION_CODE.grantType;
  readonly authMethods = AUTHORIZATION_CODE.authMethods;

  constructor(private readonly deps: GrantDeps) {}

  /**
   * `code` and `redirect_uri` are required (RFC 6749 §4.1.3: `invalid_request` without them);
   * `code_verifier` is required and must have the RFC 7636 §4.1 syntax, else `invalid_grant` (RFC
   * 7636 §4.6) — answered before any I/O, so such a request does not consume the code.
   * @throws InvalidRequestError, InvalidGrantError
   */
  read(request: TokenRequest): AuthorizationCodeParams {
    const code = request.params.get('code');
    if (code === undefined) throw new InvalidRequestError('missing required parameter: code');
    const redirectUri = request.params.get('redirect_uri');
    if (redirectUri === undefined) throw new InvalidRequestError('missing required parameter: redirect_uri');
    const codeVerifier = request.params.get('code_verifier');
    if (codeVerifier === undefined) throw new InvalidGrantError('code_verifier is required (PKCE, RFC 7636)');
    if (!isCodeVerifier(codeVerifier)) {
      throw new InvalidGrantError('code_verifier is malformed (RFC 7636 section 4.1)');
    }
    return { codeDigest: codeDigest(code), redirectUri, codeVerifier, audience: request.audience };
  }

  /**
   * Redeems the code and issues the tokens for an authenticated client registered for this grant.
   * @throws InvalidGrantError, InvalidTargetError, DependencyUnavailableError
   */
  async issue({ params, client: { client }, bundle }: GrantContext<AuthorizationCodeParams>): Promise<IssuedToken> {
    const { clock, ids, config, people } = this.deps;
    const nowMs = clock.now();
    const issuedAt = Math.floor(nowMs / 1000);
    const at = new Date(nowMs).toISOString();
    const longestTtl = longestUserAccessTokenTtl(bundle, config.defaultAccessTokenTtl);
    // Generated before the redemption, so the one conditional write that consumes the code also records
    // what it is about to issue: a concurrent reuse always finds the jti (and the session) to revoke.
    const jti = ids.tokenId();
    const sessionId = usesRefreshTokens(client) ? newRefreshSessionId() : undefined;
    const redemption = await people.codes.redeemCode(params.codeDigest, at, {
      accessTokenJti: jti,
      accessTokenExp: issuedAt + longestTtl,
      ...(sessionId === undefined ? {} : { refreshSessionId: sessionId }),
    });

    if (redemption.outcome === 'unknown') throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
    if (redemption.outcome === 'reused') {
      // RFC 6749 §4.1.2, §10.5: deny the request and revoke what the first redemption issued.
      const issued = redemption.issued;
      this.deps.logger?.warn('authorization code reused: revoking what it issued', {
        clientId: client.clientId,
        revokedJti: issued?.accessTokenJti,
        revokedSession: issued?.refreshSessionId,
      });
      if (issued !== undefined) await people.revocations.denyAccessToken(issued.accessTokenJti, issued.accessTokenExp);
      if (issued?.refreshSessionId !== undefined) await this.endSession(issued.refreshSessionId, at, longestTtl);
      throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
    }

    const code = redemption.code;
    // RFC 6749 §4.1.3: the code was issued to the authenticated client, and is still valid (60 s,
    // checked here against the clock: a DynamoDB TTL only cleans up later).
    if (code.clientId !== client.clientId || Date.parse(code.expiresAt) <= nowMs) {
      throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
    }
    // RFC 6749 §4.1.3: redirect_uri identical to the one of the authorization request.
    if (params.redirectUri !== code.redirectUri) {
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    }
    // RFC 7636 §4.6.
    if (!verifiesS256(params.codeVerifier, code.codeChallenge)) {
      throw new InvalidGrantError('code_verifier does not match the code challenge');
    }
    // RFC 8707 §2.2: a resource named at the token endpoint must be the one granted.
    if (params.audience !== undefined && params.audience !== code.audience) {
      throw new InvalidTargetError('the authorization code was not granted for this resource');
    }

    const { user, grants } = await this.userOf(code, needsUserGrants(code.audience, bundle));
    const rule = userRuleFor(code.audience, code.scopes, bundle, grants);
    const refreshToken =
      sessionId === undefined ? undefined : await this.startSession(client, code, user, sessionId, nowMs);

    return issueUserTokens({
      issuer: config.issuer,
      defaultAccessTokenTtl: config.defaultAccessTokenTtl,
      signer: this.deps.signer,
      client,
      rule,
      user,
      scopes: code.scopes,
      ...(code.audience === undefined ? {} : { audience: code.audience }),
      authTime: code.authTime,
      // Under a refresh-token session, its id is the sid of every token (docs/contract.md).
      sessionId: sessionId ?? code.sessionId,
      ...(code.nonce === undefined ? {} : { nonce: code.nonce }),
      issuedAt,
      jti,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    });
  }

  /**
   * Ends the session a reused code's first redemption started — or, when that redemption has not
   * created it yet (the two requests raced), refuses its id so that it never starts.
   */
  private async endSession(sessionId: string, at: string, denyMarginSeconds: number): Promise<void> {
    const { sessions } = this.deps.people;
    if (await sessions.revokeSession(sessionId, 'refresh-token-reuse', at, denyMarginSeconds)) return;
    if (await sessions.refuseSession(sessionId, at)) return;
    // Created between the two calls: revoke it now.
    await sessions.revokeSession(sessionId, 'refresh-token-reuse', at, denyMarginSeconds);
  }

  /**
   * The code's user: its snapshot, with no read; the user's collection is read only when the grants
   * must be re-checked (or for a code made before snapshots), and then a user no longer enabled is refused.
   * @throws InvalidGrantError
   */
  private async userOf(
    code: AuthorizationCode,
    withGrants: boolean,
  ): Promise<{ user: UserSnapshot; grants?: UserGrant[] }> {
    if (code.user !== undefined && !withGrants) return { user: code.user };
    const bundle = await this.deps.people.users.loadUser(code.userId);
    if (bundle === undefined || bundle.user.status !== 'enabled') throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
    return { user: code.user ?? bundle.user, grants: bundle.grants };
  }

  /**
   * Starts the refresh-token session of this redemption (its id was recorded with the redemption) and
   * answers its first refresh token. A user disabled since the sign-in fails the write's ConditionCheck.
   * @throws InvalidGrantError, DependencyUnavailableError
   */
  private async startSession(
    client: Client,
    code: AuthorizationCode,
    user: UserSnapshot,
    sessionId: string,
    nowMs: number,
  ): Promise<string> {
    const at = new Date(nowMs).toISOString();
    const first = newRefreshToken(sessionId);
    const session: RefreshSession = {
      sessionId,
      userId: code.userId,
      user,
      clientId: client.clientId,
      scopes: code.scopes,
      ...(code.audience === undefined ? {} : { audience: code.audience }),
      authTime: code.authTime,
      createdAt: at,
      lastUsedAt: at,
      expiresAt: new Date(nowMs + refreshTokenTtlOf(client) * 1000).toISOString(),
      ...(client.refreshTokenIdleTtl === undefined
        ? {}
        : { idleExpiresAt: new Date(nowMs + client.refreshTokenIdleTtl * 1000).toISOString() }),
      currentDigest: first.digest,
      consumedDigests: [],
    };
    try {
      await this.deps.people.sessions.createSession(session);
    } catch (err) {
      if (err instanceof ConflictError) throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
      throw err;
    }
    return first.token;
  }
}
