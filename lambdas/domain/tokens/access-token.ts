/**
 * RFC 9068 JWT access tokens: header `{alg, typ: "at+jwt", kid}`, claims `iss, sub, aud, client_id,
 * scope, iat, nbf, exp, jti` (and, for a user's token, `auth_time`, `sid`) plus static claims that
 * never override a registered one. The client credentials grant and the authorization code grant
 * both build their tokens here.
 */
import type { JsonValue } from '../model';
import type { TokenSigner } from '../ports';
import { signJwt } from './jwt';

/** Claims a rule can never set (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, RFC 7800). */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'scope',
  'scp',
  'typ',
  'cnf',
  'act',
  'may_act',
  'azp',
  'auth_time',
  'acr',
  'amr',
  'sid',
]);

/** Longest lifetime any access token may have: 30 days. */
export const MAX_ACCESS_TOKEN_TTL = 30 * 24 * 3600;

/** What an access token is issued for: issuer, client, audience, scopes, static claims, times. */
export interface AccessTokenInput {
  issuer: string;
  clientId: string;
  /**
   * RFC 9068 §2.2 `sub`: the user id for a token issued on behalf of a user.
   * @default clientId (client credentials: the client is the subject)
   */
  subject?: string;
  /** RFC 9068 §3 `aud`: one API identifier, or several (an array in the token, in this order). */
  audience: string | string[];
  scopes: string[];
  claims: Record<string, JsonValue>;
  /** Issue time, seconds since the epoch. */
  issuedAt: number;
  ttl: number;
  jti: string;
  /** RFC 9068 §2.2.1 `auth_time`: when the user authenticated, seconds since the epoch. */
  authTime?: number;
  /** OIDC Front-Channel Logout §3 / RP-Initiated Logout `sid`: the user's sign-in session. */
  sessionId?: string;
}

/** RFC 9068 §2.2 claims, registered claims first and authoritative. */
export function accessTokenClaims(input: AccessTokenInput): Record<string, JsonValue> {
  const claims: Record<string, JsonValue> = {
    iss: input.issuer,
    // RFC 9068 §2.2: the resource owner's id, or for client credentials the client id.
    sub: input.subject ?? input.clientId,
    aud: Array.isArray(input.audience) ? [...input.audience] : input.audience,
    client_id: input.clientId,
    scope: input.scopes.join(' '),
    iat: input.issuedAt,
    nbf: input.issuedAt,
    exp: input.issuedAt + input.ttl,
    jti: input.jti,
  };
  if (input.authTime !== undefined) claims['auth_time'] = input.authTime;
  if (input.sessionId !== undefined) claims['sid'] = input.sessionId;
  for (const [name, value] of Object.entries(input.claims)) {
    if (!RESERVED_CLAIMS.has(name)) claims[name] = value;
  }
  return claims;
}

/** Effective lifetime: the shortest of the client's and the API's, else the default; never above 30 days. */
export function accessTokenTtl(clientTtl: number | undefined, apiTtl: number | undefined, defaultTtl: number): number {
  const configured = [clientTtl, apiTtl].filter((t): t is number => t !== undefined && t > 0);
  const ttl = configured.length > 0 ? Math.min(...configured) : defaultTtl;
  return Math.min(ttl, MAX_ACCESS_TOKEN_TTL);
}

/** The JOSE `typ` of RFC 9068 access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Signs access-token claims as a compact JWS with `typ: at+jwt` (RFC 9068 §2.1). */
export async function signAccessToken(claims: Record<string, JsonValue>, signer: TokenSigner): Promise<string> {
  return signJwt({ typ: ACCESS_TOKEN_TYP, claims }, signer);
}
