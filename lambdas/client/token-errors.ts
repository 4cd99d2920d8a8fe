/**
 * The token client's errors. None of them ever carries the client secret: text that came from
 * elsewhere is redacted before it is put in a message.
 */

/** Base class of the client's errors. */
export class TokenClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenClientError';
  }
}

/**
 * The token endpoint answered with an error (RFC 6749 §5.2), or with a status and body that are not a
 * token response. 4xx OAuth errors are thrown at once; 5xx, 429 and `temporarily_unavailable` after
 * the retries are spent.
 */
export class TokenEndpointError extends TokenClientError {
  /** RFC 6749 §5.2 `error`, e.g. `invalid_client`; `invalid_response` when the body carried none. */
  readonly error: string;
  readonly error_description: string | undefined;
  /** HTTP status. */
  readonly status: number;
  /** `Retry-After` of the last answer, seconds, when it had one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(fields: { error: string; errorDescription?: string; status: number; retryAfterSeconds?: number }) {
    super(
      `token endpoint error ${fields.status} ${fields.error}` +
        (fields.errorDescription === undefined ? '' : `: ${fields.errorDescription}`),
    );
    this.name = 'TokenEndpointError';
    this.error = fields.error;
    this.error_description = fields.errorDescription;
    this.status = fields.status;
    this.retryAfterSeconds = fields.retryAfterSeconds;
  }
}

/** The endpoint could not be reached (network error or time-out) within the retries. */
export class TokenNetworkError extends TokenClientError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TokenNetworkError';
  }
}
