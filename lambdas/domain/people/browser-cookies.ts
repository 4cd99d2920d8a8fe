/**
 * The hosted pages' cookies (docs/contract.md, "People › Sign-in"):
 * - the **sign-in session** cookie, holding the handle of a {@link SignInSession};
 * - the **browser** cookie, a random value whose digest binds a pending authorization request to the
 *   browser that started it (`browserDigest`), so that a cross-site form post cannot complete it.
 *
 * Both are `HttpOnly; SameSite=Lax; Path=/`; on an https issuer also `Secure` with the `__Host-` prefix
 * (RFC 6265bis §4.1.3.2: the browser then accepts them only from this host, over https, with
 * `Path=/`, never from a sibling subdomain). `SameSite=Lax` keeps them off cross-site POSTs (RFC 6265bis
 * §5.6.7.1) while a top-level GET navigation from the app to `/oauth2/authorize` still carries them.
 */
import { headerValue } from '../http';
import type { HttpRequest } from '../http';

/** The cookie names and attributes for one issuer. */
export interface CookieNames {
  session: string;
  browser: string;
  /** `Secure` is set (https issuer). */
  secure: boolean;
}

/** Cookie names for an issuer: `__Host-idp_session` / `__Host-idp_browser` on https, else unprefixed. */
export function cookieNames(issuer: string): CookieNames {
  const secure = issuer.startsWith('https://');
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}idp_session`, browser: `${prefix}idp_browser`, secure };
}

/**
 * The request's cookies by name (RFC 6265bis §5.7.4 `Cookie` header: `name=value` pairs separated by
 * `; `). A name sent twice keeps its first value (the most specific path, RFC 6265bis §5.7.4 step 2).
 */
export function readCookies(req: HttpRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  const header = headerValue(req.headers, 'cookie');
  if (header === undefined) return cookies;
  for (const pair of header.split(/;\s*/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** A `Set-Cookie` value: `HttpOnly; SameSite=Lax; Path=/`, `Secure` on https, `Max-Age` seconds. */
export function setCookie(names: CookieNames, name: string, value: string, maxAgeSeconds: number): string {
  return [
    `${name}=${value}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    ...(names.secure ? ['Secure'] : []),
  ].join('; ');
}

/** A `Set-Cookie` value that removes the cookie (`Max-Age=0`, same attributes). */
export function clearCookie(names: CookieNames, name: string): string {
  return setCookie(names, name, '', 0);
}
