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
