/**
 * The token client's vocabulary: what a caller asks for, what it gets back, and where the client logs.
 */

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Fields logged with a message; never a secret or a token. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Where the client logs; every method optional. */
export interface TokenClientLogger {
  debug?(message: string, fields?: LogFields): void;
  warn?(message: string, fields?: LogFields): void;
}

/** What to ask for. Scopes are a set: order and repetition do not matter. */
export interface TokenRequest {
  /** The API identifier (`audience`, Auth0 style, which this IdP also reads as RFC 8707 `resource`). */
  audience?: string;
  /** Space-delimited scopes or a list (RFC 6749 §3.3). */
  scope?: string | readonly string[];
}

/** An access token and what the server said about it. */
export interface AccessToken {
  accessToken: string;
  /** When it expires, epoch ms (from `expires_in`, counted from when the request was sent). */
  expiresAt: number;
  /** The granted scopes, space-delimited (the requested ones when the server omits `scope`, RFC 6749 §5.1). */
  scope: string;
  /** `Bearer`. */
  tokenType: string;
}
