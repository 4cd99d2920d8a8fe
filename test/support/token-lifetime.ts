/**
 * The lifetime the server gave a token, read from the token itself (`exp - iat`, RFC 7519 §4.1.4/§4.1.6).
 * openid-client's `TokenSet.expires_in` is recomputed from the clock at each read, so on a busy machine
 * it can be one second short of what the server answered; the token's claims are exact.
 */
import { decodeJwt } from 'jose';

/** `exp - iat` of a JWT, seconds. */
export function issuedLifetime(jwt: string | undefined): number {
  const { exp, iat } = decodeJwt(jwt ?? '');
  if (exp === undefined || iat === undefined) throw new Error('the token has no exp or iat');
  return exp - iat;
}
