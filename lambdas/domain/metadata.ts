/**
 * Discovery documents: RFC 8414 authorization server metadata, served both at
 * `/.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`.
 */
import type { SigningAlgorithm } from './ports';

export interface MetadataConfig {
  issuer: string;
  signingAlgorithms: SigningAlgorithm[];
}

/** RFC 8414 §2 metadata for this server. */
export function authorizationServerMetadata(config: MetadataConfig): Record<string, unknown> {
  const { issuer } = config;
  return {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    // RFC 8414 §2: REQUIRED; no authorization endpoint yet, so no response type is supported.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // RFC 9068 access tokens are signed with these (informative, mirrors the JWKS).
    access_token_signing_alg_values_supported: config.signingAlgorithms,
  };
}
