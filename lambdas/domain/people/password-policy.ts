/**
 * The password rules (docs/contract.md, "People › Users"), shared by the admin API and the
 * set-password page: 12–256 characters (Unicode code points), not the username (in any case). The
 * password is hashed as given: no trimming, no normalisation.
 */

/** Fewest characters a password may have. */
export const MIN_PASSWORD_LENGTH = 12;
/** Most characters a password may have (the KDF's input stays bounded). */
export const MAX_PASSWORD_LENGTH = 256;

/** Why a password is refused, as a sentence for the person choosing it; `undefined` when it is fine. */
export function passwordProblem(password: string, username: string | undefined): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (username !== undefined && password.toLowerCase() === username.toLowerCase()) {
    return 'the password must not be the username';
  }
  return undefined;
}
