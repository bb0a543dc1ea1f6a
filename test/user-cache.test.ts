import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createUserCache } from '../src/stores/user-cache.store.ts';
import { buildApp, type App } from '../src/server/app.ts';
import { createAppContext, type AppContext } from '../src/server/context.ts';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** The Redis cache of user profiles, seen from two API processes sharing MySQL and Redis. */

let t: TestEnv;
let other: { ctx: AppContext; app: App };
let admin: TestUser;

beforeAll(async () => {
  t = await createTestEnv('user_cache');
  const ctx = createAppContext(loadConfig(t.vars), { role: 'api', log: pino({ level: 'silent' }) });
  await ctx.connect();
  const app = await buildApp(ctx);
  await app.ready();
  other = { ctx, app };
  admin = await userWithRole(t, 'admin');
});
afterAll(async () => {
  await other.app.close();
  await other.ctx.close();
  await t.close();
});

const me = (app: App, u: TestUser) => app.inject({ url: '/v1/users/me', headers: bearer(u.access) });

describe('user profile cache', () => {
  it('a change made through one process is what the other process shows next, even with its cache warm', async () => {
    const u = await userWithRole(t, 'customer');
    expect((await me(other.app, u)).json().user.first_name).toBe('customer'); // warms the cache
    const patched = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(u.access), payload: { first_name: 'Renamed' } });
    expect(patched.statusCode).toBe(200);
    expect((await me(other.app, u)).json().user).toMatchObject({ first_name: 'Renamed' });

    // An admin's change and a one-click unsubscribe, both through the first process.
    await t.app.inject({ method: 'PATCH', url: `/v1/users/${u.id}`, headers: bearer(admin.access), payload: { last_name: 'Byadmin' } });
    const token = t.ctx.unsubscribe.url(u.id).split('token=')[1]!;
    expect((await t.app.inject({ method: 'POST', url: `/v1/unsubscribe?token=${token}` })).statusCode).toBe(200);
    const seen = (await other.app.inject({ url: `/v1/users/${u.id}`, headers: bearer(admin.access) })).json().user;
    expect(seen).toMatchObject({ first_name: 'Renamed', last_name: 'Byadmin', email_opt_in: false });
  });

  it('a deleted user is gone for the other process at once', async () => {
    const u = await userWithRole(t, 'customer');
    expect((await other.app.inject({ url: `/v1/users/${u.id}`, headers: bearer(admin.access) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/users/${u.id}`, headers: bearer(admin.access) })).statusCode).toBe(204);
    expect((await other.app.inject({ url: `/v1/users/${u.id}`, headers: bearer(admin.access) })).statusCode).toBe(404);
  });

  it('a reader that loaded the row before a change cannot put the old row back', async () => {
    const cache = createUserCache({ redis: t.ctx.redis, prefix: t.config.redisPrefix, ttlSec: 60 });
    const u = await userWithRole(t, 'customer');
    const before = (await t.ctx.repos.users.profile(u.id))!;
    await cache.drop(u.id); // the reader missed, and loaded `before` from MySQL …
    await t.ctx.repos.users.update(u.id, { firstName: 'After' }); // … a writer commits and caches its result …
    await cache.fill(before); // … then the reader's fill arrives late.
    expect((await t.ctx.repos.users.profile(u.id))!.firstName).toBe('After');
  });

  it('caches nothing for an id that has no row yet (it may be assigned later)', async () => {
    const unused = 4_000_000_000;
    expect(await t.ctx.repos.users.update(unused, { firstName: 'Nobody' })).toBeUndefined();
    expect(await t.ctx.repos.users.delete(unused)).toBe(false);
    expect(await t.ctx.repos.users.profile(unused)).toBeUndefined();
    expect(await t.ctx.redis.exists(`${t.config.redisPrefix}:user:${unused}`)).toBe(0);
  });

  it('never holds a password hash', async () => {
    const u = await userWithRole(t, 'customer');
    await me(t.app, u);
    const raw = await t.ctx.redis.get(`${t.config.redisPrefix}:user:${u.id}`);
    expect(raw).toContain(u.email);
    expect(raw).not.toMatch(/argon2|password/i);
  });

  it('a password change still checks the current password against the database', async () => {
    const u = await userWithRole(t, 'customer');
    await me(other.app, u);
    const change = (app: App, current_password: string, new_password: string) =>
      app.inject({ method: 'POST', url: '/v1/users/me/password', headers: bearer(u.access), payload: { current_password, new_password } });
    expect((await change(t.app, u.password, 'a brand new password')).statusCode).toBe(204);
    expect((await change(other.app, u.password, 'yet another password')).statusCode).toBe(400);
    expect((await change(other.app, 'a brand new password', 'yet another password')).statusCode).toBe(204);
  });

  it('USER_CACHE_TTL=0 turns the cache off', () => {
    expect(loadConfig({ ...t.vars, USER_CACHE_TTL: '0' }).userCacheTtlSec).toBe(0);
    expect(loadConfig(t.vars).userCacheTtlSec).toBe(60);
    expect(() => loadConfig({ ...t.vars, USER_CACHE_TTL: 'soon' })).toThrow(/USER_CACHE_TTL/);
  });
});
