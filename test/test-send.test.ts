import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type Workers } from '../src/worker/worker.ts';
import { bearer, createTestEnv, eventually, ledgerCounts, seedCustomers, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';

/** POST /v1/campaigns/:id/test-send end to end: the API queues, a worker renders and sends through SMTP to a sink. */

let t: TestEnv;
let sink: SmtpSink;
let workers: Workers;
let admin: TestUser;
let manager: TestUser;
let otherManager: TestUser;
let customer: TestUser;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestEnv('test_send', { SMTP_URL: sink.url, SMTP_POOL_SIZE: '1' });
  [admin, manager, otherManager, customer] = await Promise.all([
    userWithRole(t, 'admin'),
    userWithRole(t, 'manager'),
    userWithRole(t, 'manager'),
    userWithRole(t, 'customer'),
  ]);
  const renamed = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(manager.access), payload: { first_name: 'Grace', last_name: 'Hopper' } });
  expect(renamed.statusCode).toBe(200);
  workers = await startWorkers(t.ctx);
});
afterAll(async () => {
  await workers.close();
  await t.close();
  await sink.close();
});

const request = (u: TestUser, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(u.access), ...(payload ? { payload } : {}) });
const testSend = (u: TestUser, id: number, emails: unknown) => request(u, 'POST', `/v1/campaigns/${id}/test-send`, { emails });

async function create(u: TestUser, over: object = {}): Promise<number> {
  const res = await request(u, 'POST', '/v1/campaigns', {
    type: 'promotion',
    title: `Test send ${Math.random()}`,
    subject: 'Hello {{first_name}} {{last_name}}',
    body_html: '<p>Dear {{first_name}}, use <b>{{promo_code}}</b>.</p><p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>',
    promo_code: 'TRY20',
    ...over,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().campaign.id;
}

/** Approved with a start an hour ahead: scheduled, so no customer is sent anything while the test runs. */
async function scheduled(u: TestUser = manager): Promise<number> {
  const id = await create(u, { start_time: new Date(Date.now() + 3_600_000).toISOString() });
  expect((await request(u, 'POST', `/v1/campaigns/${id}/submit`)).statusCode).toBe(200);
  const approved = await request(admin, 'POST', `/v1/campaigns/${id}/approve`, { version: 1 });
  expect(approved.json().campaign.status).toBe('scheduled');
  return id;
}

const to = (address: string) => sink.messages.filter((m) => m.to === address);
const testJobsQueued = async () => (await t.ctx.queue.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'])).filter((j) => j?.name === 'test_send').length;

describe('POST /v1/campaigns/:id/test-send', () => {
  it('sends the message as a recipient would get it, rendered for the caller, "[Test] " in the subject, a <t…> Message-ID; the ledger and stats stay as they were', async () => {
    const id = await scheduled();
    const [c1, c2] = await seedCustomers(t, 2, 'ts');
    expect(await t.ctx.repos.deliveries.savePage(id, 0, [c1!, c2!].map((u) => ({ userId: u, email: `ledger${u}@example.com`, batchNo: c1! })), c2!, true)).toBe(true);
    const stats = (await request(admin, 'GET', `/v1/campaigns/${id}/stats`)).json();
    const deliveries = (await request(admin, 'GET', `/v1/campaigns/${id}/deliveries`)).json();

    const res = await testSend(manager, id, ['QA@Example.com', 'lead@example.com', 'qa@example.com']);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ emails: ['qa@example.com', 'lead@example.com'] });

    const mails = await eventually(async () => (to('qa@example.com').length && to('lead@example.com').length ? [...to('qa@example.com'), ...to('lead@example.com')] : undefined), 30_000);
    const ids = new Set<string>();
    for (const m of mails) {
      expect(m.header('Subject')).toBe('[Test] Hello Grace Hopper');
      const messageId = m.header('Message-ID')!;
      expect(messageId).toMatch(new RegExp(`^<t${id}\\.u${manager.id}\\.[A-Za-z0-9_-]+@localhost>$`));
      ids.add(messageId);
      expect(m.header('List-Unsubscribe')).toBe(`<${t.ctx.unsubscribe.url(manager.id)}>`);
      expect(m.raw).toContain('Dear Grace, use');
      expect(m.raw).toContain('TRY20');
    }
    expect(ids.size).toBe(2);
    // Nobody else got anything: not the customers of the ledger, nor the caller's own address.
    expect(sink.messages.map((m) => m.to).sort()).toEqual(['lead@example.com', 'qa@example.com']);

    expect((await request(admin, 'GET', `/v1/campaigns/${id}/stats`)).json()).toEqual(stats);
    expect((await request(admin, 'GET', `/v1/campaigns/${id}/deliveries`)).json()).toEqual(deliveries);
    expect(await ledgerCounts(t, id)).toEqual({ recipients: 2, pending: 2, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 });

    const audit = (await request(admin, 'GET', `/v1/audit?action=campaign.test_sent&target_type=campaign&target_id=${id}`)).json();
    expect(audit.data).toEqual([
      expect.objectContaining({ actor_id: manager.id, action: 'campaign.test_sent', target_type: 'campaign', target_id: id, details: { emails: ['qa@example.com', 'lead@example.com'] } }),
    ]);
  });

  it("its unsubscribe link is the caller's own: following it opts out only the caller", async () => {
    const id = await create(otherManager);
    expect((await testSend(otherManager, id, ['unsub-check@example.com'])).statusCode).toBe(202);
    const [mail] = await eventually(async () => (to('unsub-check@example.com').length ? to('unsub-check@example.com') : undefined), 30_000);
    const link = /^<(.+)>$/.exec(mail!.header('List-Unsubscribe')!)![1]!;
    const res = await t.app.inject({ method: 'POST', url: new URL(link).pathname + new URL(link).search, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(200);
    expect((await request(otherManager, 'GET', '/v1/users/me')).json().user.email_opt_in).toBe(false);
    expect((await request(customer, 'GET', '/v1/users/me')).json().user.email_opt_in).toBe(true);
  });

  it("is for the campaign's author or an admin: another manager gets 404, a customer 403", async () => {
    const id = await scheduled();
    expect((await testSend(admin, id, ['admin-test@example.com'])).statusCode).toBe(202);
    const other = await testSend(otherManager, id, ['x@example.com']);
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('NOT_FOUND');
    const cust = await testSend(customer, id, ['x@example.com']);
    expect(cust.statusCode).toBe(403);
    expect(cust.json().error.code).toBe('FORBIDDEN');
    expect((await testSend(admin, 999_999, ['x@example.com'])).statusCode).toBe(404);
    await eventually(async () => to('admin-test@example.com').length === 1, 30_000);
    expect(to('x@example.com')).toEqual([]);
  });

  it('is refused once the campaign is completed or cancelled (409 INVALID_STATE)', async () => {
    const cancelled = await scheduled();
    expect((await request(admin, 'POST', `/v1/campaigns/${cancelled}/cancel`)).statusCode).toBe(200);
    const completed = await scheduled();
    expect(await t.ctx.repos.campaigns.transition(completed, ['scheduled'], { status: 'completed', completedAt: new Date() })).toBe(true);
    for (const [id, status] of [[cancelled, 'cancelled'], [completed, 'completed']] as const) {
      const res = await testSend(manager, id, ['late@example.com']);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining(status) });
    }
  });

  it('takes 1–5 valid addresses (400 otherwise, naming emails)', async () => {
    const id = await create(manager);
    for (const emails of [[], ['not-an-address'], ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com', 'f@example.com'], 'a@example.com']) {
      const res = await testSend(manager, id, emails);
      expect(res.statusCode, JSON.stringify(emails)).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field).join(' ')).toMatch(/emails/);
    }
    expect((await request(manager, 'POST', `/v1/campaigns/${id}/test-send`, { emails: ['a@example.com'], extra: 1 })).statusCode).toBe(400);
  });

  it('allows 20 test sends per user and hour: the 21st is 429 with Retry-After, and is neither sent nor audited', async () => {
    const busy = await userWithRole(t, 'manager');
    const id = await create(busy);
    for (let i = 0; i < 20; i++) expect((await testSend(busy, id, ['limit@example.com'])).statusCode).toBe(202);
    const res = await testSend(busy, id, ['limit@example.com']);
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);

    await eventually(async () => to('limit@example.com').length === 20 && (await testJobsQueued()) === 0, 30_000);
    expect(to('limit@example.com')).toHaveLength(20);
    expect((await request(admin, 'GET', `/v1/audit?action=campaign.test_sent&actor_id=${busy.id}`)).json().total).toBe(20);
    // Another user's allowance is their own.
    expect((await testSend(manager, await create(manager), ['other-user@example.com'])).statusCode).toBe(202);
  });
});
