import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv } from './helpers.ts';

// REFRESH_REUSE_GRACE: the refresh token a rotation just replaced, presented again within the
// grace, gets that rotation's session back (a reload that lost the answer, two tabs at once);
// any other stale token still ends the session. The grace here (3 s) is what a token presented
// "again at once" is given, however busy the machine; the wait past it is a lower bound.

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
