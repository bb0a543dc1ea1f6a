// The measurements: approval latency, API throughput, fan-out and the nodemailer ceiling.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { Api, SinkClient } from './api.ts';
import { customerEmail, type Stores } from './db.ts';
import { Fatal, freePort, peakRssMb, sleep, startChild, stopChild, waitFor, withTimeout } from './procs.ts';

/** The node flags of the `worker` script in package.json, so the bench runs workers as users are told to. */
export const WORKER_NODE_FLAGS: string[] = (
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.worker ?? ''
)
  .split(' ')
  .filter((w) => w.startsWith('--'));

/** What every measurement needs: the logged-in admin client, the sink, the stores and the children's env. */
export interface Bench {
  api: Api;
  relogin(): Promise<void>;
  sink: SinkClient;
  stores: Stores;
  env: NodeJS.ProcessEnv;
  smtpUrl: string;
  pool: number;
  concurrency: number;
  tag: string;
}

export interface ApprovalResult {
  customers: number;
  approvals: number;
  p50: number;
  p99: number;
  max: number;
}
export interface ApiResult {
  endpoint: string;
  perSecond: number;
  ratio: number;
  non2xx: number;
  errors: number;
  p99Ms: number;
}
export interface FanOutResult {
  size: number;
  workers: number;
  seconds: number;
  perSecond: number;
  rssMb: number;
  exactlyOnce: boolean;
  problems: string[];
  campaignId: number;
  ceiling?: CeilingResult;
}
export interface CeilingResult {
  messages: number;
  seconds: number;
  perSecond: number;
  verified: boolean;
}

/** Nearest-rank percentile of ascending `sorted`. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
const elapsedMs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/**
 * Approves `n` freshly submitted campaigns one after another (no worker running) and times each
 * request; then cancels them and empties the queue so no worker ever sends them.
 */
export async function approvalLatency(b: Bench, n: number): Promise<ApprovalResult> {
  await b.relogin();
  const customers = b.stores.customers;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(await b.api.submittedCampaign(`Approval ${customers}/${i} ${b.tag}`));
  const times: number[] = [];
  try {
    for (const id of ids) {
      const t0 = process.hrtime.bigint();
      await b.api.approve(id);
      times.push(elapsedMs(t0));
    }
  } finally {
    await b.stores.neutralise(ids);
  }
  times.sort((x, y) => x - y);
  return { customers, approvals: n, p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)! };
}

async function cannon(url: string, seconds: number, headers: Record<string, string> = {}) {
  await autocannon({ url, connections: 50, duration: 1, headers }); // warm-up, not counted
  return autocannon({ url, connections: 50, duration: seconds, headers });
}

const LIST_CAMPAIGNS = 100;
const LIST_BODY_KB = 100;

/** autocannon, 50 connections: a bare Fastify hello-world, then authenticated endpoints of the service (the list after seeding 100 campaigns of ~100 KB). */
export async function apiThroughput(b: Bench, seconds: number): Promise<ApiResult[]> {
  await b.relogin();
  const port = await freePort();
  const hello = startChild('hello', ['--import', 'tsx', 'bench/hello.ts'], { ...process.env, PORT: String(port) });
  try {
    const helloUrl = `http://127.0.0.1:${port}/`;
    await waitFor('the hello-world server', async () => (await fetch(helloUrl)).ok, 30_000);
    // The list's page of 100 over campaigns with ~100 KB bodies: it stays small only if the bodies stay out of it.
    for (let i = 0; i < LIST_CAMPAIGNS; i++) await b.api.bigDraft(`List bench ${b.tag} ${i + 1}`, LIST_BODY_KB);
    const auth = { authorization: `Bearer ${b.api.token}` };
    const targets: Array<[string, string, Record<string, string>]> = [
      ['hello-world (bare Fastify) GET /', helloUrl, {}],
      ['GET /v1/users/me (authenticated)', `${b.api.base}/v1/users/me`, auth],
      ['GET /v1/campaigns (admin, default page)', `${b.api.base}/v1/campaigns`, auth],
      [`GET /v1/campaigns?per_page=100 (admin, ${LIST_CAMPAIGNS} campaigns of ~${LIST_BODY_KB} KB)`, `${b.api.base}/v1/campaigns?per_page=100`, auth],
    ];
    const rows: ApiResult[] = [];
    for (const [endpoint, url, headers] of targets) {
      const r = await cannon(url, seconds, headers);
      const perSecond = r.requests.average;
      rows.push({ endpoint, perSecond, ratio: perSecond / (rows[0]?.perSecond ?? perSecond), non2xx: r.non2xx, errors: r.errors, p99Ms: r.latency.p99 });
    }
    return rows;
  } finally {
    await stopChild(hello);
  }
}

/**
 * One fan-out: W worker processes, a fresh campaign approved over HTTP, timed from the start of the
 * approve request to the sink's last accepted message; then exactly-once is checked and the workers stop.
 */
export async function fanOut(b: Bench, size: number, workers: number): Promise<FanOutResult> {
  await b.relogin();
  await b.sink.reset();
  const id = await b.api.submittedCampaign(`Fan-out ${size} x${workers} ${b.tag}`);
  // Workers run with the node flags of `npm run worker`; BENCH_WORKER_NODE_ARGS adds more, e.g. "--cpu-prof --cpu-prof-dir=var/prof".
  const nodeArgs = [...WORKER_NODE_FLAGS, ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const procs = Array.from({ length: workers }, (_, i) => startChild(`worker-${i + 1}`, [...nodeArgs, 'bin/cns.js', 'worker'], b.env));
  const problems: string[] = [];
  let seconds: number;
  let rssMb: number;
  try {
    await Promise.all([
      sleep(1500),
      waitFor('the worker processes to register with the queue', async () => (await b.stores.workerCount()) >= workers, 60_000),
    ]);
    const t0 = performance.timeOrigin + performance.now();
    await b.api.approve(id);
    const sent = await waitFor(`${size} messages at the sink`, async () => {
      for (const p of procs) if (p.done) throw new Fatal(`${p.name} exited during the fan-out`);
      const s = await b.sink.stats();
      return s.total >= size ? s : undefined;
    }, (size / 100 + 60) * 1000);
    seconds = (sent.lastAcceptedAt - t0) / 1000;

    // The ledger says every customer was sent, and the sink got exactly one message each.
    const stats = await waitFor('the campaign to complete', async () => {
      const s = await b.api.stats(id);
      return s.status === 'completed' ? s : undefined;
    }, 60_000, 250).catch(async (err: Error) => {
      problems.push(err.message);
      return b.api.stats(id);
    });
    if (stats.sent !== size || stats.recipients !== size) {
      problems.push(`campaign stats: recipients ${stats.recipients}, sent ${stats.sent}, failed ${stats.failed}, skipped ${stats.skipped}, pending ${stats.pending}`);
    }
    problems.push(...(await checkCounts(b.sink, size)));
    rssMb = Math.max(...procs.map((p) => peakRssMb(p.pid)));
  } finally {
    for (const code of await Promise.all(procs.map((p) => stopChild(p, 30_000)))) {
      if (code !== 0) problems.push(`a worker exited with ${code} when stopped`);
    }
  }
  return { size, workers, seconds, perSecond: size / seconds, rssMb, exactlyOnce: problems.length === 0, problems, campaignId: id };
}

/** Every customer 1…size received exactly one message, and nobody else received any. */
async function checkCounts(sink: SinkClient, size: number): Promise<string[]> {
  const counts = await sink.counts();
  const problems: string[] = [];
  let missing = 0;
  let repeated = 0;
  for (let i = 1; i <= size; i++) {
    const n = counts[customerEmail(i)] ?? 0;
    if (n === 0) missing++;
    else if (n > 1) repeated += n - 1;
  }
  const addresses = Object.keys(counts).length;
  if (missing) problems.push(`${missing} customer(s) received nothing`);
  if (repeated) problems.push(`${repeated} duplicate message(s)`);
  if (addresses !== size - missing) problems.push(`${addresses - (size - missing)} unexpected address(es) at the sink`);
  return problems;
}

/** bench/ceiling.ts in its own process: the same messages straight through pooled nodemailer. */
export async function ceiling(b: Bench, size: number, campaignId: number): Promise<CeilingResult> {
  await b.relogin();
  await b.sink.reset();
  const campaign = await b.api.campaign(campaignId);
  let last = '';
  const args = ['--smtp-url', b.smtpUrl, '--count', String(size), '--pool', String(b.pool), '--in-flight', String(b.concurrency * 2 * b.pool)];
  const child = startChild('ceiling', ['--import', 'tsx', 'bench/ceiling.ts', ...args], { ...b.env, BENCH_CAMPAIGN: JSON.stringify(campaign) }, (line) => {
    last = line;
  });
  const code = await withTimeout(child.exited, (size / 50 + 60) * 1000, `the ceiling run of ${size} messages`);
  if (code !== 0) throw new Error(`bench/ceiling.ts exited with ${code}`);
  const r = JSON.parse(last) as { messages: number; seconds: number; perSecond: number };
  await sleep(200); // let the sink finish counting the last DATA stream
  const s = await b.sink.stats();
  return { ...r, verified: s.total === size && s.unique === size };
}
