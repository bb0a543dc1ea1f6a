// Event-loop work: how long single requests that the tests only count the work of hold the API
// process's event loop. The tests assert the work (test/edge.test.ts: the validator stops at the
// first error and validates in a turn of its own; test/content-limits.test.ts: no HTML is converted
// and no template checked on the event loop's thread); the time it takes is measured here.
// In-process (buildApp + inject, as the tests do) on a database and Redis prefix of its own, from the
// sources. Run alone: node --import tsx bench/loop.ts (or npm run bench -- --loop-only).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { createMysql, ensureDatabase, runMigrations } from '../src/conn/mysql.ts';
import { MAX_BODY_LENGTH } from '../src/domain/campaign.ts';
import { ROLE_IDS } from '../src/domain/types.ts';
import { buildApp } from '../src/server/app.ts';
import { createAppContext } from '../src/server/context.ts';
import { MYSQL_ROOT, REDIS_URL } from './db.ts';

const DATABASE = 'cns_bench_loop';
const REDIS_PREFIX = 'cnsbenchloop';
/** Runs of each request; the table gives their median. */
const RUNS = 3;

export interface LoopResult {
  request: string;
  /** The answers' status codes, as `400` or `201 / 400` when runs differed. */
  status: string;
  /** The time the event loop was busy during the request (its utilisation's active time), median of the runs. */
  busyMs: number;
  /** The longest the event loop was held meanwhile (the largest timer delay, 1 ms resolution), median of the runs. */
  stallMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fill = (piece: string) => piece.repeat(Math.floor(MAX_BODY_LENGTH / piece.length));

/** The slowest bodies found within 256 KiB (test/content-limits.test.ts): slow to turn into text, or to check. */
const HOSTILE: Array<[string, string]> = [
  ['<a> × 87,381', fill('<a>')],
  ['<hr> × 65,536', fill('<hr>')],
  ['<div> × 52,428', fill('<div>')],
  ['<div><span><b><i> × 14,563', fill('<div><span><b><i>')],
  ['<p>{{email}}</p> × 300', '<p>{{email}}</p>'.repeat(300)],
  ['{{#if email}}…{{/if}} × 250', '{{#if email}}{{first_name}}{{else}}x{{/if}}'.repeat(250)],
];

export async function eventLoopWork(): Promise<LoopResult[]> {
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_URL: `${MYSQL_ROOT}/${DATABASE}`,
    REDIS_URL,
    REDIS_PREFIX,
    JWT_ACCESS_SECRET: 'bench-loop-access-secret-0123456789abcdef',
    JWT_REFRESH_SECRET: 'bench-loop-refresh-secret-0123456789abcde',
    UNSUBSCRIBE_SECRET: 'bench-loop-unsubscribe-secret-0123456789a',
    PUBLIC_BASE_URL: 'https://bench.example.test',
  });
  const root = await mysql.createConnection({ uri: MYSQL_ROOT });
  await root.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  await ensureDatabase(config.databaseUrl);
  const m = createMysql(config.databaseUrl, 2);
  await runMigrations(m);
  await m.close();
  const ctx = createAppContext(config, { role: 'api', log: pino({ level: 'silent' }) });
  await ctx.connect();
  const app = await buildApp(ctx);
  await app.ready();
  try {
    const password = 'bench loop manager password';
    await ctx.services.users.create(null, { email: 'manager@bench-loop.example.test', password, firstName: 'Bench', lastName: 'Manager', roleId: ROLE_IDS.manager });
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'manager@bench-loop.example.test', password } });
    const authorization = `Bearer ${(login.json() as { access_token: string }).access_token}`;
    let seq = 0;
    const campaign = (body_html: string) => ({ type: 'campaign', title: `Loop ${++seq}`, subject: 'Hi {{first_name}}', body_html });

    /** Runs `send` RUNS times, each alone, measuring the event loop while it runs. */
    async function measure(request: string, send: () => Promise<{ statusCode: number }>): Promise<LoopResult> {
      const busy: number[] = [];
      const stalls: number[] = [];
      const statuses = new Set<number>();
      for (let run = 0; run < RUNS; run++) {
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        await new Promise((r) => setTimeout(r, 20)); // the histogram records from its second tick on
        const before = performance.eventLoopUtilization();
        const res = await send();
        const elu = performance.eventLoopUtilization(before);
        await new Promise((r) => setTimeout(r, 20)); // the loop's next samples record any stall the request caused
        loop.disable();
        statuses.add(res.statusCode);
        busy.push(elu.active);
        stalls.push(loop.max / 1e6);
      }
      return { request, status: [...statuses].sort().join(' / '), busyMs: median(busy), stallMs: median(stalls) };
    }

    // Warm-up, not counted: the template checker's threads start at the first campaign written.
    await app.inject({ method: 'POST', url: '/v1/campaigns', headers: { authorization }, payload: campaign('<p>Hello</p>') });

    const rows: LoopResult[] = [];
    const signup = { email: 'loop@bench-loop.example.test', password: 'a long enough password', first_name: 'Ada', last_name: 'Lovelace' };
    const unknownKeys = `{${JSON.stringify(signup).slice(1, -1)},${Array.from({ length: 100_000 }, (_, i) => `"k${i.toString(36)}":1`).join(',')}}`;
    rows.push(
      await measure(`POST /v1/auth/signup, 100,000 unknown keys (${Math.round(unknownKeys.length / 1024)} KiB)`, () =>
        app.inject({ method: 'POST', url: '/v1/auth/signup', payload: unknownKeys, headers: { 'content-type': 'application/json' } }),
      ),
    );
    const created: Array<[string, number]> = [];
    for (const [name, body] of HOSTILE) {
      rows.push(
        await measure(`POST /v1/campaigns, body_html ${name}`, async () => {
          const res = await app.inject({ method: 'POST', url: '/v1/campaigns', headers: { authorization }, payload: campaign(body) });
          if (res.statusCode === 201 && !created.some(([n]) => n === name)) created.push([name, (res.json() as { campaign: { id: number } }).campaign.id]);
          return res;
        }),
      );
    }
    for (const [name, id] of created) {
      rows.push(await measure(`GET /v1/campaigns/:id/preview, body_html ${name}`, () => app.inject({ url: `/v1/campaigns/${id}/preview`, headers: { authorization } })));
    }
    return rows;
  } finally {
    await app.close();
    const keys = await ctx.redis.keys(`${REDIS_PREFIX}:*`);
    if (keys.length) await ctx.redis.del(...keys);
    await ctx.close();
    await root.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await root.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { loopTable } = await import('./report.ts');
  process.stdout.write(`${loopTable(await eventLoopWork())}\n`);
}
