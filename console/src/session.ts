/**
 * The browser side of the sign-in flow (auth.ts holds the logic): Web Crypto, sessionStorage for the
 * pending request only, the token request to the issuer's token endpoint (same origin), and the
 * signed-in person in memory.
 */
import type { AuthCrypto, AuthSettings, SignedIn } from './auth';
import { CONSOLE_CALLBACK_PATH, TOKEN_PATH } from '../../lambdas/domain/endpoints/paths';
import { beginSignIn, logoutUrl, readCallback, signedInFrom, signedOut, tokenRequestBody } from './auth';

export const browserCrypto: AuthCrypto = {
  randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
  sha256: async (data) => new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(data))),
};

/** Where the person is now (to come back to after a sign-in). */
export function here(): string {
  return `${location.pathname}${location.search}`;
}

/** Opens the sign-in (silently first, unless `interactive`). */
export async function signIn(
  settings: AuthSettings,
  options: { interactive: boolean; returnTo?: string },
): Promise<void> {
  const url = await beginSignIn(settings, browserCrypto, sessionStorage, {
    returnTo: options.returnTo ?? here(),
    silent: !options.interactive,
  });
  location.assign(url);
}

/** What the start of the app decided. */
export type Boot =
  | { kind: 'signed-in'; session: SignedIn; returnTo: string | undefined }
  | { kind: 'redirecting' }
  | { kind: 'signed-out' }
  | { kind: 'error'; message: string };

/** At load: finish a callback, or try the silent sign-in, or wait for the person (after a sign-out). */
export async function boot(settings: AuthSettings): Promise<Boot> {
  if (location.pathname === CONSOLE_CALLBACK_PATH) {
    const outcome = readCallback(new URLSearchParams(location.search), settings, sessionStorage);
    if (outcome.kind === 'error') return { kind: 'error', message: outcome.message };
    if (outcome.kind === 'interaction-required') {
      await signIn(settings, { interactive: true, returnTo: outcome.pending.returnTo });
      return { kind: 'redirecting' };
    }
    let response: Response;
    try {
      response = await fetch(`${settings.issuer}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenRequestBody(settings, outcome.code, outcome.pending.verifier).toString(),
        credentials: 'omit',
      });
    } catch {
      return { kind: 'error', message: 'The token endpoint could not be reached. Sign in again.' };
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const description = typeof body['error_description'] === 'string' ? ` — ${body['error_description']}` : '';
      return { kind: 'error', message: `Sign-in failed: ${String(body['error'] ?? response.status)}${description}` };
    }
    try {
      return {
        kind: 'signed-in',
        session: signedInFrom(body, settings, outcome.pending.nonce, Date.now()),
        returnTo: outcome.pending.returnTo,
      };
    } catch (err) {
      return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }
  if (signedOut(sessionStorage)) return { kind: 'signed-out' };
  await signIn(settings, { interactive: false });
  return { kind: 'redirecting' };
}

/** RP-initiated logout: forget the tokens, end the sign-in session at the issuer. */
export function signOut(settings: AuthSettings, session: SignedIn | undefined): void {
  location.assign(logoutUrl(settings, session?.idToken, sessionStorage));
}
