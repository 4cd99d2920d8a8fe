/**
 * What every grant returns to the token endpoint: the RFC 6749 §5.1 response body and what the
 * endpoint reports about the token (metrics, last-use tracking). Shared by every grant.
 */

/**
 * RFC 6749 §5.1 successful response body. Members are serialized in this order; optional members
 * are omitted when absent.
 */
export interface TokenResponseBody {
  access_token: string;
  /** RFC 6750: every access token is a Bearer token. */
  token_type: 'Bearer';
  /** Lifetime of the access token, seconds (RFC 6749 §5.1). */
  expires_in: number;
  /** The granted scope, space-delimited (RFC 6749 §3.3). */
  scope: string;
  /** RFC 6749 §5.1 / §6: for grants that start or rotate a session; client credentials never (RFC 6749 §4.4.3). */
  refresh_token?: string;
  /** OpenID Connect Core §3.1.3.3: when `openid` was granted. */
  id_token?: string;
}

/** A token issued, with what the endpoint logs about it. */
export interface IssuedToken {
  body: TokenResponseBody;
  /** The access token's `aud`. */
  audience: string;
  /** The access token's `jti`. */
  jti: string;
  /** True when a still-valid earlier token was returned instead of signing a new one. */
  reused: boolean;
}
