/**
 * RFC 9068 JWT access tokens: header `{alg, typ: "at+jwt", kid}`, claims `iss, sub, aud, client_id,
 * scope, iat, nbf, exp, jti` plus static claims that never override a registered one.
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
]);

/** Longest lifetime any access token may have: 30 days. */
export const MAX_ACCESS_TOKEN_TTL = 30 * 24 * 3600;

/** What an access token is issued for: issuer, client, audience, scopes, static claims, times. */
export interface AccessTokenInput {
  issuer: string;
  clientId: string;
  audience: string;
  scopes: string[];
  claims: Record<string, JsonValue>;
  /** Issue time, seconds since the epoch. */
  issuedAt: number;
  ttl: number;
  jti: string;
}

/** RFC 9068 §2.2 claims, registered claims first and authoritative. */
export function accessTokenClaims(input: AccessTokenInput): Record<string, JsonValue> {
  const claims: Record<string, JsonValue> = {
    iss: input.issuer,
    sub: input.clientId, // RFC 9068 §2.2: client credentials → sub is the client id
    aud: input.audience,
    client_id: input.clientId,
    scope: input.scopes.join(' '),
    iat: input.issuedAt,
    nbf: input.issuedAt,
    exp: input.issuedAt + input.ttl,
    jti: input.jti,
  };
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
