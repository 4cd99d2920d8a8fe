/**
 * The refresh-token wire format (docs/data-model.md, Sessions): `<sessionId>.<secret>`, where
 * `sessionId` is the session's public 128-bit id (22 base64url characters) and `secret` a fresh 256-bit
 * random handle (43 base64url characters) per rotation. The session stores only the SHA-256 of the
 * whole token, so a table dump yields nothing usable; the id lets ONE conditional UpdateItem find the
 * session (RFC 6749 §6 rotation, RFC 9700 §4.14.2). Clients treat the token as opaque.
 */
import { digestOf, newHandle, newPublicId } from './handles';
import type { RefreshSession } from './model';
import type { RefreshRotationInput } from './ports';

/** What a presented refresh token names: its session and the digest to compare. */
export interface ParsedRefreshToken {
  sessionId: string;
  /** SHA-256 (base64url) of the whole token. */
  digest: string;
}

const REFRESH_TOKEN = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** A new session id (public: the `sid` of the tokens issued under it). */
export function newRefreshSessionId(): string {
  return newPublicId();
}

/** A new refresh token of `sessionId` and its digest (what the session stores). */
export function newRefreshToken(sessionId: string): { token: string; digest: string } {
  const token = `${sessionId}.${newHandle()}`;
  return { token, digest: digestOf(token) };
}

/**
 * The session and digest of a presented refresh token; `undefined` for anything that does not have
 * the shape of one of ours (garbage, an access token), so it never reaches the store.
 */
export function parseRefreshToken(token: string): ParsedRefreshToken | undefined {
  const match = REFRESH_TOKEN.exec(token);
  if (match === null) return undefined;
  return { sessionId: match[1] as string, digest: digestOf(token) };
}

/**
 * Why the live session's current token did not rotate: a resource other than the session's, or a scope
 * beyond it (each consumes nothing, the token stays usable).
 */
export function liveRefusal(
  session: RefreshSession,
  input: RefreshRotationInput,
): 'target-mismatch' | 'scope-exceeded' | 'refused' {
  if (input.requiredAudience !== undefined && session.audience !== input.requiredAudience) return 'target-mismatch';
  const within = (input.requiredScopes ?? []).every((scope) => session.scopes.includes(scope));
  return within ? 'refused' : 'scope-exceeded';
}
