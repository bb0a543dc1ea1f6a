import { describe, expect, it } from 'vitest';
import { TryAgainError } from '../../src/domain/errors.ts';
import { gatePasswordHasher, type PasswordHasher } from '../../src/services/password.ts';

describe('password hashing gate', () => {
  /** A fake hasher: each call is recorded when it starts and finishes when the test lets it. */
  function fakeHasher() {
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    const run = (label: string) => {
      started.push(label);
      return new Promise<void>((resolve) => finish.set(label, resolve));
    };
    const hasher: PasswordHasher = {
      hash: async (p) => (await run(`hash ${p}`), `hashed ${p}`),
      verify: async (_h, p) => (await run(`verify ${p}`), true),
      burn: async (p) => run(`burn ${p}`),
    };
    const done = (label: string) => {
      finish.get(label)!();
      return new Promise((r) => setImmediate(r));
    };
    return { hasher, started, done };
  }

  it('serves login verifications before queued hashes, and refuses hashes beyond the queue bound', async () => {
    const fake = fakeHasher();
    const gate = gatePasswordHasher(fake.hasher, { concurrency: 1, maxQueued: 3 });
    const hashes = ['h1', 'h2', 'h3', 'h4'].map((p) => gate.hash(p));
    await expect(gate.hash('h5')).rejects.toBeInstanceOf(TryAgainError);
    await expect(gate.hash('h5')).rejects.toMatchObject({ status: 503, code: 'TRY_AGAIN', headers: { 'retry-after': '1' } });
    const verify = gate.verify('stored', 'login');
    const burn = gate.burn('unknown-email');
    await new Promise((r) => setImmediate(r));
    expect(fake.started).toEqual(['hash h1']);

    await fake.done('hash h1');
    expect(fake.started).toEqual(['hash h1', 'verify login']);
    await fake.done('verify login');
    expect(await verify).toBe(true);
    expect(fake.started.at(-1)).toBe('burn unknown-email');
    await fake.done('burn unknown-email');
    await burn;
    for (const p of ['h2', 'h3', 'h4']) await fake.done(`hash ${p}`);
    expect(await Promise.all(hashes)).toEqual(['hashed h1', 'hashed h2', 'hashed h3', 'hashed h4']);
    expect(fake.started).toEqual(['hash h1', 'verify login', 'burn unknown-email', 'hash h2', 'hash h3', 'hash h4']);
    // With room again, hashes are taken.
    const later = gate.hash('h6');
    await new Promise((r) => setImmediate(r));
    await fake.done('hash h6');
    expect(await later).toBe('hashed h6');
  });
});
