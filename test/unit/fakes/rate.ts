import type { RateLimiter } from '../../../src/domain/stores.ts';

/** A RateLimiter that never makes anyone wait and counts the sending slots taken. */
export function createCountingRateLimiter(): RateLimiter & { taken: number } {
  const r = {
    taken: 0,
    async take() {
      r.taken++;
    },
  };
  return r;
}
