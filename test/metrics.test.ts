import { parser } from '@prometheus-io/lezer-promql';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../src/handlers/webhooks/generic.ts';
import { buildWorkerMetricsServer } from '../src/server/worker-metrics.ts';
import { startWorkers, type Workers } from '../src/worker/worker.ts';
import { bearer, CNS, createTestEnv, eventually, seedCustomers, testConfig, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';

const METRICS_TOKEN = 'worker-metrics-token-0123456789';
const BOUNCE_WEBHOOK_SECRET = 'generic-bounce-webhook-secret-0123456789ab';

/** Every sample of a Prometheus text answer, by series (`name{labels}` exactly as written). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

const SENT = 'cns_messages_total{outcome="sent"}';
const FAILED = 'cns_messages_total{outcome="failed"}';
const SEND_COUNT = 'cns_smtp_send_duration_seconds_count';
const WAITING = 'cns_queue_jobs{queue="delivery",state="waiting"}';
const DELAYED = 'cns_queue_jobs{queue="delivery",state="delayed"}';

/** The API's /metrics, as Prometheus scrapes it (`cns start`: the workers' metrics are in the same registry). */
async function scrape(t: TestEnv): Promise<Map<string, number>> {
  const res = await t.app.inject({ url: '/metrics', headers: t.config.metricsToken ? bearer(t.config.metricsToken) : {} });
  expect(res.statusCode).toBe(200);
  return samples(res.body);
}

/** Creates, submits and approves a campaign to every customer, as an admin does over HTTP; returns its id. */
async function sendCampaign(t: TestEnv, admin: TestUser): Promise<number> {
  const call = (method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url, headers: bearer(admin.access), payload });
  const created = await call('POST', '/v1/campaigns', {
    type: 'promotion',
    title: `Metrics ${Math.random()}`,
    subject: 'Hello {{first_name}}',
    body_html: '<p>Dear {{first_name}}, use {{promo_code}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
    promo_code: 'SAVE10',
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().campaign.id as number;
  expect((await call('POST', `/v1/campaigns/${id}/submit`)).statusCode).toBe(200);
  const { version } = (await call('GET', `/v1/campaigns/${id}`)).json().campaign as { version: number };
  const approved = await call('POST', `/v1/campaigns/${id}/approve`, { version });
  expect(approved.statusCode, approved.body).toBe(200);
  return id;
}

async function completed(t: TestEnv, id: number) {
  return eventually(async () => {
    const c = await t.ctx.repos.campaigns.findById(id);
    return c?.status === 'completed' ? c : undefined;
  });
}

describe('delivery metrics on /metrics (workers in the API process, as `cns start`)', () => {
  let t: TestEnv;
  let sink: SmtpSink;
  let admin: TestUser;
  let workers: Workers;
  let customers: { id: number; email: string }[];
  const N = 5;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestEnv('metrics', { SMTP_URL: sink.url, SMTP_POOL_SIZE: '2', BOUNCE_WEBHOOK_SECRET });
    admin = await userWithRole(t, 'admin');
    const ids = await seedCustomers(t, N);
    const found = await t.ctx.repos.deliveries.recipients(ids);
    customers = ids.map((id) => ({ id, email: found.get(id)!.email.toLowerCase() }));
    workers = await startWorkers(t.ctx);
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
    await sink?.close();
  });

  it(`a campaign to ${N} customers moves messages sent by exactly ${N} and the send time histogram's count by ${N}`, async () => {
    const before = await scrape(t);
    const id = await sendCampaign(t, admin);
    expect((await completed(t, id)).stats).toMatchObject({ sent: N, failed: 0 });
    const after = await scrape(t);
    expect(after.get(SENT)! - before.get(SENT)!).toBe(N);
    expect(after.get(FAILED)! - before.get(FAILED)!).toBe(0);
    expect(after.get(SEND_COUNT)! - before.get(SEND_COUNT)!).toBe(N);
    expect(after.get('cns_smtp_send_duration_seconds_bucket{le="+Inf"}')! - before.get('cns_smtp_send_duration_seconds_bucket{le="+Inf"}')!).toBe(N);
    expect(after.get('cns_smtp_send_duration_seconds_sum')!).toBeGreaterThan(before.get('cns_smtp_send_duration_seconds_sum')!);
  });

  it('a recipient the mail server refuses at RCPT TO (550) moves failed by one; the others move sent', async () => {
    const refused = customers[2]!.email;
    sink.setPolicy((to) => (to === refused ? { code: 550, message: '5.1.1 mailbox unavailable' } : undefined));
    try {
      const before = await scrape(t);
      const id = await sendCampaign(t, admin);
      expect((await completed(t, id)).stats).toMatchObject({ sent: N - 1, failed: 1 });
      const after = await scrape(t);
      expect(after.get(FAILED)! - before.get(FAILED)!).toBe(1);
      expect(after.get(SENT)! - before.get(SENT)!).toBe(N - 1);
      // Every try is timed, the refused one too.
      expect(after.get(SEND_COUNT)! - before.get(SEND_COUNT)!).toBe(N);
    } finally {
      sink.setPolicy(undefined);
    }
  });

  it('bounces and complaints through the signed webhook move cns_delivery_events_total by kind, source and outcome', async () => {
    const series = (kind: string, outcome: string) => `cns_delivery_events_total{kind="${kind}",source="generic",outcome="${outcome}"}`;
    const hook = async (events: object[]) => {
      const body = JSON.stringify({ events });
      const ts = String(Math.floor(Date.now() / 1000));
      const headers = { 'content-type': 'application/json', 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric(BOUNCE_WEBHOOK_SECRET, ts, body) };
      const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks/bounces/generic', headers, payload: body });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const before = await scrape(t);
    const bounce = { id: `metrics-hard-${Math.random()}`, type: 'hard_bounce', email: customers[0]!.email, detail: '550 5.1.1 user unknown' };
    const complaint = { id: `metrics-arf-${Math.random()}`, type: 'complaint', email: customers[1]!.email };
    expect(await hook([bounce, complaint])).toMatchObject({ applied: 2, duplicates: 0 });
    expect(await hook([bounce])).toMatchObject({ applied: 0, duplicates: 1 });
    const after = await scrape(t);
    const delta = (kind: string, outcome: string) => after.get(series(kind, outcome))! - before.get(series(kind, outcome))!;
    expect(delta('hard_bounce', 'applied')).toBe(1);
    expect(delta('hard_bounce', 'duplicate')).toBe(1);
    expect(delta('complaint', 'applied')).toBe(1);
    expect(delta('soft_bounce', 'applied')).toBe(0);
  });

  it('the Grafana dashboard queries only metrics a real scrape has, and shows every cns_ metric; docs/operations.md names each', async () => {
    const text = (await t.app.inject({ url: '/metrics' })).body;
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const sampled = new Set([...samples(text).keys()].map((series) => series.replace(/\{.*$/, '')));
    const dashboard = JSON.parse(await readFile('docs/grafana-dashboard.json', 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((target) => target.expr);
    expect(exprs.length).toBeGreaterThan(10);
    const used = new Set(exprs.flatMap(metricNames));
    for (const name of used) {
      // A histogram is queried through its _bucket, _sum and _count series; anything else by its own name.
      const suffix = /_(bucket|sum|count)$/.exec(name);
      const family = suffix && types.get(name.slice(0, -suffix[0].length)) === 'histogram' ? name.slice(0, -suffix[0].length) : name;
      expect(types.get(family), `${name}: no such metric on /metrics`).toBeDefined();
      if (family === name) expect(types.get(name), `${name} is a histogram: query _bucket, _sum or _count`).not.toBe('histogram');
      expect(sampled.has(name), `${name} has no sample on /metrics`).toBe(true);
    }
    const ours = [...types.keys()].filter((n) => n.startsWith('cns_'));
    expect(ours.sort()).toEqual(['cns_delivery_events_total', 'cns_messages_total', 'cns_queue_jobs', 'cns_queue_scrape_errors_total', 'cns_smtp_send_duration_seconds']);
    const families = new Set([...used].map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const name of [...ours, 'http_requests_total', 'http_request_duration_seconds']) expect(families.has(name), `${name} is not on the dashboard`).toBe(true);
    const guide = await readFile('docs/operations.md', 'utf8');
    for (const name of ours) expect(guide, `${name} is not in the metrics table of docs/operations.md`).toContain(`| \`${name}\``);
  });

  it('keeps label values to fixed lists: no campaign or user id in any series', async () => {
    const text = (await t.app.inject({ url: '/metrics' })).body;
    const ours = text.split('\n').filter((l) => l.startsWith('cns_'));
    expect(ours.length).toBeGreaterThan(0);
    for (const line of ours) expect(line).toMatch(/^cns_[a-z_]+(\{((queue|state|outcome|kind|source|le)="[a-z_+.0-9A-Z]+",?)+\})? [-\d.e+]+$/);
  });
});

/**
 * The metric names a PromQL expression selects, as Prometheus's own grammar reads it. Grafana's
 * variables are replaced first ($__rate_interval by a duration, the others inside strings by a word).
 */
function metricNames(expr: string): string[] {
  const promql = expr.replace(/\$__(rate_)?interval/g, '5m').replace(/\$\{?\w+\}?/g, 'x');
  const names: string[] = [];
  parser.parse(promql).iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`not PromQL at ${node.from}: ${expr}`);
      if (node.name !== 'VectorSelector') return;
      const id = node.node.getChild('Identifier');
      if (!id) throw new Error(`a selector without a metric name: ${expr}`);
      names.push(promql.slice(id.from, id.to));
    },
  });
  return names;
}

describe('docs/grafana-dashboard.json', () => {
  it('reads metric names from PromQL: selectors only, not functions, labels or keywords', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{job=~"$job", x="y"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNames('sum(rate(b_sum[5m])) / on (job) group_left sum(rate(c_count[5m])) > bool 0 or vector(0)')).toEqual(['b_sum', 'c_count']);
    expect(() => metricNames('sum(rate(a[5m])')).toThrow(/not PromQL/);
  });
});

describe('queue depth on /metrics', () => {
  let t: TestEnv;
  beforeAll(async () => {
    // No workers run here, so a job added stays where it was put.
    t = await createTestEnv('metrics_queue');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows a job added while no worker runs as waiting, and a delayed one as delayed, read at scrape time', async () => {
    const before = await scrape(t);
    expect(before.get(WAITING)).toBe(0);
    await t.ctx.queue.port.send(424242, [1]);
    await t.ctx.queue.port.dispatch(424243, 3_600_000);
    const after = await scrape(t);
    expect(after.get(WAITING)).toBe(1);
    expect(after.get(DELAYED)! - before.get(DELAYED)!).toBe(1);
    expect(after.get('cns_queue_jobs{queue="delivery",state="active"}')).toBe(0);
    expect(after.get('cns_queue_scrape_errors_total')).toBe(0);
  });
});

describe('the worker metrics listener (WORKER_METRICS_PORT)', () => {
  let t: TestEnv;
  let server: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    t = await createTestEnv('metrics_listener', { METRICS_TOKEN });
    server = await buildWorkerMetricsServer(t.ctx);
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('with METRICS_TOKEN set: 401 in the error shape without the token or with a wrong one', async () => {
    for (const headers of [{}, bearer('wrong'), bearer(`${METRICS_TOKEN}x`), { authorization: METRICS_TOKEN }] as Record<string, string>[]) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
  });

  it('with the token: 200, Prometheus text with the delivery metrics', async () => {
    const res = await fetch(`${base}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const name of ['cns_messages_total', 'cns_smtp_send_duration_seconds', 'cns_delivery_events_total', 'cns_queue_jobs']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('answers /healthz, and any other path with a 404 in the one error shape', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    for (const path of ['/', '/v1/campaigns', '/readyz', '/metrics/x']) {
      const res = await fetch(`${base}${path}`, { headers: bearer(METRICS_TOKEN) });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('without METRICS_TOKEN: 200 to anyone', async () => {
    const config = testConfig('metrics_open');
    const open = await buildWorkerMetricsServer({ config, log: t.ctx.log, metrics: t.ctx.metrics });
    try {
      const res = await open.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('cns worker with WORKER_METRICS_PORT', () => {
  let t: TestEnv;
  let sink: SmtpSink;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestEnv('metrics_cli', { SMTP_URL: sink.url, METRICS_TOKEN });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await t?.close();
    await sink?.close();
  });

  it('serves its own /metrics on WORKER_METRICS_PORT of 127.0.0.1 (not HOST) behind METRICS_TOKEN, counting what it sent', async () => {
    // HOST (the API's address) is 0.0.0.0, and WORKER_METRICS_HOST is unset: the listener binds loopback only.
    const env = { ...t.vars, HOST: '0.0.0.0', WORKER_METRICS_PORT: '0', LOG_LEVEL: 'info' };
    const proc = spawn(process.execPath, [...CNS, 'worker', '--no-migrate'], { env: { ...process.env, ...env } });
    child = proc;
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A `cns worker` started from the sources: seconds, more on a busy machine.
    await expect.poll(() => out, { timeout: 60_000, interval: 100 }).toContain('workers started');
    const base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(base, out).toBeTruthy();
    // Bound to 0.0.0.0, Fastify would name each of the machine's addresses, and answer on them.
    expect(out.match(/Server listening at/g), out).toHaveLength(1);
    const lan = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (lan) await expect(fetch(`http://${lan}:${new URL(base!).port}/healthz`)).rejects.toThrow();

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const read = async () => {
      const res = await fetch(`${base}/metrics`, { headers: bearer(METRICS_TOKEN) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return samples(await res.text());
    };
    expect((await read()).get(SENT)).toBe(0);

    // The API runs in this process without workers; the child process sends.
    const admin = await userWithRole(t, 'admin');
    await seedCustomers(t, 3);
    const id = await sendCampaign(t, admin);
    await completed(t, id);
    expect(sink.messages).toHaveLength(3);
    const after = await read();
    expect(after.get(SENT)).toBe(3);
    expect(after.get(SEND_COUNT)).toBe(3);
    // This process sent nothing itself: its own registry did not move.
    expect((await scrape(t)).get(SENT)).toBe(0);

    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  }, 120_000);
});
