/**
 * Parsing of token endpoint requests (RFC 6749 §3.2, §2.3, §4.4.2; RFC 8707 §2). Strict by design:
 * every malformed input is answered with the matching RFC 6749 §5.2 error before any I/O happens.
 */
import { InvalidClientError, InvalidRequestError, InvalidScopeError, InvalidTargetError } from './errors';
import type { HttpRequest } from './http';
import { mediaType } from './http';
import type { TokenEndpointAuthMethod } from './model';
import { SCOPE_TOKEN } from './oauth-grammar';

/** Largest accepted request body, bytes. */
export const MAX_TOKEN_REQUEST_BYTES = 8192;

/** Credentials presented by the client (RFC 6749 §2.3.1). */
export interface ClientCredentials {
  method: TokenEndpointAuthMethod;
  clientId: string;
  clientSecret: string;
}

/** A syntactically valid token request. */
export interface TokenRequest {
  grantType: string;
  /** Absent when the client sent no credentials at all. */
  credentials?: ClientCredentials;
  /** True when an Authorization header was sent (the 401 then carries WWW-Authenticate). */
  usedAuthorizationHeader: boolean;
  /** Requested scope tokens in request order, de-duplicated; undefined when `scope` was omitted. */
  scopes?: string[];
  /** Requested API identifier (`audience`, or RFC 8707 `resource`). */
  audience?: string;
  /** Every parameter, for grants that read more. */
  params: ReadonlyMap<string, string>;
}

/** Longest API identifier the admin API registers (and DynamoDB's key limit is far above it). */
export const MAX_API_IDENTIFIER_LENGTH = 256;
/** Longest client id looked up: longer ones name no client (and would exceed DynamoDB's key size). */
export const MAX_CLIENT_ID_LENGTH = 256;
// RFC 6749 Appendix A.1/A.2: client_id and client_secret are *VSCHAR (%x20-7E).
const VSCHARS = /^[\x20-\x7E]*$/;
// RFC 7617 §2 / RFC 7235 token68, restricted to base64 as Basic uses it.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses and validates a token endpoint HTTP request.
 * @throws InvalidRequestError, InvalidClientError (unsupported Authorization scheme), InvalidScopeError, InvalidTargetError
 */
export function parseTokenRequest(req: HttpRequest): TokenRequest {
  // RFC 6749 §2.3.1, §3.2: parameters travel in the body, never in the request URI.
  if (req.rawQuery !== '') {
    throw new InvalidRequestError('parameters must be sent in the request body, not in the URI');
  }
  if (req.body.byteLength > MAX_TOKEN_REQUEST_BYTES) {
    throw new InvalidRequestError(`request body exceeds ${MAX_TOKEN_REQUEST_BYTES} bytes`);
  }
  const params = parseBody(req);
  const usedAuthorizationHeader = req.headers['authorization'] !== undefined;
  const credentials = readCredentials(req.headers['authorization'], params);

  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequestError('missing required parameter: grant_type');

  return {
    grantType,
    credentials,
    usedAuthorizationHeader,
    scopes: parseScope(params.get('scope')),
    audience: readAudience(params),
    params,
  };
}

function parseBody(req: HttpRequest): Map<string, string> {
  const type = mediaType(req.headers['content-type']);
  if (type === undefined || (type.type !== 'application/x-www-form-urlencoded' && type.type !== 'application/json')) {
    throw new InvalidRequestError('content type must be application/x-www-form-urlencoded or application/json');
  }
  if (type.charset !== undefined && type.charset !== 'utf-8') {
    throw new InvalidRequestError('request body must be UTF-8 encoded');
  }
  let text: string;
  try {
    text = utf8.decode(req.body);
  } catch {
    throw new InvalidRequestError('request body must be UTF-8 encoded');
  }
  const params = type.type === 'application/json' ? parseJson(text) : parseForm(text);
  // RFC 6749 §3.2: parameters sent without a value are treated as omitted.
  for (const [name, value] of params) if (value === '') params.delete(name);
  return params;
}

function parseForm(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (params.has(name)) throw repeated(name);
    params.set(name, value);
  }
  return params;
}

/** The JSON body Auth0-style clients send: one flat object whose values are strings. */
function parseJson(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError('request body must be a JSON object');
  }
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new InvalidRequestError(`parameter ${name} must be a string`);
    params.set(name, value);
  }
  rejectDuplicateNames(text);
  return params;
}

/**
 * RFC 6749 §3.2 for JSON bodies: JSON.parse keeps the last of duplicate names, so look for them in the
 * text. Every string literal is matched whole, left to right; those followed by `:` are names.
 */
function rejectDuplicateNames(text: string): void {
  const seen = new Set<string>();
  for (const match of text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)) {
    if (match[1] === undefined) continue;
    const name = JSON.parse(match[0].slice(0, match[0].length - match[1].length)) as string;
    if (seen.has(name)) throw repeated(name);
    seen.add(name);
  }
}

function repeated(name: string): Error {
  // RFC 8707 §2: several resources may be asked for, but a token here has one audience.
  if (name === 'resource') return new InvalidTargetError('only one resource may be requested per token');
  // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
  return new InvalidRequestError(`parameter ${name} is repeated`);
}

/** RFC 6749 §2.3: exactly one client authentication method per request. */
function readCredentials(
  authorization: string | undefined,
  params: Map<string, string>,
): ClientCredentials | undefined {
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

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ). */
function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const tokens = scope.split(' ');
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new InvalidScopeError('scope is malformed (RFC 6749 section 3.3)');
  }
  return [...new Set(tokens)];
}

/** `audience` (Auth0 style) or `resource` (RFC 8707); when both are given they must agree. */
function readAudience(params: Map<string, string>): string | undefined {
  const audience = params.get('audience');
  const resource = params.get('resource');
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    if (!isApiIdentifier(resource)) {
      throw new InvalidTargetError('resource must be an absolute URI without a fragment');
    }
    if (audience !== undefined && audience !== resource) {
      throw new InvalidRequestError('audience and resource name different APIs');
    }
    return resource;
  }
  // API identifiers are registered as absolute URIs (admin API): anything else names no API.
  if (audience !== undefined && !isApiIdentifier(audience)) throw new InvalidTargetError('unknown audience');
  return audience;
}

/** An API identifier as the admin API registers them: an absolute URI, no fragment, bounded length. */
function isApiIdentifier(value: string): boolean {
  return value.length <= MAX_API_IDENTIFIER_LENGTH && isAbsoluteUriWithoutFragment(value);
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  if (value.includes('#') || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
