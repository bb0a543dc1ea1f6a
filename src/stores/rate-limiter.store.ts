import type { Redis } from 'ioredis';
import type { RateLimiter } from '../domain/stores.ts';

// Reserves the next send slot on a shared schedule (GCRA): returns how long the caller must wait, in ms.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat - now + interval) + 1000)
return tostring(tat - now)
`;

/** A send rate shared by every worker process through Redis (MAIL_RATE_PER_SEC). */
export function createRateLimiter({ redis, prefix, perSecond }: { redis: Redis; prefix: string; perSecond: number }): RateLimiter | undefined {
  if (perSecond <= 0) return undefined;
  if (!('cnsReserve' in redis)) redis.defineCommand('cnsReserve', { numberOfKeys: 1, lua: RESERVE });
  const r = redis as Redis & { cnsReserve(key: string, interval: string): Promise<string> };
  const interval = String(1000 / perSecond);
  const key = `${prefix}:mail-rate`;
  return {
    async take() {
      const wait = Number(await r.cnsReserve(key, interval));
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}
