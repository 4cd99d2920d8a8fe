/**
 * Errors of the OAuth core. Each OAuth error class maps to exactly one RFC 6749 §5.2 (or RFC 8707 §2)
 * error code; `description` is what reaches the caller, so it never carries internal detail.
 * Failures of dependencies (store, signer) are raised by adapters as {@link DependencyUnavailableError}
 * and answered as 503 `temporarily_unavailable`; anything else becomes a logged 500 `server_error`.
 */

/**
 * Error codes of RFC 6749 §5.2, RFC 8707 §2, the authorization endpoint's RFC 6749 §4.1.2.1 codes and
 * OIDC Core §3.1.2.6 (`login_required`, `consent_required`).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'temporarily_unavailable'
  | 'server_error'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'login_required'
  | 'consent_required';

/** Base class: an error answered to the client as `{error, error_description}`. */
export abstract class OAuthError extends Error {
  abstract readonly code: OAuthErrorCode;
  /** HTTP status of the error response. */
  readonly status: number = 400;

  constructor(readonly description: string) {
    super(description);
    this.name = new.target.name;
  }
}

/** RFC 6749 §5.2 `invalid_request`: malformed, repeated or missing parameters, wrong content type. */
export class InvalidRequestError extends OAuthError {
  readonly code = 'invalid_request';
}

/** Why client authentication failed; logged and counted, never sent to the caller. */
export type InvalidClientReason =
  | 'no_credentials'
  | 'unknown_client'
  | 'invalid_secret'
  | 'secret_expired'
  | 'auth_method_mismatch'
  | 'client_disabled'
  | 'unsupported_auth_scheme';

/**
 * RFC 6749 §5.2 `invalid_client`, 401. Unknown client, wrong secret, expired secret, wrong method and
 * disabled client all answer with the same description so a caller cannot tell them apart.
 */
export class InvalidClientError extends OAuthError {
  readonly code = 'invalid_client';
  override readonly status = 401;

  constructor(
    readonly reason: InvalidClientReason,
    /** True when the client tried the Authorization header; the response then carries WWW-Authenticate. */
    readonly viaAuthorizationHeader: boolean,
    description = INVALID_CLIENT_DESCRIPTION,
  ) {
    super(description);
  }
}

/** The one description every failed client authentication shares (RFC 6749 §5.2). */
export const INVALID_CLIENT_DESCRIPTION = 'client authentication failed';

/** Why a grant was refused, where it matters to operators (a metric dimension; a bounded set). */
export type InvalidGrantReason = 'refresh_token_reuse';

/** RFC 6749 §5.2 `invalid_grant`. */
export class InvalidGrantError extends OAuthError {
  readonly code = 'invalid_grant';

  constructor(
    description: string,
    /** Set for refusals that are security events (a consumed refresh token presented again). */
    readonly reason?: InvalidGrantReason,
  ) {
    super(description);
  }
}

/** RFC 6749 §5.2 `unauthorized_client`: the client is not registered for this grant type. */
export class UnauthorizedClientError extends OAuthError {
  readonly code = 'unauthorized_client';
}

/** RFC 6749 §5.2 `unsupported_grant_type`. */
export class UnsupportedGrantTypeError extends OAuthError {
  readonly code = 'unsupported_grant_type';
}

/** RFC 6749 §5.2 `invalid_scope`: malformed, unknown or not granted scope. */
export class InvalidScopeError extends OAuthError {
  readonly code = 'invalid_scope';
}

/** RFC 8707 §2 `invalid_target`: the requested resource (audience) is unknown or malformed. */
export class InvalidTargetError extends OAuthError {
  readonly code = 'invalid_target';
}

/** RFC 6749 §4.1.2.1 `unsupported_response_type`: the authorization endpoint serves `code` only. */
export class UnsupportedResponseTypeError extends OAuthError {
  readonly code = 'unsupported_response_type';
}

/** RFC 6749 §4.1.2.1 `access_denied`: the user (or their own grants) denied the request. */
export class AccessDeniedError extends OAuthError {
  readonly code = 'access_denied';
}

/** OIDC Core §3.1.2.6 `login_required`: `prompt=none` and no live sign-in session. */
export class LoginRequiredError extends OAuthError {
  readonly code = 'login_required';
}

/** OIDC Core §3.1.2.6 `consent_required`: `prompt=none` and the user has still to consent. */
export class ConsentRequiredError extends OAuthError {
  readonly code = 'consent_required';
}

/** 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1 code), sent with `Retry-After`. */
export class TemporarilyUnavailableError extends OAuthError {
  readonly code = 'temporarily_unavailable';
  override readonly status = 503;

  constructor(
    description = 'the service is temporarily unavailable, retry later',
    readonly retryAfterSeconds = 1,
  ) {
    super(description);
  }
}

/** 500 `server_error`; the cause is logged, never sent. */
export class ServerError extends OAuthError {
  readonly code = 'server_error';
  override readonly status = 500;

  constructor(description = 'internal server error') {
    super(description);
  }
}

/** Which dependency failed. */
export type Dependency = 'store' | 'signer' | 'pepper' | 'secret' | 'keys';

/**
 * Raised by adapters when a dependency call fails (throttled, 5xx, network, timeout). Adapters
 * translate SDK errors into this at their edge; the core never sees an SDK error.
 */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    override readonly cause?: unknown,
    /** Whether the failure was a throttle. */
    readonly throttled = false,
  ) {
    super(`${dependency} unavailable${throttled ? ' (throttled)' : ''}`);
    this.name = 'DependencyUnavailableError';
  }
}

/**
 * What a failed condition meant, where the store can tell (docs/data-model.md, Transactions):
 * - `changed`: the item exists already, its `version` moved on, or a concurrent transaction won;
 * - `client-gone`: the client the write needs no longer exists;
 * - `rule-gone`: the rule a replacement expected no longer exists;
 * - `in-use`: a rule was granted on the API a deletion expected to be unreferenced.
 */
export type ConflictReason = 'changed' | 'client-gone' | 'rule-gone' | 'in-use';

/** A conditional write lost: the item exists already, or its `version` moved on (optimistic locking). */
export class ConflictError extends Error {
  constructor(
    message: string,
    /** Which condition failed, where the store can tell; `changed` otherwise. */
    readonly reason: ConflictReason = 'changed',
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Error summary for logs: name and message, no stack of SDK internals, never request data. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
