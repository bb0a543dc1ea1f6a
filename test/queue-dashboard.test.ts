import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, login, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
beforeAll(async () => {
  t = await createTestEnv('queue_dashboard');
  [admin, manager] = await Promise.all([userWithRole(t, 'admin'), userWithRole(t, 'manager')]);
});
afterAll(() => t?.close());

const COOKIE = 'cns_queue_dashboard';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const XHR = { accept: 'application/json, text/plain, */*' };

/** The dashboard cookie a response sets: its value and attributes. */
function passCookie(res: { headers: Record<string, unknown> }) {
  const line = ([res.headers['set-cookie'] ?? []].flat() as string[]).find((c) => c.startsWith(`${COOKIE}=`));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(/;\s*/);
  return { value: decodeURIComponent(pair!.slice(COOKIE.length + 1)), attrs: attrs.map((a) => a.toLowerCase()) };
}

async function passFor(access: string) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/queue-dashboard', headers: bearer(access) });
  expect(res.statusCode, res.body).toBe(204);
  return passCookie(res)!;
}

const board = (url: string, pass: string | undefined, opts: Omit<InjectOptions, 'url'> = {}) =>
  t.app.inject({ ...opts, url, cookies: pass === undefined ? {} : { [COOKIE]: pass } });

describe('the queue dashboard at /admin/queues', () => {
  it('answers 401 without the pass: a plain page to a browser, the error shape to API calls, and nothing under the prefix is open', async () => {
    const page = await board('/admin/queues', undefined, { headers: HTML });
    expect(page.statusCode).toBe(401);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Sign in');

    const api = await board('/admin/queues/api/queues', undefined, { headers: XHR });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });

    for (const [method, url] of [
      ['GET', '/admin/queues/'],
      ['GET', '/admin/queues/queue/delivery'],
      ['GET', '/admin/queues/api/redis/stats'],
      ['GET', '/admin/queues/static/images/logo.svg'],
      ['PUT', '/admin/queues/api/queues/pause'],
    ] as const) {
      expect((await board(url, undefined, { method, headers: { origin: t.config.publicBaseUrl } })).statusCode, `${method} ${url}`).toBe(401);
    }
    // A token that is not a pass (here the admin's access token) opens nothing, and is dropped.
    const wrong = await board('/admin/queues/api/queues', admin.access, { headers: XHR });
    expect(wrong.statusCode).toBe(401);
    expect(passCookie(wrong)!.attrs).toContain('max-age=0');
  });

  it('refuses managers: no pass for them (403), and a pass made for one still gets 403 at the dashboard', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/queue-dashboard', headers: bearer(manager.access) });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(passCookie(res)).toBeUndefined();

    const principal = await t.ctx.services.auth.authenticate(manager.access);
    const { pass } = await t.ctx.services.auth.dashboardPass(principal);
    expect((await board('/admin/queues/api/queues', pass, { headers: XHR })).json().error.code).toBe('FORBIDDEN');
    const page = await board('/admin/queues', pass, { headers: HTML });
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('admins only');
  });

  it('gives an admin a 15-minute HttpOnly, SameSite=Strict, Secure cookie on /admin/queues that opens the board and lists the delivery queue', async () => {
    const cookie = await passFor(admin.access);
    expect(cookie.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'secure', 'path=/admin/queues', 'max-age=900']));

    const page = await board('/admin/queues', cookie.value, { headers: HTML });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<base href="/admin/queues/"');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);

    // Every script the page loads is served, under the same pass.
    const scripts = [...page.body.matchAll(/<script defer src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect((await board(`/admin/queues/${src}`, cookie.value)).statusCode, src).toBe(200);

    await t.ctx.queue.port.dispatch(4242, 60_000);
    const api = await board('/admin/queues/api/queues', cookie.value, { headers: XHR });
    expect(api.statusCode, api.body).toBe(200);
    const queues = api.json().queues as { name: string; counts: Record<string, number> }[];
    expect(queues.map((q) => q.name)).toEqual(['delivery']);
    expect(queues[0]!.counts.delayed).toBe(1);
  });

  it('keeps the pass out of the API: it is no bearer token', async () => {
    const { value } = await passFor(admin.access);
    expect((await t.app.inject({ url: '/v1/users/me', headers: bearer(value) })).statusCode).toBe(401);
  });

  it('keeps the pass working across a refresh of its session, and ends it with the session at logout', async () => {
    const a = await userWithRole(t, 'admin');
    const { value } = await passFor(a.access);
    const refreshed = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: a.refresh } });
    expect(refreshed.statusCode).toBe(200);
    expect((await board('/admin/queues/api/queues', value, { headers: XHR })).statusCode).toBe(200);

    const out = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(refreshed.json().access_token) });
    expect(out.statusCode).toBe(204);
    expect(passCookie(out)!.attrs).toEqual(expect.arrayContaining(['path=/admin/queues', 'max-age=0']));
    const after = await board('/admin/queues/api/queues', value, { headers: XHR });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('SESSION_REVOKED');
    expect((await board('/admin/queues', value, { headers: HTML })).statusCode).toBe(401);
  });

  it('ends the pass when the admin is demoted (which ends their sessions)', async () => {
    const a = await userWithRole(t, 'admin');
    const { value } = await passFor(a.access);
    const demote = await t.app.inject({ method: 'PATCH', url: `/v1/users/${a.id}`, headers: bearer(admin.access), payload: { role_id: 2 } });
    expect(demote.statusCode).toBe(200);
    expect((await board('/admin/queues/api/queues', value, { headers: XHR })).statusCode).toBe(401);
    // Signed in again as a manager: still no way in.
    const fresh = await login(t, a.email, a.password);
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/queue-dashboard', headers: bearer(fresh.access_token) })).statusCode).toBe(403);
  });

  it('refuses a change from another origin, or with no Origin, with 403 and changes nothing; from this origin it works', async () => {
    const { value } = await passFor(admin.access);
    const pause = (headers: Record<string, string>) => board('/admin/queues/api/queues/delivery/pause', value, { method: 'PUT', headers: { ...XHR, ...headers } });

    const foreign = await pause({ origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.code).toBe('CSRF_CHECK_FAILED');
    expect((await pause({})).statusCode).toBe(403);
    expect(await t.ctx.queue.queue.isPaused()).toBe(false);

    const own = await pause({ origin: t.config.publicBaseUrl });
    expect(own.statusCode, own.body).toBe(200);
    expect(await t.ctx.queue.queue.isPaused()).toBe(true);
    await t.ctx.queue.queue.resume();
  });
});
