import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../domain/errors.ts';

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

// Gives back one attempt on success, without creating a key that has no expiry.
const GIVE_BACK = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0`;

/**
 * Counts login attempts per email and per client address in fixed windows; over the limit → 429.
 * An attempt is counted atomically before the password is checked, so a burst of concurrent
 * guesses cannot slip past the limit; a successful login clears the email's count and gives its
 * attempt back to the address, so only failures accumulate.
 */
export function createLoginThrottle({ redis, prefix, maxPerEmail, maxPerIp, windowSec }: {
  redis: Redis;
  prefix: string;
  maxPerEmail: number;
  maxPerIp: number;
  windowSec: number;
}) {
  const emailKey = (email: string) => `${prefix}:lf:e:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;
  const ipKey = (ip: string) => `${prefix}:lf:ip:${ip}`;

  return {
    /** Counts this attempt; throws RateLimitedError when it is over either limit. */
    async check(email: string, ip: string): Promise<void> {
      const ek = emailKey(email);
      const ik = ipKey(ip);
      const res = await redis.multi().incr(ek).expire(ek, windowSec, 'NX').incr(ik).expire(ik, windowSec, 'NX').ttl(ek).ttl(ik).exec();
      if (!res) throw new Error('login throttle transaction was discarded');
      for (const [err] of res) if (err) throw err;
      const [e, , i, , et, it] = res.map(([, v]) => Number(v));
      if (e! > maxPerEmail) throw new RateLimitedError(et! > 0 ? et! : windowSec);
      if (i! > maxPerIp) throw new RateLimitedError(it! > 0 ? it! : windowSec);
    },

    /** A successful login: the email starts afresh and the attempt is not held against the address. */
    async recordSuccess(email: string, ip: string): Promise<void> {
      await Promise.all([redis.del(emailKey(email)), redis.eval(GIVE_BACK, 1, ipKey(ip))]);
    },
  };
}
