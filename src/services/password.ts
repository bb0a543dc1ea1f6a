import { hash, verify, type Algorithm } from '@node-rs/argon2';
import PQueue from 'p-queue';
import { TryAgainError } from '../domain/errors.ts';

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
const OPTIONS = { algorithm: 2 as Algorithm /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the time a real verification would, for unknown accounts. */
  burn(password: string): Promise<void>;
}

/** argon2id hashing with OWASP parameters. */
export function createPasswordHasher(): PasswordHasher {
  const dummy = hash('timing-equaliser-not-a-password', OPTIONS);
  return {
    hash: (password) => hash(password, OPTIONS),
    verify: async (h, password) => {
      try {
        return await verify(h, password);
      } catch {
        return false;
      }
    },
    burn: async (password) => {
      await verify(await dummy, password).catch(() => false);
    },
  };
}

const VERIFY = 1;
const HASH = 0;

/**
 * Runs a hasher's work at most `concurrency` at a time. Verifications (logins, password checks) go
 * ahead of new hashes (signups, password changes, users an admin creates); when `maxQueued` hashes
 * already wait, another is refused with 503 TRY_AGAIN, so a flood of signups can neither delay
 * logins nor pile up.
 */
export function gatePasswordHasher(inner: PasswordHasher, { concurrency, maxQueued }: { concurrency: number; maxQueued: number }): PasswordHasher {
  const queue = new PQueue({ concurrency });
  return {
    hash: async (password) => {
      const mustWait = queue.pending >= concurrency || queue.size > 0;
      if (mustWait && queue.sizeBy({ priority: HASH }) >= maxQueued) throw new TryAgainError('Too many passwords are being hashed; try again shortly');
      return queue.add(() => inner.hash(password), { priority: HASH });
    },
    verify: (h, password) => queue.add(() => inner.verify(h, password), { priority: VERIFY }),
    burn: (password) => queue.add(() => inner.burn(password), { priority: VERIFY }),
  };
}
