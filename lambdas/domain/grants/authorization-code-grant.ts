/**
 * The authorization code grant (RFC 6749 §4.1.3, §4.1.4) with PKCE (RFC 7636 §4.5, §4.6): a client
 * exchanges the code its user's sign-in produced for an RFC 9068 access token issued on the user's
 * behalf and, when `openid` was granted, an OIDC ID token (OIDC Core §3.1.3). Public clients (`none`)
 * send only `client_id`; confidential ones authenticate with their registered method. PKCE S256 is
 * required from every client.
 *
 * Cost (docs/contract.md, Budgets): the client bundle Query the endpoint made, then ONE conditional
 * UpdateItem that consumes the code and records the access token's pre-generated `jti` at once
 * (single use, RFC 6749 §4.1.2, §10.5), one read of the user, and one signature (two with an ID
 * token, made concurrently). A second redemption answers `invalid_grant` and puts the first one's
 * `jti` on the deny-list. No refresh token yet (docs/contract.md, Token endpoint › authorization_code).
 */
import { createHash } from 'node:crypto';
import { CLIENT_AUTH_METHODS } from '../client-auth/methods';
import { USERINFO_PATH } from '../endpoints/paths';
import type { TokenRequest } from '../endpoints/token-request';
import { InvalidGrantError, InvalidRequestError, InvalidTargetError } from '../errors';
import type { Client, ClientBundle, Rule } from '../model';
import type { AuthorizationCode, UserBundle } from '../people/model';
import { isOidcScope, OPENID_SCOPE } from '../people/oidc-claims';
import { accessTokenClaims, accessTokenTtl, signAccessToken } from '../tokens/access-token';
import { idTokenClaims, idTokenTtl, signIdToken } from '../tokens/id-token';
import type { IssuedToken, TokenResponseBody } from '../tokens/token-response';
import type { Grant, GrantContext, GrantDeps, GrantDescriptor } from './grant';
import { isCodeVerifier, verifiesS256 } from './pkce';

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

/** The `aud` of tokens that may call the userinfo endpoint (OIDC Core §5.3). */
export function userinfoAudience(issuer: string): string {
  return `${issuer}${USERINFO_PATH}`;
}

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
    // Generated before the redemption, so the one conditional write that consumes the code also records
    // what it is about to issue: a concurrent reuse always finds the jti to revoke.
    const jti = ids.tokenId();
    const redemption = await people.codes.redeemCode(params.codeDigest, new Date(nowMs).toISOString(), {
      accessTokenJti: jti,
      accessTokenExp: issuedAt + longestAccessTokenTtl(bundle, config.defaultAccessTokenTtl),
    });

    if (redemption.outcome === 'unknown') throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
    if (redemption.outcome === 'reused') {
      // RFC 6749 §4.1.2, §10.5: deny the request and revoke what the first redemption issued.
      const issued = redemption.issued;
      this.deps.logger?.warn('authorization code reused: revoking what it issued', {
        clientId: client.clientId,
        revokedJti: issued?.accessTokenJti,
      });
      if (issued !== undefined) await people.revocations.denyAccessToken(issued.accessTokenJti, issued.accessTokenExp);
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

    const user = await people.users.loadUser(code.userId);
    if (user === undefined || user.user.status !== 'enabled') throw new InvalidGrantError(INVALID_CODE_DESCRIPTION);
    const rule = userRule(code, bundle, user);

    return this.tokens({ client, code, user, rule, issuedAt, jti });
  }

  private async tokens(input: {
    client: Client;
    code: AuthorizationCode;
    user: UserBundle;
    rule: Rule | undefined;
    issuedAt: number;
    jti: string;
  }): Promise<IssuedToken> {
    const { client, code, user, rule, issuedAt, jti } = input;
    const { config, signer } = this.deps;
    const openid = code.scopes.includes(OPENID_SCOPE);
    const userinfo = userinfoAudience(config.issuer);
    // RFC 9068 §3: the API, plus the userinfo endpoint when openid was granted; userinfo alone when
    // only OIDC scopes were (docs/contract.md, Token endpoint › authorization_code).
    const audience = code.audience === undefined ? userinfo : openid ? [code.audience, userinfo] : code.audience;
    const ttl = accessTokenTtl(client.accessTokenTtl, rule?.apiAccessTokenTtl, config.defaultAccessTokenTtl);
    const accessClaims = accessTokenClaims({
      issuer: config.issuer,
      clientId: client.clientId,
      subject: code.userId,
      audience,
      scopes: code.scopes,
      claims: rule?.claims ?? {},
      issuedAt,
      ttl,
      jti,
      authTime: code.authTime,
      sessionId: code.sessionId,
    });
    const idClaims = openid
      ? idTokenClaims({
          issuer: config.issuer,
          clientId: client.clientId,
          user: user.user,
          scopes: code.scopes,
          issuedAt,
          ttl: idTokenTtl(ttl),
          authTime: code.authTime,
          nonce: code.nonce,
          sessionId: code.sessionId,
        })
      : undefined;
    const [accessToken, idToken] = await Promise.all([
      signAccessToken(accessClaims, signer),
      idClaims === undefined ? undefined : signIdToken(idClaims, signer),
    ]);
    // RFC 6749 §5.1; no refresh_token until refresh-token sessions exist (docs/contract.md).
    const body: TokenResponseBody = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      scope: code.scopes.join(' '),
    };
    if (idToken !== undefined) body.id_token = idToken;
    return { body, audience: code.audience ?? userinfo, jti, reused: false };
  }
}

/**
 * The client's user rule for the code's API, still granting the code's API scopes (and, for an API
 * whose `userAccess` is `granted`, still within the user's own grant): what authorize resolved is
 * re-checked at redemption, so a rule or grant withdrawn meanwhile takes effect. `undefined` when the
 * code is for OIDC scopes only.
 * @throws InvalidGrantError when the grant no longer holds
 */
function userRule(code: AuthorizationCode, bundle: ClientBundle, user: UserBundle): Rule | undefined {
  if (code.audience === undefined) return undefined;
  const rule = bundle.rules.find((r) => r.audience === code.audience && r.subjectType === 'user');
  const apiScopes = code.scopes.filter((s) => !isOidcScope(s));
  const allowed = (granted: readonly string[]) => apiScopes.every((s) => granted.includes(s));
  const withinUserGrant =
    rule?.apiUserAccess !== 'granted' || allowed(user.grants.find((g) => g.audience === code.audience)?.scopes ?? []);
  if (rule === undefined || !allowed(rule.scopes) || !withinUserGrant) {
    throw new InvalidGrantError('the granted scope is no longer allowed for this client or user');
  }
  return rule;
}

/**
 * An upper bound of the lifetime of the access token this client can get from a code, known before
 * the code is read: the `exp` recorded with the redemption (the deny-list keeps a revoked `jti` that
 * long) is never earlier than the token's.
 */
function longestAccessTokenTtl(bundle: ClientBundle, defaultTtl: number): number {
  const ttls = bundle.rules
    .filter((r) => r.subjectType === 'user')
    .map((r) => accessTokenTtl(bundle.client.accessTokenTtl, r.apiAccessTokenTtl, defaultTtl));
  return Math.max(accessTokenTtl(bundle.client.accessTokenTtl, undefined, defaultTtl), ...ttls);
}
