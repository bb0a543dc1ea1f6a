import * as argon2 from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createTestEnv, login, uniqueEmail, userWithRole, type TestEnv } from './helpers.ts';

// argon2's verifications counted, each with the hash it checked against (what fixes its cost).
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return { ...real, verify: vi.fn(real.verify) };
});

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('auth');
});
afterAll(() => t.close());

const PASSWORD = 'correct horse battery';

function signup(body: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: body });
}
const signupBody = (over: Record<string, unknown> = {}) => ({
  email: uniqueEmail('signup'),
  password: PASSWORD,
  first_name: 'Ada',
  last_name: 'Lovelace',
  ...over,
});
const me = (token: string) => t.app.inject({ url: '/v1/users/me', headers: bearer(token) });
const refresh = (token: string) => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
const logout = (token: string, all = false) =>
  t.app.inject({ method: 'POST', url: all ? '/v1/auth/logout-all' : '/v1/auth/logout', headers: bearer(token) });

function expectErrorShape(body: unknown, code?: string) {
  const b = body as { error: { code: string; message: string } };
  expect(b).toHaveProperty('error');
  expect(typeof b.error.code).toBe('string');
  expect(typeof b.error.message).toBe('string');
  if (code) expect(b.error.code).toBe(code);
}

const USER_KEYS = ['created_at', 'email', 'email_opt_in', 'first_name', 'id', 'last_name', 'role', 'role_id', 'status', 'updated_at'];

describe('POST /v1/auth/signup', () => {
  it('creates a customer (201) and never returns a password hash', async () => {
    const body = signupBody();
    const res = await signup(body);
    expect(res.statusCode).toBe(201);
    const { user } = res.json();
    expect(Object.keys(user).sort()).toEqual(USER_KEYS);
    expect(user).toMatchObject({
      email: body.email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      role_id: 3,
      role: 'customer',
      status: 'active',
      email_opt_in: true,
    });
    expect(new Date(user.created_at).toISOString()).toBe(user.created_at);
    expect(res.body).not.toMatch(/password|argon2/i);
  });

  it('lets the new customer log in', async () => {
    const body = signupBody();
    expect((await signup(body)).statusCode).toBe(201);
    const tokens = await login(t, body.email as string, PASSWORD);
    expect(tokens.user.id).toBeGreaterThan(0);
  });

  it('rejects a duplicate email with 409, whatever its case', async () => {
    const body = signupBody();
    expect((await signup(body)).statusCode).toBe(201);
    const again = await signup({ ...body, first_name: 'Other' });
    expect(again.statusCode).toBe(409);
    expectErrorShape(again.json());
    const upper = await signup({ ...body, email: (body.email as string).toUpperCase() });
    expect(upper.statusCode).toBe(409);
  });

  it('rejects a role_id in the body with 400 naming the field', async () => {
    const res = await signup(signupBody({ role_id: 1 }));
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'VALIDATION_FAILED');
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'role_id' }));
  });

  it('rejects passwords shorter than 8 or longer than 128 characters', async () => {
    for (const password of ['', 'short', '1234567', 'x'.repeat(129)]) {
      const res = await signup(signupBody({ password }));
      expect(res.statusCode, `password of length ${password.length}`).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'password' }));
    }
  });

  it('accepts passwords of exactly 8 and 128 characters', async () => {
    for (const password of ['12345678', 'y'.repeat(128)]) {
      const res = await signup(signupBody({ password }));
      expect(res.statusCode, `password of length ${password.length}`).toBe(201);
    }
  });

  it('rejects missing fields and invalid emails with 400', async () => {
    const { email: _e, ...noEmail } = signupBody();
    expect((await signup(noEmail)).statusCode).toBe(400);
    expect((await signup(signupBody({ email: 'not-an-email' }))).statusCode).toBe(400);
    expect((await signup(signupBody({ first_name: '   ' }))).statusCode).toBe(400);
  });
});

describe('POST /v1/auth/login', () => {
  it('returns the token pair and the user (200)', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_expires_in', 'refresh_token', 'token_type', 'user']);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(t.config.accessTokenTtlSec);
    expect(body.refresh_expires_in).toBe(t.config.refreshTokenTtlSec);
    expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.access_token).not.toBe(body.refresh_token);
    expect(body.user).toMatchObject({ id: u.id, email: u.email, role: 'customer' });
    expect(Object.keys(body.user).sort()).toEqual(USER_KEYS);
    expect((await me(body.access_token)).statusCode).toBe(200);
  });

  it('accepts the email in any case', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email.toUpperCase(), password: u.password } });
    expect(res.statusCode).toBe(200);
  });

  it('gives the same 401 body for an unknown email and a wrong password', async () => {
    const u = await userWithRole(t, 'customer');
    const wrong = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: 'wrong password!' } });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: uniqueEmail('nobody'), password: 'wrong password!' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expectErrorShape(wrong.json());
    expect(wrong.body).toBe(unknown.body);
  });

  // Answered in about the time of a wrong password: argon2 verification is nearly all of a login's
  // work (without the dummy one an unknown email was answered about 10 times faster), so both must
  // verify once, at the same cost. Counted, not timed: a busy machine moves times, not work.
  it('spends one argon2 verification on an unknown email, as on a wrong password, at the same cost', async () => {
    const u = await userWithRole(t, 'customer');
    const costOf = (hash: string | Uint8Array) => String(hash).split('$').slice(1, 4).join('$'); // e.g. argon2id$v=19$m=19456,t=2,p=1
    const verifications = async (email: string) => {
      vi.mocked(argon2.verify).mockClear();
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'wrong password!' } });
      expect(res.statusCode).toBe(401);
      return vi.mocked(argon2.verify).mock.calls.map(([hash]) => costOf(hash));
    };
    const known = await verifications(u.email);
    expect(known).toEqual([costOf((await t.ctx.repos.users.findByEmail(u.email))!.passwordHash)]);
    expect(known[0]).toMatch(/^argon2id\$v=19\$m=\d+,t=\d+,p=\d+$/);
    expect(await verifications(uniqueEmail('timing'))).toEqual(known);
  });

  it('refuses a disabled user with the same 401 body', async () => {
    const admin = await userWithRole(t, 'admin');
    const u = await userWithRole(t, 'customer');
    const patch = await t.app.inject({ method: 'PATCH', url: `/v1/users/${u.id}`, headers: bearer(admin.access), payload: { status: 'disabled' } });
    expect(patch.statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(res.statusCode).toBe(401);
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: uniqueEmail('x'), password: u.password } });
    expect(res.body).toBe(unknown.body);
  });
});

describe('POST /v1/auth/refresh', () => {
  it('rotates the pair: the old access and refresh tokens die at once, the new ones work', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await refresh(u.refresh);
    expect(res.statusCode).toBe(200);
    const pair = res.json();
    expect(pair.token_type).toBe('Bearer');
    expect(pair.user.id).toBe(u.id);
    expect(pair.access_token).not.toBe(u.access);
    expect(pair.refresh_token).not.toBe(u.refresh);

    expect((await me(u.access)).statusCode).toBe(401);
    expect((await me(pair.access_token)).statusCode).toBe(200);

    const next = await refresh(pair.refresh_token);
    expect(next.statusCode).toBe(200);
    expect((await me(pair.access_token)).statusCode).toBe(401);
    expect((await me(next.json().access_token)).statusCode).toBe(200);
  });

  it('rejects a rotated refresh token and revokes the session (reuse detection)', async () => {
    const u = await userWithRole(t, 'customer');
    const first = (await refresh(u.refresh)).json();
    const second = (await refresh(first.refresh_token)).json();
    expect((await me(second.access_token)).statusCode).toBe(200);

    const replay = await refresh(u.refresh);
    expect(replay.statusCode).toBe(401);
    expectErrorShape(replay.json(), 'TOKEN_REUSED');

    // The newest pair of that session is dead too.
    expect((await me(second.access_token)).statusCode).toBe(401);
    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
  });

  it('does not touch the user\'s other sessions on reuse detection', async () => {
    const u = await userWithRole(t, 'customer');
    const other = await login(t, u.email, u.password);
    await refresh(u.refresh);
    expect((await refresh(u.refresh)).statusCode).toBe(401);
    expect((await me(other.access_token)).statusCode).toBe(200);
  });

  it('lets exactly one of two concurrent refreshes with one token succeed', async () => {
    const u = await userWithRole(t, 'customer');
    const results = await Promise.all([refresh(u.refresh), refresh(u.refresh)]);
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('rejects garbage and an empty body with 4xx', async () => {
    expect((await refresh('not.a.jwt')).statusCode).toBe(401);
    const empty = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: {} });
    expect(empty.statusCode).toBe(400);
  });
});

describe('token responses are not cacheable', () => {
  it('login and refresh answer with Cache-Control: no-store and Pragma: no-cache', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    const rotated = await refresh(res.json().refresh_token);
    for (const r of [res, rotated]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers.pragma).toBe('no-cache');
    }
  });
});

describe('logout', () => {
  it('POST /v1/auth/logout returns 204 and kills that session\'s access and refresh tokens', async () => {
    const u = await userWithRole(t, 'customer');
    const other = await login(t, u.email, u.password);
    const res = await logout(u.access);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await me(u.access)).statusCode).toBe(401);
    expect((await refresh(u.refresh)).statusCode).toBe(401);
    // Another session of the same user is untouched.
    expect((await me(other.access_token)).statusCode).toBe(200);
    // Logging out again with the dead token is a 401.
    expect((await logout(u.access)).statusCode).toBe(401);
  });

  it('POST /v1/auth/logout-all kills every session of the user and no one else\'s', async () => {
    const u = await userWithRole(t, 'customer');
    const s2 = await login(t, u.email, u.password);
    const s3 = await login(t, u.email, u.password);
    const bystander = await userWithRole(t, 'customer');

    const res = await logout(s2.access_token, true);
    expect(res.statusCode).toBe(204);
    for (const access of [u.access, s2.access_token, s3.access_token]) expect((await me(access)).statusCode).toBe(401);
    for (const r of [u.refresh, s2.refresh_token, s3.refresh_token]) expect((await refresh(r)).statusCode).toBe(401);

    expect((await me(bystander.access)).statusCode).toBe(200);
    expect((await refresh(bystander.refresh)).statusCode).toBe(200);
    // The user can log in again afterwards.
    const fresh = await login(t, u.email, u.password);
    expect((await me(fresh.access_token)).statusCode).toBe(200);
  });

  it('keeps only live sessions in the per-user index: expired ones leave it at the next login', async () => {
    const u = await userWithRole(t, 'customer');
    const s2 = await login(t, u.email, u.password);
    const prefix = t.config.redisPrefix;
    const index = `${prefix}:usess:${u.id}`;
    expect(await t.ctx.redis.scard(index)).toBe(2);
    // Expire the first session as Redis would when its TTL runs out.
    const [first] = (await t.ctx.redis.smembers(index)).filter((sid) => sid !== JSON.parse(Buffer.from(s2.access_token.split('.')[1]!, 'base64url').toString()).sid);
    await t.ctx.redis.del(`${prefix}:sess:${first}`);
    const s3 = await login(t, u.email, u.password);
    const live = await t.ctx.redis.smembers(index);
    expect(live).toHaveLength(2);
    expect(live).not.toContain(first);
    expect((await logout(s3.access_token, true)).statusCode).toBe(204);
    expect(await t.ctx.redis.exists(index)).toBe(0);
  });

  it('requires a token', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/logout' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/logout-all' })).statusCode).toBe(401);
  });
});

describe('POST /v1/users/me/password', () => {
  const change = (token: string, current_password: string, new_password: string) =>
    t.app.inject({ method: 'POST', url: '/v1/users/me/password', headers: bearer(token), payload: { current_password, new_password } });

  it('changes the password (204), revokes the other sessions and keeps the current one', async () => {
    const u = await userWithRole(t, 'customer');
    const other = await login(t, u.email, u.password);
    const res = await change(u.access, u.password, 'a brand new password');
    expect(res.statusCode).toBe(204);

    expect((await me(u.access)).statusCode).toBe(200);
    expect((await me(other.access_token)).statusCode).toBe(401);
    expect((await refresh(other.refresh_token)).statusCode).toBe(401);
    // The current session's refresh token still works.
    expect((await refresh(u.refresh)).statusCode).toBe(200);

    const oldLogin = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(oldLogin.statusCode).toBe(401);
    await login(t, u.email, 'a brand new password');
  });

  it('rejects a wrong current password with 400 and changes nothing', async () => {
    const u = await userWithRole(t, 'customer');
    const other = await login(t, u.email, u.password);
    const res = await change(u.access, 'not my password', 'a brand new password');
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'VALIDATION_FAILED');
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'current_password' }));
    expect((await me(other.access_token)).statusCode).toBe(200);
    await login(t, u.email, u.password);
  });

  it('rejects a new password outside 8-128 characters', async () => {
    const u = await userWithRole(t, 'customer');
    expect((await change(u.access, u.password, 'short')).statusCode).toBe(400);
    expect((await change(u.access, u.password, 'z'.repeat(129))).statusCode).toBe(400);
  });
});

describe('PATCH /v1/users/me', () => {
  const patchMe = (token: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(token), payload });

  it('updates names and email_opt_in', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await patchMe(u.access, { first_name: '  Grace ', last_name: 'Hopper', email_opt_in: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ first_name: 'Grace', last_name: 'Hopper', email_opt_in: false, role: 'customer' });
    const again = (await me(u.access)).json().user;
    expect(again).toMatchObject({ first_name: 'Grace', last_name: 'Hopper', email_opt_in: false });

    const partial = await patchMe(u.access, { email_opt_in: true });
    expect(partial.json().user).toMatchObject({ first_name: 'Grace', email_opt_in: true });
  });

  it('rejects an unknown field with 400 naming it', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await patchMe(u.access, { nickname: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'nickname' }));
    expect(res.json().error.message).toContain('nickname');
  });

  it('cannot set role_id, status or email (400)', async () => {
    const u = await userWithRole(t, 'customer');
    for (const payload of [{ role_id: 1 }, { status: 'disabled' }, { email: 'new@example.com' }]) {
      const res = await patchMe(u.access, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: Object.keys(payload)[0] }));
    }
    expect((await me(u.access)).json().user).toMatchObject({ role_id: 3, status: 'active', email: u.email });
  });

  it('rejects wrong types and empty names', async () => {
    const u = await userWithRole(t, 'customer');
    expect((await patchMe(u.access, { email_opt_in: 'yes' })).statusCode).toBe(400);
    expect((await patchMe(u.access, { first_name: '' })).statusCode).toBe(400);
    expect((await patchMe(u.access, { last_name: 'x'.repeat(101) })).statusCode).toBe(400);
  });
});
