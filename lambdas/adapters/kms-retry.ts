/**
 * Retries of KMS calls within a small time budget (README, "Scale ceilings"; docs/contract.md, Access
 * tokens): a throttle (`ThrottlingException`, KMS's answer past its request quota), a 5xx or a request
 * without an answer is retried with full-jitter exponential backoff — each delay drawn uniformly from
 * `[0, min(maxDelayMs, baseDelayMs · 2^retry))` — until it succeeds, `maxAttempts` is reached, or the
 * next delay would end past `budgetMs` after the first attempt. Then the last error is thrown, for the
 * adapter to translate (./aws-errors.ts: a `DependencyUnavailableError`, the token endpoint's 503 with
 * `Retry-After`). A refusal (AccessDenied, a disabled key) is thrown at once.
 *
 * The SDK client under it makes one attempt per call (`KMS_SIGNING_CLIENT_CONFIG`): the SDK's own
 * standard strategy waits at least 500 ms before retrying a throttle, which a token request cannot
 * afford, and the two would multiply.
 */
import { isThrottle, isTransient } from './aws-errors';

/** How many attempts, over how long, with what delays. */
export interface RetryBudget {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** No retry starts later than this after the first attempt began, milliseconds. */
  readonly budgetMs: number;
  /** Upper bound of the first delay, milliseconds; doubles per retry. */
  readonly baseDelayMs: number;
  /** Upper bound of any one delay, milliseconds. */
  readonly maxDelayMs: number;
}

/**
 * `kms:Sign` on the request path: 4 attempts within 250 ms (the delays add up to at most
 * 25 + 50 + 100 ms), so a request throttled throughout answers 503 in well under half a second.
 */
export const SIGN_RETRY_BUDGET: RetryBudget = { maxAttempts: 4, budgetMs: 250, baseDelayMs: 25, maxDelayMs: 100 };

/**
 * `kms:Decrypt` of the envelope key, once per cold start: 5 attempts within 1.5 s (Decrypt's quota is
 * far higher than Sign's, but a cold-start burst of a large fleet shares it).
 */
export const DECRYPT_RETRY_BUDGET: RetryBudget = { maxAttempts: 5, budgetMs: 1500, baseDelayMs: 50, maxDelayMs: 400 };

/** Options of every SDK KMS client under {@link withRetries}: one attempt per call (see the module comment). */
export const KMS_SIGNING_CLIENT_CONFIG = { maxAttempts: 1 } as const;

/** One attempt of a KMS call as it ended; reported to metrics (./token-metrics.ts). */
export interface KmsCallEvent {
  readonly operation: 'Sign' | 'Decrypt';
  /** `ok`, `throttled` (a throttle), `failed` (any other error). */
  readonly outcome: 'ok' | 'throttled' | 'failed';
}

/** Receives every attempt; must not throw (a throwing observer is ignored). */
export type KmsCallObserver = (event: KmsCallEvent) => void;

/** What {@link withRetries} needs besides the call; tests replace the clock, the sleep and the dice. */
export interface RetryOptions {
  readonly operation: KmsCallEvent['operation'];
  readonly budget: RetryBudget;
  readonly observe?: KmsCallObserver;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` until it succeeds or the budget ends (see the module comment).
 * @throws the last error of `call`
 */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { budget, operation } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? timerSleep;
  const now = options.now ?? Date.now;
  const report = (outcome: KmsCallEvent['outcome']) => {
    try {
      options.observe?.({ operation, outcome });
    } catch {
      // Metrics never change the answer.
    }
  };
  const started = now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await call();
      report('ok');
      return result;
    } catch (err) {
      report(isThrottle(err) ? 'throttled' : 'failed');
      if (!isTransient(err) || attempt >= budget.maxAttempts) throw err;
      const delay = Math.floor(random() * Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** (attempt - 1)));
      if (now() + delay - started > budget.budgetMs) throw err;
      await sleep(delay);
    }
  }
}
