/**
 * Client authentication (RFC 6749 §2.3) against the stored, peppered secret hashes, shared by every
 * endpoint that authenticates clients. Every failure is the same `invalid_client` on the wire; the
 * reason is kept for logs and metrics only.
 */
import { InvalidClientError } from '../errors';
import type { Client, ClientBundle, ClientSecret } from '../model';
import type { SecretHasher } from '../ports';
import type { PresentedClient } from './credentials-reader';
import type { ClientAuthMethod, SecretAuthMethod } from './methods';

/** The authenticated client, how it authenticated, and the secret it used (none for a public client). */
export type AuthenticatedClient =
  | { method: SecretAuthMethod; client: Client; secret: ClientSecret }
  | { method: 'none'; client: Client; secret?: undefined };

/**
 * The check an endpoint (or a grant) makes before any store read: the request must present one of
 * the methods it accepts. A `client_id` alone where `none` is not accepted is no authentication at
 * all (RFC 6749 §3.2.1: confidential clients MUST authenticate).
 * @throws InvalidClientError
 */
export function requireAcceptedMethod(
  presented: PresentedClient | undefined,
  accepted: readonly ClientAuthMethod[],
  viaAuthorizationHeader: boolean,
): PresentedClient {
  if (presented === undefined || (presented.method === 'none' && !accepted.includes('none'))) {
    throw new InvalidClientError('no_credentials', viaAuthorizationHeader, 'client authentication is required');
  }
  if (!accepted.includes(presented.method))
    throw new InvalidClientError('auth_method_mismatch', viaAuthorizationHeader);
  return presented;
}

/**
 * Verifies the presented credentials against the client's bundle.
 * Compares against every stored secret with a timing-safe comparison and does the same hashing work
 * for unknown clients, so timing does not tell an unknown client from a wrong secret. A public client
 * (`none`) presents no secret: it is known, registered for `none`, and enabled.
 * @throws InvalidClientError
 */
export function authenticateClient(
  presented: PresentedClient,
  bundle: ClientBundle | undefined,
  hasher: SecretHasher,
  nowMs: number,
  viaAuthorizationHeader: boolean,
): AuthenticatedClient {
  const fail = (reason: InvalidClientError['reason']) => new InvalidClientError(reason, viaAuthorizationHeader);
  if (presented.method === 'none') {
    if (bundle === undefined) throw fail('unknown_client');
    // A public client (RFC 6749 §2.1) is known by its registered `none` method, never by a secret.
    if ((bundle.client.tokenEndpointAuthMethod as ClientAuthMethod) !== 'none') throw fail('auth_method_mismatch');
    if (bundle.client.status !== 'enabled') throw fail('client_disabled');
    return { method: 'none', client: bundle.client };
  }

  const presentedHash = hasher.hash(presented.clientSecret);
  if (bundle === undefined) {
    hasher.equal(presentedHash, presentedHash);
    throw fail('unknown_client');
  }

  let matched: ClientSecret | undefined;
  for (const secret of bundle.secrets) {
    // No early exit: the loop costs the same whichever secret matches.
    if (hasher.equal(presentedHash, secret.hash) && matched === undefined) matched = secret;
  }
  if (matched === undefined) throw fail('invalid_secret');
  if (secretExpired(matched, nowMs)) throw fail('secret_expired');
  // Each client is registered with one method, and it is enforced (RFC 7591 §2 token_endpoint_auth_method).
  if (bundle.client.tokenEndpointAuthMethod !== presented.method) throw fail('auth_method_mismatch');
  if (bundle.client.status !== 'enabled') throw fail('client_disabled');
  return { method: presented.method, client: bundle.client, secret: matched };
}

/** Whether a secret has passed its expiry at `nowMs` (an expired secret stops working at once). */
export function secretExpired(secret: ClientSecret, nowMs: number): boolean {
  return secret.expiresAt !== undefined && Date.parse(secret.expiresAt) <= nowMs;
}
