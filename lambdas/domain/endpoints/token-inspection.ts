/**
 * What the revocation (RFC 7009) and introspection (RFC 7662) endpoints share: parsing the request and
 * authenticating the caller exactly as the token endpoint does (token-request.ts, client-auth/), and
 * reading a presented token the IdP issued. An access token is trusted only after its signature
 * verifies against the IdP's own keys (iss pinned, any audience); a token that does not verify — a
 * forgery, another issuer's, an expired one, garbage — is "unknown" (docs/contract.md, Revocation and
 * introspection).
 */
import type { AccessTokenVerifierPort, BearerGrant } from '../bearer-authorization';
import { InvalidAccessTokenError } from '../bearer-authorization';
import { authenticateClient, requireAcceptedMethod } from '../client-auth/client-authentication';
import type { AuthenticatedClient } from '../client-auth/client-authentication';
import { MAX_CLIENT_ID_LENGTH } from '../client-auth/credentials-reader';
import type { ClientAuthMethod } from '../client-auth/methods';
import { DependencyUnavailableError, InvalidRequestError } from '../errors';
import type { HttpRequest } from '../http';
import type { ClientBundle } from '../model';
import type { Clock, SecretHasher, TokenPathReads } from '../ports';
import type { ClientRequest } from './token-request';
import { parseClientRequest, presentedClient } from './token-request';

/** Longest `token` parameter looked at; a longer one is no token this IdP issued (unknown). */
export const MAX_PRESENTED_TOKEN_LENGTH = 8192;

/** What authenticating a caller needs: the token endpoint's client read, hasher and clock. */
export interface CallerAuthDeps {
  store: Pick<TokenPathReads, 'loadClientBundle'>;
  hasher: SecretHasher;
  clock: Clock;
}

/** A parsed request whose client authenticated, with its `token` parameter. */
export interface AuthenticatedRequest {
  request: ClientRequest;
  caller: AuthenticatedClient;
  bundle: ClientBundle;
  /** The `token` parameter (RFC 7009 §2.1, RFC 7662 §2.1). */
  token: string;
}

/**
 * Parses the request, requires `token`, and authenticates the client with one store read.
 * `read.bundle` is set once the named client is read (for CORS), whether or not it authenticated.
 * @throws InvalidRequestError, InvalidClientError, DependencyUnavailableError
 */
export async function authenticateRequest(
  req: HttpRequest,
  accepted: readonly ClientAuthMethod[],
  deps: CallerAuthDeps,
  read: { bundle?: ClientBundle },
): Promise<AuthenticatedRequest> {
  const request = parseClientRequest(req);
  const presented = requireAcceptedMethod(presentedClient(request), accepted, request.usedAuthorizationHeader);
  const token = request.params.get('token');
  // RFC 7009 §2.1, RFC 7662 §2.1: `token` is REQUIRED.
  if (token === undefined) throw new InvalidRequestError('missing required parameter: token');
  // An over-long id names no client: answered like an unknown one, never sent to the store.
  const lookup = presented.clientId.length <= MAX_CLIENT_ID_LENGTH;
  const bundle = lookup ? await deps.store.loadClientBundle(presented.clientId) : undefined;
  read.bundle = bundle;
  const caller = authenticateClient(presented, bundle, deps.hasher, deps.clock.now(), request.usedAuthorizationHeader);
  // authenticateClient throws for a missing bundle, so it is defined here.
  return { request, caller, bundle: bundle!, token };
}

/** A JWS compact serialization's shape (RFC 7515 §7.1): three base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The verified claims of an unexpired access token this IdP signed, or `undefined` for anything else.
 * @throws DependencyUnavailableError when the keys could not be read (not the token's fault)
 */
export async function verifiedAccessToken(
  verifier: AccessTokenVerifierPort,
  token: string,
): Promise<BearerGrant | undefined> {
  if (token.length > MAX_PRESENTED_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return undefined;
  try {
    return await verifier.verify(token);
  } catch (err) {
    if (err instanceof InvalidAccessTokenError) return undefined;
    // AccessTokenVerifierPort: anything else means the token could not be checked (the JWKS).
    throw new DependencyUnavailableError('keys', err);
  }
}

/** A numeric claim, or `undefined`. */
export function numericClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string claim, or `undefined`. */
export function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}
