import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as schema from '../models/schema.ts';

export type Db = MySql2Database<typeof schema>;
export interface Mysql {
  pool: mysql.Pool;
  db: Db;
  close(): Promise<void>;
}

/** How long a statement and the wait for a pool connection may take; 0 turns a limit off. */
export interface MysqlLimits {
  queryTimeoutMs: number;
  acquireTimeoutMs: number;
}

/** The defaults of DB_QUERY_TIMEOUT and DB_ACQUIRE_TIMEOUT. */
const DEFAULT_LIMITS: MysqlLimits = { queryTimeoutMs: 8000, acquireTimeoutMs: 5000 };

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

// The parts of mysql2's callback layer (under the promise wrapper) that the limits hook into:
// every command a connection runs goes through addCommand, and every acquisition (pool.query and
// pool.execute included) through the core pool's getConnection.
interface CoreConnection extends EventEmitter {
  stream: Socket;
  addCommand(cmd: EventEmitter): EventEmitter;
}
interface CorePool extends EventEmitter {
  getConnection(cb: (err: Error | null, conn?: CoreConnection & { release(): void }) => void): void;
}

/** Connections whose statements may take as long as they need (migrations). */
const unlimited = new WeakSet<object>();

const limitError = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * Fails any command of `conn` that has no answer after `ms`. The connection is then destroyed as
 * on a network error, which fails its other commands and takes it out of the pool: it never serves
 * anyone again, and the server rolls back whatever transaction it had open.
 */
function limitCommands(conn: CoreConnection, ms: number) {
  const addCommand = conn.addCommand;
  conn.addCommand = function (cmd) {
    if (!unlimited.has(conn)) {
      const timer = setTimeout(() => {
        if (!conn.stream.destroyed) {
          conn.stream.destroy(limitError('PROTOCOL_SEQUENCE_TIMEOUT', `MySQL did not answer within ${ms} ms; connection closed`));
        }
      }, ms).unref();
      cmd.once('end', () => clearTimeout(timer));
    }
    return addCommand.call(this, cmd);
  };
}

/** Fails a wait for a pool connection after `ms`; a connection that comes later goes back to the pool. */
function limitAcquire(pool: CorePool, ms: number) {
  const getConnection = pool.getConnection;
  pool.getConnection = function (cb) {
    let waiting = true;
    const timer = setTimeout(() => {
      waiting = false;
      cb(limitError('POOL_ACQUIRE_TIMEOUT', `no MySQL connection became free within ${ms} ms`));
    }, ms);
    getConnection.call(this, (err, conn) => {
      if (!waiting) return conn?.release();
      waiting = false;
      clearTimeout(timer);
      cb(err, conn);
    });
  };
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(name)) throw new Error(`DATABASE_URL must name a database (got "${name}")`);
  return name;
}

/** Opens a pool on DATABASE_URL, with UTC dates, fail-fast connects and time-limited statements and waits. */
export function createMysql(url: string, connectionLimit = 10, limits: MysqlLimits = DEFAULT_LIMITS): Mysql {
  const pool = mysql.createPool({
    uri: url.replace(/^mariadb:/, 'mysql:'),
    connectionLimit,
    timezone: 'Z',
    dateStrings: false,
    connectTimeout: 5000,
    enableKeepAlive: true,
    charset: 'utf8mb4_unicode_ci',
    // mysql2 otherwise captures a stack trace on every query (about 5% of the API's CPU under load);
    // Drizzle's errors carry the caller's stack anyway.
    trace: false,
  });
  // mysql2 has neither a pool-wide statement timeout nor an acquire timeout (its per-query
  // `timeout` option fails the query but leaves the connection busy, and a transaction's ROLLBACK
  // then queues behind it forever), so both are added here, under Drizzle and every other caller.
  const core = pool.pool as unknown as CorePool;
  if (limits.queryTimeoutMs > 0) {
    // A row-lock wait must end as InnoDB's own lock-wait timeout (which callers retry or answer with
    // 503 TRY_AGAIN) before the statement limit closes the connection.
    const lockWaitSec = Math.max(1, Math.floor(limits.queryTimeoutMs / 2000));
    core.on('connection', (conn: CoreConnection & { query(sql: string, cb: () => void): unknown }) => {
      limitCommands(conn, limits.queryTimeoutMs);
      // A failure here surfaces on the connection's next command; the callback keeps it from being thrown.
      conn.query(`SET SESSION innodb_lock_wait_timeout = ${lockWaitSec}`, () => undefined);
    });
  }
  if (limits.acquireTimeoutMs > 0) limitAcquire(core, limits.acquireTimeoutMs);
  const db = drizzle(pool, { schema, mode: 'default' });
  return { pool, db, close: () => pool.end() };
}

/** Creates the database named in the URL if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const name = databaseName(url);
  u.pathname = '/';
  const conn = await mysql.createConnection({ uri: u.toString(), connectTimeout: 5000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

/**
 * Applies pending migrations under a named lock, so concurrent starts do not race. They run on the
 * lock's connection, exempt from the statement time limit: DDL on a big table takes what it takes.
 */
export async function runMigrations(m: Mysql): Promise<void> {
  const conn = await m.pool.getConnection();
  unlimited.add(conn.connection);
  try {
    const [rows] = await conn.query("SELECT GET_LOCK('cns_migrate', 120) AS got");
    if ((rows as { got: number }[])[0]?.got !== 1) throw new Error('timed out waiting for the migration lock');
    try {
      await migrate(drizzle(conn, { schema, mode: 'default' }), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await conn.query("SELECT RELEASE_LOCK('cns_migrate')");
    }
  } finally {
    unlimited.delete(conn.connection);
    conn.release();
  }
}
