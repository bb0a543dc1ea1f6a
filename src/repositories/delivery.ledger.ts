import { and, asc, count, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Db } from '../conn/mysql.ts';
import type { AuditEntry } from '../domain/audit.ts';
import type { CampaignStatus } from '../domain/campaign.ts';
import type { DeliveryQuery, NewLedgerRow } from '../domain/repositories.ts';
import type { ListCache } from '../domain/stores.ts';
import { campaignDeliveries as cd } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { updateCampaignFrom } from './campaign.repository.ts';
import { affected, bump, clip, inLedgerTx } from './delivery.counters.ts';
import { paged } from './paging.ts';
import { contains } from './search.ts';

class LostRace extends Error {}

/**
 * Batch numbers are user ids, so a span of them holds at most about this many ledger rows: one
 * UPDATE over it takes well under a second (about 0.3 s for 20,000 rows here).
 */
const SKIP_SPAN = 20_000;

/** The ledger's rows: written by the fan-out, settled by sends, skipped when a campaign ends. */
export function createLedger({ db, pool, lists }: { db: Db; pool: Pool; lists?: ListCache }) {
  // Every ledger transaction may move its campaign's counters, which list pages show.
  const inTx = async <T>(campaignId: number, work: (conn: PoolConnection) => Promise<T>) => {
    const result = await inLedgerTx(pool, campaignId, work);
    await lists?.changed();
    return result;
  };

  /** Moves one pending row to `status`, and the counters with it. */
  async function settle(campaignId: number, userId: number, status: 'failed' | 'skipped', lastError: string) {
    await inTx(campaignId, async (conn) => {
      const n = affected(
        await conn.query(
          `UPDATE campaign_deliveries SET status = ?, last_error = ?, updated_at = CURRENT_TIMESTAMP(3)${status === 'failed' ? ', attempts = attempts + 1' : ''}
           WHERE campaign_id = ? AND user_id = ? AND status = 'pending'`,
          [status, clip(lastError), campaignId, userId],
        ),
      );
      await bump(conn, campaignId, { pending: -n, [status]: n });
    });
  }

  return {
    async savePage(campaignId: number, fromCursor: number, rows: NewLedgerRow[], toCursor: number, done: boolean): Promise<boolean> {
      const moved = await inTx(campaignId, async (conn) => {
        const n = rows.length
          ? affected(
              await conn.query('INSERT IGNORE INTO campaign_deliveries (campaign_id, user_id, email, batch_no) VALUES ?', [
                rows.map((r) => [campaignId, r.userId, r.email, r.batchNo]),
              ]),
            )
          : 0;
        const ok = affected(
          await conn.query(
            `UPDATE campaigns SET fanout_cursor = ?, fanout_done = ?, stat_recipients = stat_recipients + ?, stat_pending = stat_pending + ?
             WHERE id = ? AND fanout_cursor = ? AND fanout_done = 0`,
            [toCursor, done, n, n, campaignId, fromCursor],
          ),
        );
        if (ok === 0) throw new LostRace();
        return true;
      }).catch((err: unknown) => {
        if (err instanceof LostRace) return false;
        throw err;
      });
      return moved;
    },

    async pendingInBatch(campaignId: number, batchNo: number): Promise<{ userId: number }[]> {
      return db
        .select({ userId: cd.userId })
        .from(cd)
        .where(and(eq(cd.campaignId, campaignId), eq(cd.batchNo, batchNo), eq(cd.status, 'pending')))
        .orderBy(asc(cd.userId));
    },

    async pendingBatches(campaignId: number): Promise<number[]> {
      const rows = await db
        .selectDistinct({ batchNo: cd.batchNo })
        .from(cd)
        .where(and(eq(cd.campaignId, campaignId), eq(cd.status, 'pending')));
      return rows.map((r) => r.batchNo);
    },

    async markSent(campaignId: number, userIds: number[]): Promise<void> {
      if (userIds.length === 0) return;
      await inTx(campaignId, async (conn) => {
        const sql = `UPDATE campaign_deliveries SET status = 'sent', sent_at = CURRENT_TIMESTAMP(3), attempts = attempts + 1,
                     last_error = NULL, updated_at = CURRENT_TIMESTAMP(3) WHERE campaign_id = ? AND user_id IN (?) AND status = ?`;
        const fromPending = affected(await conn.query(sql, [campaignId, userIds, 'pending']));
        const fromSkipped = fromPending < userIds.length ? affected(await conn.query(sql, [campaignId, userIds, 'skipped'])) : 0;
        await bump(conn, campaignId, { pending: -fromPending, skipped: -fromSkipped, sent: fromPending + fromSkipped });
      });
    },

    async markFailed(campaignId: number, userId: number, error: string): Promise<void> {
      await settle(campaignId, userId, 'failed', error);
    },

    async markAttempt(campaignId: number, userId: number, error: string): Promise<void> {
      await pool.query(
        `UPDATE campaign_deliveries SET attempts = attempts + 1, last_error = ?, updated_at = CURRENT_TIMESTAMP(3)
         WHERE campaign_id = ? AND user_id = ? AND status = 'pending'`,
        [clip(error), campaignId, userId],
      );
    },

    async markSkipped(campaignId: number, userId: number, reason: string): Promise<void> {
      await settle(campaignId, userId, 'skipped', reason);
    },

    /** Nobody sees the campaign ended with rows still pending: its status, the skips and the audit entry commit together. */
    async endCampaign(
      campaignId: number,
      from: readonly CampaignStatus[],
      status: 'completed' | 'cancelled',
      reason: string,
      audit: (skipped: number) => AuditEntry,
    ): Promise<number | null> {
      return inTx(campaignId, async (conn) => {
        const tx = drizzle(conn);
        const now = sql`CURRENT_TIMESTAMP(3)`;
        const set = { status, fanoutDone: true, updatedAt: now, ...(status === 'completed' ? { completedAt: now } : {}) };
        if ((await updateCampaignFrom(tx, campaignId, from, set)) === false) return null;
        // One statement per span of batch numbers, all in this transaction: a single UPDATE of a
        // million pending rows takes longer than a statement may (DB_QUERY_TIMEOUT).
        const [spans] = await conn.query<RowDataPacket[]>(
          "SELECT MIN(batch_no) AS lo, MAX(batch_no) AS hi FROM campaign_deliveries WHERE campaign_id = ? AND status = 'pending'",
          [campaignId],
        );
        const { lo: first, hi: last } = spans[0] as { lo: number | null; hi: number | null };
        let n = 0;
        for (let lo = first; lo !== null && last !== null && lo <= last; lo += SKIP_SPAN) {
          n += affected(
            await conn.query(
              `UPDATE campaign_deliveries SET status = 'skipped', last_error = ?, updated_at = CURRENT_TIMESTAMP(3)
               WHERE campaign_id = ? AND status = 'pending' AND batch_no >= ? AND batch_no < ?`,
              [clip(reason), campaignId, lo, lo + SKIP_SPAN],
            ),
          );
        }
        await bump(conn, campaignId, { pending: -n, skipped: n });
        await insertAudit(tx, [audit(n)]);
        return n;
      });
    },

    async list(q: DeliveryQuery) {
      const where = and(eq(cd.campaignId, q.campaignId), q.status ? eq(cd.status, q.status) : undefined, q.q ? contains(cd.email, q.q) : undefined);
      const columns = { userId: cd.userId, email: cd.email, status: cd.status, attempts: cd.attempts, lastError: cd.lastError, sentAt: cd.sentAt };
      return paged(
        q,
        (limit, offset) => db.select(columns).from(cd).where(where).orderBy(asc(cd.userId)).limit(limit).offset(offset),
        db.select({ n: count() }).from(cd).where(where),
      );
    },
  };
}
