/**
 * HTTP for the token client: one attempt with a time limit and no redirects, and a retry loop with
 * exponential backoff and full jitter that honours `Retry-After` (RFC 9110 §10.2.3) up to a bound.
 */
import type { TokenClientError } from './token-errors';
import { TokenNetworkError } from './token-errors';
import type { TokenClientLogger } from './token-types';

/** Retry policy for transient failures. */
export interface RetryOptions {
  /** Attempts in all, including the first; default 3. `1` disables retries. */
  attempts?: number;
  /** Backoff base, ms; attempt n (from 0) waits a random time in [0, min(max, base·2ⁿ)); default 200. */
  baseDelayMs?: number;
  /** Backoff cap, ms; default 2000. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` honoured, ms; default 5000. A server asking for a longer wait ends the
   * retries and its error is thrown (the caller decides whether to wait that long).
   */
  maxRetryAfterMs?: number;
}

const DEFAULT_RETRY: Required<RetryOptions> = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2000,
  maxRetryAfterMs: 5000,
};

/** A failed attempt, to be retried after `retryAfterMs` when `retryable`. */
export interface AttemptFailure {
  ok: false;
  error: TokenClientError;
  retryable: boolean;
  retryAfterMs?: number;
}

/** One attempt's outcome: a value, or a failure that may be retried. */
export type Attempt<T> = { ok: true; value: T } | AttemptFailure;

/**
 * RFC 9110 §10.2.3 `Retry-After`: delay-seconds or an HTTP-date; ms from `now`, or undefined.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** An error answer that may succeed when repeated (RFC 6749 §4.1.2.1 `temporarily_unavailable`). */
export function isTransient(status: number, error: string): boolean {
  return status >= 500 || status === 429 || error === 'temporarily_unavailable';
}

/** The body as a JSON object, or undefined. */
export async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = await response.json();
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link RetryingHttp} is built from. */
export interface RetryingHttpOptions {
  fetch: typeof fetch;
  /** Time limit of one attempt, ms. */
  timeoutMs: number;
  retry?: RetryOptions;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Randomness in [0, 1) for jitter. */
  random: () => number;
  logger: TokenClientLogger;
  /** Removes secrets from text that came from elsewhere (network error messages). */
  redact: (text: string) => string;
}

/** Sends requests and repeats transient failures. */
export class RetryingHttp {
  readonly #options: RetryingHttpOptions;
  readonly #retry: Required<RetryOptions>;

  constructor(options: RetryingHttpOptions) {
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#retry.attempts = Math.max(1, Math.floor(this.#retry.attempts));
  }

  /** One attempt: the response, whatever its status, or the network error (redacted). */
  async send(url: string, init: RequestInit): Promise<Response | TokenNetworkError> {
    try {
      return await this.#options.fetch(url, {
        ...init,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
      return new TokenNetworkError(`request to ${url} failed: ${this.#options.redact(reason)}`, err);
    }
  }

  /** The response's `Retry-After`, ms from now, or undefined. */
  retryAfterMs(response: Response): number | undefined {
    return parseRetryAfter(response.headers.get('retry-after'), this.#options.clock());
  }

  /**
   * Runs `attempt` (numbered from 1) until it succeeds, fails for good, the attempts are spent or the
   * server asks for a longer wait than allowed; throws the last failure's error.
   */
  async withRetries<T>(what: string, attempt: (n: number) => Promise<Attempt<T>>): Promise<T> {
    const { attempts, baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.#retry;
    for (let n = 0; ; n++) {
      const result = await attempt(n + 1);
      if (result.ok) return result.value;
      if (!result.retryable || n + 1 >= attempts) throw result.error;
      if (result.retryAfterMs !== undefined && result.retryAfterMs > maxRetryAfterMs) throw result.error;
      // Exponential backoff with full jitter; a Retry-After is the least we wait.
      const backoff = this.#options.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** n);
      const delay = Math.max(backoff, result.retryAfterMs ?? 0);
      this.#options.logger.warn?.(`${what} request failed; retrying`, {
        attempt: n + 1,
        delayMs: Math.round(delay),
        error: result.error.message,
      });
      await this.#options.sleep(delay);
    }
  }
}
