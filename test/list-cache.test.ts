import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/server/app.ts';
import { createAppContext, type AppContext } from '../src/server/context.ts';
import { startWorkers } from '../src/worker/worker.ts';
import { bearer, createTestEnv, eventually, seedCustomers, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

// Staff list pages are kept in each API process and dropped when any process changes a campaign.
// Each test warms the page first, changes something the page shows, and reads it again: a change
// that forgot to tell the cache shows up as the old page.

type Summary = { id: number; title: string; status: string; created_by: number | null; stats: { sent: number; pending: number } };

let t: TestEnv;
let admin: TestUser;
// A second API process on the same database and Redis, with a cache of its own.
let other: { ctx: AppContext; app: App };

beforeAll(async () => {
  t = await createTestEnv('list_cache', { SMTP_URL: '', MAIL_RATE_PER_SEC: '0' });
  admin = await userWithRole(t, 'admin');
  const ctx = createAppContext(t.config, { role: 'api', log: pino({ level: 'silent' }) });
  await ctx.connect();
  const app = await buildApp(ctx);
  await app.ready();
  other = { ctx, app };
});
afterAll(async () => {
  await other.app.close();
  await other.ctx.close();
  await t.close();
});

async function list(app: App = t.app, query = 'per_page=100'): Promise<Summary[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/campaigns?${query}`, headers: bearer(admin.access) });
  expect(res.statusCode).toBe(200);
  return (res.json() as { data: Summary[] }).data;
}
const find = async (id: number, app?: App) => (await list(app)).find((c) => c.id === id);

async function call(method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, token = admin.access) {
  const res = await t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.statusCode === 204 ? undefined : (res.json() as { campaign: Summary & { version: number } });
}

let seq = 0;
const create = async (token = admin.access) =>
  (await call('POST', '/v1/campaigns', { type: 'campaign', title: `Cached ${++seq} ${Date.now()}`, subject: 'Hi {{first_name}}', body_html: '<p>Hello</p>' }, token))!
    .campaign;

describe('campaign list pages kept in memory', () => {
  it('are served from memory: a row written behind the service is not seen until a campaign changes', async () => {
    const a = await create();
    await list();
    await list(other.app);
    // Straight into the table: no repository, so no change notice.
    await t.ctx.mysql.pool.query('UPDATE campaigns SET title = ?, live_title = ? WHERE id = ?', ['Written behind', 'Written behind', a.id]);
    expect((await find(a.id))!.title).toBe(a.title);
    expect((await find(a.id, other.app))!.title).toBe(a.title);
    // Any change through the service drops every process's pages.
    await create();
    expect((await find(a.id))!.title).toBe('Written behind');
    expect((await find(a.id, other.app))!.title).toBe('Written behind');
  });

  it('show a new, edited, submitted, rejected and deleted campaign at once, in this process and another', async () => {
    await list();
    await list(other.app);
    const c = await create();
    expect(await find(c.id)).toBeDefined();
    expect(await find(c.id, other.app)).toBeDefined();

    const edited = (await call('PATCH', `/v1/campaigns/${c.id}`, { title: `${c.title} (edited)` }))!.campaign;
    expect((await find(c.id, other.app))!.title).toBe(edited.title);

    await call('POST', `/v1/campaigns/${c.id}/submit`);
    expect((await find(c.id, other.app))!.status).toBe('pending_approval');
    await call('POST', `/v1/campaigns/${c.id}/reject`, { version: edited.version, reason: 'Not yet' });
    expect((await find(c.id))!.status).toBe('rejected');
    expect((await find(c.id, other.app))!.status).toBe('rejected');

    await call('DELETE', `/v1/campaigns/${c.id}`);
    expect(await find(c.id)).toBeUndefined();
    expect(await find(c.id, other.app)).toBeUndefined();
  });

  it('follow a campaign as the workers send it: status and counters move on the page', async () => {
    await seedCustomers(t, 5, 'lc');
    const c = await create();
    await call('POST', `/v1/campaigns/${c.id}/submit`);
    await call('POST', `/v1/campaigns/${c.id}/approve`, { version: c.version });
    // Approved with no worker running: the other process keeps this page until told of a change.
    expect((await find(c.id, other.app))!.status).toBe('sending');
    const workers = await startWorkers(t.ctx);
    try {
      // Until the workers are done with it: its last change, and the notice after it, are behind us.
      await eventually(async () => {
        const jobs = await t.ctx.queue.queue.getJobs(['active', 'waiting', 'prioritized', 'delayed']);
        const busy = jobs.some((j) => (j?.name === 'send' || j?.name === 'dispatch') && (j.data as { campaignId: number }).campaignId === c.id);
        return !busy && (await t.ctx.repos.campaigns.findById(c.id))?.status === 'completed';
      }, 30_000);
      // Read once: a missed notice would serve the page kept above (pages live 10 s, sending 5 messages
      // takes about one; a machine so busy that it took more would make this weaker, never fail it).
      const done = (await find(c.id, other.app))!;
      expect(done.status).toBe('completed');
      expect(done.stats.sent).toBe(5);
      expect(done.stats.pending).toBe(0);
    } finally {
      await workers.close();
    }
  });

  it('show the ledger counters as the fan-out and the sends move them', async () => {
    const [customer] = await seedCustomers(t, 1, 'lcl');
    const c = await create();
    await call('POST', `/v1/campaigns/${c.id}/submit`);
    // Approved with no worker running: nothing moves the ledger but this test.
    await call('POST', `/v1/campaigns/${c.id}/approve`, { version: c.version });
    expect((await find(c.id, other.app))!.stats.pending).toBe(0);
    await t.ctx.repos.deliveries.savePage(c.id, 0, [{ userId: customer!, email: `lcl@example.com`, batchNo: 1 }], customer!, false);
    expect((await find(c.id, other.app))!.stats.pending).toBe(1);
    await t.ctx.repos.deliveries.markSent(c.id, [customer!]);
    const row = (await find(c.id, other.app))!;
    expect([row.stats.pending, row.stats.sent]).toEqual([0, 1]);
  });

  it('show a deleted author as none', async () => {
    const manager = await userWithRole(t, 'manager');
    const c = await create(manager.access);
    expect((await find(c.id, other.app))!.created_by).toBe(manager.id);
    await call('DELETE', `/v1/users/${manager.id}`);
    expect((await find(c.id, other.app))!.created_by).toBeNull();
  });

  it('are kept per query: filters and pages never share a page', async () => {
    const c = await create();
    const drafts = await list(t.app, 'status=draft&per_page=100');
    const pending = await list(t.app, 'status=pending_approval&per_page=100');
    expect(drafts.some((r) => r.id === c.id)).toBe(true);
    expect(pending.some((r) => r.id === c.id)).toBe(false);
    const [first] = await list(t.app, 'per_page=1&page=1');
    const [second] = await list(t.app, 'per_page=1&page=2');
    expect(first!.id).not.toBe(second!.id);
  });
});
