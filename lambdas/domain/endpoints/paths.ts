/**
 * Every HTTP path this IdP serves, named once. The domain's endpoints, the local server's router,
 * the CDK routes, the WAF rules and the alarms all read them from here (docs/contract.md, "HTTP
 * contract"). Paths are relative to the issuer. Also the one header of the CloudFront-to-API hop
 * ({@link ORIGIN_VERIFY_HEADER}), which the CDK edge and the functions' origin check share.
 */

/** RFC 6749 §3.2 token endpoint. */
export const TOKEN_PATH = '/oauth2/token';
/** RFC 8414 §3 authorization server metadata. */
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
/** OpenID Connect Discovery 1.0 §4: the same document for OIDC-style discovery clients. */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
/** RFC 7517 §5 JWK Set of the public signing keys. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** Prefix every discovery path shares. */
export const WELL_KNOWN_PREFIX = '/.well-known/';
/** Both metadata documents (RFC 8414, OIDC Discovery). */
export const METADATA_PATHS: readonly string[] = [OAUTH_METADATA_PATH, OPENID_CONFIGURATION_PATH];
/** Every discovery path: the metadata documents and the JWKS. */
export const DISCOVERY_PATHS: readonly string[] = [...METADATA_PATHS, JWKS_PATH];

/** The admin API's prefix (without the trailing slash). */
export const ADMIN_PREFIX = '/admin';
/** The admin API's OpenAPI 3.1 document, served without authentication. */
export const ADMIN_OPENAPI_PATH = '/admin/openapi.json';

/** Whether a path belongs to the admin API (`/admin` or below it). */
export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

/**
 * The header CloudFront adds on its way to the API on stages behind CloudFront + WAF, carrying a
 * secret value; the token, discovery and admin functions refuse a request without it. Lower-case, as
 * API Gateway v2 events carry headers.
 */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';
