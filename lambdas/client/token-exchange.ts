/**
 * The client-credentials exchange on the wire (RFC 6749 §4.4): the form and the client authentication
 * of the request, and the reading of the success (§5.1) and error (§5.2) responses.
 */
import { decodeJwtSegment } from './jwt-segment';
import type { AttemptFailure } from './retrying-http';
import { isTransient } from './retrying-http';
import { TokenEndpointError } from './token-errors';
import type { AccessToken, ClientAuthMethod, TokenRequest } from './token-types';

/**
 * RFC 6749 §2.3.1 / Appendix B: the client id and secret are each encoded with
 * `application/x-www-form-urlencoded` before they are joined by `:` and Base64-encoded for Basic.
 */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The requested scopes as a set (RFC 6749 §3.3): split on spaces, de-duplicated, sorted. */
export function scopeSet(scope: string | readonly string[] | undefined): string[] {
  if (scope === undefined) return [];
  const tokens = typeof scope === 'string' ? scope.split(' ') : scope.flatMap((s) => s.split(' '));
  return [...new Set(tokens.map((s) => s.trim()).filter((s) => s !== ''))].sort();
}

/** A function that removes the secret, raw or encoded, from text that may have come from elsewhere. */
export function secretRedactor(secret: string): (text: string) => string {
  const forms = [...new Set([secret, formEncode(secret), encodeURIComponent(secret)])];
  return (text) => {
    let out = text;
    for (const form of forms) out = out.split(form).join('[redacted]');
    return out;
  };
}

/** The client's credentials and how it presents them. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  authMethod: ClientAuthMethod;
}

/** An RFC 6749 §4.4.2 token request, ready to send, and the scopes it asks for. */
export function clientCredentialsRequest(
  client: ClientCredentials,
  request: TokenRequest,
): { scopes: string[]; headers: Record<string, string>; body: string } {
  const scopes = scopeSet(request.scope);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.audience !== undefined) form.set('audience', request.audience);
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (client.authMethod === 'client_secret_basic') {
    const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
    headers['Authorization'] = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  return { scopes, headers, body: form.toString() };
}

/**
 * RFC 6749 §5.1 successful response, or an `invalid_response` error when it is not one.
 * @param scopes the requested scopes: the granted ones when the server omits `scope`
 * @param sentAt when the request was sent, epoch ms: `expires_in` counts from then
 */
export function parseTokenResponse(
  json: Record<string, unknown> | undefined,
  scopes: string[],
  sentAt: number,
): AccessToken | TokenEndpointError {
  const invalid = (what: string) =>
    new TokenEndpointError({ error: 'invalid_response', errorDescription: what, status: 200 });
  const accessToken = json?.['access_token'];
  const tokenType = json?.['token_type'];
  if (typeof accessToken !== 'string' || accessToken === '') return invalid('the response has no access_token');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    return invalid('the token_type is not Bearer');
  }
  const expiresIn = json?.['expires_in'];
  let expiresAt: number;
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) {
    expiresAt = sentAt + expiresIn * 1000;
  } else {
    // expires_in is RECOMMENDED only; a JWT access token still says when it expires (RFC 9068 §2.2).
    const exp = jwtExpiry(accessToken);
    if (exp === undefined) return invalid('the response has no expires_in');
    expiresAt = exp * 1000;
  }
  const scope = typeof json?.['scope'] === 'string' ? json['scope'] : scopes.join(' ');
  return { accessToken, expiresAt, scope, tokenType: 'Bearer' };
}

/**
 * RFC 6749 §5.2 error response (or an error status without one) as a failed attempt, retryable when
 * transient. `redact` keeps the secret out of what the server echoed.
 */
export function tokenErrorResponse(
  status: number,
  json: Record<string, unknown> | undefined,
  redact: (text: string) => string,
  retryAfterMs: number | undefined,
): AttemptFailure {
  const error = typeof json?.['error'] === 'string' ? json['error'] : 'invalid_response';
  const description =
    typeof json?.['error_description'] === 'string'
      ? redact(json['error_description'])
      : json === undefined
        ? `HTTP ${status} without an OAuth error body`
        : undefined;
  return {
    ok: false,
    error: new TokenEndpointError({
      error: redact(error),
      errorDescription: description,
      status,
      retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
    }),
    retryable: isTransient(status, error),
    retryAfterMs,
  };
}

/** The `exp` claim of a JWT, unverified (only to time the cache), or undefined. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  const exp = payload === undefined ? undefined : decodeJwtSegment(payload)?.['exp'];
  return typeof exp === 'number' ? exp : undefined;
}
