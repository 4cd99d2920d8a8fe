/**
 * OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6), built by the one JWT builder (jwt.ts) and signed
 * by the same signer as access tokens, with header `typ: "JWT"`. Claims, in this order: `iss`, `sub`
 * (the user id), `aud` (= the client id), `azp` (= the client id), `exp`, `iat`, `auth_time`, `nonce`
 * (when the authorization request sent one), `sid` (the sign-in session), then the user's claims for
 * the granted scopes (people/oidc-claims.ts). No `at_hash`: OPTIONAL for the code flow (OIDC Core
 * §3.1.3.6), and leaving it out lets both tokens be signed at once.
 */
import type { JsonValue } from '../model';
import type { User } from '../people/model';
import { userClaims } from '../people/oidc-claims';
import type { TokenSigner } from '../ports';
import { signJwt } from './jwt';

/** The JOSE `typ` of ID tokens (OIDC Core §2 recommends none or `JWT`; explicit typing, RFC 8725 §3.11). */
export const ID_TOKEN_TYP = 'JWT';

/** Longest ID-token lifetime: one hour, whatever the access token's (docs/contract.md, OpenID Connect). */
export const MAX_ID_TOKEN_TTL = 3600;

/** An ID token's lifetime: its access token's, capped at {@link MAX_ID_TOKEN_TTL}. */
export function idTokenTtl(accessTokenTtl: number): number {
  return Math.min(accessTokenTtl, MAX_ID_TOKEN_TTL);
}

/** What an ID token is issued for. */
export interface IdTokenInput {
  issuer: string;
  clientId: string;
  user: Pick<User, 'userId' | 'username' | 'name' | 'email'>;
  /** The granted scopes: they decide which user claims are included. */
  scopes: readonly string[];
  /** Issue time, seconds since the epoch. */
  issuedAt: number;
  ttl: number;
  /** When the user authenticated, seconds since the epoch. */
  authTime: number;
  /** The authorization request's `nonce`, when it had one (OIDC Core §3.1.2.1). */
  nonce?: string;
  /** The sign-in session (`sid`). */
  sessionId: string;
}

/** OIDC Core §2 claims, registered claims first. */
export function idTokenClaims(input: IdTokenInput): Record<string, JsonValue> {
  const claims: Record<string, JsonValue> = {
    iss: input.issuer,
    sub: input.user.userId,
    aud: input.clientId,
    // OIDC Core §2: azp is the party the token was issued to; with one audience it equals it.
    azp: input.clientId,
    exp: input.issuedAt + input.ttl,
    iat: input.issuedAt,
    auth_time: input.authTime,
  };
  // OIDC Core §3.1.3.6: nonce exactly as sent, only when sent.
  if (input.nonce !== undefined) claims['nonce'] = input.nonce;
  claims['sid'] = input.sessionId;
  return { ...claims, ...userClaims(input.user, input.scopes) };
}

/** Signs ID-token claims as a compact JWS with `typ: JWT` (OIDC Core §2). */
export async function signIdToken(claims: Record<string, JsonValue>, signer: TokenSigner): Promise<string> {
  return signJwt({ typ: ID_TOKEN_TYP, claims }, signer);
}
