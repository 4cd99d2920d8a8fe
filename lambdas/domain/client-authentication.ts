/**
 * Client authentication (RFC 6749 §2.3) against the stored, peppered secret hashes. Every failure is
 * the same `invalid_client` on the wire; the reason is kept for logs and metrics only.
 */
import { InvalidClientError } from './errors';
import type { Client, ClientBundle, ClientSecret } from './model';
import type { SecretHasher } from './ports';
import type { ClientCredentials } from './token-request';

/** The authenticated client and the secret it used. */
export interface AuthenticatedClient {
  client: Client;
  secret: ClientSecret;
}

/**
 * Verifies the presented credentials against the client's bundle.
 * Compares against every stored secret with a timing-safe comparison and does the same hashing work
 * for unknown clients, so timing does not tell an unknown client from a wrong secret.
 * @throws InvalidClientError
 */
export function authenticateClient(
  credentials: ClientCredentials,
  bundle: ClientBundle | undefined,
  hasher: SecretHasher,
  nowMs: number,
  viaAuthorizationHeader: boolean,
): AuthenticatedClient {
  const presented = hasher.hash(credentials.clientSecret);
  const fail = (reason: InvalidClientError['reason']) => new InvalidClientError(reason, viaAuthorizationHeader);
  if (bundle === undefined) {
    hasher.equal(presented, presented);
    throw fail('unknown_client');
  }

  let matched: ClientSecret | undefined;
  for (const secret of bundle.secrets) {
    // No early exit: the loop costs the same whichever secret matches.
    if (hasher.equal(presented, secret.hash) && matched === undefined) matched = secret;
  }
  if (matched === undefined) throw fail('invalid_secret');
  if (secretExpired(matched, nowMs)) throw fail('secret_expired');
  // Each client is registered with one method, and it is enforced (RFC 7591 §2 token_endpoint_auth_method).
  if (bundle.client.tokenEndpointAuthMethod !== credentials.method) throw fail('auth_method_mismatch');
  if (bundle.client.status !== 'enabled') throw fail('client_disabled');
  return { client: bundle.client, secret: matched };
}

/** Whether a secret has passed its expiry at `nowMs` (an expired secret stops working at once). */
export function secretExpired(secret: ClientSecret, nowMs: number): boolean {
  return secret.expiresAt !== undefined && Date.parse(secret.expiresAt) <= nowMs;
}
