import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.ts';
import type { Config } from '../src/config/types.ts';
import { createMysql, ensureDatabase, runMigrations } from '../src/conn/mysql.ts';
import { ROLE_IDS } from '../src/domain/types.ts';
import { buildApp, type App } from '../src/server/app.ts';
import type { Mailer } from '../src/domain/ports.ts';
import type { HttpsGet } from '../src/domain/webhooks.ts';
import { createAppContext, type WorkerContext } from '../src/server/context.ts';
import { createMessageIds } from '../src/services/message-id.ts';
import type { PasswordHasher } from '../src/services/password.ts';

export const MYSQL_ROOT = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** Node arguments that run the `cns` CLI from the TypeScript sources, so a test never runs a stale dist/. */
export const CNS = ['--import', 'tsx', 'src/cmd/main.ts'];

/** The environment of one test file: its own database and Redis prefix, fixed secrets, fast retries. */
export function testEnvVars(name: string, env: Record<string, string> = {}): Record<string, string> {
  const id = `${name.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: `${MYSQL_ROOT}/cnst_${id}`,
    REDIS_URL,
    REDIS_PREFIX: `cnst_${id}`,
    JWT_ACCESS_SECRET: 'test-access-secret-0123456789abcdef0123',
    JWT_REFRESH_SECRET: 'test-refresh-secret-0123456789abcdef012',
    UNSUBSCRIBE_SECRET: 'test-unsubscribe-secret-0123456789abcdef',
    MAIL_OUTBOX_DIR: `./var/test-outbox/${id}`,
    PUBLIC_BASE_URL: 'https://cns.example.test',
    SEND_BACKOFF: '50ms',
    RECONCILE_EVERY: '500ms',
    // Reuse detection at its strictest; test/refresh-grace.test.ts covers the grace.
    REFRESH_REUSE_GRACE: '0',
    ...env,
  };
}

export function testConfig(name: string, env: Record<string, string> = {}): Config {
  return loadConfig(testEnvVars(name, env));
}

export interface TestEnv {
  /** The environment variables behind `config`, for child processes (cns worker). */
  vars: Record<string, string>;
  config: Config;
  /** Built for the 'all' role: tests start workers on it with startWorkers(ctx). */
  ctx: WorkerContext;
  app: App;
  close(): Promise<void>;
}

/** Creates and migrates a fresh database, then builds the context (with `deps` injected) and the app on it. */
export async function createTestEnv(
  name: string,
  env: Record<string, string> = {},
  deps: { passwords?: PasswordHasher; mailer?: Mailer; httpsGet?: HttpsGet } = {},
): Promise<TestEnv> {
  const vars = testEnvVars(name, env);
  const config = loadConfig(vars);
  await ensureDatabase(config.databaseUrl);
  const m = createMysql(config.databaseUrl, 2);
  await runMigrations(m);
  await m.close();
  const ctx = createAppContext(config, { role: 'all', log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), deps });
  await ctx.connect();
  const app = await buildApp(ctx);
  await app.ready();
  return {
    vars,
    config,
    ctx,
    app,
    async close() {
      await app.close();
      const keys = await ctx.redis.keys(`${config.redisPrefix}:*`);
      if (keys.length) await ctx.redis.del(...keys);
      await ctx.close();
      await dropDatabase(config.databaseUrl);
    },
  };
}

export async function dropDatabase(url: string) {
  const name = new URL(url).pathname.slice(1);
  const conn = await mysql.createConnection({ uri: MYSQL_ROOT });
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.end();
}

let seq = 0;
export const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${++seq}@example.com`;

export interface TestUser {
  id: number;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

/** Creates a user of the given role directly through the service and logs them in over HTTP. */
export async function userWithRole(t: TestEnv, role: keyof typeof ROLE_IDS, overrides: { email?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail(role);
  const password = 'correct horse battery';
  const user = await t.ctx.services.users.create(null, {
    email,
    password,
    firstName: role,
    lastName: 'Tester',
    roleId: ROLE_IDS[role],
  });
  const tokens = await login(t, email, password);
  return { id: user.id, email, password, access: tokens.access_token, refresh: tokens.refresh_token };
}

export async function login(t: TestEnv, email: string, password: string) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json() as { access_token: string; refresh_token: string; user: { id: number } };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Bulk-inserts `n` opted-in customers (one shared password hash); returns their ids in order. */
export async function seedCustomers(t: TestEnv, n: number, tag = 'cust'): Promise<number[]> {
  const hash = await t.ctx.services.users.create(null, {
    email: uniqueEmail(`${tag}-seed`),
    password: 'seed-password',
    firstName: 'Seed',
    lastName: 'Zero',
    roleId: ROLE_IDS.customer,
  });
  const ids = [hash.id];
  const stamp = Date.now().toString(36);
  for (let start = 1; start < n; start += 1000) {
    const rows: unknown[][] = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      rows.push([`${tag}${i}.${stamp}@example.com`, 'x', `First${i}`, `Last${i}`, ROLE_IDS.customer]);
    }
    const [res] = await t.ctx.mysql.pool.query<mysql.ResultSetHeader>(
      'INSERT INTO users (email, password_hash, first_name, last_name, role_id) VALUES ?',
      [rows],
    );
    for (let k = 0; k < rows.length; k++) ids.push(res.insertId + k);
  }
  return ids;
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 20_000, every = 100): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The ledger counted directly (GROUP BY), to check the campaign's counters against. */
export async function ledgerCounts(t: TestEnv, campaignId: number) {
  const [rows] = await t.ctx.mysql.pool.query<mysql.RowDataPacket[]>(
    'SELECT status, COUNT(*) AS n FROM campaign_deliveries WHERE campaign_id = ? GROUP BY status',
    [campaignId],
  );
  const counts = { recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 };
  for (const r of rows) {
    counts[r.status as 'pending'] = Number(r.n);
    counts.recipients += Number(r.n);
  }
  return counts;
}

/** The Message-ID campaign `c`'s message to user `userId` carries under `config` (its token's properties: test/unit/message.test.ts). */
export function campaignMessageId(config: Config, c: { id: number; messageKey: string }, userId: number, domain: string): string {
  return createMessageIds({ secret: config.unsubscribeSecret }).messageId(c, userId, domain);
}
