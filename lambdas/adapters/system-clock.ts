import type { Clock } from '../domain/ports';

/** Wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
