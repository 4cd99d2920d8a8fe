/**
 * A client's settings for people (docs/contract.md, Admin API › Clients): bounds, defaults and the
 * effective values the authorize path, the token endpoint and the admin views read. Defaults are
 * computed, not stored: a client registered without `refreshTokenTtl` follows the default, and a
 * public client without `allowedOrigins` follows its `redirectUris`.
 */
import type { Client } from '../model';

/** Redirect URIs (and post-logout redirect URIs) per client. */
export const MAX_REDIRECT_URIS = 20;
/** CORS origins per client. */
export const MAX_ALLOWED_ORIGINS = 20;
/** Shortest refresh-token lifetime (absolute or idle) accepted, seconds. */
export const MIN_REFRESH_TOKEN_TTL = 60;
/** Default absolute refresh-token session lifetime: 30 days. */
export const DEFAULT_REFRESH_TOKEN_TTL = 30 * 86_400;
/** Longest absolute refresh-token session lifetime: 365 days. */
export const MAX_REFRESH_TOKEN_TTL = 365 * 86_400;
/** Default refresh-token sessions per user and client; the oldest is revoked beyond it. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 10;
/** Highest `maxSessionsPerUser` accepted. */
export const MAX_SESSIONS_PER_USER = 100;

/** A public client (RFC 6749 §2.1): registered with `none`, it holds no secret. */
export function isPublicClient(client: Pick<Client, 'tokenEndpointAuthMethod'>): boolean {
  return client.tokenEndpointAuthMethod === 'none';
}

/** Whether the client may start the authorization code flow (RFC 6749 §4.1). */
export function usesCodeFlow(client: Pick<Client, 'grantTypes'>): boolean {
  return client.grantTypes.includes('authorization_code');
}

/** Whether the client receives refresh tokens (RFC 6749 §6). */
export function usesRefreshTokens(client: Pick<Client, 'grantTypes'>): boolean {
  return client.grantTypes.includes('refresh_token');
}

// An origin as browsers serialise it in `Origin` (Fetch standard, "ASCII serialization of an origin"):
// https on any host, or http on a loopback IP (RFC 8252 §7.3); no path, query, fragment or userinfo.
const LOOPBACK_ORIGIN = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Why `origin` cannot be an allowed CORS origin; `undefined` when it can. */
export function originProblem(origin: string): string | undefined {
  if (origin.includes('*')) return 'must not be a wildcard: list each origin';
  if (origin === 'null') return 'must not be the opaque origin null';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'must be an origin scheme://host[:port], e.g. https://app.example.com';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_ORIGIN.test(origin))) {
    return 'must be https, or http on the loopback IPs 127.0.0.1 and [::1]';
  }
  // The exact string a browser sends: lower-case scheme and host, no default port, no trailing slash.
  if (url.origin !== origin) {
    return 'must be an origin scheme://host[:port] with no path, query or trailing slash, as browsers send it (e.g. https://app.example.com)';
  }
  return undefined;
}

/**
 * The origins of `redirectUris` that a browser app can call from: https and http loopback ones, in
 * order, without repeats. Private-use schemes (native apps, RFC 8252 §7.1) have no web origin.
 */
export function redirectUriOrigins(redirectUris: readonly string[]): string[] {
  const origins: string[] = [];
  for (const uri of redirectUris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    if (originProblem(url.origin) !== undefined) continue;
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return origins;
}

/**
 * The origins the token and revocation endpoints answer with CORS headers for this client: its
 * `allowedOrigins` when set (an empty list: none), else for a public code-flow client the origins of
 * its redirect URIs, else none.
 */
export function allowedOriginsOf(client: Client): string[] {
  if (client.allowedOrigins !== undefined) return [...client.allowedOrigins];
  if (!isPublicClient(client) || !usesCodeFlow(client)) return [];
  return redirectUriOrigins(client.redirectUris ?? []);
}

/** Whether the user approves the scopes on a consent page (default false). */
export function requiresConsent(client: Client): boolean {
  return client.requireConsent === true;
}

/** The absolute refresh-token session lifetime, seconds. */
export function refreshTokenTtlOf(client: Client): number {
  return client.refreshTokenTtl ?? DEFAULT_REFRESH_TOKEN_TTL;
}

/** Refresh-token sessions kept per user for this client. */
export function maxSessionsPerUserOf(client: Client): number {
  return client.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER;
}
