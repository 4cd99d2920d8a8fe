/**
 * The retry budget of KMS calls (lambdas/adapters/kms-retry.ts): full-jitter exponential delays, at most
 * `maxAttempts`, no retry that would start past `budgetMs`, refusals not retried, every attempt reported.
 */
import { SIGN_RETRY_BUDGET, withRetries } from '../../../lambdas/adapters/kms-retry';
import type { KmsCallEvent } from '../../../lambdas/adapters/kms-retry';

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const refusal = () =>
  Object.assign(new Error('not authorized'), {
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

function harness(failures: (() => Error)[], random = () => 0.999) {
  let clock = 0;
  const delays: number[] = [];
  const events: KmsCallEvent[] = [];
  let calls = 0;
  const run = (budget = SIGN_RETRY_BUDGET) =>
    withRetries(
      () => {
        calls += 1;
        const failure = failures.shift();
        return failure === undefined ? Promise.resolve('signature') : Promise.reject(failure());
      },
      {
        operation: 'Sign',
        budget,
        observe: (event) => events.push(event),
        random,
        now: () => clock,
        sleep: (ms) => {
          delays.push(ms);
          clock += ms;
          return Promise.resolve();
        },
      },
    );
  return { run, delays, events, calls: () => calls };
}

describe('withRetries', () => {
  it('retries throttles with delays below min(maxDelay, base · 2^retry), and returns the first success', async () => {
    const h = harness([throttle, throttle, throttle]);
    await expect(h.run()).resolves.toBe('signature');
    expect(h.delays).toEqual([24, 49, 99]);
    expect(h.calls()).toBe(4);
    expect(h.events.map((e) => e.outcome)).toEqual(['throttled', 'throttled', 'throttled', 'ok']);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const h = harness([throttle, throttle, throttle, throttle, throttle]);
    await expect(h.run()).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(h.calls()).toBe(4);
  });

  it('gives up when the next delay would end past the budget', async () => {
    const h = harness(Array.from({ length: 10 }, () => throttle));
    await expect(h.run({ maxAttempts: 10, budgetMs: 100, baseDelayMs: 40, maxDelayMs: 1000 })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    // 39, then 79 would end at 118 > 100: two attempts.
    expect(h.delays).toEqual([39]);
    expect(h.calls()).toBe(2);
  });

  it('never retries a refusal', async () => {
    const h = harness([refusal]);
    await expect(h.run()).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(h.calls()).toBe(1);
    expect(h.events).toEqual([{ operation: 'Sign', outcome: 'failed' }]);
  });

  it('jitter: a random of 0 retries at once', async () => {
    const h = harness([throttle, throttle], () => 0);
    await expect(h.run()).resolves.toBe('signature');
    expect(h.delays).toEqual([0, 0]);
  });
});
