import Fastify from 'fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../src/handlers/webhooks/generic.ts';
import { enforceAccess, type Access, type Permission, type RouteEntry } from '../src/middlewares/access.ts';
import type { AuthService } from '../src/services/auth.service.ts';
import type { PermissionService } from '../src/services/permission.service.ts';
import { bearer, createTestEnv, login, uniqueEmail, userWithRole, type TestUser } from './helpers.ts';

type Role = 'admin' | 'manager' | 'customer';
const ROLES: Role[] = ['admin', 'manager', 'customer'];

/** The permission matrix of docs/api.md, written out independently of the database seed, plus audit.list (admin only). */
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
  'queue.dashboard': ['admin'],
  'suppression.list': ['admin'],
  'suppression.manage': ['admin'],
  'customer.list': ['admin', 'manager'],
  'customer.fetch': ['admin', 'manager'],
  'customer.manage': ['admin'],
  'attribute.list': ['admin', 'manager'],
  'attribute.manage': ['admin'],
  'topic.list': ['admin', 'manager'],
  'topic.manage': ['admin'],
  'segment.list': ['admin', 'manager'],
  'segment.fetch': ['admin', 'manager'],
  'segment.create': ['admin', 'manager'],
  'segment.update': ['admin', 'manager'],
  'segment.delete': ['admin', 'manager'],
};

/** The only routes anyone may call without a token. */
const PUBLIC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics', // needs no session; guarded by its own METRICS_TOKEN when that is set
  'GET /openapi.json',
  'GET /*', // the web dashboard: index.html on the app's paths, its assets, else the JSON 404
  'POST /v1/auth/signup',
  'POST /v1/auth/login',
  'POST /v1/auth/refresh',
  'POST /v1/auth/resume', // without the session cookie: 204, nothing to resume
  'GET /v1/unsubscribe',
  'POST /v1/unsubscribe',
  'POST /v1/webhooks/bounces/:provider', // signed by the provider (a bad signature is a 401 of its own)
];
/** The only routes every signed-in user may call whatever their role: the caller's own account and sessions. */
const SIGNED_IN_ROUTES = [
  'POST /v1/auth/logout',
  'POST /v1/auth/logout-all',
  'GET /v1/users/me',
  'PATCH /v1/users/me',
  'POST /v1/users/me/password',
];

// Top-level await: the route table must exist before the tests are generated from it.
const WEBHOOK_SECRET = 'rbac-bounce-webhook-secret-0123456789abcdef';
const t = await createTestEnv('rbac', { BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET });
afterAll(() => t.close());
const users = {} as Record<Role, TestUser>;
for (const role of ROLES) users[role] = await userWithRole(t, role);
const PASSWORD = users.admin.password;

const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const catalog: RouteEntry[] = t.app.routeCatalog;

// ---- Fixtures: real resources a caller may touch. Campaigns belong to the shared manager, so both
// the admin (any campaign) and that manager (their own) may act on them.
let seq = 0;
const title = () => `RBAC ${++seq} ${Date.now().toString(36)}`;

async function ok(opts: InjectOptions, status: number) {
  const res = await t.app.inject(opts);
  if (res.statusCode !== status) throw new Error(`fixture ${opts.method} ${opts.url}: ${res.statusCode} ${res.body}`);
  return res.json() as { campaign: { id: number; status: string } };
}
const as = (u: TestUser, method: 'POST' | 'PATCH', url: string, payload?: object): InjectOptions => ({
  method,
  url,
  headers: bearer(u.access),
  ...(payload ? { payload } : {}),
});

async function draft(): Promise<number> {
  const body = { type: 'promotion', title: title(), subject: 'Hi {{first_name}}', body_html: '<p>Use {{promo_code}}</p>', promo_code: 'RBAC10' };
  return (await ok(as(users.manager, 'POST', '/v1/campaigns', body), 201)).campaign.id;
}
async function pending() {
  const id = await draft();
  await ok(as(users.manager, 'POST', `/v1/campaigns/${id}/submit`), 200);
  return id;
}
/** Approved with no start_time: sending (no worker runs here, so it stays so). */
async function sending() {
  const id = await pending();
  expect((await ok(as(users.admin, 'POST', `/v1/campaigns/${id}/approve`, { version: 1 }), 200)).campaign.status).toBe('sending');
  return id;
}
async function paused() {
  const id = await sending();
  await ok(as(users.admin, 'POST', `/v1/campaigns/${id}/pause`), 200);
  return id;
}
/** A customer who is neither a caller nor shared, to be read, edited, deleted or unsubscribed. */
async function someCustomer() {
  return (await t.ctx.services.users.create(null, { email: uniqueEmail('target'), password: PASSWORD, firstName: 'Tar', lastName: 'Get', roleId: 3 })).id;
}

// One live promotion for the read-only routes: the manager's own, and public to customers.
const live = await sending();
const hiddenDraft = await draft();
const readTarget = await someCustomer();
const patchTarget = await someCustomer();
const loginUser = await userWithRole(t, 'customer');

// Audience fixtures: segments are the shared manager's own, so the admin and that manager may change them.
const everyone = { field: 'email', op: 'exists' };
async function segment(): Promise<number> {
  const res = await t.app.inject(as(users.manager, 'POST', '/v1/segments', { name: title(), filter: everyone }));
  if (res.statusCode !== 201) throw new Error(`fixture segment: ${res.statusCode} ${res.body}`);
  return (res.json() as { segment: { id: number } }).segment.id;
}
async function adminPost(url: string, payload: object, field: string): Promise<string | number> {
  const res = await t.app.inject(as(users.admin, 'POST', url, payload));
  if (res.statusCode !== 201) throw new Error(`fixture ${url}: ${res.statusCode} ${res.body}`);
  return (Object.values(res.json() as object)[0] as Record<string, string | number>)[field]!;
}
const attributeKey = () => `a${++seq}_${Date.now().toString(36)}`;
const sharedSegment = await segment();

const PUBLIC_VIEW = ['description', 'end_time', 'id', 'promo_code', 'start_time', 'subject', 'title', 'type'];

interface Fixture {
  url: string;
  payload?: object | string;
  headers?: Record<string, string>;
}
interface RouteSpec {
  /** The permission docs/api.md names for the route; absent for the public and signed-in routes above. */
  permission?: Permission;
  /** The status of a valid request by a caller who may make it. */
  success: 200 | 201 | 202 | 204;
  /** A valid request; called once per cell, so it may create fresh resources. */
  fixture: () => Promise<Fixture> | Fixture;
  /** The call ends or changes the caller's sessions: use a throwaway user of the role, not the shared one. */
  ownSession?: true;
  /** A customer holds the permission but sees only the public view: what they get instead, when it differs. */
  customer?: { status: number; check?: (body: unknown) => void };
  /** Extra checks on a successful response. */
  check?: (body: unknown, role: Role | undefined) => void;
}

const publicViewOnly = (c: Record<string, unknown>) => expect(Object.keys(c).sort()).toEqual(PUBLIC_VIEW);
/** Customers have no preview, stats, deliveries, audience or timeline: their view of a campaign holds none, so 404, not 403. */
const CUSTOMER_HAS_NO_INTERNALS = { status: 404 };

const SPECS: Record<string, RouteSpec> = {
  'GET /healthz': { success: 200, fixture: () => ({ url: '/healthz' }) },
  'GET /readyz': { success: 200, fixture: () => ({ url: '/readyz' }) },
  'GET /metrics': { success: 200, fixture: () => ({ url: '/metrics' }) },
  'GET /openapi.json': { success: 200, fixture: () => ({ url: '/openapi.json' }) },
  'GET /*': { success: 200, fixture: () => ({ url: '/campaigns' }) },
  'POST /v1/auth/signup': {
    success: 201,
    fixture: () => ({ url: '/v1/auth/signup', payload: { email: uniqueEmail('signup'), password: PASSWORD, first_name: 'New', last_name: 'Comer' } }),
    check: (b) => expect(b).toMatchObject({ user: { role: 'customer' } }),
  },
  'POST /v1/auth/login': { success: 200, fixture: () => ({ url: '/v1/auth/login', payload: { email: loginUser.email, password: PASSWORD } }) },
  'POST /v1/auth/refresh': {
    success: 200,
    fixture: async () => ({ url: '/v1/auth/refresh', payload: { refresh_token: (await login(t, loginUser.email, PASSWORD)).refresh_token } }),
  },
  'POST /v1/auth/resume': { success: 204, fixture: () => ({ url: '/v1/auth/resume' }) },
  'GET /v1/unsubscribe': { success: 200, fixture: async () => ({ url: `/v1/unsubscribe?token=${t.ctx.unsubscribe.sign(await someCustomer())}` }) },
  'POST /v1/unsubscribe': { success: 200, fixture: async () => ({ url: `/v1/unsubscribe?token=${t.ctx.unsubscribe.sign(await someCustomer())}` }) },

  'POST /v1/webhooks/bounces/:provider': {
    success: 200,
    fixture: () => {
      const body = JSON.stringify({ events: [{ id: `rbac-${++seq}`, type: 'soft_bounce', email: uniqueEmail('bounced') }] });
      const ts = String(Math.floor(Date.now() / 1000));
      return {
        url: '/v1/webhooks/bounces/generic',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric(WEBHOOK_SECRET, ts, body) },
      };
    },
    check: (b) => expect(b).toEqual({ applied: 1, duplicates: 0, unmatched: 0 }),
  },
  'GET /v1/suppressions': { permission: 'suppression.list', success: 200, fixture: () => ({ url: '/v1/suppressions' }) },
  'POST /v1/suppressions': {
    permission: 'suppression.manage',
    success: 201,
    fixture: () => ({ url: '/v1/suppressions', payload: { email: uniqueEmail('listed'), reason: 'manual' } }),
  },
  'DELETE /v1/suppressions/:email': {
    permission: 'suppression.manage',
    success: 204,
    fixture: async () => {
      const email = uniqueEmail('unlisted');
      await t.ctx.services.suppressions.add({ userId: users.admin.id, roleId: 1, sessionId: 'fixture' }, { email });
      return { url: `/v1/suppressions/${encodeURIComponent(email)}` };
    },
  },

  'POST /v1/auth/logout': { success: 204, ownSession: true, fixture: () => ({ url: '/v1/auth/logout' }) },
  'POST /v1/auth/logout-all': { success: 204, ownSession: true, fixture: () => ({ url: '/v1/auth/logout-all' }) },
  'GET /v1/users/me': { success: 200, fixture: () => ({ url: '/v1/users/me' }), check: (b, role) => expect(b).toMatchObject({ user: { role } }) },
  'PATCH /v1/users/me': { success: 200, fixture: () => ({ url: '/v1/users/me', payload: { last_name: 'Renamed' } }) },
  'POST /v1/users/me/password': {
    success: 204,
    ownSession: true,
    fixture: () => ({ url: '/v1/users/me/password', payload: { current_password: PASSWORD, new_password: 'another long password' } }),
  },

  'POST /v1/users': {
    permission: 'user.create',
    success: 201,
    fixture: () => ({ url: '/v1/users', payload: { email: uniqueEmail('created'), password: PASSWORD, first_name: 'Made', last_name: 'ByAdmin', role_id: 2 } }),
  },
  'GET /v1/users': { permission: 'user.list', success: 200, fixture: () => ({ url: '/v1/users' }) },
  'GET /v1/users/:id': { permission: 'user.fetch', success: 200, fixture: () => ({ url: `/v1/users/${readTarget}` }) },
  'PATCH /v1/users/:id': { permission: 'user.update', success: 200, fixture: () => ({ url: `/v1/users/${patchTarget}`, payload: { first_name: 'Patched' } }) },
  'DELETE /v1/users/:id': { permission: 'user.delete', success: 204, fixture: async () => ({ url: `/v1/users/${await someCustomer()}` }) },
  'GET /v1/audit': { permission: 'audit.list', success: 200, fixture: () => ({ url: '/v1/audit' }) },
  'POST /v1/auth/queue-dashboard': { permission: 'queue.dashboard', success: 204, fixture: () => ({ url: '/v1/auth/queue-dashboard' }) },

  'POST /v1/campaigns': {
    permission: 'campaign.create',
    success: 201,
    fixture: () => ({ url: '/v1/campaigns', payload: { type: 'campaign', title: title(), subject: 'News', body_html: '<p>Hello {{first_name}}</p>' } }),
  },
  'GET /v1/campaigns': {
    permission: 'campaign.list',
    success: 200,
    fixture: () => ({ url: '/v1/campaigns?per_page=100' }),
    check: (b, role) => {
      const ids = (b as { data: { id: number }[] }).data.map((c) => c.id);
      expect(ids).toContain(live);
      if (role === 'customer') {
        expect(ids).not.toContain(hiddenDraft);
        for (const c of (b as { data: Record<string, unknown>[] }).data) publicViewOnly(c);
      } else expect(ids).toContain(hiddenDraft);
    },
  },
  'GET /v1/campaigns/:id': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}` }),
    check: (b, role) => {
      const c = (b as { campaign: Record<string, unknown> }).campaign;
      if (role === 'customer') publicViewOnly(c);
      else expect(c).toMatchObject({ id: live, status: 'sending', created_by: users.manager.id });
    },
  },
  'PATCH /v1/campaigns/:id': { permission: 'campaign.update', success: 200, fixture: async () => ({ url: `/v1/campaigns/${await draft()}`, payload: { remarks: 'edited' } }) },
  'DELETE /v1/campaigns/:id': { permission: 'campaign.delete', success: 204, fixture: async () => ({ url: `/v1/campaigns/${await draft()}` }) },
  'POST /v1/campaigns/:id/submit': { permission: 'campaign.update', success: 200, fixture: async () => ({ url: `/v1/campaigns/${await draft()}/submit` }) },
  'POST /v1/campaigns/:id/approve': {
    permission: 'campaign.approve_reject',
    success: 200,
    fixture: async () => ({ url: `/v1/campaigns/${await pending()}/approve`, payload: { version: 1 } }),
  },
  'POST /v1/campaigns/:id/reject': {
    permission: 'campaign.approve_reject',
    success: 200,
    fixture: async () => ({ url: `/v1/campaigns/${await pending()}/reject`, payload: { version: 1, reason: 'Not this week' } }),
  },
  'POST /v1/campaigns/:id/pause': { permission: 'campaign.control', success: 200, fixture: async () => ({ url: `/v1/campaigns/${await sending()}/pause` }) },
  'POST /v1/campaigns/:id/resume': { permission: 'campaign.control', success: 200, fixture: async () => ({ url: `/v1/campaigns/${await paused()}/resume` }) },
  'POST /v1/campaigns/:id/cancel': { permission: 'campaign.control', success: 200, fixture: async () => ({ url: `/v1/campaigns/${await sending()}/cancel` }) },
  'GET /v1/campaigns/:id/preview': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}/preview` }),
    customer: CUSTOMER_HAS_NO_INTERNALS,
  },
  'GET /v1/campaigns/:id/stats': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}/stats` }),
    customer: CUSTOMER_HAS_NO_INTERNALS,
  },
  'GET /v1/campaigns/:id/deliveries': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}/deliveries` }),
    customer: CUSTOMER_HAS_NO_INTERNALS,
  },
  'GET /v1/campaigns/:id/audience': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}/audience` }),
    customer: CUSTOMER_HAS_NO_INTERNALS,
    check: (b) => expect(b).toEqual({ eligible: expect.any(Number) }),
  },
  'GET /v1/campaigns/:id/timeline': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}/timeline?bucket=hour` }),
    customer: CUSTOMER_HAS_NO_INTERNALS,
    check: (b) => expect(b).toEqual({ bucket: 'hour', buckets: [] }),
  },
  'POST /v1/campaigns/render': {
    permission: 'campaign.create',
    success: 200,
    fixture: () => ({ url: '/v1/campaigns/render', payload: { type: 'campaign', subject: 'News', body_html: '<p>Hello {{first_name}}</p>' } }),
    check: (b) => expect(b).toMatchObject({ subject: 'News', html: expect.stringContaining('<p>Hello ') }),
  },
  'GET /v1/campaigns/:id/history': {
    permission: 'campaign.fetch',
    success: 200,
    fixture: () => ({ url: `/v1/campaigns/${live}/history` }),
    customer: CUSTOMER_HAS_NO_INTERNALS,
  },
  // The author (the shared manager) or an admin; customers lack campaign.update.
  'POST /v1/campaigns/:id/test-send': {
    permission: 'campaign.update',
    success: 202,
    fixture: () => ({ url: `/v1/campaigns/${live}/test-send`, payload: { emails: ['qa@example.com'] } }),
    check: (b) => expect(b).toEqual({ emails: ['qa@example.com'] }),
  },

  'GET /v1/attributes': { permission: 'attribute.list', success: 200, fixture: () => ({ url: '/v1/attributes' }) },
  'POST /v1/attributes': { permission: 'attribute.manage', success: 201, fixture: () => ({ url: '/v1/attributes', payload: { key: attributeKey(), label: 'L', type: 'string' } }) },
  'PATCH /v1/attributes/:key': {
    permission: 'attribute.manage',
    success: 200,
    fixture: async () => ({ url: `/v1/attributes/${await adminPost('/v1/attributes', { key: attributeKey(), label: 'L', type: 'string' }, 'key')}`, payload: { label: 'M' } }),
  },
  'DELETE /v1/attributes/:key': {
    permission: 'attribute.manage',
    success: 204,
    fixture: async () => ({ url: `/v1/attributes/${await adminPost('/v1/attributes', { key: attributeKey(), label: 'L', type: 'string' }, 'key')}` }),
  },
  'GET /v1/topics': { permission: 'topic.list', success: 200, fixture: () => ({ url: '/v1/topics' }) },
  'POST /v1/topics': { permission: 'topic.manage', success: 201, fixture: () => ({ url: '/v1/topics', payload: { name: title() } }) },
  'PATCH /v1/topics/:id': {
    permission: 'topic.manage',
    success: 200,
    fixture: async () => ({ url: `/v1/topics/${await adminPost('/v1/topics', { name: title() }, 'id')}`, payload: { description: 'changed' } }),
  },
  'DELETE /v1/topics/:id': { permission: 'topic.manage', success: 204, fixture: async () => ({ url: `/v1/topics/${await adminPost('/v1/topics', { name: title() }, 'id')}` }) },
  'GET /v1/segments': { permission: 'segment.list', success: 200, fixture: () => ({ url: '/v1/segments' }) },
  'POST /v1/segments/estimate': {
    permission: 'segment.list',
    success: 200,
    fixture: () => ({ url: '/v1/segments/estimate', payload: { filter: everyone } }),
    check: (b) => expect(b).toEqual({ customers: expect.any(Number) }),
  },
  'GET /v1/segments/:id': { permission: 'segment.fetch', success: 200, fixture: () => ({ url: `/v1/segments/${sharedSegment}` }) },
  'GET /v1/segments/:id/customers': { permission: 'segment.fetch', success: 200, fixture: () => ({ url: `/v1/segments/${sharedSegment}/customers` }) },
  'POST /v1/segments': { permission: 'segment.create', success: 201, fixture: () => ({ url: '/v1/segments', payload: { name: title(), filter: everyone } }) },
  'PATCH /v1/segments/:id': { permission: 'segment.update', success: 200, fixture: async () => ({ url: `/v1/segments/${await segment()}`, payload: { description: 'changed' } }) },
  'DELETE /v1/segments/:id': { permission: 'segment.delete', success: 204, fixture: async () => ({ url: `/v1/segments/${await segment()}` }) },
  'GET /v1/customers': { permission: 'customer.list', success: 200, fixture: () => ({ url: '/v1/customers' }) },
  'GET /v1/customers/:id': { permission: 'customer.fetch', success: 200, fixture: () => ({ url: `/v1/customers/${readTarget}` }) },
  'PATCH /v1/customers/:id': { permission: 'customer.manage', success: 200, fixture: () => ({ url: `/v1/customers/${patchTarget}`, payload: { tags: ['VIP'] } }) },
  'GET /v1/tags': { permission: 'customer.list', success: 200, fixture: () => ({ url: '/v1/tags' }) },
  'POST /v1/customers/tags': { permission: 'customer.manage', success: 200, fixture: () => ({ url: '/v1/customers/tags', payload: { add: ['bulk'], ids: [readTarget] } }) },
};

/** The access a route should declare, from the lists and specs above (never from the app). */
function expectedAccess(k: string): Access {
  if (PUBLIC_ROUTES.includes(k)) return { public: true };
  if (SIGNED_IN_ROUTES.includes(k)) return { authenticated: true };
  const permission = SPECS[k]?.permission;
  if (!permission) throw new Error(`${k} is neither public, nor signed-in, nor names a permission in SPECS: add it there`);
  return { permission };
}
const describeAccess = (a: Access) => ('public' in a ? 'public' : 'authenticated' in a ? 'signed in' : `permission ${a.permission}`);

/** What the cell must answer: the route's success status, the customer's public-view status, 401 or 403. */
function expectedStatus(k: string, role: Role | undefined): number {
  const access = expectedAccess(k);
  const spec = SPECS[k]!;
  if ('public' in access) return spec.success;
  if (!role) return 401;
  if ('authenticated' in access) return spec.success;
  if (!MATRIX[access.permission].includes(role)) return 403;
  return role === 'customer' && spec.customer ? spec.customer.status : spec.success;
}

async function call(k: string, route: RouteEntry, role: Role | undefined): Promise<LightMyRequestResponse> {
  const spec = SPECS[k];
  if (!spec) throw new Error(`${k} has no fixture in SPECS: every route needs one`);
  const f = await spec.fixture();
  const token = role && (spec.ownSession ? (await userWithRole(t, role)).access : users[role].access);
  return t.app.inject({
    method: route.method as 'GET',
    url: f.url,
    headers: { ...f.headers, ...(token ? bearer(token) : {}) },
    ...(f.payload ? { payload: f.payload } : {}),
  });
}

describe('route catalog', () => {
  it('has a spec for every route, and every spec names a route that exists', () => {
    expect(catalog.map(key).sort()).toEqual(Object.keys(SPECS).sort());
  });

  it('makes public only the routes listed as public', () => {
    const declared = catalog.filter((r) => 'public' in r.access).map(key);
    expect(declared.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('lets any signed-in role call only the routes listed as signed-in (the caller’s own account and sessions)', () => {
    const declared = catalog.filter((r) => 'authenticated' in r.access).map(key);
    expect(declared.sort()).toEqual([...SIGNED_IN_ROUTES].sort());
  });

  it.each(catalog.map((r) => [key(r), r] as const))('%s declares the access docs/api.md gives it', (k, r) => {
    expect(r.access).toEqual(expectedAccess(k));
  });

  it('names only permissions of the expected matrix', () => {
    for (const r of catalog) if ('permission' in r.access) expect(Object.keys(MATRIX), key(r)).toContain(r.access.permission);
  });
});

describe.each(catalog.map((r) => [key(r), r] as const))('%s', (k, route) => {
  if (!SPECS[k]) {
    it('has a fixture and an expected access in this file', () => {
      throw new Error(`${k} is not in SPECS: add its access (lists above or a permission) and a valid request`);
    });
    return;
  }
  for (const role of [undefined, ...ROLES]) {
    const status = expectedStatus(k, role);
    it(`${role ?? 'no token'} → ${status} (${describeAccess(expectedAccess(k))})`, async () => {
      const res = await call(k, route, role);
      expect(res.statusCode, res.body).toBe(status);
      const spec = SPECS[k]!;
      if (status === 401) expect(res.json().error.code).toBeTypeOf('string');
      else if (status === 403) expect(res.json().error.code).toBe('FORBIDDEN');
      else if (role === 'customer' && spec.customer) {
        expect(res.json().error.code).toBe('NOT_FOUND');
        spec.customer.check?.(res.json());
      } else if (status !== 204 && String(res.headers['content-type']).startsWith('application/json')) spec.check?.(res.json(), role);
    });
  }
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
