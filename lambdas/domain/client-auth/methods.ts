/**
 * Client authentication methods (RFC 6749 §2.3, names of RFC 7591 §2 `token_endpoint_auth_method`):
 * the two secret methods clients register with today, and `none` — a public client that only
 * identifies itself with `client_id` (RFC 6749 §2.1, §3.2.1).
 */
import type { TokenEndpointAuthMethod } from '../model';

/** The methods that prove the client holds a secret (RFC 6749 §2.3.1). */
export type SecretAuthMethod = Extract<TokenEndpointAuthMethod, 'client_secret_basic' | 'client_secret_post'>;

/** Every method the credentials reader and checker know. */
export type ClientAuthMethod = SecretAuthMethod | 'none';

/** Every method, in the order discovery lists them (RFC 8414 §2 `token_endpoint_auth_methods_supported`). */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

/** The secret methods: what a confidential client authenticates with. */
export const SECRET_AUTH_METHODS: readonly SecretAuthMethod[] = ['client_secret_basic', 'client_secret_post'];
