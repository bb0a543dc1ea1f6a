import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../src/services/password.ts';
import { createThrottle } from '../src/stores/throttle.store.ts';
import { bearer, createTestEnv, eventually, login, uniqueEmail, userWithRole, type TestEnv } from './helpers.ts';

/** Signup and password-change throttles, and the gate in front of password hashing. */

// A real hasher whose hash() waits, while held, until let go: new hashes pile up at the gate.
const real = createPasswordHasher();
let held: Promise<void> = Promise.resolve();
const holdable: PasswordHasher = { ...real, hash: async (password) => (await held, real.hash(password)) };

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv(
    'throttle',
    {
      SIGNUP_MAX_PER_IP: '3',
      PASSWORD_CHANGE_MAX_FAILURES: '3',
      PASSWORD_CHANGE_MAX_FAILURES_PER_IP: '5',
      HASH_CONCURRENCY: '1',
      HASH_QUEUE_LIMIT: '2',
    },
    { passwords: holdable },
  );
});
afterAll(() => t.close());

const signup = (remoteAddress: string, email = uniqueEmail('su')) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    remoteAddress,
    payload: { email, password: 'signup password', first_name: 'New', last_name: 'Comer' },
  });
const changePassword = (token: string, remoteAddress: string, current_password: string, new_password = 'a changed password') =>
  t.app.inject({ method: 'POST', url: '/v1/users/me/password', remoteAddress, headers: bearer(token), payload: { current_password, new_password } });

function expectLimited(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, windowSec: number) {
  expect(res.statusCode).toBe(429);
  expect((res.json() as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSec);
}

describe('signup throttle', () => {
  it('answers 429 with Retry-After after SIGNUP_MAX_PER_IP signups from one address, and creates nothing then', async () => {
    for (let i = 0; i < 3; i++) expect((await signup('10.1.0.1')).statusCode).toBe(201);
    const email = uniqueEmail('su-limited');
    expectLimited(await signup('10.1.0.1', email), t.config.signupWindowSec);
    expect(await t.ctx.repos.users.findByEmail(email)).toBeUndefined();
    // Another address has its own allowance.
    expect((await signup('10.1.0.2')).statusCode).toBe(201);
  });

  it('counts a signup that failed (duplicate email) too', async () => {
    const email = uniqueEmail('su-dup');
    expect((await signup('10.1.1.1', email)).statusCode).toBe(201);
    expect((await signup('10.1.1.1', email)).statusCode).toBe(409);
    expect((await signup('10.1.1.1', email)).statusCode).toBe(409);
    expectLimited(await signup('10.1.1.1'), t.config.signupWindowSec);
  });
});

describe('password change throttle', () => {
  it('limits wrong current passwords per account, even from different addresses, then 429 even for the right one', async () => {
    const u = await userWithRole(t, 'customer');
    for (let i = 0; i < 3; i++) expect((await changePassword(u.access, `10.2.0.${i}`, `guess number ${i}`)).statusCode).toBe(400);
    expectLimited(await changePassword(u.access, '10.2.0.9', u.password), t.config.passwordChangeWindowSec);
    // Nothing changed: the old password still logs in.
    await login(t, u.email, u.password);
    // Another account is unaffected.
    const other = await userWithRole(t, 'customer');
    expect((await changePassword(other.access, '10.2.0.9', other.password)).statusCode).toBe(204);
  });

  it('a success clears the account\'s count', async () => {
    const u = await userWithRole(t, 'customer');
    let password = u.password;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect((await changePassword(u.access, '10.2.1.1', 'not the password')).statusCode).toBe(400);
      const next = `new password ${round}`;
      expect((await changePassword(u.access, '10.2.1.1', password, next)).statusCode).toBe(204);
      password = next;
    }
  });

  it('limits failures per address across accounts; a success gives its attempt back to the address', async () => {
    const ip = '10.2.2.2';
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await userWithRole(t, 'customer'));
    // Successes do not count against the address.
    for (let i = 0; i < 3; i++) expect((await changePassword(users[i]!.access, ip, users[i]!.password, `fresh password ${i}`)).statusCode).toBe(204);
    for (let i = 0; i < 5; i++) expect((await changePassword(users[i]!.access, ip, 'a wrong guess')).statusCode).toBe(400);
    expectLimited(await changePassword(users[5]!.access, ip, users[5]!.password), t.config.passwordChangeWindowSec);
  });
});

describe('throttle windows', () => {
  it('a count lives for its window, and starts afresh when the window ends', async () => {
    // A window of a minute, ended by the test: with one of a second, the refusal below raced the
    // window's end, and a busy machine could lose that race.
    const throttle = createThrottle({
      redis: t.ctx.redis,
      prefix: t.config.redisPrefix,
      name: 'test',
      windowSec: 60,
      limits: { ip: { max: 1, onSuccess: 'keep' } },
    });
    await throttle.check({ ip: '10.3.0.1' });
    await expect(throttle.check({ ip: '10.3.0.1' })).rejects.toMatchObject({ status: 429 });
    const key = (await t.ctx.redis.keys(`${t.config.redisPrefix}:test:ip:*`))[0]!;
    const ttl = await t.ctx.redis.pttl(key);
    expect(ttl).toBeGreaterThan(30_000); // half the window gone would take a very slow machine
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The window ends (Redis expires the key): the next attempt is counted afresh.
    await t.ctx.redis.pexpire(key, 1);
    await eventually(async () => (await t.ctx.redis.exists(key)) === 0, 10_000, 10);
    await throttle.check({ ip: '10.3.0.1' });
  });
});

describe('password hashing gate', () => {
  it('signups beyond the queue bound get 503 TRY_AGAIN with Retry-After, and none of them is created', async () => {
    let letGo!: () => void;
    held = new Promise<void>((r) => (letGo = r));
    const emails = Array.from({ length: 6 }, () => uniqueEmail('flood'));
    const answered: { email: string; statusCode: number; retryAfter: unknown; code?: string }[] = [];
    // From six addresses, so that the signup throttle is not what stops them.
    const all = emails.map((email, i) =>
      signup(`10.4.0.${i}`, email).then((res) => {
        answered.push({ email, statusCode: res.statusCode, retryAfter: res.headers['retry-after'], code: res.json().error?.code });
      }),
    );
    try {
      // One signup hashes (held), two wait in the queue, the other three are refused at once.
      await eventually(async () => answered.length === 3, 20_000, 10);
      expect(answered.map((a) => [a.statusCode, a.code, a.retryAfter])).toEqual(Array(3).fill([503, 'TRY_AGAIN', '1']));
    } finally {
      letGo();
      held = Promise.resolve();
    }
    await Promise.all(all);
    const created = answered.filter((a) => a.statusCode === 201);
    expect(created).toHaveLength(3);
    for (const a of answered) {
      const row = await t.ctx.repos.users.findByEmail(a.email);
      if (a.statusCode === 201) expect(row).toBeDefined();
      else expect(row).toBeUndefined();
    }
  });
});
