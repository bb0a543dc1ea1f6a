import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { enforceAccess, type Permission, type RouteEntry } from '../src/middlewares/access.ts';
import type { AuthService } from '../src/services/auth.service.ts';
import type { PermissionService } from '../src/services/permission.service.ts';
import { bearer, createTestEnv, login, userWithRole, type TestUser } from './helpers.ts';

type Role = 'admin' | 'manager' | 'customer';
const ROLES: Role[] = ['admin', 'manager', 'customer'];

/** API.md §1, written out independently of the database seed, plus audit.list (admin only). */
const MATRIX: Record<Permission, Role[]> = {
  'user.create': ['admin'],
  'user.update': ['admin'],
  'user.delete': ['admin'],
  'user.fetch': ['admin', 'manager'],
  'user.list': ['admin', 'manager'],
  'campaign.create': ['admin', 'manager'],
  'campaign.update': ['admin', 'manager'],
  'campaign.delete': ['admin', 'manager'],
  'campaign.fetch': ['admin', 'manager', 'customer'],
  'campaign.list': ['admin', 'manager', 'customer'],
  'campaign.approve_reject': ['admin'],
  'campaign.control': ['admin'],
  'audit.list': ['admin'],
};

// Top-level await: the route table must exist before the tests are generated from it.
const t = await createTestEnv('rbac');
afterAll(() => t.close());
const users = {} as Record<Role, TestUser>;
for (const role of ROLES) users[role] = await userWithRole(t, role);

const v1Routes: RouteEntry[] = t.app.routeCatalog.filter((r) => r.url.startsWith('/v1/'));
const SESSION_ENDING = new Set(['/v1/auth/logout', '/v1/auth/logout-all']);

const fillParams = (url: string) => url.replace(/:(\w+)/g, '999999');
const label = (r: RouteEntry) => `${r.method} ${r.url}`;
const describeAccess = (a: RouteEntry['access']) =>
  'public' in a ? 'public' : 'authenticated' in a ? 'signed in' : `permission ${a.permission}`;

function request(r: RouteEntry, token?: string) {
  const hasBody = !['GET', 'DELETE', 'HEAD', 'OPTIONS'].includes(r.method);
  return t.app.inject({
    method: r.method as 'GET',
    url: fillParams(r.url),
    headers: token ? bearer(token) : {},
    ...(hasBody ? { payload: {} } : {}),
  });
}

function allowed(r: RouteEntry, role: Role): boolean {
  const a = r.access;
  if ('public' in a || 'authenticated' in a) return true;
  const roles = MATRIX[a.permission];
  if (!roles) throw new Error(`route ${label(r)} names permission ${a.permission}, which is not in the expected matrix`);
  return roles.includes(role);
}

describe('route catalog', () => {
  it('lists the foundation routes with the expected access', () => {
    const find = (method: string, url: string) => v1Routes.find((r) => r.method === method && r.url === url)?.access;
    expect(find('POST', '/v1/auth/signup')).toEqual({ public: true });
    expect(find('POST', '/v1/auth/login')).toEqual({ public: true });
    expect(find('POST', '/v1/auth/refresh')).toEqual({ public: true });
    expect(find('POST', '/v1/auth/logout')).toEqual({ authenticated: true });
    expect(find('POST', '/v1/auth/logout-all')).toEqual({ authenticated: true });
    expect(find('GET', '/v1/users/me')).toEqual({ authenticated: true });
    expect(find('PATCH', '/v1/users/me')).toEqual({ authenticated: true });
    expect(find('POST', '/v1/users/me/password')).toEqual({ authenticated: true });
    expect(find('POST', '/v1/users')).toEqual({ permission: 'user.create' });
    expect(find('GET', '/v1/users')).toEqual({ permission: 'user.list' });
    expect(find('GET', '/v1/users/:id')).toEqual({ permission: 'user.fetch' });
    expect(find('PATCH', '/v1/users/:id')).toEqual({ permission: 'user.update' });
    expect(find('DELETE', '/v1/users/:id')).toEqual({ permission: 'user.delete' });
    expect(find('GET', '/v1/audit')).toEqual({ permission: 'audit.list' });
  });

  it('names only permissions of the expected matrix', () => {
    for (const r of v1Routes) if ('permission' in r.access) expect(Object.keys(MATRIX), label(r)).toContain(r.access.permission);
  });
});

describe.each(v1Routes.map((r) => [label(r), r] as const))('%s', (_name, route) => {
  it(`without a token: ${'public' in route.access ? 'not 401/403 (public)' : '401'}`, async () => {
    const res = await request(route);
    if ('public' in route.access) {
      expect(res.statusCode).not.toBe(401);
      expect(res.statusCode).not.toBe(403);
    } else {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBeTypeOf('string');
    }
    expect(res.statusCode).toBeLessThan(500);
  });

  it.each(ROLES)(`as %s (${describeAccess(route.access)})`, async (role) => {
    // Routes that end sessions (logout-all ends all of the user's) get a throwaway user so the shared tokens stay valid.
    const token = SESSION_ENDING.has(route.url) ? (await userWithRole(t, role)).access : users[role].access;
    const res = await request(route, token);
    if (allowed(route, role)) {
      // The route table says this role may call the route; a 403 from deeper down means the table misdescribes access
      // (declare a permission the role lacks, or answer 404 for what the caller may not see).
      const why = `${role} holds ${describeAccess(route.access)} per API.md §1, yet got ${res.statusCode}: ${res.body}`;
      expect(res.statusCode, why).not.toBe(401);
      expect(res.statusCode, why).not.toBe(403);
    } else {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect(res.statusCode, res.body).toBeLessThan(500);
  });
});

describe('the shared tokens survived the matrix', () => {
  it.each(ROLES)('%s token still works', async (role) => {
    const res = await t.app.inject({ url: '/v1/users/me', headers: bearer(users[role].access) });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.role).toBe(role);
  });
});

describe('enforceAccess', () => {
  const deps = { auth: {} as AuthService, permissions: {} as PermissionService };

  it('fails to build an app with a route that declares no access', async () => {
    const app = Fastify();
    enforceAccess(app, deps, []);
    await expect(
      (async () => {
        app.get('/v1/forgotten', async () => ({ secret: true }));
        await app.ready();
      })(),
    ).rejects.toThrow(/declares no access/);
    await app.close().catch(() => undefined);
  });

  it('fails for a route in a plugin too', async () => {
    const app = Fastify();
    enforceAccess(app, deps, []);
    app.register(async (child) => {
      child.post('/v1/plugin-route', async () => ({ ok: true }));
    });
    await expect(app.ready()).rejects.toThrow(/declares no access/);
    await app.close().catch(() => undefined);
  });

  it('registers and catalogs routes that declare their access', async () => {
    const app = Fastify();
    const catalog: RouteEntry[] = [];
    enforceAccess(app, deps, catalog);
    app.get('/open', { config: { access: { public: true } } }, async () => ({ ok: true }));
    app.get('/closed', { config: { access: { permission: 'user.list' } } }, async () => ({ ok: true }));
    await app.ready();
    expect(catalog).toEqual([
      { method: 'GET', url: '/open', access: { public: true } },
      { method: 'GET', url: '/closed', access: { permission: 'user.list' } },
    ]);
    expect((await app.inject({ url: '/open' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/closed' })).statusCode).toBe(401);
    await app.close();
  });
});

describe('role boundaries', () => {
  it('a manager cannot create a user (403)', async () => {
    const m = await userWithRole(t, 'manager');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: bearer(m.access),
      payload: { email: 'x-by-manager@example.com', password: 'long enough pw', first_name: 'X', last_name: 'Y', role_id: 1 },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
  });

  it('a manager cannot raise their own role', async () => {
    const m = await userWithRole(t, 'manager');
    const viaMe = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(m.access), payload: { role_id: 1 } });
    expect(viaMe.statusCode).toBe(400);
    expect(viaMe.json().error.details).toContainEqual(expect.objectContaining({ field: 'role_id' }));
    const viaId = await t.app.inject({ method: 'PATCH', url: `/v1/users/${m.id}`, headers: bearer(m.access), payload: { role_id: 1 } });
    expect(viaId.statusCode).toBe(403);
    const after = await t.app.inject({ url: '/v1/users/me', headers: bearer(m.access) });
    expect(after.json().user).toMatchObject({ role_id: 2, role: 'manager' });
  });

  it('a customer cannot read other users', async () => {
    const c = await userWithRole(t, 'customer');
    expect((await t.app.inject({ url: `/v1/users/${users.admin.id}`, headers: bearer(c.access) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/users', headers: bearer(c.access) })).statusCode).toBe(403);
  });

  it('admins cannot change their own role or status, nor delete themselves (409)', async () => {
    const a = await userWithRole(t, 'admin');
    for (const payload of [{ role_id: 3 }, { status: 'disabled' }]) {
      const res = await t.app.inject({ method: 'PATCH', url: `/v1/users/${a.id}`, headers: bearer(a.access), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(409);
      expect(res.json().error.code).toBeTypeOf('string');
    }
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/users/${a.id}`, headers: bearer(a.access) });
    expect(del.statusCode).toBe(409);
    // Unchanged, still signed in, and names can still be edited.
    const names = await t.app.inject({ method: 'PATCH', url: `/v1/users/${a.id}`, headers: bearer(a.access), payload: { first_name: 'Root', role_id: 1 } });
    expect(names.statusCode).toBe(200);
    expect(names.json().user).toMatchObject({ first_name: 'Root', role_id: 1, status: 'active' });
  });

  it('a role change takes effect on the next login, not through the old token', async () => {
    const c = await userWithRole(t, 'customer');
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/users/${c.id}`, headers: bearer(users.admin.access), payload: { role_id: 2 } });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/users', headers: bearer(c.access) })).statusCode).toBe(401);
    const fresh = await login(t, c.email, c.password);
    expect((await t.app.inject({ url: '/v1/users', headers: bearer(fresh.access_token) })).statusCode).toBe(200);
  });
});
