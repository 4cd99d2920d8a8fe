/**
 * How the console signs a person in (docs/contract.md, "Admin console"): it is the public client
 * `idp-console` of this IdP, so authorization code + PKCE S256 (RFC 7636 §4) through the hosted sign-in
 * page, with `state` (RFC 6749 §10.12), `nonce` (OIDC Core §3.1.2.1) and the `iss` check of RFC 9207 on
 * the way back. Tokens live in memory only — never in localStorage or sessionStorage; what survives the
 * trip to the sign-in page in sessionStorage is the pending request (verifier, state, nonce, where the
 * person was), which is useless without the code and is removed at the callback.
 *
 * After a reload the memory is empty: the console asks again with `prompt=none` (OIDC Core §3.1.2.1),
 * which comes back with a code at once while the sign-in session lasts, or `login_required` — then it
 * goes to the sign-in page, and afterwards back to the same place (`returnTo`).
 *
 * Everything here is plain functions over injected randomness, hashing and storage, so the unit tests
 * run it in Node (test/unit/console/auth.test.ts).
 */

import { AUTHORIZE_PATH, CONSOLE_CALLBACK_PATH, CONSOLE_PATH, LOGOUT_PATH } from '../../lambdas/domain/endpoints/paths';

/** The randomness and hash the flow needs (the browser's Web Crypto; Node's in tests). */
export interface AuthCrypto {
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Promise<Uint8Array>;
}

/** The subset of the Web Storage API the flow uses (sessionStorage in the browser). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Where the issuer's endpoints are, for this console. */
export interface AuthSettings {
  issuer: string;
  clientId: string;
}

/** The pending authorization request, kept across the redirect. */
export interface PendingSignIn {
  state: string;
  verifier: string;
  nonce: string;
  /** The console path (with query) to return to. */
  returnTo: string;
  /** Whether this request was the silent one (`prompt=none`). */
  silent: boolean;
}

/** A signed-in person, as the console holds them (in memory). */
export interface SignedIn {
  accessToken: string;
  idToken: string | undefined;
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number;
  scopes: string[];
  /** Only `admin:read`: the console shows no write controls. */
  readOnly: boolean;
  user: { sub: string; name: string | undefined; username: string | undefined };
}

export const PENDING_KEY = 'idp-console:pending';
export const SIGNED_OUT_KEY = 'idp-console:signed-out';
export const ADMIN_READ = 'admin:read';
export const ADMIN_WRITE = 'admin:write';

export const adminAudience = (issuer: string): string => `${issuer}/admin`;
export const redirectUri = (issuer: string): string => `${issuer}${CONSOLE_CALLBACK_PATH}`;
export const postLogoutRedirectUri = (issuer: string): string => `${issuer}${CONSOLE_PATH}`;

/** RFC 4648 §5 base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 7636 §4.1–4.2: a 43-character verifier from 32 random bytes and its S256 challenge. */
export async function createPkce(crypto: AuthCrypto): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.randomBytes(32));
  const challenge = base64url(await crypto.sha256(new TextEncoder().encode(verifier)));
  return { verifier, challenge };
}

/** The scopes the console asks for: OIDC (for the name and the logout hint) and both admin scopes. */
export const CONSOLE_SCOPE = `openid profile ${ADMIN_READ} ${ADMIN_WRITE}`;

/**
 * Starts a sign-in: stores the pending request and answers the authorization URL to open. The admin API
 * is `userAccess: granted`, so the token holds only the admin scopes the person's grants allow.
 */
export async function beginSignIn(
  settings: AuthSettings,
  crypto: AuthCrypto,
  store: KeyValueStore,
  options: { returnTo: string; silent: boolean },
): Promise<string> {
  const { verifier, challenge } = await createPkce(crypto);
  const pending: PendingSignIn = {
    state: base64url(crypto.randomBytes(16)),
    verifier,
    nonce: base64url(crypto.randomBytes(16)),
    returnTo: safeReturnTo(options.returnTo),
    silent: options.silent,
  };
  store.setItem(PENDING_KEY, JSON.stringify(pending));
  store.removeItem(SIGNED_OUT_KEY);
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri(settings.issuer),
    scope: CONSOLE_SCOPE,
    audience: adminAudience(settings.issuer),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (options.silent) params.set('prompt', 'none');
  return `${settings.issuer}${AUTHORIZE_PATH}?${params.toString()}`;
}

/** Only a console path is a place to return to (never another origin: no open redirect). */
export function safeReturnTo(returnTo: string): string {
  return /^\/console\/(?!\/)[^\\]*$/.test(returnTo) && !returnTo.startsWith(CONSOLE_CALLBACK_PATH)
    ? returnTo
    : '/console/';
}

/** What came back to the callback. */
export type CallbackOutcome =
  | { kind: 'code'; code: string; pending: PendingSignIn }
  /** The silent request found no session (OIDC Core §3.1.2.6): go to the sign-in page, same `returnTo`. */
  | { kind: 'interaction-required'; pending: PendingSignIn }
  | { kind: 'error'; message: string };

/** OIDC Core §3.1.2.6: the errors of `prompt=none` that mean "the person has to sign in". */
const INTERACTION_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** Reads the callback's query against the pending request (which it removes: a callback works once). */
export function readCallback(query: URLSearchParams, settings: AuthSettings, store: KeyValueStore): CallbackOutcome {
  const raw = store.getItem(PENDING_KEY);
  store.removeItem(PENDING_KEY);
  if (raw === null)
    return { kind: 'error', message: 'This sign-in was not started here, or was already used. Sign in again.' };
  let pending: PendingSignIn;
  try {
    pending = JSON.parse(raw) as PendingSignIn;
  } catch {
    return { kind: 'error', message: 'The sign-in could not be read. Sign in again.' };
  }
  // RFC 6749 §10.12: the answer must belong to the request this browser sent.
  if (query.get('state') !== pending.state) {
    return { kind: 'error', message: 'The sign-in answer does not match the request (state). Sign in again.' };
  }
  // RFC 9207 §2.4: the answer must come from this issuer.
  const iss = query.get('iss');
  if (iss !== null && iss !== settings.issuer) {
    return { kind: 'error', message: `The sign-in answer came from another issuer (${iss}). Sign in again.` };
  }
  const error = query.get('error');
  if (error !== null) {
    if (pending.silent && INTERACTION_ERRORS.has(error)) return { kind: 'interaction-required', pending };
    const description = query.get('error_description');
    return {
      kind: 'error',
      message:
        error === 'access_denied'
          ? `You may not use the admin console${description ? ` (${description})` : ''}. Ask an administrator for an admin:read grant.`
          : `Sign-in failed: ${error}${description ? ` — ${description}` : ''}`,
    };
  }
  const code = query.get('code');
  if (code === null || code === '') return { kind: 'error', message: 'The sign-in answer has no code. Sign in again.' };
  return { kind: 'code', code, pending };
}

/** RFC 6749 §4.1.3 + RFC 7636 §4.5: the token request of a public client. */
export function tokenRequestBody(settings: AuthSettings, code: string, verifier: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(settings.issuer),
    client_id: settings.clientId,
    code_verifier: verifier,
  });
}

/** A JWT's protected header, unverified (RFC 7515 §4): which key (`kid`) signed it. */
export function jwtHeader(jwt: string): Record<string, unknown> {
  return decodeSegment(jwt.split('.')[0]);
}

/** The payload of a JWT, unverified (the ID token came straight from the token endpoint: OIDC Core §3.1.3.7 item 6). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return decodeSegment(jwt.split('.')[1]);
}

function decodeSegment(part: string | undefined): Record<string, unknown> {
  if (part === undefined || part === '') throw new Error('not a JWT');
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/**
 * The signed-in person from a successful token response (RFC 6749 §5.1), checking the ID token's
 * `nonce`, `iss` and `aud` (OIDC Core §3.1.3.7).
 * @throws Error with a readable message when the response is not one
 */
export function signedInFrom(
  body: Record<string, unknown>,
  settings: AuthSettings,
  nonce: string,
  now: number,
): SignedIn {
  const accessToken = body['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '')
    throw new Error('The token response holds no access token.');
  const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : 300;
  const scopes = typeof body['scope'] === 'string' ? body['scope'].split(' ').filter((s) => s !== '') : [];
  if (!scopes.includes(ADMIN_READ) && !scopes.includes(ADMIN_WRITE)) {
    throw new Error('Your account holds no admin scope (admin:read or admin:write). Ask an administrator for a grant.');
  }
  const idToken = typeof body['id_token'] === 'string' ? body['id_token'] : undefined;
  let claims: Record<string, unknown> = {};
  if (idToken !== undefined) {
    claims = jwtPayload(idToken);
    if (claims['nonce'] !== nonce) throw new Error('The ID token does not answer this sign-in (nonce).');
    if (claims['iss'] !== settings.issuer) throw new Error('The ID token comes from another issuer.');
    const aud = claims['aud'];
    if (!(aud === settings.clientId || (Array.isArray(aud) && aud.includes(settings.clientId)))) {
      throw new Error('The ID token is not for the console (aud).');
    }
  } else {
    claims = jwtPayload(accessToken);
  }
  return {
    accessToken,
    idToken,
    expiresAt: now + expiresIn * 1000,
    scopes,
    readOnly: !scopes.includes(ADMIN_WRITE),
    user: {
      sub: String(claims['sub'] ?? ''),
      name: typeof claims['name'] === 'string' ? claims['name'] : undefined,
      username: typeof claims['preferred_username'] === 'string' ? claims['preferred_username'] : undefined,
    },
  };
}

/** OIDC RP-Initiated Logout 1.0 §2: the end-session URL, back to the console's start page. */
export function logoutUrl(settings: AuthSettings, idToken: string | undefined, store: KeyValueStore): string {
  store.setItem(SIGNED_OUT_KEY, '1');
  store.removeItem(PENDING_KEY);
  const params = new URLSearchParams({
    client_id: settings.clientId,
    post_logout_redirect_uri: postLogoutRedirectUri(settings.issuer),
  });
  if (idToken !== undefined) params.set('id_token_hint', idToken);
  return `${settings.issuer}${LOGOUT_PATH}?${params.toString()}`;
}

/** Whether the person signed out in this tab (then the start page waits for "Sign in" instead of trying silently). */
export function signedOut(store: KeyValueStore): boolean {
  return store.getItem(SIGNED_OUT_KEY) === '1';
}

export const RENEWAL_KEY = 'idp-console:renewed-at';
/** A silent re-sign-in after a 401 is tried at most once a minute (then the 401 is shown). */
export const RENEWAL_INTERVAL_MS = 60_000;

/** Whether a 401 may start a silent re-sign-in now; records the attempt when it may. */
export function renewalAllowed(store: KeyValueStore, now: number): boolean {
  const last = Number(store.getItem(RENEWAL_KEY) ?? '0');
  if (Number.isFinite(last) && now - last < RENEWAL_INTERVAL_MS) return false;
  store.setItem(RENEWAL_KEY, String(now));
  return true;
}
