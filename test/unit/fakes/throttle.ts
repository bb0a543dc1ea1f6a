import { RateLimitedError } from '../../../src/domain/errors.ts';
import type { OnSuccess, Throttle } from '../../../src/domain/stores.ts';
import type { Clock } from '../../../src/domain/types.ts';

/**
 * A Throttle in memory with the Redis one's rules: each attempt counts before the work, in fixed
 * windows that start at a subject's first attempt (by `clock`); past `max` → RateLimitedError with
 * the window's remaining seconds.
 */
export function createFakeThrottle<S extends string>(clock: Clock, windowSec: number, limits: Record<S, { max: number; onSuccess: OnSuccess }>) {
  const counts = new Map<string, { n: number; until: number }>();
  const scopes = Object.keys(limits) as S[];
  const key = (scope: S, subject: string) => `${scope}:${subject}`;
  const live = (k: string) => {
    const c = counts.get(k);
    return c && c.until > clock.now().getTime() ? c : undefined;
  };
  const throttle: Throttle<S> & { count(scope: S, subject: string): number } = {
    async check(subjects) {
      const now = clock.now().getTime();
      for (const scope of scopes) {
        const k = key(scope, subjects[scope]);
        const c = live(k) ?? { n: 0, until: now + windowSec * 1000 };
        c.n++;
        counts.set(k, c);
      }
      for (const scope of scopes) {
        const c = live(key(scope, subjects[scope]))!;
        if (c.n > limits[scope].max) throw new RateLimitedError((c.until - now) / 1000);
      }
    },
    async recordSuccess(subjects) {
      for (const scope of scopes) {
        const k = key(scope, subjects[scope]);
        const c = live(k);
        if (!c) continue;
        if (limits[scope].onSuccess === 'clear') counts.delete(k);
        else if (limits[scope].onSuccess === 'give-back') c.n = Math.max(0, c.n - 1);
      }
    },
    count: (scope, subject) => live(key(scope, subject))?.n ?? 0,
  };
  return throttle;
}
