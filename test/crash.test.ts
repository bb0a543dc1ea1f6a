import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, CNS, createTestEnv, eventually, ledgerCounts, seedCustomers, userWithRole, type TestEnv } from './helpers.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';

// Separate worker processes (`cns worker`), killed and restarted while a campaign is being sent.
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WORKER_ENV = { WORKER_CONCURRENCY: '2', SMTP_POOL_SIZE: '2', JOB_LOCK_DURATION: '2s', SEND_BATCH_SIZE: '100', LEDGER_FLUSH_SIZE: '10' };
// What a killed worker may have sent but not recorded: per job, 2 × SMTP_POOL_SIZE sends in flight
// plus up to two groups of LEDGER_FLUSH_SIZE accepted messages not yet written; times WORKER_CONCURRENCY jobs.
const MAX_IN_FLIGHT = 2 * (2 * 2 + 2 * 10);

function spawnWorker(t: TestEnv): ChildProcess {
  const child = spawn(process.execPath, [...CNS, 'worker'], {
    env: { ...process.env, ...t.vars, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function setup(env: Record<string, string> = {}) {
  const sink = await startSmtpSink();
  cleanups.push(() => sink.close());
  const t = await createTestEnv('crash', { SMTP_URL: sink.url, ...WORKER_ENV, ...env });
  cleanups.push(() => t.close());
  const admin = await userWithRole(t, 'admin');
  return { t, sink, admin };
}

async function approvedCampaign(t: TestEnv, token: string): Promise<number> {
  const post = (url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  const created = await post('/v1/campaigns', {
    type: 'campaign',
    title: `Crash ${Date.now()}`,
    subject: 'News for {{first_name}}',
    body_html: '<p>Hello {{first_name}}</p>',
  });
  expect(created.statusCode).toBe(201);
  const id = created.json().campaign.id as number;
  expect((await post(`/v1/campaigns/${id}/submit`)).statusCode).toBe(200);
  expect((await post(`/v1/campaigns/${id}/approve`, { version: created.json().campaign.version })).statusCode).toBe(200);
  return id;
}

const completed = async (t: TestEnv, id: number, ms = 90_000) => {
  const c = await eventually(async () => {
    const c = await t.ctx.repos.campaigns.findById(id);
    return c?.status === 'completed' ? c : undefined;
  }, ms, 250);
  expect(c.stats).toEqual(await ledgerCounts(t, id));
  return c.stats;
};

function duplicates(sink: SmtpSink) {
  return [...sink.counts().values()].reduce((n, c) => n + (c - 1), 0);
}

describe('crash safety', () => {
  it('loses nobody when a worker is killed with SIGKILL mid-campaign; duplicates stay within the in-flight window', async () => {
    const { t, sink, admin } = await setup({ MAIL_RATE_PER_SEC: '600' });
    await seedCustomers(t, 3000);
    const id = await approvedCampaign(t, admin.access);
    const first = spawnWorker(t);
    await eventually(async () => sink.messages.length >= 800, 60_000, 20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = sink.messages.length;
    expect(atKill).toBeLessThan(3000);

    spawnWorker(t);
    const s = await completed(t, id);
    expect(s).toMatchObject({ recipients: 3000, sent: 3000, pending: 0, failed: 0 });
    expect(sink.counts().size).toBe(3000);
    console.info(`SIGKILL after ${atKill} messages: ${duplicates(sink)} duplicate(s), bound ${MAX_IN_FLIGHT}`);
    expect(duplicates(sink)).toBeLessThanOrEqual(MAX_IN_FLIGHT);
  }, 120_000);

  it('never sends twice when two worker processes share one campaign', async () => {
    const { t, sink, admin } = await setup();
    await seedCustomers(t, 2000);
    spawnWorker(t);
    spawnWorker(t);
    const id = await approvedCampaign(t, admin.access);
    const s = await completed(t, id);
    expect(s).toMatchObject({ recipients: 2000, sent: 2000 });
    expect(sink.messages).toHaveLength(2000);
    expect(duplicates(sink)).toBe(0);
  }, 120_000);

  it('completes a campaign when Redis is restarted (and loses its data) mid-campaign', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const startRedis = () =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let redis = startRedis();
    // Registered first, so it runs after the test env has cleaned its keys.
    cleanups.push(async () => {
      redis.kill('SIGKILL');
    });
    // Until the new server accepts connections.
    const listening = () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true))).once('error', () => resolve(false));
      });
    await eventually(listening, 5000, 20);
    const { t, sink, admin } = await setup({ REDIS_URL: `redis://127.0.0.1:${port}/0`, MAIL_RATE_PER_SEC: '500', RECONCILE_EVERY: '1s' });
    await seedCustomers(t, 2000);
    const id = await approvedCampaign(t, admin.access);
    spawnWorker(t);
    await eventually(async () => sink.messages.length >= 500, 60_000, 20);
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    await new Promise((r) => setTimeout(r, 1000)); // Redis stays down a while: the outage is the point
    redis = startRedis();

    const s = await completed(t, id);
    expect(s).toMatchObject({ recipients: 2000, sent: 2000, pending: 0 });
    expect(sink.counts().size).toBe(2000);
    expect(duplicates(sink)).toBeLessThanOrEqual(MAX_IN_FLIGHT);
  }, 120_000);
});
