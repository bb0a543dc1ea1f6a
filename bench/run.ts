// `npm run bench`: starts an SMTP sink, the API and worker processes on a database and Redis prefix
// of its own, measures approval latency, API throughput and fan-out against a nodemailer ceiling,
// prints the tables and writes BENCHMARKS.md. Every child process is stopped on exit, error or SIGINT.
// BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=var/prof" profiles the worker processes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Api, sinkClient, type SinkClient } from './api.ts';
import { DATABASE, MYSQL_ROOT, openStores, REDIS_PREFIX, REDIS_URL, type Stores } from './db.ts';
import { eventLoopWork } from './loop.ts';
import { apiThroughput, approvalLatency, ceiling, fanOut, WORKER_NODE_FLAGS, type Bench } from './measure.ts';
import { findSmtpSink, startPostfixSink } from './postfix-sink.ts';
import { Fatal, freePort, installCleanup, serviceLog, startChild, stopAll, waitFor, withTimeout } from './procs.ts';
import { apiTable, document, keepOptimisations, LOOP_NOTE, loopTable, tables, type Results } from './report.ts';

const USAGE = `usage: npm run bench -- [--sizes 10000,100000] [--million] [--approvals 200] [--api-seconds 10]
                        [--skip-api | --api-only | --loop-only] [--pool 5] [--sink auto|postfix|node] [--out BENCHMARKS.md]
  --api-only: only the API throughput (after seeding 1,000 customers); prints its table, writes no file
  --loop-only: only the event-loop work of single requests (bench/loop.ts); prints its table, writes no file`;

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      million: { type: 'boolean', default: false },
      approvals: { type: 'string', default: '200' },
      'api-seconds': { type: 'string', default: '10' },
      'skip-api': { type: 'boolean', default: false },
      'api-only': { type: 'boolean', default: false },
      'loop-only': { type: 'boolean', default: false },
      pool: { type: 'string', default: '5' },
      sink: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'BENCHMARKS.md' },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, raw: string, min = 1) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
    return n;
  };
  if (values['skip-api'] && values['api-only']) throw new Error(`--skip-api and --api-only exclude each other\n${USAGE}`);
  if (values['loop-only'] && (values['api-only'] || values['skip-api'])) throw new Error(`--loop-only excludes --api-only and --skip-api\n${USAGE}`);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const sizes = [...new Set(values.sizes.split(',').map((s) => positive('sizes', s.trim(), 1000)))];
  if (values.million) sizes.push(1_000_000);
  sizes.sort((a, b) => a - b);
  // The SMTP sink: postfix's smtp-sink when installed (it costs little CPU), else bench/sink.ts.
  if (!['auto', 'postfix', 'node'].includes(values.sink)) throw new Error(`--sink must be auto, postfix or node\n${USAGE}`);
  const smtpSink = values.sink === 'node' ? undefined : findSmtpSink();
  if (values.sink === 'postfix' && !smtpSink) throw new Error("--sink postfix: smtp-sink not found (Debian: apt-get install postfix)");
  return {
    sizes: [...new Set(sizes)],
    approvals: positive('approvals', values.approvals),
    apiSeconds: positive('api-seconds', values['api-seconds']),
    skipApi: values['skip-api'],
    apiOnly: values['api-only'],
    loopOnly: values['loop-only'],
    pool: positive('pool', values.pool),
    smtpSink,
    out: resolve(process.cwd(), values.out),
  };
}

const WORKER_CONCURRENCY = 4;
const ADMIN = { email: 'admin@bench.example.test', password: 'bench-admin-password' };

async function main() {
  const opts = options();
  if (opts.loopOnly) {
    const rows = await eventLoopWork();
    process.stdout.write(`\n${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}\n\n${LOOP_NOTE}\n\n${loopTable(rows)}\n`);
    return;
  }
  const startedAt = Date.now();
  const tag = startedAt.toString(36);
  const upTo100k = opts.sizes.filter((s) => s <= 100_000);
  const scaleOutSize = upTo100k.at(-1) ?? opts.sizes[0]!;
  const approvalSizes = [...new Set([1000, ...(upTo100k.length ? [upTo100k.at(-1)!] : [])])];

  let stores: Stores | undefined;
  let closeSink: (() => Promise<void>) | undefined;
  installCleanup(async () => {
    await closeSink?.();
    await stores?.close();
  });
  const results: Results = {
    date: new Date(),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    versions: { node: process.version, mariadb: '?', redis: '?' },
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    sink: opts.smtpSink ? `postfix's \`smtp-sink\` at ${opts.smtpSink}` : 'a separate `bench/sink.ts` process, a Node `smtp-server`',
    settings: `SMTP_POOL_SIZE=${opts.pool}, WORKER_CONCURRENCY=${WORKER_CONCURRENCY}, other settings at their defaults; workers started as \`npm run worker\` does (node ${WORKER_NODE_FLAGS.join(' ') || 'without flags'}); sizes ${opts.sizes.join(', ')}; ${opts.approvals} approvals per audience size; API ${opts.skipApi ? 'skipped' : `${opts.apiSeconds} s per endpoint, 50 connections`}`,
    minutes: 0,
    approvals: [],
    api: undefined,
    fanOut: [],
    loop: undefined,
    serviceLog,
  };

  try {
    stores = await openStores();
    const v = await stores.versions();
    results.versions.mariadb = v.mariadb;
    results.versions.redis = v.redis;

    const [smtpPort, apiPort] = [await freePort(), await freePort()];
    let sinkClientOf: SinkClient;
    if (opts.smtpSink) {
      const postfix = await startPostfixSink(opts.smtpSink, smtpPort);
      closeSink = postfix.close;
      void postfix.child.exited.then((code) => code !== 0 && code !== null && process.stderr.write(`bench: smtp-sink exited with ${code}\n`));
      sinkClientOf = postfix.client;
    } else {
      const sinkHttpPort = await freePort();
      const sinkEnv = { ...process.env, SINK_SMTP_PORT: String(smtpPort), SINK_HTTP_PORT: String(sinkHttpPort) };
      const sinkListening = new Promise<void>((ready, failed) => {
        const sink = startChild('sink', ['--import', 'tsx', 'bench/sink.ts'], sinkEnv, (line) => {
          if (line.startsWith('{')) ready();
          else process.stderr.write(`[sink] ${line}\n`);
        });
        void sink.exited.then((code) => failed(new Error(`the SMTP sink exited with ${code}`)));
      });
      await withTimeout(sinkListening, 30_000, 'the SMTP sink');
      sinkClientOf = sinkClient(`http://127.0.0.1:${sinkHttpPort}`);
    }

    const smtpUrl = `smtp://127.0.0.1:${smtpPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: `${MYSQL_ROOT}/${DATABASE}`,
      REDIS_URL,
      REDIS_PREFIX,
      JWT_ACCESS_SECRET: 'bench-jwt-access-secret-0123456789abcdefghij',
      JWT_REFRESH_SECRET: 'bench-jwt-refresh-secret-0123456789abcdefghi',
      UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdefgh',
      PUBLIC_BASE_URL: 'https://bench.example.test',
      SMTP_URL: smtpUrl,
      SMTP_POOL_SIZE: String(opts.pool),
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      RECONCILE_EVERY: '5s',
    };
    const apiChild = startChild('api', ['bin/cns.js', 'serve'], {
      ...env,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    });
    const api = new Api(`http://127.0.0.1:${apiPort}`);
    await waitFor('the API (GET /readyz)', async () => {
      if (apiChild.done) throw new Fatal('the API process exited at start-up');
      return (await fetch(`${api.base}/readyz`)).ok;
    }, 60_000, 200);
    const b: Bench = {
      api,
      relogin: () => api.login(ADMIN.email, ADMIN.password),
      sink: sinkClientOf,
      stores,
      env,
      smtpUrl,
      pool: opts.pool,
      concurrency: WORKER_CONCURRENCY,
      tag,
    };
    const step = (what: string) => process.stderr.write(`bench: ${what} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)\n`);

    step('seeding 1,000 customers');
    await stores.growTo(1000);
    if (opts.apiOnly) {
      step(`API throughput (${opts.apiSeconds} s per endpoint)`);
      const rows = await apiThroughput(b, opts.apiSeconds);
      process.stdout.write(`\n${results.machine}, Node ${process.version}\n\n${apiTable(rows)}\n`);
      return;
    }
    step(`approval latency at 1,000 customers (${opts.approvals} approvals)`);
    results.approvals.push(await approvalLatency(b, opts.approvals));
    if (!opts.skipApi) {
      step(`API throughput (${opts.apiSeconds} s per endpoint)`);
      results.api = await apiThroughput(b, opts.apiSeconds);
    }
    for (const size of opts.sizes) {
      step(`seeding ${size.toLocaleString('en-US')} customers`);
      await stores.growTo(size);
      if (size !== 1000 && approvalSizes.includes(size)) {
        step(`approval latency at ${size.toLocaleString('en-US')} customers`);
        results.approvals.push(await approvalLatency(b, opts.approvals));
      }
      step(`fan-out to ${size.toLocaleString('en-US')}, 1 worker`);
      const one = await fanOut(b, size, 1);
      results.fanOut.push(one);
      step(`ceiling, ${size.toLocaleString('en-US')} messages`);
      one.ceiling = await ceiling(b, size, one.campaignId);
      if (size === scaleOutSize) {
        step(`fan-out to ${size.toLocaleString('en-US')}, 2 workers`);
        const two = await fanOut(b, size, 2);
        two.ceiling = one.ceiling;
        results.fanOut.push(two);
      }
    }
    step('event-loop work of single requests');
    results.loop = await eventLoopWork();
  } catch (err) {
    process.stderr.write(`\nbench failed: ${(err as Error).stack ?? String(err)}\n`);
    if (results.fanOut.length || results.approvals.length) process.stdout.write(`\nPartial results:\n\n${tables(results)}\n`);
    process.exitCode = 1;
    return;
  } finally {
    await stopAll();
    await closeSink?.();
    await stores?.close();
  }

  results.minutes = (Date.now() - startedAt) / 60_000;
  process.stdout.write(`\n${tables(results)}\n\nTook ${results.minutes.toFixed(1)} min.\n`);
  const previous = existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : undefined;
  writeFileSync(opts.out, keepOptimisations(document(results), previous));
  process.stdout.write(`Wrote ${opts.out}\n`);
  if (results.fanOut.some((r) => !r.exactlyOnce || !r.ceiling?.verified)) process.exitCode = 1;
}

await main();
