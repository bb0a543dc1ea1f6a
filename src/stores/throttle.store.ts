import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../domain/errors.ts';
import type { LoginThrottle, OnSuccess, PasswordChangeThrottle, SignupThrottle, Throttle } from '../domain/stores.ts';

export interface ThrottleLimit {
  max: number;
  onSuccess: OnSuccess;
}

// Gives back one attempt on success, without creating a key that has no expiry.
const GIVE_BACK = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0`;

/**
 * Counts attempts per subject (an account, a client address…) in fixed windows; over any limit → 429.
 * An attempt is counted atomically before the work it guards, so a burst of concurrent attempts
 * cannot slip past the limit; what a success does to each count is the limit's `onSuccess`.
 */
export function createThrottle<S extends string>({ redis, prefix, name, windowSec, limits }: {
  redis: Redis;
  prefix: string;
  /** Distinguishes this throttle's keys from other throttles' (short: it is in every key). */
  name: string;
  windowSec: number;
  limits: Record<S, ThrottleLimit>;
}): Throttle<S> {
  const scopes = Object.keys(limits) as S[];
  // Hashed: subjects (emails, addresses) are not stored in Redis as such, and keys stay short.
  const key = (scope: S, subject: string) =>
    `${prefix}:${name}:${scope}:${createHash('sha256').update(subject).digest('hex').slice(0, 32)}`;

  return {
    async check(subjects) {
      const keys = scopes.map((s) => key(s, subjects[s]));
      const tx = redis.multi();
      for (const k of keys) tx.incr(k).expire(k, windowSec, 'NX').ttl(k);
      const res = await tx.exec();
      if (!res) throw new Error(`${name} throttle transaction was discarded`);
      for (const [err] of res) if (err) throw err;
      scopes.forEach((scope, i) => {
        const count = Number(res[3 * i]![1]);
        const ttl = Number(res[3 * i + 2]![1]);
        if (count > limits[scope].max) throw new RateLimitedError(ttl > 0 ? ttl : windowSec);
      });
    },

    async recordSuccess(subjects) {
      await Promise.all(
        scopes.map((s) => {
          const k = key(s, subjects[s]);
          if (limits[s].onSuccess === 'clear') return redis.del(k);
          if (limits[s].onSuccess === 'give-back') return redis.eval(GIVE_BACK, 1, k);
          return undefined;
        }),
      );
    },
  };
}

/** Login: failures per account (its stored email) and per client address. */
export const createLoginThrottle = (o: { redis: Redis; prefix: string; maxPerEmail: number; maxPerIp: number; windowSec: number }): LoginThrottle =>
  createThrottle({
    ...o,
    name: 'lf',
    limits: { email: { max: o.maxPerEmail, onSuccess: 'clear' }, ip: { max: o.maxPerIp, onSuccess: 'give-back' } },
  });

/** Password changes: failed checks of the current password per user and per client address. */
export const createPasswordChangeThrottle = (o: {
  redis: Redis;
  prefix: string;
  maxPerUser: number;
  maxPerIp: number;
  windowSec: number;
}): PasswordChangeThrottle =>
  createThrottle({
    ...o,
    name: 'pf',
    limits: { user: { max: o.maxPerUser, onSuccess: 'clear' }, ip: { max: o.maxPerIp, onSuccess: 'give-back' } },
  });

/** Signups per client address: every signup counts, successful or not. */
export const createSignupThrottle = (o: { redis: Redis; prefix: string; maxPerIp: number; windowSec: number }): SignupThrottle =>
  createThrottle({ ...o, name: 'su', limits: { ip: { max: o.maxPerIp, onSuccess: 'keep' } } });
