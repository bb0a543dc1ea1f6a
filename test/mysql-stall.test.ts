/** A MySQL that stops answering (connections open, no bytes): requests get 503 in bounded time, and the pool recovers. */
import { sql } from 'drizzle-orm';
import mysql from 'mysql2/promise';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../src/domain/ports.ts';
import { isDependencyError } from '../src/conn/errors.ts';
import { createMysql, ensureDatabase } from '../src/conn/mysql.ts';
import { insertAudit } from '../src/repositories/audit.repository.ts';
import { RetryLaterError } from '../src/services/delivery.service.ts';
import {
  bearer,
  dropDatabase,
  createTestEnv,
  eventually,
  ledgerCounts,
  MYSQL_ROOT,
  seedCustomers,
  testEnvVars,
  userWithRole,
  type TestEnv,
  type TestUser,
} from './helpers.ts';

/** A TCP proxy to MySQL that, while stalled, keeps every socket open but moves no data either way. */
async function stallingProxy(target: URL) {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 3306), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      if (stalled) from.pause();
      from.on('data', (chunk) => to.write(chunk));
      from.on('error', () => undefined);
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall() {
      stalled = true;
      for (const s of sockets) s.pause();
    },
    resume() {
      stalled = false;
      for (const s of sockets) s.resume();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The promise's outcome, or a rejection once `ms` pass without one. The limits under test are 1 s
 * (DB_QUERY_TIMEOUT) and 500 ms (DB_ACQUIRE_TIMEOUT); the waits below give them 10 s, so that a busy
 * machine is not taken for a missing limit. Which limit ended a wait is read from its error, not
 * from the clock.
 */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** The messages of an error and of the errors it wraps (Drizzle wraps the driver's), joined. */
function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as (Error & { cause?: unknown }) | undefined; e instanceof Error; e = e.cause as typeof e) parts.push(e.message);
  return parts.join(' ← ');
}

type Proxy = Awaited<ReturnType<typeof stallingProxy>>;
let proxy: Proxy;
let t: TestEnv;
let admin: TestUser;
let dbName: string;
/** The mailer the context's delivery service sends through; a test swaps it. */
let mailer: Mailer = { send: async () => undefined, close() {} };

beforeAll(async () => {
  proxy = await stallingProxy(new URL(MYSQL_ROOT));
  const url = new URL(testEnvVars('mysql_stall').DATABASE_URL!);
  url.host = `127.0.0.1:${proxy.port}`;
  dbName = url.pathname.slice(1);
  t = await createTestEnv(
    'mysql_stall',
    { DATABASE_URL: url.toString(), DB_QUERY_TIMEOUT: '1s', DB_ACQUIRE_TIMEOUT: '500ms' },
    { mailer: { send: (mail) => mailer.send(mail), close() {} } },
  );
  admin = await userWithRole(t, 'admin');
});
afterAll(async () => {
  proxy?.resume();
  await t?.close();
  await proxy?.close();
});

// A search of its own each time: a page already in the list cache would be served without MySQL.
let searches = 0;
const listCampaigns = () => t.app.inject({ url: `/v1/campaigns?q=stall-${++searches}`, headers: bearer(admin.access) });
const post = (url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: bearer(admin.access), payload });

/** A campaign approved over HTTP; no worker runs here, so it stays `sending` with an empty ledger. */
async function sendingCampaign(): Promise<number> {
  const created = await post('/v1/campaigns', { type: 'campaign', title: `Stall ${Date.now()}`, subject: 'Hi', body_html: '<p>Hi</p>' });
  expect(created.statusCode, created.body).toBe(201);
  const id = (created.json() as { campaign: { id: number } }).campaign.id;
  expect((await post(`/v1/campaigns/${id}/submit`)).statusCode).toBe(200);
  const { version } = (created.json() as { campaign: { version: number } }).campaign;
  expect((await post(`/v1/campaigns/${id}/approve`, { version })).statusCode).toBe(200);
  return id;
}

function expect503(res: Awaited<ReturnType<typeof listCampaigns>>) {
  expect(res.statusCode, res.body).toBe(503);
  expect(res.json()).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } });
}

describe('a MySQL that stops answering', () => {
  it('GET /v1/campaigns → 503 SERVICE_UNAVAILABLE within 10 s, and requests succeed again once MySQL answers', async () => {
    expect((await listCampaigns()).statusCode).toBe(200);
    proxy.stall();
    try {
      expect503(await within(10_000, listCampaigns()));
    } finally {
      proxy.resume();
    }
    // More requests at once than the pool has connections: none gets a broken one.
    const after = await within(10_000, Promise.all(Array.from({ length: 15 }, listCampaigns)));
    expect(after.map((r) => r.statusCode)).toEqual(Array(15).fill(200));
  });

  it('a statement that times out in a transaction fails it, commits nothing, and no pooled connection stays inside it', async () => {
    const marker = `stalled-${Date.now()}`;
    let statement: unknown;
    const failure = await within(
      10_000,
      t.ctx.mysql.db
        .transaction(async (tx) => {
          await insertAudit(tx, [{ actorId: null, action: marker, targetType: 'test', targetId: null }]);
          proxy.stall();
          await tx.execute(sql`SELECT 1`).catch((err: unknown) => {
            statement = err;
            throw err;
          });
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    ).finally(() => proxy.resume());
    expect(failure).toBeDefined();
    expect(isDependencyError(failure)).toBe('MySQL');
    // The statement was ended by DB_QUERY_TIMEOUT (1 s), not by the 8 s default.
    expect(messages(statement)).toContain('MySQL did not answer within 1000 ms; connection closed');

    // Transactions through every pooled connection: had the stalled one come back still inside its
    // transaction, the next BEGIN on it would have committed the marker row.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.ctx.mysql.db.transaction((tx) => insertAudit(tx, [{ actorId: null, action: `${marker}-after-${i}`, targetType: 'test', targetId: null }])),
      ),
    );
    const direct = await mysql.createConnection({ uri: `${MYSQL_ROOT}/${dbName}` });
    try {
      const [rows] = await direct.query<mysql.RowDataPacket[]>('SELECT action FROM audit_events WHERE action LIKE ?', [`${marker}%`]);
      expect(rows.map((r) => r.action as string).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `${marker}-after-${i}`).sort());
      // The server saw the connection close and rolled its transaction back.
      await eventually(async () => {
        const [open] = await direct.query<mysql.RowDataPacket[]>(
          `SELECT COUNT(*) AS n FROM information_schema.innodb_trx t
             JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = ?`,
          [dbName],
        );
        return Number(open[0]!.n) === 0;
      }, 20_000);
    } finally {
      await direct.end();
    }
  });

  it('a send batch that meets the stall fails as a job error the queue retries, marks nobody failed, and its retry delivers', async () => {
    const ids = await seedCustomers(t, 5, 'stall');
    const id = await sendingCampaign();
    const batchNo = ids[0]!;
    const rows = ids.map((userId) => ({ userId, email: `ledger${userId}@example.com`, batchNo }));
    expect(await t.ctx.repos.deliveries.savePage(id, 0, rows, ids.at(-1)!, true)).toBe(true);

    // MySQL stops answering once the first message is out, before any is recorded.
    let accepted = 0;
    const stalling: Mailer = {
      async send() {
        proxy.stall();
        accepted++;
      },
      close() {},
    };
    mailer = stalling;
    const failure = await within(
      10_000,
      t.ctx.worker.delivery
        .sendBatch(id, batchNo, true)
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    ).finally(() => proxy.resume());
    expect(accepted).toBe(5);
    expect(failure).not.toBeInstanceOf(RetryLaterError);
    expect(isDependencyError(failure)).toBe('MySQL');
    expect(await ledgerCounts(t, id)).toEqual({ recipients: 5, pending: 5, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 });

    // The queue's retry: the unrecorded messages go out again (at least once), and the campaign completes.
    const plain: Mailer = { send: async () => void accepted++, close() {} };
    mailer = plain;
    await within(10_000, t.ctx.worker.delivery.sendBatch(id, batchNo, true));
    expect(await ledgerCounts(t, id)).toEqual({ recipients: 5, pending: 0, sent: 5, failed: 0, skipped: 0, bounced: 0, complained: 0 });
    expect((await t.app.inject({ url: `/v1/campaigns/${id}/stats`, headers: bearer(admin.access) })).json()).toMatchObject({
      status: 'completed',
    });
  });

  it('with every pool connection taken, a wait for one fails after DB_ACQUIRE_TIMEOUT and the request gets 503', async () => {
    const held: mysql.PoolConnection[] = [];
    try {
      // Take connections until the pool has none left: that wait is the first to give up.
      let refused: unknown;
      while (!refused) {
        const started = Date.now();
        await t.ctx.mysql.pool.getConnection().then(
          (c) => held.push(c),
          (err: unknown) => {
            refused = err;
            expect(Date.now() - started).toBeGreaterThanOrEqual(450);
          },
        );
        expect(held.length).toBeLessThanOrEqual(50);
      }
      expect(refused).toMatchObject({ code: 'POOL_ACQUIRE_TIMEOUT', message: 'no MySQL connection became free within 500 ms' });
      expect503(await within(10_000, listCampaigns()));
    } finally {
      for (const c of held) c.release();
    }
    expect((await listCampaigns()).statusCode).toBe(200);
  });
});

describe('statements over a whole audience stay short', () => {
  it('a cancel skips every pending row of an audience spread over many id spans, in one transaction, and counts them', async () => {
    const id = await sendingCampaign();
    // The ledger is written directly, batches named by far-apart user ids.
    const ids = [3, 4, 19_999, 20_003, 45_000, 45_001, 130_000, 1_000_003]; // the last starts a span of its own
    const rows = ids.map((userId) => ({ userId, email: `spread${userId}@example.com`, batchNo: userId }));
    expect(await t.ctx.repos.deliveries.savePage(id, 0, rows, 1_000_003, true)).toBe(true);
    await t.ctx.repos.deliveries.markSent(id, [20_003]);

    expect((await post(`/v1/campaigns/${id}/cancel`)).statusCode).toBe(200);
    expect(await ledgerCounts(t, id)).toEqual({ recipients: 8, pending: 0, sent: 1, failed: 0, skipped: 7, bounced: 0, complained: 0 });
    const stats = (await t.app.inject({ url: `/v1/campaigns/${id}/stats`, headers: bearer(admin.access) })).json();
    expect(stats).toMatchObject({ status: 'cancelled', recipients: 8, pending: 0, sent: 1, skipped: 7 });
  });
});

describe('row-lock waits under the statement limit', () => {
  it('end as InnoDB lock-wait timeouts (retried or answered 503 TRY_AGAIN), not as a closed connection', async () => {
    const url = testEnvVars('mysql_lockwait').DATABASE_URL!;
    await ensureDatabase(url);
    const m = createMysql(url, 2, { queryTimeoutMs: 4000, acquireTimeoutMs: 1000 });
    const holder = await mysql.createConnection({ uri: url });
    try {
      await m.pool.query('CREATE TABLE lockwait (id INT PRIMARY KEY, n INT)');
      await m.pool.query('INSERT INTO lockwait VALUES (1, 0)');
      await holder.beginTransaction();
      await holder.query('UPDATE lockwait SET n = 1 WHERE id = 1');
      // InnoDB's lock-wait timeout (2 s, half the statement limit) ends the wait, not the 4 s statement
      // limit: the error says which (the statement limit's is PROTOCOL_SEQUENCE_TIMEOUT).
      const err = (await m.pool.query('UPDATE lockwait SET n = 2 WHERE id = 1').catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toBe('ER_LOCK_WAIT_TIMEOUT');
      await holder.rollback();
      // The connection that waited is still good.
      const [rows] = await m.pool.query('SELECT n FROM lockwait WHERE id = 1');
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await holder.end();
      await m.close();
      await dropDatabase(url);
    }
  });
});
