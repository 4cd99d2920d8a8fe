/**
 * Parameters of the hosted pages' requests, read at the edge with `URLSearchParams` (docs/architecture.md,
 * Style rules, 5): a query string, or an `application/x-www-form-urlencoded` UTF-8 body of bounded size.
 * RFC 6749 §3.1: a parameter sent without a value is treated as omitted, and none may be sent twice —
 * the repeated names are reported, never silently resolved to one of the values.
 */
import { headerValue, mediaType } from '../http';
import type { HttpRequest } from '../http';

/** Largest form body the pages accept, bytes (a sign-in form is far below it). */
export const MAX_FORM_BYTES = 8192;

/** Parameters by name (first value), and the names that were sent more than once. */
export interface Params {
  values: Map<string, string>;
  repeated: Set<string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses `a=1&b=2` into {@link Params}. */
export function parseParams(text: string): Params {
  const values = new Map<string, string>();
  const repeated = new Set<string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
    if (value !== '' && !values.has(name)) values.set(name, value);
  }
  return { values, repeated };
}

/** The query parameters of a request. */
export function queryParams(req: HttpRequest): Params {
  return parseParams(req.rawQuery);
}

/**
 * The form body of a POST; `undefined` when it is not a form, not UTF-8, or too large (the caller
 * answers with a page).
 */
export function formParams(req: HttpRequest): Params | undefined {
  const type = mediaType(headerValue(req.headers, 'content-type'));
  if (type?.type !== 'application/x-www-form-urlencoded') return undefined;
  if (type.charset !== undefined && type.charset !== 'utf-8') return undefined;
  if (req.body.byteLength > MAX_FORM_BYTES) return undefined;
  try {
    return parseParams(utf8.decode(req.body));
  } catch {
    return undefined;
  }
}
