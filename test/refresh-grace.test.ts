import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv } from './helpers.ts';

// REFRESH_REUSE_GRACE: the refresh token a rotation just replaced, presented again within the
// grace, gets that rotation's session back (a reload that lost the answer, two tabs at once);
// any other stale token still ends the session. The grace is honoured once per rotation, and only
// for a token presented the way it was issued: a cookie's in the cookie, a body's in a body. The
// grace here (3 s) is what a token presented "again at once" is given, however busy the machine;
// the wait past it is a lower bound.

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('refresh_grace', { REFRESH_REUSE_GRACE: '3s' });
});
afterAll(() => t.close());

type Pair = { access_token: string; refresh_token: string };
const refresh = (token: string) => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
const me = (access: string) => t.app.inject({ url: '/v1/users/me', headers: bearer(access) });
const jti = (token: string) => decodeJwt(token).jti;

async function refreshed(token: string): Promise<Pair> {
  const res = await refresh(token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Pair;
}

describe('refresh token reuse within the grace', () => {
  it('gives the replaced token the session of its replacement, the same ids, and the session stays one', async () => {
    const u = await userWithRole(t, 'customer');
    const second = await refreshed(u.refresh); // its answer "lost": the client still holds u.refresh
    const again = await refreshed(u.refresh);
    expect(jti(again.refresh_token)).toBe(jti(second.refresh_token));
    expect(jti(again.access_token)).toBe(jti(second.access_token));
    // Whichever answer the client kept works, and rotates on normally.
    expect((await me(again.access_token)).statusCode).toBe(200);
    expect((await me(second.access_token)).statusCode).toBe(200);
    const third = await refreshed(second.refresh_token);
    expect((await me(third.access_token)).statusCode).toBe(200);
  });

  it('lets two tabs refresh with one token at once: both get the same session', async () => {
    const u = await userWithRole(t, 'customer');
    const [a, b] = await Promise.all([refresh(u.refresh), refresh(u.refresh)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(jti((a.json() as Pair).refresh_token)).toBe(jti((b.json() as Pair).refresh_token));
    expect((await me((b.json() as Pair).access_token)).statusCode).toBe(200);
  });

  it('honours the grace once per rotation: the replaced token a third time is reuse', async () => {
    const u = await userWithRole(t, 'customer');
    const second = await refreshed(u.refresh);
    await refreshed(u.refresh);
    const third = await refresh(u.refresh);
    expect(third.statusCode).toBe(401);
    expect(third.json().error.code).toBe('TOKEN_REUSED');
    expect((await me(second.access_token)).statusCode).toBe(401);
  });

  it('still ends the session for an older token, or the replaced one after the grace', async () => {
    const u = await userWithRole(t, 'customer');
    const second = await refreshed(u.refresh);
    const third = await refreshed(second.refresh_token);
    // u.refresh is two rotations old: that is reuse, and the whole session ends.
    const reused = await refresh(u.refresh);
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('TOKEN_REUSED');
    expect((await me(third.access_token)).statusCode).toBe(401);

    const v = await userWithRole(t, 'customer');
    const next = await refreshed(v.refresh);
    await new Promise((r) => setTimeout(r, 3200));
    const late = await refresh(v.refresh);
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('TOKEN_REUSED');
    expect((await me(next.access_token)).statusCode).toBe(401);
  });
});

describe('the grace for a browser session (the refresh token in the cookie)', () => {
  const XRW = { 'x-requested-with': 'cns' };
  const cookieOf = (res: { headers: Record<string, unknown> }) => {
    const line = ([res.headers['set-cookie'] ?? []].flat() as string[]).find((c) => c.startsWith('cns_refresh='));
    return line ? decodeURIComponent(line.split(';')[0]!.slice('cns_refresh='.length)) : undefined;
  };
  const withCookie = (token: string) => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { ...XRW, cookie: `cns_refresh=${encodeURIComponent(token)}` } });
  async function cookieSession() {
    const u = await userWithRole(t, 'manager');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: XRW, payload: { email: u.email, password: u.password, cookie: true } });
    expect(res.statusCode, res.body).toBe(200);
    return cookieOf(res)!;
  }

  it('gives the replaced cookie, presented as the cookie again, the same session in the cookie, never in the body', async () => {
    const first = await cookieSession();
    const rotated = await withCookie(first);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const again = await withCookie(first);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).not.toHaveProperty('refresh_token');
    expect(jti(cookieOf(again)!)).toBe(jti(cookieOf(rotated)!));
    expect((await me(again.json().access_token)).statusCode).toBe(200);
  });

  it('never answers the replaced cookie presented in a body, without the CSRF header: that is reuse, and the session ends', async () => {
    const first = await cookieSession();
    const rotated = await withCookie(first);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const current = cookieOf(rotated)!;
    const inBody = await refresh(first);
    expect(inBody.statusCode).toBe(401);
    expect(inBody.json().error.code).toBe('TOKEN_REUSED');
    expect(inBody.body).not.toContain(current);
    expect(inBody.body).not.toContain('refresh_token');
    expect((await me(rotated.json().access_token)).statusCode).toBe(401);
    expect((await withCookie(current)).statusCode).toBe(401);
  });

  it('refuses the current cookie presented in a body, and keeps the session', async () => {
    const first = await cookieSession();
    const inBody = await refresh(first);
    expect(inBody.statusCode).toBe(401);
    expect(inBody.json().error.code).toBe('INVALID_TOKEN');
    expect(inBody.body).not.toContain('refresh_token');
    const viaCookie = await withCookie(first);
    expect(viaCookie.statusCode, viaCookie.body).toBe(200);
  });

  it('refuses a body-born token presented as the cookie, and gives a replaced one no grace there', async () => {
    const u = await userWithRole(t, 'customer');
    const asCookie = await withCookie(u.refresh);
    expect(asCookie.statusCode).toBe(401);
    expect(asCookie.json().error.code).toBe('INVALID_TOKEN');
    const second = await refreshed(u.refresh);
    const replayed = await withCookie(u.refresh);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().error.code).toBe('TOKEN_REUSED');
    expect((await me(second.access_token)).statusCode).toBe(401);
  });
});
