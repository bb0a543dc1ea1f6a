import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, login, uniqueEmail, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
beforeAll(async () => {
  t = await createTestEnv('users');
  admin = await userWithRole(t, 'admin');
  manager = await userWithRole(t, 'manager');
});
afterAll(() => t.close());

const PASSWORD = 'a long enough password';
type Json = Record<string, unknown>;

const as = (u: TestUser) => ({
  get: (url: string) => t.app.inject({ url, headers: bearer(u.access) }),
  post: (url: string, payload: Json) => t.app.inject({ method: 'POST', url, headers: bearer(u.access), payload }),
  patch: (url: string, payload: Json) => t.app.inject({ method: 'PATCH', url, headers: bearer(u.access), payload }),
  del: (url: string) => t.app.inject({ method: 'DELETE', url, headers: bearer(u.access) }),
});
const me = (token: string) => t.app.inject({ url: '/v1/users/me', headers: bearer(token) });
const refresh = (token: string) => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });

async function createUser(body: Json = {}) {
  const payload = { email: uniqueEmail('created'), password: PASSWORD, first_name: 'New', last_name: 'Person', role_id: 3, ...body };
  const res = await as(admin).post('/v1/users', payload);
  return { res, payload };
}

async function auditFor(targetId: number, action?: string) {
  const qs = new URLSearchParams({ target_type: 'user', target_id: String(targetId), per_page: '100' });
  if (action) qs.set('action', action);
  const res = await as(admin).get(`/v1/audit?${qs}`);
  expect(res.statusCode).toBe(200);
  return res.json() as { data: { action: string; actor_id: number | null; target_id: number; details: Json | null; created_at: string }[]; total: number };
}

describe('POST /v1/users', () => {
  it.each([
    [1, 'admin'],
    [2, 'manager'],
    [3, 'customer'],
  ])('creates a user with role_id %i (%s) who can log in', async (roleId, role) => {
    const { res, payload } = await createUser({ role_id: roleId });
    expect(res.statusCode).toBe(201);
    const { user } = res.json();
    expect(user).toMatchObject({ email: payload.email, role_id: roleId, role, status: 'active', first_name: 'New' });
    expect(res.body).not.toMatch(/password/i);
    const tokens = await login(t, payload.email as string, PASSWORD);
    expect((await me(tokens.access_token)).json().user.role).toBe(role);
    const audit = await auditFor(user.id, 'user.created');
    expect(audit.data[0]).toMatchObject({ actor_id: admin.id, details: { role_id: roleId } });
  });

  it('rejects a duplicate email (409), an unknown role (400) and missing fields (400)', async () => {
    const { payload } = await createUser();
    const dup = await as(admin).post('/v1/users', { ...payload, email: (payload.email as string).toUpperCase() });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('EMAIL_TAKEN');
    for (const role_id of [0, 4, -1, 1.5, '1']) {
      const res = (await createUser({ role_id })).res;
      expect(res.statusCode, `role_id ${JSON.stringify(role_id)}`).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'role_id' }));
    }
    const { role_id: _r, ...noRole } = payload;
    expect((await as(admin).post('/v1/users', { ...noRole, email: uniqueEmail() })).statusCode).toBe(400);
  });
});

describe('GET /v1/users', () => {
  let tag: string;
  beforeAll(async () => {
    tag = `zq${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) {
      const { res } = await createUser({ email: uniqueEmail(`${tag}.m`), role_id: 2, last_name: `Listy${i}` });
      expect(res.statusCode).toBe(201);
    }
    for (let i = 0; i < 3; i++) {
      const { res } = await createUser({ email: uniqueEmail(`${tag}.c`), role_id: 3 });
      expect(res.statusCode).toBe(201);
    }
  });

  it('returns a page envelope with defaults', async () => {
    const res = await as(admin).get('/v1/users');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['data', 'page', 'per_page', 'total']);
    expect(body.page).toBe(1);
    expect(body.per_page).toBe(20);
    expect(body.total).toBeGreaterThanOrEqual(10);
    expect(body.data.length).toBe(Math.min(20, body.total));
    expect(res.body).not.toMatch(/password/i);
  });

  it('filters by q (email or names, case-insensitive)', async () => {
    const res = await as(admin).get(`/v1/users?q=${tag.toUpperCase()}&per_page=100`);
    expect(res.json().total).toBe(8);
    expect(res.json().data).toHaveLength(8);
    for (const u of res.json().data) expect(u.email).toContain(tag);
    const byName = await as(admin).get(`/v1/users?q=${encodeURIComponent('listy3')}`);
    expect(byName.json().total).toBe(1);
  });

  it('filters by role_id and combines filters', async () => {
    const managers = (await as(admin).get(`/v1/users?q=${tag}&role_id=2`)).json();
    expect(managers.total).toBe(5);
    for (const u of managers.data) expect(u.role_id).toBe(2);
    const customers = (await as(admin).get(`/v1/users?q=${tag}&role_id=3`)).json();
    expect(customers.total).toBe(3);
    const admins = (await as(admin).get('/v1/users?role_id=1&per_page=100')).json();
    expect(admins.data.map((u: { id: number }) => u.id)).toContain(admin.id);
    for (const u of admins.data) expect(u.role).toBe('admin');
  });

  it('treats LIKE wildcards in q literally', async () => {
    expect((await as(admin).get(`/v1/users?q=${encodeURIComponent('%')}`)).json().total).toBe(0);
    expect((await as(admin).get(`/v1/users?q=${encodeURIComponent('_')}`)).json().total).toBe(0);
  });

  it('pages without overlap', async () => {
    const p1 = (await as(admin).get(`/v1/users?q=${tag}&per_page=3&page=1`)).json();
    const p2 = (await as(admin).get(`/v1/users?q=${tag}&per_page=3&page=2`)).json();
    const p3 = (await as(admin).get(`/v1/users?q=${tag}&per_page=3&page=3`)).json();
    const p4 = (await as(admin).get(`/v1/users?q=${tag}&per_page=3&page=4`)).json();
    expect([p1.data.length, p2.data.length, p3.data.length, p4.data.length]).toEqual([3, 3, 2, 0]);
    expect(p2).toMatchObject({ page: 2, per_page: 3, total: 8 });
    const ids = [...p1.data, ...p2.data, ...p3.data].map((u: { id: number }) => u.id);
    expect(new Set(ids).size).toBe(8);
  });

  it('rejects bad paging and filters with 400', async () => {
    for (const qs of ['per_page=101', 'per_page=0', 'page=0', 'page=-1', 'per_page=abc', 'role_id=9', 'role_id=x', 'q=', 'foo=bar']) {
      const res = await as(admin).get(`/v1/users?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await as(admin).get('/v1/users?per_page=100')).statusCode).toBe(200);
  });

  it('is readable by a manager', async () => {
    expect((await as(manager).get('/v1/users')).statusCode).toBe(200);
  });
});

describe('GET /v1/users/:id', () => {
  it('returns a user, 404 for an unknown id and 400 for a bad id', async () => {
    const { res } = await createUser();
    const id = res.json().user.id;
    const got = await as(admin).get(`/v1/users/${id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().user).toEqual(res.json().user);
    expect((await as(manager).get(`/v1/users/${id}`)).statusCode).toBe(200);
    const missing = await as(admin).get('/v1/users/999999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    for (const bad of ['abc', '0', '-1', '1.5']) expect((await as(admin).get(`/v1/users/${bad}`)).statusCode, bad).toBe(400);
  });
});

describe('PATCH /v1/users/:id', () => {
  it('updates names without touching sessions', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await as(admin).patch(`/v1/users/${u.id}`, { first_name: 'Renamed', last_name: 'Person' });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ first_name: 'Renamed', last_name: 'Person', role_id: 3 });
    expect((await me(u.access)).statusCode).toBe(200);
  });

  it('a role change revokes that user\'s sessions and is audited as user.role_changed', async () => {
    const u = await userWithRole(t, 'customer');
    const second = await login(t, u.email, u.password);
    const res = await as(admin).patch(`/v1/users/${u.id}`, { role_id: 2 });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ role_id: 2, role: 'manager' });
    expect((await me(u.access)).statusCode).toBe(401);
    expect((await me(second.access_token)).statusCode).toBe(401);
    expect((await refresh(u.refresh)).statusCode).toBe(401);
    // The admin's own session is untouched.
    expect((await me(admin.access)).statusCode).toBe(200);

    const audit = await auditFor(u.id, 'user.role_changed');
    expect(audit.total).toBe(1);
    expect(audit.data[0]).toMatchObject({ action: 'user.role_changed', actor_id: admin.id, target_id: u.id, details: { from: 3, to: 2 } });
    const fresh = await login(t, u.email, u.password);
    expect(fresh.user).toMatchObject({ role: 'manager' });
  });

  it('setting the same role again revokes nothing and writes no audit entry', async () => {
    const u = await userWithRole(t, 'manager');
    const res = await as(admin).patch(`/v1/users/${u.id}`, { role_id: 2 });
    expect(res.statusCode).toBe(200);
    expect((await me(u.access)).statusCode).toBe(200);
    expect((await auditFor(u.id, 'user.role_changed')).total).toBe(0);
  });

  it('disabling writes user.disabled and revokes; enabling writes user.enabled', async () => {
    const u = await userWithRole(t, 'customer');
    const res = await as(admin).patch(`/v1/users/${u.id}`, { status: 'disabled' });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.status).toBe('disabled');
    expect((await me(u.access)).statusCode).toBe(401);
    expect((await refresh(u.refresh)).statusCode).toBe(401);
    const denied = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(denied.statusCode).toBe(401);
    expect((await auditFor(u.id, 'user.disabled')).data[0]).toMatchObject({ actor_id: admin.id, target_id: u.id });

    const back = await as(admin).patch(`/v1/users/${u.id}`, { status: 'active' });
    expect(back.json().user.status).toBe('active');
    expect((await auditFor(u.id, 'user.enabled')).total).toBe(1);
    await login(t, u.email, u.password);
  });

  it('rejects invalid patches with 400 and unknown users with 404', async () => {
    const u = await userWithRole(t, 'customer');
    for (const payload of [{ status: 'banned' }, { role_id: 7 }, { email: 'x@example.com' }, { password: 'new password 123' }, { first_name: '' }]) {
      expect((await as(admin).patch(`/v1/users/${u.id}`, payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await as(admin).patch('/v1/users/999999', { first_name: 'Ghost' })).statusCode).toBe(404);
    expect((await as(manager).patch(`/v1/users/${u.id}`, { first_name: 'Nope' })).statusCode).toBe(403);
  });
});

describe('DELETE /v1/users/:id', () => {
  it('deletes (204), revokes, audits user.deleted, then GET is 404', async () => {
    const u = await userWithRole(t, 'manager');
    const res = await as(admin).del(`/v1/users/${u.id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await me(u.access)).statusCode).toBe(401);
    expect((await refresh(u.refresh)).statusCode).toBe(401);
    expect((await as(admin).get(`/v1/users/${u.id}`)).statusCode).toBe(404);
    const audit = await auditFor(u.id, 'user.deleted');
    expect(audit.total).toBe(1);
    expect(audit.data[0]).toMatchObject({ actor_id: admin.id, target_id: u.id, details: { email: u.email, role_id: 2 } });

    expect((await as(admin).del(`/v1/users/${u.id}`)).statusCode).toBe(404);
    const denied = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(denied.statusCode).toBe(401);
    // The email is free again.
    expect((await createUser({ email: u.email })).res.statusCode).toBe(201);
  });

  it('can delete an admin who has audit history', async () => {
    const other = await userWithRole(t, 'admin');
    const victim = await userWithRole(t, 'customer');
    expect((await as(other).patch(`/v1/users/${victim.id}`, { role_id: 2 })).statusCode).toBe(200);
    expect((await as(admin).del(`/v1/users/${other.id}`)).statusCode).toBe(204);
    const audit = await auditFor(victim.id, 'user.role_changed');
    expect(audit.data[0]?.actor_id).toBe(other.id);
  });

  it('is refused to managers (403)', async () => {
    const u = await userWithRole(t, 'customer');
    expect((await as(manager).del(`/v1/users/${u.id}`)).statusCode).toBe(403);
    expect((await me(u.access)).statusCode).toBe(200);
  });
});

describe('GET /v1/audit', () => {
  it('is readable only by admins', async () => {
    const customer = await userWithRole(t, 'customer');
    expect((await as(admin).get('/v1/audit')).statusCode).toBe(200);
    expect((await as(manager).get('/v1/audit')).statusCode).toBe(403);
    expect((await as(customer).get('/v1/audit')).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/audit' })).statusCode).toBe(401);
  });

  it('lists newest first in a page envelope with ISO timestamps', async () => {
    const res = await as(admin).get('/v1/audit?per_page=5');
    const body = res.json();
    expect(body).toMatchObject({ page: 1, per_page: 5 });
    expect(body.total).toBeGreaterThan(5);
    expect(body.data).toHaveLength(5);
    const ids = body.data.map((e: { id: number }) => e.id);
    expect([...ids].sort((a: number, b: number) => b - a)).toEqual(ids);
    for (const e of body.data) expect(new Date(e.created_at).toISOString()).toBe(e.created_at);
    expect((await as(admin).get('/v1/audit?per_page=101')).statusCode).toBe(400);
  });
});
