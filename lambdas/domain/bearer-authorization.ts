/**
 * Bearer-token authorization of a request (RFC 6750): parse `Authorization: Bearer <token>`, look up
 * the scopes the route requires, decide allow / deny, and build the RFC 6750 §3 `WWW-Authenticate`
 * challenge. Pure: the signature and claim checks live behind {@link AccessTokenVerifierPort}
 * (lambdas/adapters/access-token-verifier.ts); the authorizer Lambda and the local server both call
 * this module, so API Gateway and `npm start` decide the same way.
 */
import { ADMIN_READ, ADMIN_WRITE } from './bootstrap';

/** RFC 6750 §3.1 error codes. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** What a verified access token tells the protected API. */
export interface BearerGrant {
  /** `client_id` claim (RFC 9068 §2.2). */
  clientId: string;
  /** `jti` claim, for the audit trail. */
  jti: string;
  /** The token's scopes, in token order. */
  scope: string[];
  /** The verified payload. */
  claims: Readonly<Record<string, unknown>>;
}

/**
 * A refusal. `error` is absent when the request carried no Bearer credentials at all: RFC 6750 §3.1
 * says the challenge then SHOULD NOT carry an error code. `status` is 401 or 403 only: an API Gateway
 * Lambda authorizer cannot answer anything else, and the local server mirrors it, so a malformed
 * `Authorization` header is 401 `invalid_request` rather than RFC 6750 §3.1's suggested 400.
 */
export interface BearerDenial {
  status: 401 | 403;
  error?: BearerErrorCode;
  /** Human-readable, fixed text (never echoes token content); safe for a quoted header value. */
  description: string;
  /** For `insufficient_scope`: the scopes the route requires (RFC 6750 §3 `scope` attribute). */
  scope?: string[];
}

/** The outcome of authorizing one request. */
export type BearerDecision = { allow: BearerGrant } | { deny: BearerDenial };

/**
 * A token that failed verification (signature, header, claims). `description` reaches the caller in
 * `error_description`, so adapters put only fixed text in it, never token content.
 */
export class InvalidAccessTokenError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'InvalidAccessTokenError';
  }
}

/** Verifies an access token's signature and claims (aws-jwt-verify in the adapter). */
export interface AccessTokenVerifierPort {
  /**
   * @throws InvalidAccessTokenError when the token must be rejected (answered 401 `invalid_token`)
   * @throws any other error when verification could not be carried out (e.g. JWKS unreachable)
   */
  verify(token: string): Promise<BearerGrant>;
}

/**
 * Required scopes per HTTP method, all-of: `{"GET": ["admin:read"], "*": ["admin:write"]}`. `*` is
 * the fallback for methods without their own entry; an empty list requires a valid token only.
 */
export type RouteScopes = Readonly<Record<string, readonly string[]>>;

/**
 * The admin API's route scopes (DESIGN.md): `admin:read` for reads, `admin:write` for every change.
 * The authorizer's `IDP_ROUTE_SCOPES` is `JSON.stringify(ADMIN_ROUTE_SCOPES)` for the admin API.
 */
export const ADMIN_ROUTE_SCOPES: RouteScopes = Object.freeze({
  GET: Object.freeze([ADMIN_READ]),
  '*': Object.freeze([ADMIN_WRITE]),
});

/**
 * Longest token accepted: API Gateway HTTP APIs cap the request line plus all headers at 10,240
 * bytes, so a longer token could never arrive on AWS; locally it is cut off before any parsing.
 */
export const MAX_BEARER_TOKEN_LENGTH = 10240;

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
// RFC 9110 §9.1: method = token (RFC 9110 §5.6.2 tchar)
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The outcome of parsing the Authorization header: a token, or a denial. */
export type ParsedAuthorization = { token: string } | { deny: BearerDenial };

/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`. The scheme is case-insensitive (RFC 9110
 * §11.1). No header, an empty one, or another scheme (e.g. `Basic`) is "no authentication
 * information" (401 without an error code, RFC 6750 §3.1); a Bearer header that does not carry exactly
 * one b64token is `invalid_request`.
 */
export function parseBearerAuthorization(header: string | undefined): ParsedAuthorization {
  // RFC 9110 §5.5: leading and trailing whitespace is not part of a field value.
  const value = (header ?? '').replace(/^[ \t]+|[ \t]+$/g, '');
  if (value === '') return { deny: { status: 401, description: 'a Bearer access token is required' } };
  const match = /^([^ \t]+)(?:[ \t]+([\s\S]*))?$/.exec(value);
  const scheme = match?.[1] ?? '';
  if (scheme.toLowerCase() !== 'bearer') {
    return { deny: { status: 401, description: 'a Bearer access token is required' } };
  }
  const credentials = match?.[2] ?? '';
  if (credentials === '') return malformed('the Bearer access token is missing');
  if (credentials.length > MAX_BEARER_TOKEN_LENGTH) {
    return { deny: { status: 401, error: 'invalid_token', description: 'the access token is too long' } };
  }
  if (/[ \t,]/.test(credentials)) return malformed('exactly one Bearer access token is allowed');
  if (!B64TOKEN.test(credentials)) return malformed('the Bearer access token is not a valid b64token');
  return { token: credentials };
}

function malformed(description: string): { deny: BearerDenial } {
  return { deny: { status: 401, error: 'invalid_request', description } };
}

/**
 * The scopes a request with this HTTP method needs: the method's own entry, for `HEAD` the `GET`
 * entry (RFC 9110 §9.3.2: HEAD is GET without content), else `*`; `undefined` when none applies.
 */
export function requiredScopesFor(routeScopes: RouteScopes, method: string): readonly string[] | undefined {
  const m = method.toUpperCase();
  if (Object.hasOwn(routeScopes, m)) return routeScopes[m];
  if (m === 'HEAD' && Object.hasOwn(routeScopes, 'GET')) return routeScopes['GET'];
  return Object.hasOwn(routeScopes, '*') ? routeScopes['*'] : undefined;
}

/** Splits a `scope` claim (RFC 6749 §3.3, space-delimited) into its tokens. */
export function scopeTokens(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}

/**
 * Decides on a verified token: allow only when it holds every required scope (all-of; aws-jwt-verify's
 * own `scope` option is any-of and is not used), else 403 `insufficient_scope` naming the required
 * scopes (RFC 6750 §3.1). A method with no configured scopes is refused.
 */
export function scopeDecision(grant: BearerGrant, required: readonly string[] | undefined): BearerDecision {
  if (required === undefined) {
    return { deny: { status: 403, error: 'insufficient_scope', description: 'no scope grants this method' } };
  }
  const held = new Set(grant.scope);
  const missing = required.filter((s) => !held.has(s));
  if (missing.length > 0) {
    return {
      deny: {
        status: 403,
        error: 'insufficient_scope',
        description: `the access token lacks the required scope: ${missing.join(' ')}`,
        scope: [...required],
      },
    };
  }
  return { allow: grant };
}

/**
 * Parses and validates a route-scopes map (the `IDP_ROUTE_SCOPES` JSON): keys are HTTP methods or
 * `*` (upper-cased), values arrays of RFC 6749 §3.3 scope tokens.
 * @throws Error naming the problem; the authorizer then fails closed.
 */
export function parseRouteScopes(json: string): RouteScopes {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('route scopes must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('route scopes must be a JSON object of method → scopes');
  }
  const result: Record<string, readonly string[]> = {};
  for (const [key, scopes] of Object.entries(value)) {
    const method = key.toUpperCase();
    if (method !== '*' && !METHOD_TOKEN.test(method)) throw new Error(`route scopes: ${key} is not an HTTP method`);
    if (Object.hasOwn(result, method)) throw new Error(`route scopes: ${key} is given twice`);
    if (!Array.isArray(scopes) || !scopes.every((s): s is string => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
      throw new Error(`route scopes: ${key} must map to an array of scope tokens`);
    }
    result[method] = Object.freeze([...scopes]);
  }
  return Object.freeze(result);
}

// RFC 9110 §5.6.4 quoted-string, as RFC 9110 §11.2 auth-params use it: `"` and `\` become quoted-pairs;
// controls (other than HTAB) and non-ASCII cannot be sent safely and become `?`.
function quotedString(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if ((code < 0x20 && code !== 0x09) || code > 0x7e) out += '?';
    else out += ch;
  }
  return `"${out}"`;
}

// RFC 6750 §3: error and error_description values are limited to %x20-21 / %x23-5B / %x5D-7E.
function restrictedValue(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?')}"`;
}

/**
 * RFC 6750 §3 challenge: `Bearer realm="<issuer>"`, plus `error`, `error_description` and, for
 * `insufficient_scope`, `scope` — all quoted. Without an error code (no credentials were sent) only
 * the realm is given (RFC 6750 §3.1).
 */
export function bearerChallenge(realm: string, denial: BearerDenial): string {
  const params = [`realm=${quotedString(realm)}`];
  if (denial.error !== undefined) {
    params.push(`error=${restrictedValue(denial.error)}`);
    params.push(`error_description=${restrictedValue(denial.description)}`);
    if (denial.scope !== undefined && denial.scope.length > 0) {
      // RFC 6750 §3: scope is a space-delimited list of RFC 6749 §3.3 scope tokens.
      params.push(`scope=${restrictedValue(denial.scope.filter((s) => SCOPE_TOKEN.test(s)).join(' '))}`);
    }
  }
  return `Bearer ${params.join(', ')}`;
}
