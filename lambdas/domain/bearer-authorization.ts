/**
 * Bearer-token authorization of a request (RFC 6750): parse `Authorization: Bearer <token>`, look up
 * the scopes the route requires, decide allow / deny, and build the RFC 6750 §3 `WWW-Authenticate`
 * challenge. Pure: the signature and claim checks live behind {@link AccessTokenVerifierPort}
 * (lambdas/adapters/access-token-verifier.ts); the authorizer Lambda and the local server both call
 * this module, so API Gateway and `npm start` decide the same way.
 */
import { ADMIN_READ, ADMIN_WRITE } from './bootstrap';
import { parseJsonObject } from './json';
import type { ClientStatus } from './model';
import { SCOPE_TOKEN, restrictToErrorChars } from './oauth-grammar';

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
 * Required scopes per route, all-of: `{"GET": ["admin:read"], "*": ["admin:write"]}`. A key is an HTTP
 * method (`GET`), `*` (any method without its own entry), or either followed by a space and a resource
 * template as API Gateway names it (`POST /orders`, `GET /orders/{id}`, `* /admin/{proxy+}`); an entry
 * naming the request's resource wins over the method-only entries (see {@link requiredScopesFor}). An
 * empty list requires a valid token only.
 */
export type RouteScopes = Readonly<Record<string, readonly string[]>>;

/**
 * The admin API's route scopes (docs/contract.md, admin API): `admin:read` for reads, `admin:write` for every change.
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
// RFC 9110 §9.1: method = token (RFC 9110 §5.6.2 tchar)
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// An API Gateway resource template: `/`, or `/`-separated segments of RFC 3986 §3.3 pchar and `{param}` /
// `{proxy+}`. `*` and `?` are excluded: they are wildcards in execute-api ARNs.
const RESOURCE_TEMPLATE =
  /^\/(?:(?:[A-Za-z0-9\-._~!$&'()+,;=:@%]+|\{[A-Za-z0-9_.-]+\+?\})(?:\/(?:[A-Za-z0-9\-._~!$&'()+,;=:@%]+|\{[A-Za-z0-9_.-]+\+?\}))*)?$/;

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
 * The entry for method `m` (upper case) among the keys `<M><suffix>`: the method's own, for `HEAD` the
 * `GET` one (RFC 9110 §9.3.2: HEAD is GET without content), else `*`. `suffix` is `''` for the
 * method-only entries and `' <resource>'` for those naming a resource.
 */
function entryFor(routeScopes: RouteScopes, m: string, suffix: string): readonly string[] | undefined {
  const own = (key: string) => (Object.hasOwn(routeScopes, key) ? routeScopes[key] : undefined);
  return own(`${m}${suffix}`) ?? (m === 'HEAD' ? own(`GET${suffix}`) : undefined) ?? own(`*${suffix}`);
}

/**
 * The scopes a request needs: the entry naming its method and `resource` (the API Gateway resource
 * template, e.g. `/orders/{id}`) when there is one (`<M> <resource>`, for HEAD `GET <resource>`, else
 * `* <resource>`), else the method-only entry (`<M>`, for HEAD `GET`, else `*`); `undefined` when none
 * applies.
 */
export function requiredScopesFor(
  routeScopes: RouteScopes,
  method: string,
  resource?: string,
): readonly string[] | undefined {
  const m = method.toUpperCase();
  return (
    (resource === undefined ? undefined : entryFor(routeScopes, m, ` ${resource}`)) ?? entryFor(routeScopes, m, '')
  );
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
 * Parses and validates a route-scopes map (the `IDP_ROUTE_SCOPES` JSON): keys are an HTTP method or
 * `*` (upper-cased), optionally followed by one space and a resource template (`GET /orders/{id}`,
 * kept as written: paths are case-sensitive); values are arrays of RFC 6749 §3.3 scope tokens.
 * @throws Error naming the problem; the authorizer then fails closed.
 */
export function parseRouteScopes(json: string): RouteScopes {
  const parsed = parseJsonObject(json);
  if (!parsed.ok) {
    throw new Error(
      parsed.problem === 'invalid_json'
        ? 'route scopes must be JSON'
        : 'route scopes must be a JSON object of method → scopes',
    );
  }
  const result: Record<string, readonly string[]> = {};
  for (const [key, scopes] of Object.entries(parsed.value)) {
    const space = key.indexOf(' ');
    const method = (space < 0 ? key : key.slice(0, space)).toUpperCase();
    const resource = space < 0 ? undefined : key.slice(space + 1);
    if (method !== '*' && !METHOD_TOKEN.test(method)) throw new Error(`route scopes: ${key} is not an HTTP method`);
    if (resource !== undefined && !RESOURCE_TEMPLATE.test(resource)) {
      throw new Error(`route scopes: ${key} does not name a resource path`);
    }
    const normalized = resource === undefined ? method : `${method} ${resource}`;
    if (Object.hasOwn(result, normalized)) throw new Error(`route scopes: ${key} is given twice`);
    if (!Array.isArray(scopes) || !scopes.every((s): s is string => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
      throw new Error(`route scopes: ${key} must map to an array of scope tokens`);
    }
    result[normalized] = Object.freeze([...scopes]);
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
  return `"${restrictToErrorChars(value)}"`;
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

// --- Client and user status (read with the token status, below) ------------------------------------

/** A client's status as the authorizer sees it: `missing` when the client was deleted. */
export type ClientStatusAnswer = ClientStatus | 'missing';

/**
 * The token status (its client's status and the rest, {@link TokenStatusSource}) could not be read:
 * the request is refused (API Gateway 500, locally 503).
 */
export class ClientStatusUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('the client status could not be read');
    this.name = 'ClientStatusUnavailableError';
  }
}

/**
 * Description of the denial for a disabled or deleted client: the same for both, and nothing about
 * when or why, so the answer tells the caller no more than that its token no longer works.
 */
export const CLIENT_DISABLED_DESCRIPTION = 'client disabled';

// --- Which routes a token may call (for authorizers whose answer is cached per token) --------------

/** Whether a token's scopes satisfy one method's route entries. */
export interface MethodGrant {
  /** The HTTP method (upper case). */
  method: string;
  /** Whether the method-only entry (`<M>`, for HEAD `GET`, else `*`) exists and is satisfied. */
  allowed: boolean;
  /** Every resource entry that applies to the method (`<M> <resource>`, …), satisfied or not. */
  resources: { resource: string; allowed: boolean }[];
}

/**
 * For each of `methods` and every method the map names, which of its route entries the token's scopes
 * satisfy (all-of, as {@link requiredScopesFor} and {@link scopeDecision} decide per request). Methods
 * in the order given, then those the map adds; resources in the map's order. An authorizer whose
 * answer is cached for a token and reused for later requests (API Gateway's TOKEN authorizer) turns
 * this into the routes it allows.
 */
export function routeGrants(
  routeScopes: RouteScopes,
  tokenScopes: readonly string[],
  methods: readonly string[],
): MethodGrant[] {
  const held = new Set(tokenScopes);
  const holds = (required: readonly string[] | undefined) =>
    required !== undefined && required.every((s) => held.has(s));
  const allMethods = new Set(methods);
  const resources = new Set<string>();
  for (const key of Object.keys(routeScopes)) {
    const space = key.indexOf(' ');
    const method = space < 0 ? key : key.slice(0, space);
    if (method !== '*') allMethods.add(method);
    if (space >= 0) resources.add(key.slice(space + 1));
  }
  return [...allMethods].map((method) => ({
    method,
    allowed: holds(entryFor(routeScopes, method, '')),
    resources: [...resources].flatMap((resource) => {
      const required = entryFor(routeScopes, method, ` ${resource}`);
      return required === undefined ? [] : [{ resource, allowed: holds(required) }];
    }),
  }));
}

// --- Token status (revocation reaches the APIs) -----------------------------------------------------

/**
 * What the authorizer asks of the table for one verified token: is its `jti` denied, its `sid` denied
 * (a revoked refresh-token session), its client and — for a person's token — its user still enabled.
 */
export interface TokenStatusQuery {
  clientId: string;
  jti: string;
  /** The token's `sid`, when it has one. */
  sid?: string;
  /** The user a person's token is for (`sub` ≠ `client_id`); absent for a client-credentials token. */
  userId?: string;
}

/** The answer, one field per item read. */
export interface TokenStatus {
  client: ClientStatusAnswer;
  jtiDenied: boolean;
  sidDenied: boolean;
  /** Absent when the query named no user. */
  user?: ClientStatusAnswer;
}

/**
 * Where the authorizer reads a token's status: one read of up to four items per cache miss
 * (lambdas/adapters/token-status-source.ts); the staleness it allows is part of the revocation bound
 * documented there.
 */
export interface TokenStatusSource {
  /**
   * @throws ClientStatusUnavailableError when the status cannot be read and no recent enough answer is
   *   cached; the authorizer then refuses the request (fails closed)
   */
  status(query: TokenStatusQuery): Promise<TokenStatus>;
}

/** Description of a denial for a revoked token or session: nothing about when or why. */
export const TOKEN_REVOKED_DESCRIPTION = 'token revoked';
/** Description of a denial for a disabled or deleted user. */
export const USER_DISABLED_DESCRIPTION = 'user disabled';

/** What to ask about a verified grant. */
export function tokenStatusQuery(grant: BearerGrant): TokenStatusQuery {
  const sub = grant.claims['sub'];
  const sid = grant.claims['sid'];
  return {
    clientId: grant.clientId,
    jti: grant.jti,
    ...(typeof sid === 'string' && sid !== '' ? { sid } : {}),
    // RFC 9068 §2.2: `sub` is the client for client credentials, the user otherwise.
    ...(typeof sub === 'string' && sub !== '' && sub !== grant.clientId ? { userId: sub } : {}),
  };
}

/**
 * Decides on an allowed grant with its status: a denied `jti` or `sid`, a client or user that is not
 * `enabled` → 401 `invalid_token` (RFC 6750 §3.1: the token is no longer valid).
 */
export function tokenStatusDecision(grant: BearerGrant, status: TokenStatus): BearerDecision {
  const invalid = (description: string): BearerDecision => ({
    deny: { status: 401, error: 'invalid_token', description },
  });
  if (status.jtiDenied || status.sidDenied) return invalid(TOKEN_REVOKED_DESCRIPTION);
  if (status.client !== 'enabled') return invalid(CLIENT_DISABLED_DESCRIPTION);
  if (status.user !== undefined && status.user !== 'enabled') return invalid(USER_DISABLED_DESCRIPTION);
  return { allow: grant };
}
