import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import type { DeliveryStats } from '../domain/campaign.ts';
import { clipText, SEND_ERROR_MAX } from '../domain/ports.ts';
import { isTransientLock } from './errors.ts';

type Counter = keyof DeliveryStats;
const COUNTER_COLUMNS: Record<Counter, string> = {
  recipients: 'stat_recipients',
  pending: 'stat_pending',
  sent: 'stat_sent',
  failed: 'stat_failed',
  skipped: 'stat_skipped',
  bounced: 'stat_bounced',
  complained: 'stat_complained',
};

/** The number of rows a mysql2 write changed. */
export const affected = (res: unknown) => (res as [ResultSetHeader])[0].affectedRows;

/** Fits last_error's varchar(1000). */
export const clip = (s: string) => clipText(s, SEND_ERROR_MAX);

/**
 * Runs `work` on one campaign's ledger in a READ COMMITTED transaction, retried should InnoDB
 * still pick it as a deadlock victim: a lost write here would mean a resend. A null campaign
 * (a bounce that matched no ledger row) locks no campaign.
 */
export async function inLedgerTx<T>(pool: Pool, campaignId: number | null, work: (conn: PoolConnection) => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    const conn = await pool.getConnection();
    try {
      await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await conn.beginTransaction();
      // Every ledger transaction locks its campaign's row first: one lock order, so batches, the
      // fan-out (whose inserts take a foreign-key lock on that row) and cancels never deadlock.
      if (campaignId !== null) await conn.query('SELECT id FROM campaigns WHERE id = ? FOR UPDATE', [campaignId]);
      const result = await work(conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      if (attempt < tries && isTransientLock(err)) continue;
      throw err;
    } finally {
      conn.release();
    }
  }
}

/** Moves the campaign's ledger counters by `delta`, within the ledger transaction `conn`. */
export async function bump(conn: PoolConnection, campaignId: number, delta: Partial<Record<Counter, number>>): Promise<void> {
  const entries = Object.entries(delta).filter(([, n]) => n !== 0) as [Counter, number][];
  if (entries.length === 0) return;
  const set = entries.map(([k]) => `${COUNTER_COLUMNS[k]} = ${COUNTER_COLUMNS[k]} + ?`).join(', ');
  await conn.query(`UPDATE campaigns SET ${set} WHERE id = ?`, [...entries.map(([, n]) => n), campaignId]);
}
