/**
 * Every HTTP path this IdP serves, named once. The domain's endpoints, the local server's router,
 * the CDK routes, the WAF rules and the alarms all read them from here (docs/contract.md, "HTTP
 * contract"). Paths are relative to the issuer. Also the one header of the CloudFront-to-API hop
 * ({@link ORIGIN_VERIFY_HEADER}), which the CDK edge and the functions' origin check share.
 */

/** RFC 6749 §3.2 token endpoint. */
export const TOKEN_PATH = '/oauth2/token';
/** RFC 6749 §3.1 authorization endpoint (GET): validates the request, then the sign-in page. */
export const AUTHORIZE_PATH = '/oauth2/authorize';
/** The sign-in form's target (POST): username and password for a pending authorization request. */
export const SIGN_IN_PATH = '/oauth2/sign-in';
/** The consent page (GET) and its answer (POST), for clients that require consent. */
export const CONSENT_PATH = '/oauth2/consent';
/** OIDC RP-Initiated Logout 1.0 §2 end-session endpoint (GET and POST). */
export const LOGOUT_PATH = '/oauth2/logout';
/** The page behind a user's one-time setup link (GET shows the form, POST sets the password). */
export const SET_PASSWORD_PATH = '/oauth2/set-password';
/** OIDC Core §5.3 userinfo endpoint (GET and POST); also the `aud` of tokens for OIDC scopes only. */
export const USERINFO_PATH = '/oauth2/userinfo';
/** RFC 7009 §2 revocation endpoint. */
export const REVOCATION_PATH = '/oauth2/revoke';
/** RFC 7662 §2 introspection endpoint. */
export const INTROSPECTION_PATH = '/oauth2/introspect';
/** The hosted pages' stylesheet (CSP `style-src 'self'`: no inline styles). */
export const PAGES_STYLESHEET_PATH = '/oauth2/assets/pages.css';
/** Every path served by the sign-in function (the hosted pages). */
export const SIGN_IN_FUNCTION_PATHS: readonly string[] = [
  AUTHORIZE_PATH,
  SIGN_IN_PATH,
  CONSENT_PATH,
  LOGOUT_PATH,
  SET_PASSWORD_PATH,
  USERINFO_PATH,
  PAGES_STYLESHEET_PATH,
];
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

/** The admin console's prefix (without the trailing slash): a web app served on the issuer's origin. */
export const CONSOLE_PREFIX = '/console';
/** The admin console's start page (what `npm start` prints; the post-logout redirect URI of `idp-console`). */
export const CONSOLE_PATH = '/console/';
/** The admin console's redirect URI path (the built-in public client `idp-console`, exact match). */
export const CONSOLE_CALLBACK_PATH = '/console/callback';
/** Where the console's built, content-hashed files are served (long-cached). */
export const CONSOLE_ASSETS_PREFIX = '/console/assets/';

/** Whether a path belongs to the admin console (`/console` or below it). */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`);
}
