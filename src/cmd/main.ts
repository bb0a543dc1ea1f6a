import closeWithGrace from 'close-with-grace';
import { Command } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/config.ts';
import { dkimSelector, domainName } from '../config/deliverability.ts';
import type { Config } from '../config/types.ts';
import { isDependencyError } from '../conn/errors.ts';
import { createMysql, ensureDatabase, runMigrations } from '../conn/mysql.ts';
import { ConflictError } from '../domain/errors.ts';
import { ROLE_IDS } from '../domain/types.ts';
import { buildApp } from '../server/app.ts';
import { createAppContext, type AppContext, type Role } from '../server/context.ts';
import { buildWorkerMetricsServer } from '../server/worker-metrics.ts';
import { startWorkers } from '../worker/worker.ts';
import { dkimInstructions, dkimKeygen } from './dkim-keygen.ts';
import { dumpSchema } from './schema.ts';

/** Prints one clear line and exits; used for every start-up failure a user can fix. */
function fail(message: string, code = 1): never {
  process.stderr.write(`cns: ${message}\n`);
  process.exit(code);
}

function redact(url: string) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function setup(): { config: Config; log: Logger } {
  loadDotenv({ quiet: true });
  try {
    const config = loadConfig(process.env);
    return { config, log: pino({ level: config.logLevel, base: { service: 'cns' } }) };
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

async function prepareDatabase(config: Config, migrate: boolean) {
  try {
    await ensureDatabase(config.databaseUrl);
    if (!migrate) return;
    const m = createMysql(config.databaseUrl, 2);
    try {
      await runMigrations(m);
    } finally {
      await m.close();
    }
  } catch (err) {
    fail(`cannot prepare MySQL at ${redact(config.databaseUrl)}: ${(err as Error).message}`);
  }
}

async function openContext(config: Config, log: Logger, role: Role): Promise<AppContext> {
  const ctx = createAppContext(config, { role, log });
  try {
    await ctx.connect();
  } catch (err) {
    await ctx.close();
    fail(`cannot reach Redis at ${redact(config.redisUrl)}: ${(err as Error).message}`);
  }
  return ctx;
}

async function ensureConfiguredAdmin(ctx: AppContext) {
  const { adminEmail, adminPassword } = ctx.config;
  if (!adminEmail || !adminPassword) return;
  try {
    const admin = await ctx.services.users.ensureAdmin(adminEmail.toLowerCase(), adminPassword);
    if (admin) ctx.log.info({ userId: admin.id, email: admin.email }, 'created the first admin from ADMIN_EMAIL');
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // Another process (serve and worker started together) created it first, or the address is taken.
    if (await ctx.repos.users.existsWithRole(ROLE_IDS.admin)) return;
    fail(`ADMIN_EMAIL ${adminEmail} belongs to an existing account that is not an admin; choose another address`, 2);
  }
}

/** One line for an error that escaped start-up: which dependency failed, or the message. */
function startupFailure(err: unknown): never {
  const dependency = isDependencyError(err);
  fail(dependency ? `${dependency} became unreachable during start-up: ${(err as Error).message}` : `start-up failed: ${(err as Error).message}`);
}

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * On SIGTERM/SIGINT (or an uncaught error), runs `close` and exits: 0 after a signal, 1 after an
 * error. A second signal or error during it, or a `close` past the deadline, exits 1 at once.
 */
function onShutdown(log: Logger, close: () => Promise<void>) {
  closeWithGrace(
    {
      delay: SHUTDOWN_DEADLINE_MS,
      logger: false,
      onSecondSignal: (signal) => process.stderr.write(`cns: ${signal} while shutting down; exiting at once\n`),
      onSecondError: (err) => process.stderr.write(`cns: error while shutting down: ${(err as Error)?.message ?? String(err)}; exiting at once\n`),
      onTimeout: () => process.stderr.write(`cns: shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting\n`),
    },
    async ({ signal, err }) => {
      if (err) log.fatal({ err }, 'uncaught error; shutting down');
      else log.info({ signal }, 'shutting down');
      await close().catch((closeErr: unknown) => log.error({ err: closeErr }, 'error while shutting down'));
    },
  );
}

function run(opts: { api: boolean; workers: boolean; migrate: boolean }): Promise<void> {
  return start(opts).catch(startupFailure);
}

async function start(opts: { api: boolean; workers: boolean; migrate: boolean }) {
  const { config, log } = setup();
  await prepareDatabase(config, opts.migrate);
  const ctx = await openContext(config, log, opts.api && opts.workers ? 'all' : opts.workers ? 'worker' : 'api');
  // Installed before anything starts, so a signal during start-up still shuts down cleanly:
  // the HTTP server first (in-flight requests finish), then the workers (active jobs finish).
  const running: { app?: { close(): Promise<unknown> }; workers?: { close(): Promise<unknown> }; metrics?: { close(): Promise<unknown> } } = {};
  onShutdown(log, async () => {
    await running.app?.close();
    await running.workers?.close();
    await running.metrics?.close();
    await ctx.close();
  });
  await ensureConfiguredAdmin(ctx);
  if (opts.api) {
    const app = await buildApp(ctx);
    running.app = app;
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    }
  }
  // A worker alone serves its metrics on a listener of its own; `cns start` has them on the API's /metrics.
  if (opts.api && opts.workers && config.workerMetricsPort !== undefined) {
    log.info('WORKER_METRICS_PORT is for `cns worker`: here the workers\' metrics are on the API\'s /metrics');
  }
  if (!opts.api && config.workerMetricsPort !== undefined) {
    const server = await buildWorkerMetricsServer(ctx);
    running.metrics = server;
    try {
      await server.listen({ host: config.workerMetricsHost, port: config.workerMetricsPort });
    } catch (err) {
      fail(`cannot listen on ${config.workerMetricsHost}:${config.workerMetricsPort} (WORKER_METRICS_HOST, WORKER_METRICS_PORT): ${(err as Error).message}`);
    }
  }
  if (ctx.worker) {
    running.workers = await startWorkers(ctx);
    log.info({ concurrency: config.workerConcurrency }, 'workers started');
  }
}

const program = new Command('cns').description('Campaign Notification Service');
program
  .command('start')
  .description('run the HTTP API and the background workers in one process')
  .option('--no-migrate', 'do not apply database migrations at start-up')
  .action((o: { migrate: boolean }) => run({ api: true, workers: true, migrate: o.migrate }));
program
  .command('serve')
  .description('run the HTTP API only')
  .option('--no-migrate', 'do not apply database migrations at start-up')
  .action((o: { migrate: boolean }) => run({ api: true, workers: false, migrate: o.migrate }));
program
  .command('worker')
  .description('run the background workers only')
  .option('--no-migrate', 'do not apply database migrations at start-up')
  .action((o: { migrate: boolean }) => run({ api: false, workers: true, migrate: o.migrate }));
program
  .command('migrate')
  .description('create the database if needed and apply migrations')
  .action(async () => {
    const { config } = setup();
    await prepareDatabase(config, true);
    process.stdout.write('migrations applied\n');
  });
program
  .command('create-admin')
  .description('create an admin account')
  .requiredOption('--email <email>', 'the admin email')
  .requiredOption('--password <password>', 'the admin password (8-128 characters)')
  .option('--first-name <name>', 'first name', 'Admin')
  .option('--last-name <name>', 'last name', 'User')
  .action(async (o: { email: string; password: string; firstName: string; lastName: string }) => {
    const { config, log } = setup();
    if (o.password.length < 8 || o.password.length > 128) fail('--password must be 8-128 characters', 2);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(o.email)) fail('--email must be an email address', 2);
    await prepareDatabase(config, true);
    const ctx = createAppContext(config, { role: 'api', log });
    try {
      const user = await ctx.services.users.create(null, {
        email: o.email.toLowerCase(),
        password: o.password,
        firstName: o.firstName,
        lastName: o.lastName,
        roleId: ROLE_IDS.admin,
      });
      process.stdout.write(`created admin ${user.email} (id ${user.id})\n`);
    } catch (err) {
      fail((err as Error).message);
    } finally {
      await ctx.close();
    }
  });
program
  .command('dump-schema')
  .description('print the schema the migrations produce (dependency/schema.sql)')
  .action(async () => {
    const { config } = setup();
    await prepareDatabase(config, true);
    process.stdout.write(await dumpSchema(config.databaseUrl));
  });
program
  .command('dkim-keygen')
  .description('print a new DKIM private key (stdout) and the DNS record and settings that go with it (stderr)')
  .requiredOption('--domain <domain>', 'the signing domain (d=), usually MAIL_FROM\'s domain')
  .requiredOption('--selector <selector>', 'the key\'s name in DNS (s=), e.g. cns2026')
  .action((o: { domain: string; selector: string }) => {
    let domain = '';
    let selector = '';
    try {
      domain = domainName(o.domain);
    } catch (err) {
      fail(`--domain ${(err as Error).message}`, 2);
    }
    try {
      selector = dkimSelector(o.selector);
    } catch (err) {
      fail(`--selector ${(err as Error).message}`, 2);
    }
    const key = dkimKeygen(domain, selector);
    process.stderr.write(dkimInstructions(domain, selector, key));
    process.stdout.write(key.privateKey);
  });

await program.parseAsync(process.argv);
