/**
 * The tokens issued on a user's behalf, shared by the authorization code and refresh token grants: an
 * RFC 9068 access token (`sub` = the user, `sid`, `auth_time`; `aud` = the API, plus the userinfo
 * endpoint when `openid` is granted, or userinfo alone), an OIDC ID token when `openid` is granted
 * (OIDC Core §3.1.3.3, and on refresh §12.2: same `iss`, `sub`, `aud`, `azp`, the original
 * `auth_time`, no `nonce`), and the refresh token when one was minted. Both signatures run
 * concurrently.
 */
import { InvalidGrantError } from '../errors';
import type { Client, ClientBundle, Rule } from '../model';
import type { UserGrant, UserSnapshot } from '../people/model';
import { isOidcScope, OPENID_SCOPE } from '../people/oidc-claims';
import type { TokenSigner } from '../ports';
import { accessTokenClaims, accessTokenTtl, signAccessToken } from '../tokens/access-token';
import { idTokenClaims, idTokenTtl, signIdToken } from '../tokens/id-token';
import type { IssuedToken, TokenResponseBody } from '../tokens/token-response';
import { USERINFO_PATH } from '../endpoints/paths';

/** The `aud` of tokens that may call the userinfo endpoint (OIDC Core §5.3). */
export function userinfoAudience(issuer: string): string {
  return `${issuer}${USERINFO_PATH}`;
}

/** What the user's tokens say. */
export interface UserTokensInput {
  issuer: string;
  defaultAccessTokenTtl: number;
  signer: TokenSigner;
  client: Client;
  rule: Rule | undefined;
  user: UserSnapshot;
  scopes: readonly string[];
  /** The API; absent when only OIDC scopes were granted. */
  audience?: string;
  authTime: number;
  sessionId: string;
  nonce?: string;
  issuedAt: number;
  jti: string;
  /** The new refresh token, when one is issued (RFC 6749 §5.1 `refresh_token`). */
  refreshToken?: string;
}

/** Signs the user's tokens and builds the RFC 6749 §5.1 body. */
export async function issueUserTokens(input: UserTokensInput): Promise<IssuedToken> {
  const { client, rule, issuer, scopes } = input;
  const openid = scopes.includes(OPENID_SCOPE);
  const userinfo = userinfoAudience(issuer);
  const audience = input.audience === undefined ? userinfo : openid ? [input.audience, userinfo] : input.audience;
  const ttl = accessTokenTtl(client.accessTokenTtl, rule?.apiAccessTokenTtl, input.defaultAccessTokenTtl);
  const accessClaims = accessTokenClaims({
    issuer,
    clientId: client.clientId,
    subject: input.user.userId,
    audience,
    scopes: [...scopes],
    claims: rule?.claims ?? {},
    issuedAt: input.issuedAt,
    ttl,
    jti: input.jti,
    authTime: input.authTime,
    sessionId: input.sessionId,
  });
  const idClaims = openid
    ? idTokenClaims({
        issuer,
        clientId: client.clientId,
        user: input.user,
        scopes: [...scopes],
        issuedAt: input.issuedAt,
        ttl: idTokenTtl(ttl),
        authTime: input.authTime,
        nonce: input.nonce,
        sessionId: input.sessionId,
      })
    : undefined;
  const [accessToken, idToken] = await Promise.all([
    signAccessToken(accessClaims, input.signer),
    idClaims === undefined ? undefined : signIdToken(idClaims, input.signer),
  ]);
  const body: TokenResponseBody = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ttl,
    scope: scopes.join(' '),
  };
  if (input.refreshToken !== undefined) body.refresh_token = input.refreshToken;
  if (idToken !== undefined) body.id_token = idToken;
  return { body, audience: input.audience ?? userinfo, jti: input.jti, reused: false };
}

/**
 * The client's user rule for `audience`, still granting the API scopes among `scopes` (and, for an
 * API whose `userAccess` is `granted`, still within the user's own grant, when `grants` are known):
 * what authorize resolved is re-checked at each issue, so a rule or grant withdrawn meanwhile takes
 * effect. `undefined` for OIDC scopes only.
 * @throws InvalidGrantError when the grant no longer holds
 */
export function userRuleFor(
  audience: string | undefined,
  scopes: readonly string[],
  bundle: ClientBundle,
  grants: readonly UserGrant[] | undefined,
): Rule | undefined {
  if (audience === undefined) return undefined;
  const rule = bundle.rules.find((r) => r.audience === audience && r.subjectType === 'user');
  const apiScopes = scopes.filter((s) => !isOidcScope(s));
  const allowed = (granted: readonly string[]) => apiScopes.every((s) => granted.includes(s));
  const withinUserGrant =
    rule?.apiUserAccess !== 'granted' || allowed(grants?.find((g) => g.audience === audience)?.scopes ?? []);
  if (rule === undefined || !allowed(rule.scopes) || !withinUserGrant) {
    throw new InvalidGrantError('the granted scope is no longer allowed for this client or user');
  }
  return rule;
}

/** Whether the user's own grants must be read to re-check the rule (an API whose `userAccess` is `granted`). */
export function needsUserGrants(audience: string | undefined, bundle: ClientBundle): boolean {
  if (audience === undefined) return false;
  return bundle.rules.some((r) => r.audience === audience && r.subjectType === 'user' && r.apiUserAccess === 'granted');
}

/**
 * An upper bound of the lifetime of the access token this client can get for a user, known before
 * anything is read: a deny-list entry kept this long outlives every such token.
 */
export function longestUserAccessTokenTtl(bundle: ClientBundle, defaultTtl: number): number {
  const ttls = bundle.rules
    .filter((r) => r.subjectType === 'user')
    .map((r) => accessTokenTtl(bundle.client.accessTokenTtl, r.apiAccessTokenTtl, defaultTtl));
  return Math.max(accessTokenTtl(bundle.client.accessTokenTtl, undefined, defaultTtl), ...ttls);
}
