/**
 * What the token endpoint's unit tests share: the exact RFC 6749 §5.1 / §5.2 responses they expect,
 * and requests of the fixture clients (support/in-memory.ts) against the current test's harness.
 */
import type { HttpResponse } from '../../lambdas/domain/http';
import { ISSUER, basicAuth, bodyOf, tokenRequest } from './in-memory';
import type { TokenHarness, TokenRequestInit } from './in-memory';

/** RFC 6749 §5.1: `application/json;charset=UTF-8`, never cached. */
export const HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};
export const BASIC_CHALLENGE = { 'WWW-Authenticate': `Basic realm="${ISSUER}"` };
export const INVALID_CLIENT = 'client authentication failed';
/** The description token-request.ts uses today (see the RFC 6749 §5.2 charset test). */
export const MALFORMED_SCOPE = 'scope is malformed (RFC 6749 section 3.3)';

/** The exact RFC 6749 §5.2 error response: status, headers and the body as sent on the wire. */
export function oauthError(
  status: number,
  error: string,
  description: string,
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { ...HEADERS, ...extraHeaders },
    body: JSON.stringify({ error, error_description: description }),
  };
}

export const invalidRequest = (description: string) => oauthError(400, 'invalid_request', description);
export const invalidScope = (description: string) => oauthError(400, 'invalid_scope', description);
export const invalidTarget = (description: string) => oauthError(400, 'invalid_target', description);
export const invalidClientBasic = (description = INVALID_CLIENT) =>
  oauthError(401, 'invalid_client', description, BASIC_CHALLENGE);
export const invalidClientPost = (description = INVALID_CLIENT) => oauthError(401, 'invalid_client', description);

/** A 200 with exactly the RFC 6749 §5.1 members of a client credentials answer; returns the token. */
export function expectToken(res: HttpResponse, expiresIn: number, scope: string): string {
  expect(res.status).toBe(200);
  expect(res.headers).toEqual(HEADERS);
  const body = bodyOf(res);
  // RFC 6749 §5.1, no refresh token for client credentials (§4.4.3).
  expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
  expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expiresIn, scope });
  return body['access_token'] as string;
}

/** Requests against the harness `current()` returns (the test's, also after a rebuild). */
export function tokenRequests(current: () => TokenHarness) {
  const send = (init: TokenRequestInit) => current().send(tokenRequest(init));

  /** A request of the basic fixture client with the given extra form parameters. */
  function asBasic(form: [string, string][], init: TokenRequestInit = {}) {
    const h = current();
    return send({
      form: [['grant_type', 'client_credentials'], ...form],
      authorization: basicAuth(h.fixtures.basic.clientId, h.fixtures.basic.secret),
      ...init,
    });
  }

  /** A request of the post fixture client with the given extra form parameters. */
  function asPost(form: [string, string][]) {
    const h = current();
    return send({
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', h.fixtures.post.clientId],
        ['client_secret', h.fixtures.post.secret],
        ...form,
      ],
    });
  }

  return { send, asBasic, asPost };
}
