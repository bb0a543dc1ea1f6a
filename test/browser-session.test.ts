import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let user: TestUser;
beforeAll(async () => {
  t = await createTestEnv('browser_session');
  user = await userWithRole(t, 'manager');
});
afterAll(() => t?.close());

const XRW = { 'x-requested-with': 'cns' };

/** The refresh cookie a response sets: its value and attributes. */
function refreshCookie(res: { headers: Record<string, unknown> }) {
  const all = [res.headers['set-cookie'] ?? []].flat() as string[];
  const line = all.find((c) => c.startsWith('cns_refresh='));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(/;\s*/);
  return { value: decodeURIComponent(pair!.slice('cns_refresh='.length)), attrs: attrs.map((a) => a.toLowerCase()) };
}

async function cookieLogin() {
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: XRW, payload: { email: user.email, password: user.password, cookie: true } });
  expect(res.statusCode, res.body).toBe(200);
  return { res, access: res.json().access_token as string, cookie: refreshCookie(res)!.value };
}

const refreshWith = (cookie: string, headers: Record<string, string> = XRW) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { ...headers, cookie: `cns_refresh=${encodeURIComponent(cookie)}` } });
const me = (access: string) => t.app.inject({ url: '/v1/users/me', headers: bearer(access) });

describe('browser sessions: the refresh token in an HttpOnly cookie', () => {
  it('login with cookie: true sets an HttpOnly, SameSite=Strict, Secure cookie on /v1/auth and leaves the refresh token out of the body', async () => {
    const { res, access } = await cookieLogin();
    expect(res.json()).not.toHaveProperty('refresh_token');
    expect(res.headers['cache-control']).toBe('no-store');
    const c = refreshCookie(res)!;
    expect(c.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'secure', 'path=/v1/auth', `max-age=${t.config.refreshTokenTtlSec}`]));
    expect((await me(access)).statusCode).toBe(200);
  });

  it('a body login is unchanged: both tokens in the body, no cookie', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } });
    expect(res.json()).toHaveProperty('refresh_token');
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('refresh with the cookie and X-Requested-With rotates it; the old cookie is then reuse, which ends the session', async () => {
    const first = await cookieLogin();
    const res = await refreshWith(first.cookie);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).not.toHaveProperty('refresh_token');
    const rotated = refreshCookie(res)!.value;
    expect(rotated).not.toBe(first.cookie);
    const access = res.json().access_token as string;
    expect((await me(access)).statusCode).toBe(200);
    expect((await me(first.access)).statusCode).toBe(401);

    const reuse = await refreshWith(first.cookie);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().error.code).toBe('TOKEN_REUSED');
    expect(refreshCookie(reuse)!.attrs).toEqual(expect.arrayContaining(['max-age=0']));
    // Reuse detection revoked the whole session: the rotated cookie and its access token are dead too.
    expect((await me(access)).statusCode).toBe(401);
    expect((await refreshWith(rotated)).statusCode).toBe(401);
  });

  it('refuses a cookie refresh without X-Requested-With (what a cross-site form sends) with 403, and the session is untouched', async () => {
    const { cookie, access } = await cookieLogin();
    const res = await refreshWith(cookie, {});
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_CHECK_FAILED');
    // A form can only post form encodings, which the API refuses before anything else.
    const form = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `cns_refresh=${encodeURIComponent(cookie)}` },
      payload: 'a=b',
    });
    expect(form.statusCode).toBe(415);
    expect((await me(access)).statusCode).toBe(200);
    expect((await refreshWith(cookie)).statusCode).toBe(200);
  });

  it('refuses a cookie refresh from another origin with 403', async () => {
    const { cookie } = await cookieLogin();
    const res = await refreshWith(cookie, { ...XRW, origin: 'https://evil.example', host: 'cns.example.test' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_CHECK_FAILED');
    expect((await refreshWith(cookie, { ...XRW, origin: 'https://cns.example.test' })).statusCode).toBe(200);
  });

  it('refuses a cookie login without X-Requested-With (no other site can sign a browser in)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password, cookie: true } });
    expect(res.statusCode).toBe(403);
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('refresh with neither a body token nor a cookie is a 400 naming refresh_token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: XRW });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'refresh_token', message: expect.any(String) }]);
  });

  it('logout ends the session and clears the cookie; the cookie no longer refreshes', async () => {
    const { cookie, access } = await cookieLogin();
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(access) });
    expect(res.statusCode).toBe(204);
    expect(refreshCookie(res)!.attrs).toEqual(expect.arrayContaining(['max-age=0', 'path=/v1/auth']));
    expect((await refreshWith(cookie)).statusCode).toBe(401);
  });
});

describe('resuming a browser session at start-up (POST /v1/auth/resume)', () => {
  const resume = (headers: Record<string, string> = XRW) => t.app.inject({ method: 'POST', url: '/v1/auth/resume', headers });
  const withCookie = (cookie: string, headers: Record<string, string> = XRW) => ({ ...headers, cookie: `cns_refresh=${encodeURIComponent(cookie)}` });

  it('without a cookie answers 204: no session, and nothing refused', async () => {
    for (const headers of [XRW, {}]) {
      const res = await resume(headers);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('with the cookie rotates it as refresh does: a new access token, the rotated cookie, the old one is reuse', async () => {
    const first = await cookieLogin();
    const res = await resume(withCookie(first.cookie));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', user: { email: user.email } });
    expect(res.json()).not.toHaveProperty('refresh_token');
    const rotated = refreshCookie(res)!.value;
    expect(rotated).not.toBe(first.cookie);
    expect((await me(res.json().access_token as string)).statusCode).toBe(200);
    expect((await me(first.access)).statusCode).toBe(401);
    const reuse = await resume(withCookie(first.cookie));
    expect(reuse.statusCode).toBe(401);
    expect(refreshCookie(reuse)!.attrs).toContain('max-age=0');
    expect((await resume(withCookie(rotated))).statusCode).toBe(401);
  });

  it('with a cookie but without X-Requested-With is 403 CSRF_CHECK_FAILED, and the session is untouched', async () => {
    const { cookie } = await cookieLogin();
    const res = await resume(withCookie(cookie, {}));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_CHECK_FAILED');
    expect((await resume(withCookie(cookie))).statusCode).toBe(200);
  });
});
