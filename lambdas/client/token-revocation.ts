/**
 * Requests to the revocation (RFC 7009 §2.1) and introspection (RFC 7662 §2.1) endpoints: the token,
 * an optional `token_type_hint`, and the client's authentication as at the token endpoint — Basic or
 * the secret in the body, or (public clients, revocation only) `client_id` alone. No dependency beyond
 * the platform, like the rest of the token client.
 */
import { formEncode } from './token-exchange';
import type { ClientAuthMethod } from './token-types';

/** RFC 7009 §2.1 / RFC 7662 §2.1 hint values this IdP knows (any other is allowed, and ignored). */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/** Who calls: a confidential client with its secret, or a public client by its id (RFC 6749 §2.1). */
export type TokenOperationClient =
  | { clientId: string; clientSecret: string; authMethod: ClientAuthMethod }
  | { clientId: string; clientSecret?: undefined; authMethod?: undefined };

/** The form request for `token` (with the hint), authenticated as `client`. */
export function tokenOperationRequest(
  client: TokenOperationClient,
  token: string,
  tokenTypeHint?: string,
): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams({ token });
  if (tokenTypeHint !== undefined) form.set('token_type_hint', tokenTypeHint);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (client.clientSecret === undefined) {
    form.set('client_id', client.clientId);
  } else if (client.authMethod === 'client_secret_basic') {
    const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
    headers['Authorization'] = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  return { headers, body: form.toString() };
}
