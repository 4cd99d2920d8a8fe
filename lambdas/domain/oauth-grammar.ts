/**
 * Character rules of OAuth 2.0 shared by the token endpoint, the admin API and the authorizer.
 */

/** RFC 6749 §3.3 (Appendix A.4): scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * RFC 6749 §5.2 (error_description) and RFC 6750 §3 (error, error_description in a challenge): values
 * hold only %x20-21 / %x23-5B / %x5D-7E. Anything else — echoed client input, non-ASCII — becomes `?`.
 */
export function restrictToErrorChars(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ). */
export const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** RFC 6749 Appendix A.10 grant-name = 1*name-char; name-char = "-" / "." / "_" / DIGIT / ALPHA. */
export const GRANT_NAME = /^[A-Za-z0-9._-]+$/;

/** RFC 9110 §5.6.2 token (methods, parameter and field names as far as they are echoed). */
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The longest piece of caller input an error repeats. */
export const MAX_ECHO_LENGTH = 40;

/** The prefix of every client secret this IdP issues (docs/data-model.md, Secrets at rest). */
const SECRET_PREFIX = 'sidp_';

/**
 * The one gate for caller input in errors — RFC 6749 §5.2 `error_description`, RFC 9457 `detail` and
 * `errors` entries: `value` itself when it is at most {@link MAX_ECHO_LENGTH} characters, matches
 * `grammar` (by default RFC 6749 §5.2 error characters without space, `"` or `\`) and does not look
 * like a client secret; otherwise `undefined`, and the caller words its message without it. A value
 * is repeated whole or not at all, so no part of something long (a secret pasted into the wrong
 * parameter, an 8 KiB scope) ever comes back.
 */
export function echo(value: string, grammar: RegExp = SCOPE_TOKEN): string | undefined {
  if (value.length === 0 || value.length > MAX_ECHO_LENGTH) return undefined;
  if (!grammar.test(value) || !SCOPE_TOKEN.test(value.replace(/ /g, '!'))) return undefined;
  if (value.startsWith(SECRET_PREFIX)) return undefined;
  return value;
}

/** `echo(value, grammar)`, or `fallback` when the value may not be repeated. */
export function echoOr(value: string, fallback: string, grammar?: RegExp): string {
  return echo(value, grammar) ?? fallback;
}
