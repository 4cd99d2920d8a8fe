/**
 * Redirect URIs (docs/contract.md, "People › Client settings"): what may be registered, and whether a
 * presented `redirect_uri` is one of them. Comparison is by exact string (RFC 6749 §3.1.2.3, RFC 9700
 * §4.1.3): no normalisation of case, percent-encoding, dot segments or trailing slashes ever makes two
 * different strings match. The one exception is RFC 8252 §7.3: for an `http` loopback IP redirect, the
 * port may vary (a native app listens on an ephemeral port), and nothing else may.
 *
 * Registrable: `https` URIs with a host; `http` only on the loopback IPs `127.0.0.1` and `[::1]` (RFC
 * 8252 §7.3; `localhost` is not accepted, §8.3); private-use schemes of native apps in reverse domain
 * name form (`com.example.app:/callback`, RFC 8252 §7.1). Never a fragment (RFC 6749 §3.1.2), userinfo,
 * a wildcard, dot segments, backslashes, whitespace or control characters. The same rules serve
 * `postLogoutRedirectUris` (OIDC RP-Initiated Logout §2).
 */

/** Longest redirect URI accepted at registration. */
export const MAX_REDIRECT_URI_LENGTH = 2000;

/** Schemes that are never redirect targets, whatever their form. */
const FORBIDDEN_SCHEMES: ReadonlySet<string> = new Set([
  'javascript',
  'data',
  'vbscript',
  'file',
  'blob',
  'about',
  'filesystem',
  'ftp',
  'ws',
  'wss',
  'mailto',
  'tel',
]);

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// An http loopback IP redirect, split without any normalisation: host, optional port, path and query.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?((?:\/[^?#]*)?(?:\?[^#]*)?)$/;

/** Why `uri` cannot be registered as a redirect URI; `undefined` when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) {
    return `must be 1 to ${MAX_REDIRECT_URI_LENGTH} characters`;
  }
  // Printable ASCII only: no whitespace, controls or non-ASCII that browsers would rewrite.
  if (!/^[\x21-\x7E]+$/.test(uri)) return 'must be printable ASCII without spaces';
  if (uri.includes('#')) return 'must not have a fragment';
  if (uri.includes('*')) return 'must not contain a wildcard';
  if (uri.includes('\\')) return 'must not contain a backslash';
  const scheme = SCHEME.exec(uri)?.[1];
  if (scheme === undefined) return 'must be an absolute URI';
  const lowerScheme = scheme.toLowerCase();
  if (scheme !== lowerScheme) return 'the scheme must be lower case';
  if (FORBIDDEN_SCHEMES.has(lowerScheme)) return `the ${lowerScheme} scheme is not allowed`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.username !== '' || url.password !== '' || authority(uri).includes('@')) {
    return 'must not contain userinfo';
  }
  if (hasDotSegment(uri)) return 'must not contain dot segments';
  if (lowerScheme === 'https') {
    if (url.hostname === '' || authority(uri) === '') return 'must name a host';
    return undefined;
  }
  if (lowerScheme === 'http') {
    const loopback = LOOPBACK.exec(uri);
    if (loopback === null) return 'http is allowed only on the loopback IPs 127.0.0.1 and [::1]';
    if (loopback[2] !== undefined && !validPort(loopback[2])) return 'the port must be 1 to 65535';
    return undefined;
  }
  // RFC 8252 §7.1: a private-use scheme based on a domain name the app controls, in reverse order.
  if (!lowerScheme.includes('.')) {
    return 'a native app scheme must be a reverse domain name such as com.example.app';
  }
  return undefined;
}

/**
 * Whether `presented` names one of the `registered` redirect URIs: exact string equality, or, for an
 * `http` loopback IP URI, equality of everything but the port (RFC 8252 §7.3).
 */
export function redirectUriMatches(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  const loopback = LOOPBACK.exec(presented);
  if (loopback === null) return false;
  const [, host, port, rest] = loopback;
  if (port !== undefined && !validPort(port)) return false;
  return registered.some((candidate) => {
    const match = LOOPBACK.exec(candidate);
    return match !== null && match[1] === host && match[3] === rest;
  });
}

/** The authority part of a URI (between `//` and the next `/`, `?` or `#`), or `''`. */
function authority(uri: string): string {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  return match?.[1] ?? '';
}

/** RFC 3986 §3.3 dot segments, literal or percent-encoded (`%2e`), in the path. */
function hasDotSegment(uri: string): boolean {
  const path = uri.replace(/^[A-Za-z][A-Za-z0-9+.-]*:(\/\/[^/?#]*)?/, '').split('?')[0] ?? '';
  return path.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment) || /%2f|%5c/i.test(segment));
}

function validPort(port: string): boolean {
  const value = Number(port);
  return Number.isInteger(value) && value >= 1 && value <= 65535 && !port.startsWith('0');
}
