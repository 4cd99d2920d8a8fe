/**
 * Reading the client credentials of a request (RFC 6749 §2.3), for every endpoint that authenticates
 * clients (token now; revocation and introspection next): `client_secret_basic` (RFC 7617 Basic with
 * the RFC 6749 §2.3.1 form-encoding), `client_secret_post` (RFC 6749 §2.3.1 body parameters) and
 * `none` (`client_id` alone: a public client, RFC 6749 §2.1). Only the syntax is checked here; whether
 * the credentials are right is client-authentication.ts.
 */
import { InvalidClientError, InvalidRequestError } from '../errors';
import type { SecretAuthMethod } from './methods';

/** Credentials that carry a secret (RFC 6749 §2.3.1). */
export interface ClientCredentials {
  method: SecretAuthMethod;
  clientId: string;
  clientSecret: string;
}

/** A public client (RFC 6749 §2.1) that sent its `client_id` and nothing else: method `none`. */
export interface PublicClientId {
  method: 'none';
  clientId: string;
}

/** What a request presents to identify its client. */
export type PresentedClient = ClientCredentials | PublicClientId;

/** Longest client id looked up: longer ones name no client (and would exceed DynamoDB's key size). */
export const MAX_CLIENT_ID_LENGTH = 256;
// RFC 6749 Appendix A.1/A.2: client_id and client_secret are *VSCHAR (%x20-7E).
const VSCHARS = /^[\x20-\x7E]*$/;
// RFC 7617 §2 / RFC 7235 token68, restricted to base64 as Basic uses it.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the client's credentials from the Authorization header and the body parameters (parameters
 * sent without a value already removed, RFC 6749 §3.2). RFC 6749 §2.3: exactly one method per request.
 * `undefined` when the request names no client at all.
 * @throws InvalidRequestError (malformed or several methods), InvalidClientError (an Authorization scheme other than Basic)
 */
export function readClientCredentials(
  authorization: string | undefined,
  params: ReadonlyMap<string, string>,
): PresentedClient | undefined {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  for (const [name, value] of [
    ['client_id', bodyId],
    ['client_secret', bodySecret],
  ] as const) {
    if (value !== undefined && !VSCHARS.test(value)) {
      throw new InvalidRequestError(`parameter ${name} has characters outside %x20-7E`);
    }
  }

  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    if (bodySecret !== undefined) {
      throw new InvalidRequestError('more than one client authentication method used');
    }
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new InvalidRequestError('client_id in the body does not match the Authorization header');
    }
    return { method: 'client_secret_basic', ...basic };
  }
  if (bodySecret !== undefined) {
    if (bodyId === undefined) throw new InvalidRequestError('missing required parameter: client_id');
    return { method: 'client_secret_post', clientId: bodyId, clientSecret: bodySecret };
  }
  // RFC 6749 §3.2.1: a public client identifies itself with client_id alone.
  if (bodyId !== undefined) return { method: 'none', clientId: bodyId };
  return undefined;
}

/**
 * RFC 7617 Basic credentials whose user-id and password are the client id and secret encoded with
 * application/x-www-form-urlencoded (RFC 6749 §2.3.1).
 */
function parseBasic(header: string): { clientId: string; clientSecret: string } {
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/.exec(header.trim());
  if (match === null) throw new InvalidRequestError('malformed Authorization header');
  if (match[1]!.toLowerCase() !== 'basic') {
    throw new InvalidClientError('unsupported_auth_scheme', true, 'unsupported client authentication scheme');
  }
  const token = (match[2] ?? '').trim();
  if (token === '' || !BASE64.test(token)) throw malformedBasic();
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(token, 'base64'));
  } catch {
    throw malformedBasic();
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw malformedBasic();
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  if (clientId === '' || clientSecret === '' || !VSCHARS.test(clientId) || !VSCHARS.test(clientSecret)) {
    throw malformedBasic();
  }
  return { clientId, clientSecret };
}

function malformedBasic(): InvalidRequestError {
  return new InvalidRequestError('malformed Basic credentials');
}

/** application/x-www-form-urlencoded decoding of one value (WHATWG URL §5.1): `+` is a space. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw malformedBasic();
  }
}
