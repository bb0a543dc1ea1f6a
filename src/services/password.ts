import { hash, verify, type Algorithm } from '@node-rs/argon2';

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
