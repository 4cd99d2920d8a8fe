/**
 * Parsing of token endpoint requests (RFC 6749 §3.2, §3.3; RFC 8707 §2): the body (form or JSON),
 * `grant_type`, `scope`, `audience`/`resource`, and the client's credentials through the shared
 * reader (client-auth/credentials-reader.ts, RFC 6749 §2.3). Strict by design: every malformed input
 * is answered with the matching RFC 6749 §5.2 error before any I/O happens.
 */
import { readClientCredentials } from '../client-auth/credentials-reader';
import type { ClientCredentials, PresentedClient, PublicClientId } from '../client-auth/credentials-reader';
import { InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../errors';
import type { HttpRequest } from '../http';
import { mediaType } from '../http';
import { parseJsonObject } from '../json';
import { HTTP_TOKEN, SCOPE_TOKEN, echo } from '../oauth-grammar';

/** Largest accepted request body, bytes. */
export const MAX_TOKEN_REQUEST_BYTES = 8192;

/** A syntactically valid token request. */
export interface TokenRequest {
  grantType: string;
  /** The secret the client authenticated with (Basic or body); absent when it sent none. */
  credentials?: ClientCredentials;
  /** A `client_id` sent alone (method `none`, RFC 6749 §3.2.1); absent whenever credentials are. */
  publicClient?: PublicClientId;
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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What the request presents to identify its client: its credentials, else a public client's id. */
export function presentedClient(request: ClientRequest): PresentedClient | undefined {
  return request.credentials ?? request.publicClient;
}

/**
 * Parses and validates a token endpoint HTTP request.
 * @throws InvalidRequestError, InvalidClientError (unsupported Authorization scheme), InvalidScopeError, InvalidTargetError
 */
export function parseTokenRequest(req: HttpRequest): TokenRequest {
  const { params, credentials, publicClient, usedAuthorizationHeader } = parseClientRequest(req);
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequestError('missing required parameter: grant_type');

  return {
    grantType,
    credentials,
    publicClient,
    usedAuthorizationHeader,
    scopes: parseScope(params.get('scope')),
    audience: readAudience(params),
    params,
  };
}

/** A client's authenticated POST to an OAuth endpoint: its parameters and what identifies the client. */
export type ClientRequest = Pick<TokenRequest, 'credentials' | 'publicClient' | 'usedAuthorizationHeader' | 'params'>;

/**
 * The part every endpoint that authenticates clients shares (token, RFC 7009 revocation, RFC 7662
 * introspection): parameters in the body only, bounded, form or JSON, each once, and the client's
 * credentials (RFC 6749 §2.3).
 * @throws InvalidRequestError, InvalidClientError (unsupported Authorization scheme)
 */
export function parseClientRequest(req: HttpRequest): ClientRequest {
  // RFC 6749 §2.3.1, §3.2: parameters travel in the body, never in the request URI.
  if (req.rawQuery !== '') {
    throw new InvalidRequestError('parameters must be sent in the request body, not in the URI');
  }
  if (req.body.byteLength > MAX_TOKEN_REQUEST_BYTES) {
    throw new InvalidRequestError(`request body exceeds ${MAX_TOKEN_REQUEST_BYTES} bytes`);
  }
  const params = parseBody(req);
  const usedAuthorizationHeader = req.headers['authorization'] !== undefined;
  const presented = readClientCredentials(req.headers['authorization'], params);
  return {
    credentials: presented?.method === 'none' ? undefined : presented,
    publicClient: presented?.method === 'none' ? presented : undefined,
    usedAuthorizationHeader,
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
  const parsed = parseJsonObject(text);
  if (!parsed.ok) {
    throw new InvalidRequestError(
      parsed.problem === 'invalid_json'
        ? 'request body is not valid JSON'
        : parsed.problem === 'too_deep'
          ? 'request body must be a flat JSON object of strings'
          : 'request body must be a JSON object',
    );
  }
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed.value)) {
    if (typeof value !== 'string') throw new InvalidRequestError(`${parameterName(name)} must be a string`);
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
  return new InvalidRequestError(`${parameterName(name)} is repeated`);
}

/** How an error names a parameter: by its name when that may be repeated (oauth-grammar.ts `echo`). */
function parameterName(name: string): string {
  const shown = echo(name, HTTP_TOKEN);
  return shown === undefined ? 'a parameter' : `parameter ${shown}`;
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
function readAudience(params: ReadonlyMap<string, string>): string | undefined {
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
