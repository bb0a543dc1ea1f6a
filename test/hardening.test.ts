import { DrizzleQueryError } from 'drizzle-orm/errors';
import Fastify from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../src/middlewares/error-handler.ts';
import { bearer, createTestEnv, login, uniqueEmail, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
let customer: TestUser;
beforeAll(async () => {
  // A high per-address limit: the property tests below fail many logins from one address.
  t = await createTestEnv('hardening', { LOGIN_MAX_FAILURES_PER_IP: '100000' });
  admin = await userWithRole(t, 'admin');
  customer = await userWithRole(t, 'customer');
});
afterAll(() => t.close());

type InjectRes = Awaited<ReturnType<TestEnv['app']['inject']>>;

function expectError(res: InjectRes, status: number, code?: string) {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  if (code) expect(body.error.code).toBe(code);
  return body.error as { code: string; message: string; details?: { field: string; message: string }[] };
}

const raw = (url: string, payload: string, contentType = 'application/json', method: 'POST' | 'PATCH' = 'POST', token?: string) =>
  t.app.inject({ method, url, payload, headers: { 'content-type': contentType, ...(token ? bearer(token) : {}) } });
const signup = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/v1/auth/signup', payload });
const validSignup = (over: Record<string, unknown> = {}) => ({
  email: uniqueEmail('hard'),
  password: 'a long enough password',
  first_name: 'Ada',
  last_name: 'Lovelace',
  ...over,
});

describe('malformed bodies', () => {
  it('invalid JSON → 400 MALFORMED_JSON', async () => {
    for (const body of ['{"email":', '{email: 1}', "{'a':1}", '{"a":1}}', 'nul', '\u0000', '{"a":"\\x"}']) {
      expectError(await raw('/v1/auth/signup', body), 400, 'MALFORMED_JSON');
    }
  });

  it('prototype-poisoning keys are refused with 400', async () => {
    const res = await raw('/v1/auth/signup', '{"__proto__":{"admin":true},"email":"a@example.com"}');
    expectError(res, 400);
    const ctor = await raw('/v1/auth/signup', '{"constructor":{"prototype":{"admin":true}}}');
    expectError(ctor, 400);
  });

  it('JSON that is not an object → 400 VALIDATION_FAILED', async () => {
    for (const body of ['null', '[]', '"text"', '42', 'true', '[{"email":"a@example.com"}]']) {
      expectError(await raw('/v1/auth/signup', body), 400, 'VALIDATION_FAILED');
    }
  });

  it('an empty body on a route that needs one → 400', async () => {
    expectError(await raw('/v1/auth/signup', ''), 400);
    expectError(await t.app.inject({ method: 'POST', url: '/v1/auth/login' }), 400);
  });

  it('wrong types → 400 VALIDATION_FAILED with details[].field', async () => {
    const err = expectError(await signup({ email: 123, password: true, first_name: ['a'], last_name: { x: 1 } }), 400, 'VALIDATION_FAILED');
    const fields = err.details!.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'first_name', 'last_name']));
    for (const d of err.details!) expect(d.message.length).toBeGreaterThan(0);

    const patch = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(customer.access), payload: { email_opt_in: 'true' } });
    expect(expectError(patch, 400, 'VALIDATION_FAILED').details).toContainEqual(expect.objectContaining({ field: 'email_opt_in' }));
  });

  it('missing fields are named', async () => {
    const err = expectError(await signup({ email: uniqueEmail() }), 400, 'VALIDATION_FAILED');
    expect(err.details!.map((d) => d.field)).toEqual(expect.arrayContaining(['password', 'first_name', 'last_name']));
  });

  it('unknown fields → 400 naming the field', async () => {
    const err = expectError(await signup(validSignup({ is_admin: true })), 400, 'VALIDATION_FAILED');
    expect(err.details).toContainEqual({ field: 'is_admin', message: expect.any(String) });
    expect(err.message).toContain('is_admin');
    const login = expectError(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'a@b.c', password: 'x', otp: 1 } }), 400);
    expect(login.details).toContainEqual(expect.objectContaining({ field: 'otp' }));
  });

  it('a body larger than the limit → 413', async () => {
    expect(t.config.bodyLimitBytes).toBe(1024 * 1024);
    const big = JSON.stringify(validSignup({ first_name: 'x'.repeat(t.config.bodyLimitBytes) }));
    expectError(await raw('/v1/auth/signup', big), 413, 'PAYLOAD_TOO_LARGE');
    // Just under the limit is parsed (and then fails validation, not the size check).
    const justUnder = JSON.stringify(validSignup({ first_name: 'x'.repeat(t.config.bodyLimitBytes - 200) }));
    expectError(await raw('/v1/auth/signup', justUnder), 400, 'VALIDATION_FAILED');
  });

  it('a non-JSON content type → 415', async () => {
    const body = JSON.stringify(validSignup());
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/json']) {
      expectError(await raw('/v1/auth/signup', body, type), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    // application/json with a charset is fine.
    expect((await raw('/v1/auth/signup', body, 'application/json; charset=utf-8')).statusCode).toBe(201);
  });

  it('a body without a content type → 4xx, not 500', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: Buffer.from('{"a":1}') });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});

describe('numbers, paths and query strings', () => {
  it('huge numbers in bodies → 400', async () => {
    for (const role_id of ['1e308', '99999999999999999999', '-1e308', '1.5', '1e-300']) {
      const body = `{"email":"${uniqueEmail()}","password":"long enough pw","first_name":"A","last_name":"B","role_id":${role_id}}`;
      const res = await raw('/v1/users', body, 'application/json', 'POST', admin.access);
      expectError(res, 400, 'VALIDATION_FAILED');
    }
  });

  it('huge or odd path ids → 400', async () => {
    for (const id of ['99999999999999999999', '4294967296', '1e308', '-5', '0', '1.5', 'NaN', 'Infinity', '%20', '1%00', 'abc']) {
      const res = await t.app.inject({ url: `/v1/users/${id}`, headers: bearer(admin.access) });
      expect(res.statusCode, id).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    // Numeric spellings that coerce to a valid id are looked up (no such user here), never a 500.
    for (const id of ['1e3', '0x10', '0999999']) {
      const res = await t.app.inject({ url: `/v1/users/${id}`, headers: bearer(admin.access) });
      expect([400, 404], id).toContain(res.statusCode);
    }
  });

  it('odd query strings → 400, never 500', async () => {
    for (const qs of ['page=99999999999999999999', 'per_page=1e308', 'per_page=1&per_page=2', 'page[]=1', 'role_id=1&role_id=2', 'q=' + 'x'.repeat(101), 'q=%00']) {
      const res = await t.app.inject({ url: `/v1/users?${qs}`, headers: bearer(admin.access) });
      expect(res.statusCode, qs).toBe(400);
    }
    // Broken percent-encoding is decoded leniently or refused, never a 500.
    for (const qs of ['q=%E0%A4%A', 'q=%', 'q=%ZZ', '%=1']) {
      const res = await t.app.inject({ url: `/v1/users?${qs}`, headers: bearer(admin.access) });
      expect(res.statusCode, qs).toBeLessThan(500);
    }
  });

  it('a malformed URL → 4xx, not 500', async () => {
    for (const url of ['/v1/users/%', '/v1/users/%E0%A4%A', '/v1/%c0%af']) {
      const res = await t.app.inject({ url, headers: bearer(admin.access) });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
    }
  });

  it('unknown routes → 404 with the error shape', async () => {
    expectError(await t.app.inject({ url: '/v1/nope' }), 404, 'NOT_FOUND');
    expectError(await t.app.inject({ method: 'PUT', url: '/v1/users/me' }), 404);
  });
});

describe('unicode', () => {
  it('accepts emoji and other scripts in names and stores them intact', async () => {
    const names = ['Zoë 🎉', '李小龍', 'José', 'Ελένη', 'محمد', '👩‍👩‍👧‍👦', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '🙂'.repeat(100)];
    for (const first_name of names) {
      const res = await signup(validSignup({ first_name, last_name: first_name }));
      expect(res.statusCode, first_name).toBe(201);
      const { user } = res.json();
      expect(user.first_name).toBe(first_name);
      const got = await t.app.inject({ url: `/v1/users/${user.id}`, headers: bearer(admin.access) });
      expect(got.json().user.first_name).toBe(first_name);
    }
  });

  it('rejects lone surrogates and control characters in names with 400', async () => {
    for (const name of ['\ud800', 'a\udfffb', 'nul\u0000byte', 'bell\u0007', 'esc\u001b[31m', 'new\nline', 'del\u007f', '\u0085']) {
      const res = await signup(validSignup({ first_name: name }));
      const err = expectError(res, 400, 'VALIDATION_FAILED');
      expect(err.details).toContainEqual(expect.objectContaining({ field: 'first_name' }));
      const patch = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(customer.access), payload: { last_name: name } });
      expectError(patch, 400, 'VALIDATION_FAILED');
    }
    // The lone surrogate written raw in the JSON text, too.
    const rawBody = `{"email":"${uniqueEmail()}","password":"long enough pw","first_name":"\\ud800","last_name":"B"}`;
    expectError(await raw('/v1/auth/signup', rawBody), 400, 'VALIDATION_FAILED');
  });

  it('rejects non-ASCII and odd emails with 400, not 500', async () => {
    for (const email of ['jöhn@example.com', 'a@exämple.com', '用户@例子.广告', 'a\u0000@example.com', '\ud800@example.com', 'a@b', '@example.com', 'a b@example.com', `${'a'.repeat(250)}@example.com`]) {
      const res = await signup(validSignup({ email }));
      expect(res.statusCode, JSON.stringify(email)).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'email' }));
    }
  });

  it('odd logins are a 401, not a 500', async () => {
    for (const email of ['jöhn@example.com', '\ud800', 'a\u0000b', '🙂@🙂', '']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: '\ud800\u0000🙂' } });
      expect(res.statusCode, JSON.stringify(email)).toBe(401);
    }
  });

  it('accepts passwords with any characters', async () => {
    const body = validSignup({ password: 'pässwörd 🙂 \u0000 \ud800 end' });
    expect((await signup(body)).statusCode).toBe(201);
    await login(t, body.email as string, body.password as string);
  });
});

describe('property: arbitrary JSON never produces a 5xx', () => {
  const anyJson = fc.oneof(
    fc.anything(),
    fc.jsonValue(),
    fc.object({ maxDepth: 3 }),
    fc.record(
      {
        email: fc.oneof(fc.emailAddress(), fc.string(), fc.anything()),
        password: fc.oneof(fc.string({ minLength: 8, maxLength: 40 }), fc.anything()),
        first_name: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.anything()),
        last_name: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.anything()),
        email_opt_in: fc.oneof(fc.boolean(), fc.anything()),
      },
      { requiredKeys: [] },
    ),
  );
  const serialize = (v: unknown) => JSON.stringify(v) ?? 'null';

  it('POST /v1/auth/signup', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (v) => {
        const res = await raw('/v1/auth/signup', serialize(v));
        expect(res.statusCode, `${serialize(v)} → ${res.body}`).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/application\/json/);
      }),
      { numRuns: 100 },
    );
  });

  it('PATCH /v1/users/me', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (v) => {
        const res = await raw('/v1/users/me', serialize(v), 'application/json', 'PATCH', customer.access);
        expect(res.statusCode, `${serialize(v)} → ${res.body}`).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
    expect((await t.app.inject({ url: '/v1/users/me', headers: bearer(customer.access) })).statusCode).toBe(200);
  });

  it('POST /v1/auth/login and /v1/auth/refresh', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, fc.constantFrom('/v1/auth/login', '/v1/auth/refresh'), async (v, url) => {
        const res = await raw(url, serialize(v));
        expect(res.statusCode, `${url} ${serialize(v)} → ${res.body}`).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary text as a JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (s) => {
        const res = await raw('/v1/auth/signup', s);
        expect(res.statusCode, `${JSON.stringify(s)} → ${res.body}`).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});

describe('login throttling', () => {
  it('5 wrong passwords → 401 each; the 6th attempt → 429 with Retry-After, even with the right password', async () => {
    const u = await userWithRole(t, 'customer');
    const attempt = (password: string, email = u.email) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
    for (let i = 0; i < 5; i++) expectError(await attempt(`wrong password ${i}`), 401);
    const limited = await attempt('wrong password 6');
    expectError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(t.config.loginWindowSec);

    const right = await attempt(u.password);
    expectError(right, 429, 'RATE_LIMITED');
    // The same email in another case is the same account.
    expectError(await attempt(u.password, u.email.toUpperCase()), 429);
    // Another account is unaffected.
    const other = await userWithRole(t, 'customer');
    expect((await attempt(other.password, other.email)).statusCode).toBe(200);
    // The existing sessions of the throttled user keep working.
    expect((await t.app.inject({ url: '/v1/users/me', headers: bearer(u.access) })).statusCode).toBe(200);
  });

  it('counts spellings of one account that the database matches (accents, zero-width characters) as that account', async () => {
    const u = await userWithRole(t, 'customer');
    const [local, domain] = u.email.split('@') as [string, string];
    const variants = [`${local}\u200b@${domain}`, `${local.replace(/e/, 'é')}@${domain}`, u.email.toUpperCase(), `${local.replace(/o/, 'ö')}@${domain}`, u.email];
    for (const email of variants) {
      expectError(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'not the password' } }), 401);
    }
    const right = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    expectError(right, 429, 'RATE_LIMITED');
  });

  it('counts concurrent attempts: a burst of 12 wrong passwords gets at most 5 verdicts, the rest 429', async () => {
    const u = await userWithRole(t, 'customer');
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: `burst guess ${i}` } }),
      ),
    );
    const statuses = burst.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    for (const r of burst.filter((x) => x.statusCode === 429)) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a success resets the per-email count', async () => {
    const u = await userWithRole(t, 'customer');
    const attempt = (password: string) => t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password } });
    for (let i = 0; i < 4; i++) expect((await attempt('nope nope')).statusCode).toBe(401);
    expect((await attempt(u.password)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt('nope nope')).statusCode).toBe(401);
    expect((await attempt(u.password)).statusCode).toBe(200);
  });

  it('unknown emails are throttled too (no account enumeration through 429)', async () => {
    const email = uniqueEmail('ghost');
    const attempt = () => t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'whatever1' } });
    for (let i = 0; i < 5; i++) expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(429);
  });

  it('throttles one client address across emails, ignoring X-Forwarded-For', async () => {
    const env = await createTestEnv('hardening_ip', { LOGIN_MAX_FAILURES_PER_IP: '3' });
    try {
      const attempt = (i: number) =>
        env.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          headers: { 'x-forwarded-for': `10.0.0.${i}` },
          payload: { email: uniqueEmail('ip'), password: 'whatever1' },
        });
      // Successful logins do not count against the address.
      const u = await userWithRole(env, 'customer');
      for (let i = 0; i < 4; i++) await login(env, u.email, u.password);
      for (let i = 0; i < 3; i++) expect((await attempt(i)).statusCode).toBe(401);
      const limited = await attempt(99);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await env.close();
    }
  });
});

describe('response headers', () => {
  it('sets security headers', async () => {
    for (const res of [await t.app.inject({ url: '/healthz' }), await t.app.inject({ url: '/v1/users/me' })]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('echoes a given x-request-id and generates one otherwise, on success and error', async () => {
    const given = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-abc.123:xyz' } });
    expect(given.headers['x-request-id']).toBe('req-abc.123:xyz');
    const onError = await t.app.inject({ url: '/v1/users/me', headers: { 'x-request-id': 'err-1' } });
    expect(onError.statusCode).toBe(401);
    expect(onError.headers['x-request-id']).toBe('err-1');
    const on404 = await t.app.inject({ url: '/nope', headers: { 'x-request-id': 'nf-1' } });
    expect(on404.headers['x-request-id']).toBe('nf-1');

    const a = await t.app.inject({ url: '/healthz' });
    const b = await t.app.inject({ url: '/healthz' });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);

    // A hostile id (header injection, huge) is replaced, not echoed.
    for (const bad of ['x'.repeat(500), 'a b', '<script>']) {
      const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('operational endpoints', () => {
  it('/healthz → 200', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz → 200 when MySQL and Redis are up', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ready');
  });

  it('/metrics is Prometheus text with http_requests_total', async () => {
    await t.app.inject({ url: '/healthz' });
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toContain('# TYPE http_requests_total counter');
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    // Unmatched URLs do not create a label per URL.
    await t.app.inject({ url: '/random-path-123' });
    expect((await t.app.inject({ url: '/metrics' })).body).not.toContain('random-path-123');
  });

  it('/openapi.json describes the API', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/v1/auth/signup', '/v1/auth/login', '/v1/auth/refresh', '/v1/users/me', '/v1/users/{id}', '/v1/audit']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.paths['/v1/auth/login']).toHaveProperty('post');
  });

  it('/docs/ serves HTML', async () => {
    const res = await t.app.inject({ url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<html/i);
    const bare = await t.app.inject({ url: '/docs' });
    expect([200, 301, 302]).toContain(bare.statusCode);
  });
});

describe('dependencies down', () => {
  it('MySQL down → 503 SERVICE_UNAVAILABLE, not 500; /readyz → 503; /healthz stays 200', async () => {
    const env = await createTestEnv('hardening_mysql');
    try {
      const u = await userWithRole(env, 'admin');
      await env.ctx.mysql.pool.end();
      const cases = [
        env.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } }),
        env.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: validSignup() }),
        env.app.inject({ url: '/v1/users/me', headers: bearer(u.access) }),
        env.app.inject({ url: '/v1/users', headers: bearer(u.access) }),
        env.app.inject({ url: '/v1/audit', headers: bearer(u.access) }),
      ];
      for (const res of await Promise.all(cases)) {
        expectError(res, 503, 'SERVICE_UNAVAILABLE');
        expect(res.body).not.toMatch(/Pool is closed|stack/i);
      }
      const ready = await env.app.inject({ url: '/readyz' });
      expectError(ready, 503, 'SERVICE_UNAVAILABLE');
      expect((await env.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await env.close();
    }
  });

  it('Redis down → 503 SERVICE_UNAVAILABLE, not 500; /readyz → 503', async () => {
    const env = await createTestEnv('hardening_redis');
    try {
      const u = await userWithRole(env, 'customer');
      env.ctx.redis.disconnect();
      const cases = [
        env.app.inject({ url: '/v1/users/me', headers: bearer(u.access) }),
        env.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } }),
        env.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: u.refresh } }),
        env.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(u.access) }),
      ];
      for (const res of await Promise.all(cases)) expectError(res, 503, 'SERVICE_UNAVAILABLE');
      const ready = await env.app.inject({ url: '/readyz' });
      expectError(ready, 503, 'SERVICE_UNAVAILABLE');
      expect(ready.json().error.details).toContainEqual(expect.objectContaining({ field: 'redis' }));
      expect((await env.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      // Without a token it is still a 401, not a 503: no dependency is needed to say so.
      expect((await env.app.inject({ url: '/v1/users/me' })).statusCode).toBe(401);
    } finally {
      // Reconnect so close() can clean up the test's keys.
      await env.ctx.redis.connect().catch(() => undefined);
      await env.close();
    }
  });
});

describe('admin changes with Redis down', () => {
  it('changes nothing when the sessions cannot be revoked: role, status and account stay, no audit entry', async () => {
    const env = await createTestEnv('hardening_revoke');
    try {
      const admin = await userWithRole(env, 'admin');
      const target = await userWithRole(env, 'manager');
      const patch = (payload: object) =>
        env.app.inject({ method: 'PATCH', url: `/v1/users/${target.id}`, headers: bearer(admin.access), payload });
      // Redis answers the admin's session check but fails the revocation (a Lua script): as if it
      // went away between the two.
      const redis = env.ctx.redis as unknown as { cnsRevokeAll: (...args: unknown[]) => Promise<number> };
      const original = redis.cnsRevokeAll;
      redis.cnsRevokeAll = () => Promise.reject(new Error('Connection is closed.'));
      try {
        expectError(await patch({ role_id: 1 }), 503, 'SERVICE_UNAVAILABLE');
        expectError(await patch({ status: 'disabled' }), 503, 'SERVICE_UNAVAILABLE');
        expectError(await env.app.inject({ method: 'DELETE', url: `/v1/users/${target.id}`, headers: bearer(admin.access) }), 503);
      } finally {
        redis.cnsRevokeAll = original;
      }
      const after = await env.app.inject({ url: `/v1/users/${target.id}`, headers: bearer(admin.access) });
      expect(after.json().user).toMatchObject({ role_id: 2, status: 'active' });
      const audit = await env.app.inject({ url: `/v1/audit?target_type=user&target_id=${target.id}`, headers: bearer(admin.access) });
      expect(audit.json().data.map((e: { action: string }) => e.action)).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/role_changed|disabled|deleted/)]),
      );
      // The target's session still works: nothing happened to them.
      expect((await env.app.inject({ url: '/v1/users/me', headers: bearer(target.access) })).statusCode).toBe(200);
    } finally {
      await env.close();
    }
  });
});

describe('lock races', () => {
  it('maps a deadlock or lock-wait timeout, bare or wrapped by Drizzle, to 503 TRY_AGAIN with Retry-After', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandler(app);
    const lockError = (code: string) => Object.assign(new Error(`lock: ${code}`), { code });
    app.get('/deadlock', async () => {
      throw lockError('ER_LOCK_DEADLOCK');
    });
    app.get('/wait-timeout', async () => {
      throw new DrizzleQueryError('update `campaigns` …', [], lockError('ER_LOCK_WAIT_TIMEOUT'));
    });
    for (const url of ['/deadlock', '/wait-timeout']) {
      const res = await app.inject({ url });
      expectError(res, 503, 'TRY_AGAIN');
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).not.toMatch(/campaigns|ER_LOCK/);
    }
    await app.close();
  });
});
