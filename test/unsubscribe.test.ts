import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeTokens } from '../src/services/unsubscribe.ts';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** GET/POST /v1/unsubscribe: signed tokens, one-click, no auth, no redirect. */

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('unsubscribe');
});
afterAll(() => t.close());

const optedIn = async (u: TestUser) => {
  const res = await t.app.inject({ url: '/v1/users/me', headers: bearer(u.access) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { user: { email_opt_in: boolean } }).user.email_opt_in;
};

const oneClick = (token: string | undefined, init: { payload?: string; contentType?: string } = {}) =>
  t.app.inject({
    method: 'POST',
    url: token === undefined ? '/v1/unsubscribe' : `/v1/unsubscribe?token=${encodeURIComponent(token)}`,
    headers: { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
    payload: init.payload ?? 'List-Unsubscribe=One-Click',
  });

/** Flips one character of the signature part. */
function alter(token: string): string {
  const i = token.length - 3;
  const c = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + c + token.slice(i + 1);
}

describe('GET /v1/unsubscribe', () => {
  it('shows a confirmation page with a form that posts back the token', async () => {
    const u = await userWithRole(t, 'customer');
    const token = t.ctx.unsubscribe.sign(u.id);
    const res = await t.app.inject({ url: `/v1/unsubscribe?token=${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<form[^>]*method="post"/i);
    expect(res.body).toContain(`action="/v1/unsubscribe?token=${encodeURIComponent(token)}"`);
    // Showing the page changes nothing.
    expect(await optedIn(u)).toBe(true);
  });

  it('the link the emails carry points at this page with a valid token', async () => {
    const u = await userWithRole(t, 'customer');
    const url = new URL(t.ctx.unsubscribe.url(u.id));
    expect(url.origin).toBe('https://cns.example.test');
    expect(url.pathname).toBe('/v1/unsubscribe');
    expect(t.ctx.unsubscribe.verify(url.searchParams.get('token')!)).toBe(u.id);
    expect((await t.app.inject({ url: `${url.pathname}${url.search}` })).statusCode).toBe(200);
  });

  it('refuses a forged, altered or missing token with 400', async () => {
    const u = await userWithRole(t, 'customer');
    const token = t.ctx.unsubscribe.sign(u.id);
    for (const bad of [alter(token), `${u.id + 1}.${token.split('.')[1]}`, 'garbage', `${u.id}.`]) {
      const res = await t.app.inject({ url: `/v1/unsubscribe?token=${encodeURIComponent(bad)}` });
      expect(res.statusCode, bad).toBe(400);
      expect(res.body).not.toContain('<form');
    }
    expect((await t.app.inject({ url: '/v1/unsubscribe' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/v1/unsubscribe?token=' })).statusCode).toBe(400);
  });
});

describe('POST /v1/unsubscribe (one-click)', () => {
  it('opts the user out without auth and without a redirect', async () => {
    const u = await userWithRole(t, 'customer');
    const bystander = await userWithRole(t, 'customer');
    expect(await optedIn(u)).toBe(true);
    const res = await oneClick(t.ctx.unsubscribe.sign(u.id));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.statusCode >= 300 && res.statusCode < 400).toBe(false);
    expect(res.headers.location).toBeUndefined();
    expect(await optedIn(u)).toBe(false);
    expect(await optedIn(bystander)).toBe(true);
  });

  it('is idempotent', async () => {
    const u = await userWithRole(t, 'customer');
    const token = t.ctx.unsubscribe.sign(u.id);
    expect((await oneClick(token)).statusCode).toBe(200);
    expect((await oneClick(token)).statusCode).toBe(200);
    expect(await optedIn(u)).toBe(false);
  });

  it('is audited once, as the user’s own act, however often the link is posted', async () => {
    const u = await userWithRole(t, 'customer');
    const admin = await userWithRole(t, 'admin');
    const token = t.ctx.unsubscribe.sign(u.id);
    for (let i = 0; i < 3; i++) expect((await oneClick(token)).statusCode).toBe(200);
    const res = await t.app.inject({ url: `/v1/audit?action=user.opted_out&actor_id=${u.id}`, headers: bearer(admin.access) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([
      expect.objectContaining({ actor_id: u.id, action: 'user.opted_out', target_type: 'user', target_id: u.id, details: { reason: 'unsubscribe_link' } }),
    ]);
  });

  it('works for the form on the confirmation page and for bodies of other types', async () => {
    const a = await userWithRole(t, 'customer');
    expect((await oneClick(t.ctx.unsubscribe.sign(a.id), { payload: '' })).statusCode).toBe(200);
    expect(await optedIn(a)).toBe(false);
    const b = await userWithRole(t, 'customer');
    expect((await oneClick(t.ctx.unsubscribe.sign(b.id), { contentType: 'multipart/form-data; boundary=x', payload: '--x--' })).statusCode).toBe(200);
    expect(await optedIn(b)).toBe(false);
    const c = await userWithRole(t, 'customer');
    const noBody = await t.app.inject({ method: 'POST', url: `/v1/unsubscribe?token=${t.ctx.unsubscribe.sign(c.id)}` });
    expect(noBody.statusCode, noBody.body).toBe(200);
    expect(await optedIn(c)).toBe(false);
  });

  it('a forged token is 400 and changes nothing', async () => {
    const victim = await userWithRole(t, 'customer');
    const attacker = await userWithRole(t, 'customer');
    const own = t.ctx.unsubscribe.sign(attacker.id);
    const signature = own.split('.')[1]!;
    for (const forged of [alter(t.ctx.unsubscribe.sign(victim.id)), `${victim.id}.${signature}`, `${victim.id}`, `${victim.id}.${'A'.repeat(24)}`]) {
      const res = await oneClick(forged);
      expect(res.statusCode, forged).toBe(400);
      expect((res.json() as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
    }
    expect(await optedIn(victim)).toBe(true);
    expect(await optedIn(attacker)).toBe(true);
  });

  it('a missing token is 400', async () => {
    const res = await oneClick(undefined);
    expect(res.statusCode).toBe(400);
    expect((res.json() as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect((await oneClick('')).statusCode).toBe(400);
  });

  it('a token from another secret is refused', async () => {
    const u = await userWithRole(t, 'customer');
    const other = createUnsubscribeTokens({ secret: 'some-other-secret-0123456789abcdef0123', publicBaseUrl: 'https://x.test' });
    expect((await oneClick(other.sign(u.id))).statusCode).toBe(400);
    expect(await optedIn(u)).toBe(true);
  });

  it('the user can opt back in', async () => {
    const u = await userWithRole(t, 'customer');
    await oneClick(t.ctx.unsubscribe.sign(u.id));
    expect(await optedIn(u)).toBe(false);
    const res = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(u.access), payload: { email_opt_in: true } });
    expect(res.statusCode).toBe(200);
    expect(await optedIn(u)).toBe(true);
  });
});
