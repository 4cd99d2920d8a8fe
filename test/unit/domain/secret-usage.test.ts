/**
 * lastUsedAt tracking: at most one store write per secret per interval per instance, off the
 * response path, never for denied requests, and a failed write is retried by the next token.
 */
import type { SecretUsageRecorder } from '../../../lambdas/domain/secret-usage';
import { SecretUsageTracker } from '../../../lambdas/domain/secret-usage';
import type { TokenOutcome } from '../../../lambdas/domain/endpoints/token-endpoint';

const issued = (clientId: string, secretId: string): TokenOutcome => ({
  outcome: 'issued',
  clientId,
  audience: 'https://api.example.com',
  secretId,
  reused: false,
});

function setup(failFirst = false) {
  const touches: [string, string, string, number][] = [];
  const warnings: Record<string, unknown>[] = [];
  let fail = failFirst;
  const store: SecretUsageRecorder = {
    touchSecret: async (clientId, secretId, at, interval) => {
      touches.push([clientId, secretId, at, interval]);
      if (fail) {
        fail = false;
        throw new Error('store unavailable');
      }
      return true;
    },
  };
  let now = Date.parse('2026-11-23T10:00:00.000Z');
  const tracker = new SecretUsageTracker(
    store,
    { info: () => {}, warn: (_m, fields) => warnings.push(fields ?? {}), error: () => {} },
    () => now,
    300,
  );
  return { tracker, touches, warnings, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('SecretUsageTracker', () => {
  it('writes once per secret per interval, and again after it', async () => {
    const { tracker, touches, advance } = setup();
    await tracker.observe(issued('c1', 's1'));
    for (let i = 0; i < 100; i += 1) expect(tracker.observe(issued('c1', 's1'))).toBeUndefined();
    await tracker.observe(issued('c1', 's2'));
    advance(299);
    expect(tracker.observe(issued('c1', 's1'))).toBeUndefined();
    advance(1);
    await tracker.observe(issued('c1', 's1'));
    expect(touches).toEqual([
      ['c1', 's1', '2026-11-23T10:00:00.000Z', 300],
      ['c1', 's2', '2026-11-23T10:00:00.000Z', 300],
      ['c1', 's1', '2026-11-23T10:05:00.000Z', 300],
    ]);
  });

  it('ignores denied requests', () => {
    const { tracker, touches } = setup();
    expect(
      tracker.observe({ outcome: 'denied', error: 'invalid_client', reason: 'invalid_secret', clientId: 'c1' }),
    ).toBeUndefined();
    expect(touches).toEqual([]);
  });

  it('never throws; a failed write is logged without secrets and retried by the next token', async () => {
    const { tracker, touches, warnings } = setup(true);
    await expect(tracker.observe(issued('c1', 's1'))).resolves.toBeUndefined();
    expect(warnings).toEqual([{ clientId: 'c1', secretId: 's1', error: 'Error: store unavailable' }]);
    await tracker.observe(issued('c1', 's1'));
    expect(touches).toHaveLength(2);
  });
});
