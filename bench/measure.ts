/**
 * In-process measurement loops: a fixed-duration run of an async call with N calls in flight
 * (throughput and latency percentiles), and a single-threaded rate loop for synchronous work.
 * Durations are wall-clock; on a shared machine compare rows of the same run, not runs of different days.
 */
import { performance } from 'node:perf_hooks';

export interface LoopResult {
  calls: number;
  /** Completed calls per second over the measured window. */
  perSecond: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p99: number;
  /** Microseconds of wall time per call at this concurrency (1e6 / perSecond). */
  usPerCall: number;
  /**
   * Microseconds of this process's CPU time (user + system, all its threads) per call: what a call
   * costs, independent of other processes competing for the cores.
   */
  cpuUsPerCall: number;
  failures: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Runs `call` with `concurrency` calls in flight for `durationMs` after `warmupMs`; `ok` tells a
 * good answer from a failure (failures are counted, not thrown).
 */
export async function concurrentLoop<T>(
  call: () => Promise<T>,
  options: {
    concurrency: number;
    durationMs: number;
    warmupMs: number;
    ok: (value: T) => boolean;
    /** Called between the warm-up and the measured window, when no call is in flight (reset counters here). */
    beforeWindow?: () => void;
  },
): Promise<LoopResult> {
  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    let failures = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const end = started + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        let good: boolean;
        try {
          good = options.ok(await call());
        } catch {
          good = false;
        }
        if (!good) failures += 1;
        if (record) latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { latencies, failures, elapsed, cpuUs: used.user + used.system };
  };
  await run(options.warmupMs, false);
  options.beforeWindow?.();
  const { latencies, failures, elapsed, cpuUs } = await run(options.durationMs, true);
  const sorted = Float64Array.from(latencies).sort();
  const perSecond = (latencies.length / elapsed) * 1000;
  return {
    calls: latencies.length,
    perSecond,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    usPerCall: 1e6 / perSecond,
    cpuUsPerCall: cpuUs / latencies.length,
    failures,
  };
}

/** Calls a synchronous `op` back to back for about `durationMs`; operations per second. */
export function rateLoop(
  op: () => void,
  durationMs: number,
): { ops: number; perSecond: number; usPerOp: number; cpuUsPerOp: number } {
  for (let i = 0; i < 50; i += 1) op(); // warm-up
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let now = started;
  const end = started + durationMs;
  while (now < end) {
    for (let i = 0; i < 20; i += 1) op();
    ops += 20;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  const perSecond = (ops / (now - started)) * 1000;
  return { ops, perSecond, usPerOp: 1e6 / perSecond, cpuUsPerOp: (used.user + used.system) / ops };
}
