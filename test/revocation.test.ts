import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_IDS } from '../src/domain/types.ts';
import { createPasswordHasher, type PasswordHasher } from '../src/services/password.ts';
import { createSessionStore } from '../src/stores/session.store.ts';
import { randomId } from '../src/utils/random-id.ts';
import { bearer, createTestEnv, login, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** Revocations (password change, disable, role change, deletion) racing a login in progress. */

interface Pause {
  /** Resolves once the paused call has got to its pause. */
  reached: Promise<void>;
  release(): void;
}

/** A real argon2 hasher whose next verify(), once armed, pauses after checking the password. */
function pausableHasher() {
  const real = createPasswordHasher();
  let armed: { reached: () => void; released: Promise<void> } | undefined;
  const hasher: PasswordHasher = {
    ...real,
    async verify(hash, password) {
      const ok = await real.verify(hash, password);
      const pause = armed;
      armed = undefined;
      if (pause) {
        pause.reached();
        await pause.released;
      }
      return ok;
    },
  };
  return {
    hasher,
    arm(): Pause {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      armed = { reached, released: new Promise<void>((r) => (release = r)) };
      return { reached: reachedP, release };
    },
  };
}

const pausable = pausableHasher();
let t: TestEnv;
let admin: TestUser;
beforeAll(async () => {
  // Enough hashing slots that the paused verification does not hold up the revoking request's own.
  t = await createTestEnv('revocation', { HASH_CONCURRENCY: '4' }, { passwords: pausable.hasher });
  admin = await userWithRole(t, 'admin');
});
afterAll(() => t.close());

const loginReq = (email: string, password: string) => t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
const me = (token: string) => t.app.inject({ url: '/v1/users/me', headers: bearer(token) });
const createCampaign = (token: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: bearer(token),
    payload: { type: 'campaign', title: `Raced ${randomId()}`, subject: 'Hi {{first_name}}', body_html: '<p>Hello {{first_name}}</p>' },
  });
const asAdmin = (method: 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(admin.access), ...(payload ? { payload } : {}) });

/** Starts a login, lets `revoke` run while the login sits between its password check and its session, then lets it finish. */
async function raceLogin(u: TestUser, revoke: () => Promise<void>) {
  const pause = pausable.arm();
  const pending = loginReq(u.email, u.password);
  await pause.reached;
  await revoke();
  pause.release();
  return pending;
}

describe('a login in progress does not survive a revocation', () => {
  it('password change: a login with the old password that was checked before the change gets 401', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await raceLogin(u, async () => {
      const change = await t.app.inject({
        method: 'POST',
        url: '/v1/users/me/password',
        headers: bearer(u.access),
        payload: { current_password: u.password, new_password: 'the new password' },
      });
      expect(change.statusCode).toBe(204);
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
    // Only the session that changed the password is left.
    expect(await t.ctx.redis.scard(`${t.config.redisPrefix}:usess:${u.id}`)).toBe(1);
  });

  it('disable: the raced login of a manager gets 401', async () => {
    const m = await userWithRole(t, 'manager');
    const res = await raceLogin(m, async () => {
      expect((await asAdmin('PATCH', `/v1/users/${m.id}`, { status: 'disabled' })).statusCode).toBe(200);
    });
    expect(res.statusCode).toBe(401);
    expect(await t.ctx.redis.exists(`${t.config.redisPrefix}:usess:${m.id}`)).toBe(0);
  });

  it('role change: the raced login of a demoted manager has the customer role and cannot create campaigns', async () => {
    const m = await userWithRole(t, 'manager');
    const res = await raceLogin(m, async () => {
      expect((await asAdmin('PATCH', `/v1/users/${m.id}`, { role_id: ROLE_IDS.customer })).statusCode).toBe(200);
    });
    // The session starts after the change, so it is the customer's session.
    expect(res.statusCode).toBe(200);
    expect(res.json().user.role).toBe('customer');
    const created = await createCampaign(res.json().access_token);
    expect(created.statusCode).toBe(403);
    expect((await me(m.access)).statusCode).toBe(401);
  });

  it('deletion: the raced login gets 401, not a token that later fails with 500', async () => {
    const m = await userWithRole(t, 'manager');
    const res = await raceLogin(m, async () => {
      expect((await asAdmin('DELETE', `/v1/users/${m.id}`)).statusCode).toBe(204);
    });
    expect(res.statusCode).toBe(401);
  });

  it('a revocation between the login\'s last read of the user and its session start makes the start fail', async () => {
    // Pauses the login right after it re-read the user (its second findById), then disables the user.
    const m = await userWithRole(t, 'manager');
    const repo = t.ctx.repos.users;
    const original = repo.findById;
    let calls = 0;
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    const releasedP = new Promise<void>((r) => (release = r));
    repo.findById = async (id) => {
      const row = await original(id);
      if (id === m.id && ++calls === 1) {
        repo.findById = original;
        reached();
        await releasedP;
      }
      return row;
    };
    try {
      const pending = loginReq(m.email, m.password);
      await reachedP;
      expect((await asAdmin('PATCH', `/v1/users/${m.id}`, { status: 'disabled' })).statusCode).toBe(200);
      release();
      const res = await pending;
      expect(res.statusCode).toBe(401);
      expect(await t.ctx.redis.exists(`${t.config.redisPrefix}:usess:${m.id}`)).toBe(0);
    } finally {
      repo.findById = original;
    }
  });

  it('the session store refuses to start a session when the epoch moved since it was read', async () => {
    const sessions = createSessionStore({ redis: t.ctx.redis, prefix: t.config.redisPrefix, accessTtlSec: 60, refreshTtlSec: 60 });
    const u = await userWithRole(t, 'customer');
    const start = (epoch: string) => sessions.create({ sessionId: randomId(), userId: u.id, accessJti: randomId(), refreshJti: randomId(), epoch, carrier: 'body' });
    const before = await sessions.epoch(u.id);
    await sessions.revokeAll(u.id);
    const after = await sessions.epoch(u.id);
    expect(after).not.toBe(before);
    expect(await start(before)).toBe(false);
    expect(await t.ctx.redis.exists(`${t.config.redisPrefix}:usess:${u.id}`)).toBe(0);
    expect(await start(after)).toBe(true);
    expect(await t.ctx.redis.scard(`${t.config.redisPrefix}:usess:${u.id}`)).toBe(1);
  });
});

describe('role and status are the current ones on every request', () => {
  it('a demotion or disable through the repository alone (no revocation) takes effect on the next request', async () => {
    const m = await userWithRole(t, 'manager');
    expect((await createCampaign(m.access)).statusCode).toBe(201);

    await t.ctx.repos.users.update(m.id, { roleId: ROLE_IDS.customer });
    expect((await createCampaign(m.access)).statusCode).toBe(403);
    expect((await me(m.access)).json().user.role).toBe('customer');

    await t.ctx.repos.users.update(m.id, { roleId: ROLE_IDS.manager });
    expect((await createCampaign(m.access)).statusCode).toBe(201);

    await t.ctx.repos.users.update(m.id, { status: 'disabled' });
    const res = await me(m.access);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('SESSION_REVOKED');
  });

  it('a deleted user\'s token gets 401, not 500', async () => {
    const m = await userWithRole(t, 'manager');
    await t.ctx.repos.users.delete(m.id);
    for (const res of [await createCampaign(m.access), await me(m.access)]) expect(res.statusCode).toBe(401);
  });

  it('a refresh after a revocation is refused, and its session stays ended', async () => {
    const u = await userWithRole(t, 'customer');
    const other = await login(t, u.email, u.password);
    expect((await asAdmin('PATCH', `/v1/users/${u.id}`, { status: 'disabled' })).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: other.refresh_token } });
    expect(res.statusCode).toBe(401);
    expect((await asAdmin('PATCH', `/v1/users/${u.id}`, { status: 'active' })).statusCode).toBe(200);
    expect((await me(other.access_token)).statusCode).toBe(401);
  });
});
