/**
 * The HTTP shape the core speaks: handlers translate API Gateway events (and the local server its
 * requests) into {@link HttpRequest} and send back {@link HttpResponse}.
 */

export interface HttpRequest {
  method: string;
  /** Path without query, e.g. `/oauth2/token`. */
  path: string;
  /** Header names lower-cased; repeated headers joined with `, ` as API Gateway does. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw query string without `?`, or an empty string. */
  rawQuery: string;
  /** The raw body bytes (empty when none). */
  body: Uint8Array;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** `Set-Cookie` values, one per cookie (API Gateway v2 `cookies`; the local server writes each). */
  cookies?: string[];
}

/** Headers every token endpoint response carries (RFC 6749 §5.1). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/**
 * A header's value by name, in headers whose names may be in any case (RFC 9110 §5.1: field names are
 * case-insensitive); `name` is lower-case. The exact lower-case key wins over any other spelling.
 */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): string | undefined {
  if (headers === undefined) return undefined;
  if (Object.hasOwn(headers, name)) return headers[name];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** JSON response helper. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): HttpResponse {
  return { status, headers: { 'Content-Type': contentType, ...headers }, body: JSON.stringify(body) };
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): { type: string; charset?: string } | undefined {
  if (contentType === undefined) return undefined;
  const [type = '', ...params] = contentType.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() === 'charset') {
      charset = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return { type: type.trim().toLowerCase(), charset };
}
