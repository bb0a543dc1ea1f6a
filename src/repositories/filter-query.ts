import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import { TryAgainError } from '../domain/errors.ts';
import type { FilterScope } from '../domain/repositories.ts';
import type { Filter } from '../domain/segment-filter.ts';
import { compileFilter } from './segment-filter.sql.ts';

/** A filter query ends past this many seconds (MariaDB's max_statement_time) with 503 TRY_AGAIN. */
export const FILTER_STATEMENT_LIMIT_SEC = 5;

/** MariaDB's ER_STATEMENT_TIMEOUT (1969) and MySQL's ER_QUERY_TIMEOUT (3024), possibly wrapped by Drizzle. */
function isStatementTimeout(err: unknown): boolean {
  let e = err as { errno?: number; cause?: unknown } | undefined;
  for (let i = 0; e && i < 3; i++) {
    if (e.errno === 1969 || e.errno === 3024) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The customers (role 3) a checked filter matches, as one condition over `users u`. */
export const customerFilter = (filter: Filter, scope: FilterScope): SQL => sql`(u.role_id = 3 AND ${compileFilter(filter, scope)})`;

/** Whether the server is MariaDB (max_statement_time) or MySQL (the MAX_EXECUTION_TIME hint), asked once per pool. */
const flavours = new WeakMap<Db, Promise<boolean>>();
function isMariaDb(db: Db): Promise<boolean> {
  let known = flavours.get(db);
  if (!known) {
    known = (db.execute(sql`SELECT VERSION() AS v`) as unknown as Promise<[{ v: string }[]]>).then(([rows]) => /mariadb/i.test(String(rows[0]?.v)));
    known.catch(() => flavours.delete(db));
    flavours.set(db, known);
  }
  return known;
}

/**
 * Runs `SELECT <rest>` under the statement limit: past it, 503 TRY_AGAIN. MariaDB gets
 * `SET STATEMENT max_statement_time = N FOR SELECT …`, MySQL `SELECT /*+ MAX_EXECUTION_TIME(ms) *\/ …`.
 * The limit is this file's constant (SQL text), never a value from a request.
 */
export async function limitedSelect<T>(db: Db, rest: SQL, limitSec = FILTER_STATEMENT_LIMIT_SEC): Promise<T[]> {
  const sec = Number(limitSec);
  try {
    const query = (await isMariaDb(db))
      ? sql`SET STATEMENT max_statement_time = ${sql.raw(String(sec))} FOR SELECT ${rest}`
      : sql`SELECT ${sql.raw(`/*+ MAX_EXECUTION_TIME(${Math.max(1, Math.round(sec * 1000))}) */`)} ${rest}`;
    const [rows] = (await db.execute(query)) as unknown as [T[]];
    return rows;
  } catch (err) {
    if (isStatementTimeout(err)) throw new TryAgainError('The filter took too long to count; try again, or make it simpler', 5);
    throw err;
  }
}
