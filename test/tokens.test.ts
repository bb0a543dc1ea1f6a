import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestEnv('tokens');
  admin = await userWithRole(t, 'admin');
});
afterAll(() => t.close());

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const me = (headers: Record<string, string> = {}) => t.app.inject({ url: '/v1/users/me', headers });

async function expect401(res: { statusCode: number; json(): unknown }, code?: string) {
  expect(res.statusCode).toBe(401);
  const body = res.json() as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (code) expect(body.error.code).toBe(code);
}

/** Claims of a real access token, to forge look-alikes. */
function claimsOf(token: string) {
  const payload = decodeJwt(token);
  return { payload, header: decodeProtectedHeader(token) };
}

describe('access token attacks on GET /v1/users/me', () => {
  it('accepts the genuine token (control)', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await me(bearer(u.access));
    expect(res.statusCode).toBe(200);
    const { header, payload } = claimsOf(u.access);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ iss: 'cns', aud: 'cns:access', sub: String(u.id), role: 3 });
    expect(typeof payload.exp).toBe('number');
    // The session id carries at least 128 bits of randomness.
    expect(Buffer.from(payload.sid as string, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('rejects an alg:none token', async () => {
    const u = await userWithRole(t, 'customer');
    const { payload } = claimsOf(u.access);
    const forged = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url({ ...payload, role: 1 })}.`;
    await expect401(await me(bearer(forged)));
    // Even with the real payload untouched.
    await expect401(await me(bearer(`${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(payload)}.`)));
  });

  it('rejects a token signed with a wrong key but otherwise right claims', async () => {
    const u = await userWithRole(t, 'customer');
    const { payload } = claimsOf(u.access);
    const forged = await new SignJWT({ sid: payload.sid, role: 1 })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer('cns')
      .setAudience('cns:access')
      .setSubject(String(u.id))
      .setJti(payload.jti!)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(randomBytes(32));
    await expect401(await me(bearer(forged)), 'INVALID_TOKEN');
  });

  it('rejects a token signed with the refresh secret', async () => {
    const u = await userWithRole(t, 'customer');
    const { payload } = claimsOf(u.access);
    const forged = await new SignJWT({ sid: payload.sid, role: payload.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer('cns')
      .setAudience('cns:access')
      .setSubject(String(u.id))
      .setJti(payload.jti!)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(t.config.jwtRefreshSecret));
    await expect401(await me(bearer(forged)));
  });

  it('rejects a tampered payload (role changed to admin, signature kept)', async () => {
    const u = await userWithRole(t, 'customer');
    const [h, , s] = u.access.split('.');
    const { payload } = claimsOf(u.access);
    const tampered = `${h}.${b64url({ ...payload, role: 1 })}.${s}`;
    await expect401(await me(bearer(tampered)), 'INVALID_TOKEN');
    const asAdmin = await t.app.inject({ url: '/v1/users', headers: bearer(tampered) });
    expect(asAdmin.statusCode).toBe(401);
  });

  it('rejects a token of another algorithm family (HS512 with the right key)', async () => {
    const u = await userWithRole(t, 'customer');
    const { payload } = claimsOf(u.access);
    const forged = await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: 'HS512', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(t.config.jwtAccessSecret.padEnd(64, 'x')));
    await expect401(await me(bearer(forged)));
  });

  it('rejects a refresh token used as an access token', async () => {
    const u = await userWithRole(t, 'customer');
    await expect401(await me(bearer(u.refresh)));
  });

  it('rejects an access token used as a refresh token at POST /v1/auth/refresh', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: u.access } });
    await expect401(res);
    // The session itself is unharmed.
    expect((await me(bearer(u.access))).statusCode).toBe(200);
  });

  it('rejects a token whose access id was deleted from Redis', async () => {
    const u = await userWithRole(t, 'customer');
    const { payload } = claimsOf(u.access);
    expect(await t.ctx.redis.del(`${t.config.redisPrefix}:at:${payload.jti}`)).toBe(1);
    await expect401(await me(bearer(u.access)), 'SESSION_REVOKED');
  });

  it('rejects a token whose session was deleted from Redis', async () => {
    const u = await userWithRole(t, 'customer');
    const { payload } = claimsOf(u.access);
    const keys = await t.ctx.redis.keys(`${t.config.redisPrefix}:*`);
    const sid = payload.sid as string;
    // Delete every key naming this session: its hash and its token ids.
    const mine: string[] = [];
    for (const k of keys) {
      if (k.endsWith(`:sess:${sid}`)) mine.push(k);
      else if (/:(at|rt):/.test(k) && (await t.ctx.redis.get(k)) === sid) mine.push(k);
    }
    expect(mine.length).toBeGreaterThanOrEqual(2);
    await t.ctx.redis.del(...mine);
    await expect401(await me(bearer(u.access)));
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: u.refresh } });
    await expect401(res);
  });

  it('rejects the token of a user an admin disabled', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/users/${u.id}`, headers: bearer(admin.access), payload: { status: 'disabled' } });
    expect(res.statusCode).toBe(200);
    await expect401(await me(bearer(u.access)));
    const r = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: u.refresh } });
    await expect401(r);
  });

  it('rejects the token of a deleted user', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/users/${u.id}`, headers: bearer(admin.access) });
    expect(res.statusCode).toBe(204);
    await expect401(await me(bearer(u.access)));
    const r = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: u.refresh } });
    await expect401(r);
  });

  it('lets exactly one of two concurrent refreshes with one token win, and revokes the whole session, the winner’s new tokens included', async () => {
    const u = await userWithRole(t, 'customer');
    const refresh = (token: string) => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
    const results = await Promise.all([refresh(u.refresh), refresh(u.refresh)]);
    const winners = results.filter((r) => r.statusCode === 200);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    // The loser presents a token the winner already rotated away: reuse detection (ROTATE in session.store.ts)
    // revokes the session, so the pair the winner just received is dead as well.
    await expect401(results.find((r) => r.statusCode === 401)!, 'TOKEN_REUSED');
    const won = winners[0]!.json() as { access_token: string; refresh_token: string };
    await expect401(await me(bearer(won.access_token)), 'SESSION_REVOKED');
    await expect401(await refresh(won.refresh_token));
    await expect401(await me(bearer(u.access)));
    // Only that session: the user can log in again.
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } })).statusCode).toBe(200);
  });

  it('rejects a missing or malformed Authorization header', async () => {
    const u = await userWithRole(t, 'customer');
    await expect401(await me());
    for (const authorization of [
      '',
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Token ${u.access}`,
      `Bearer ${u.access} extra`,
      `Bearer ${u.access}${u.access}`,
      `${u.access}`,
      'Bearer not-a-jwt',
      'Bearer a.b.c',
      'Bearer ....',
      `Bearer ${'A'.repeat(5000)}`,
      'Bearer \u00e9\u00e9.\u00e9.\u00e9',
    ]) {
      await expect401(await me({ authorization }));
    }
  });
});

/**
 * Sets the clock that tokens are signed and checked by (Date) to the second a token's `exp` names:
 * the token has just expired. The clock is not waited for: tokens of 1 s lived anywhere from 0 to 1 s
 * (`exp` is in whole seconds), so the check that one still worked raced the clock, and lost on a busy
 * machine. Timers and Redis's key expiry keep the real time; the TTLs here (1 min) outlast the test.
 */
const atExpiry = (token: string) => vi.setSystemTime(decodeJwt(token).exp! * 1000);
afterEach(() => void vi.useRealTimers());

describe('token expiry', () => {
  let short: TestEnv;
  beforeAll(async () => {
    short = await createTestEnv('tokens_ttl', { ACCESS_TOKEN_TTL: '1m' });
  });
  afterAll(() => short.close());

  it('rejects an expired access token', async () => {
    const u = await userWithRole(short, 'customer');
    expect((await short.app.inject({ url: '/v1/users/me', headers: bearer(u.access) })).statusCode).toBe(200);
    atExpiry(u.access);
    const res = await short.app.inject({ url: '/v1/users/me', headers: bearer(u.access) });
    await expect401(res, 'TOKEN_EXPIRED');
    // The refresh token is still good and yields a working access token.
    const r = await short.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: u.refresh } });
    expect(r.statusCode).toBe(200);
    expect((await short.app.inject({ url: '/v1/users/me', headers: bearer(r.json().access_token) })).statusCode).toBe(200);
  });
});

describe('refresh token expiry', () => {
  let short: TestEnv;
  beforeAll(async () => {
    short = await createTestEnv('tokens_rttl', { REFRESH_TOKEN_TTL: '1m' });
  });
  afterAll(() => short.close());

  it('rejects an expired refresh token at POST /v1/auth/refresh', async () => {
    const u = await userWithRole(short, 'customer');
    const refresh = (token: string) => short.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
    // Control: within its lifetime the refresh token rotates.
    const fresh = await refresh(u.refresh);
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json().refresh_expires_in).toBe(60);
    atExpiry(fresh.json().refresh_token);
    await expect401(await refresh(fresh.json().refresh_token), 'TOKEN_EXPIRED');
  });
});
