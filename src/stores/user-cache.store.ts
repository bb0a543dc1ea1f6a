import type { Redis } from 'ioredis';
import type { UserCache } from '../domain/stores.ts';
import type { UserProfile } from '../domain/types.ts';

/** Marks a deleted user, so that a reader that loaded the row just before the delete cannot cache it again. */
const GONE = '-';

/**
 * User profiles (never password hashes) in Redis, shared by every process. Readers fill a missing
 * entry only if it is still missing (SET NX); writers overwrite it after their change commits, so a
 * reader that loaded the row before the change cannot put the old row back. Entries expire after
 * `ttlSec`, which bounds staleness should a writer's overwrite itself fail.
 */
export function createUserCache({ redis, prefix, ttlSec }: { redis: Redis; prefix: string; ttlSec: number }): UserCache {
  const key = (id: number) => `${prefix}:user:${id}`;
  const encode = (p: UserProfile | null) => (p ? JSON.stringify(p) : GONE);

  return {
    async get(id: number): Promise<UserProfile | null | undefined> {
      const raw = await redis.get(key(id));
      if (raw === null) return undefined;
      if (raw === GONE) return null;
      const p = JSON.parse(raw) as UserProfile & { createdAt: string; updatedAt: string };
      return { ...p, createdAt: new Date(p.createdAt), updatedAt: new Date(p.updatedAt) };
    },
    async fill(p: UserProfile): Promise<void> {
      await redis.set(key(p.id), encode(p), 'EX', ttlSec, 'NX');
    },
    async put(id: number, p: UserProfile | null): Promise<void> {
      await redis.set(key(id), encode(p), 'EX', ttlSec);
    },
    /** Forgets an entry before a change, so that the change fails early (503) if Redis is down. */
    async drop(id: number): Promise<void> {
      await redis.del(key(id));
    },
  };
}
