import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, uniqueEmail, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let strict: TestEnv;
let admin: TestUser;

beforeAll(async () => {
  strict = await createTestEnv('edge');
  admin = await userWithRole(strict, 'admin');
});
afterAll(() => strict?.close());

/** The one error shape, exactly. */
function expectShape(body: unknown, code: string) {
  expect(Object.keys(body as object)).toEqual(['error']);
  const error = (body as { error: Record<string, unknown> }).error;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
}

describe('validation errors stay small', () => {
  const valid = () => ({ email: uniqueEmail('edge'), password: 'a long enough password', first_name: 'Ada', last_name: 'Lovelace' });

  it('100,000 unknown keys: 400 with at most 20 details, an answer smaller than the request, no long event-loop stall', async () => {
    const fields = JSON.stringify(valid()).slice(1, -1);
    const unknown = Array.from({ length: 100_000 }, (_, i) => `"k${i.toString(36)}":1`).join(',');
    const payload = `{${fields},${unknown}}`;
    expect(payload.length).toBeGreaterThan(800_000);
    expect(payload.length).toBeLessThan(strict.config.bodyLimitBytes);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    await new Promise((r) => setTimeout(r, 30)); // the histogram records from its second tick on
    const res = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload, headers: { 'content-type': 'application/json' } });
    await new Promise((r) => setTimeout(r, 50)); // the loop's next samples record any stall the request caused
    loop.disable();

    expect(res.statusCode).toBe(400);
    const body = res.json();
    expectShape(body, 'VALIDATION_FAILED');
    expect(body.error.details.length).toBeGreaterThanOrEqual(1);
    expect(body.error.details.length).toBeLessThanOrEqual(20);
    expect(body.error.details[0].field).toMatch(/^k[0-9a-z]+$/);
    expect(res.body.length).toBeLessThan(payload.length);
    expect(loop.count).toBeGreaterThan(0);
    expect(loop.max / 1e6).toBeLessThan(100);
  });

  it('does not echo a 500 KB field name whole', async () => {
    const key = 'x'.repeat(500_000);
    const payload = JSON.stringify({ ...valid(), [key]: 1 });
    const res = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expectShape(res.json(), 'VALIDATION_FAILED');
    expect(res.body.length).toBeLessThan(1000);
    expect(res.json().error.details[0].field).toMatch(/^x{100}…$/);
  });

  it('a small input lists each problem, up to 20', async () => {
    const empty = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { first_name: 7 } });
    expect(empty.statusCode).toBe(400);
    const fields = empty.json().error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'first_name', 'last_name']));

    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, i]));
    const many = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { ...valid(), ...extra } });
    expect(many.statusCode).toBe(400);
    const details = many.json().error.details as { field: string }[];
    expect(details).toHaveLength(20);
    expect(details.map((d) => d.field)).toEqual(Array.from({ length: 20 }, (_, i) => `extra${i}`));
  });

  it('query strings are bounded alike', async () => {
    const qs = Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&');
    const res = await strict.app.inject({ url: `/v1/users?${qs}`, headers: bearer(admin.access) });
    expect(res.statusCode).toBe(400);
    expectShape(res.json(), 'VALIDATION_FAILED');
    expect(res.json().error.details.length).toBeLessThanOrEqual(20);
  });
});
