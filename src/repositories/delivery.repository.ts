import { and, asc, count, eq, gt, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Db } from '../conn/mysql.ts';
import type { CampaignStatus, DeliveryStats, DeliveryStatus } from '../domain/campaign.ts';
import { clipText, SEND_ERROR_MAX } from '../domain/ports.ts';
import { ROLE_IDS } from '../domain/types.ts';
import { campaignDeliveries as cd, users } from '../models/schema.ts';
import { insertAudit, type AuditEntry } from './audit.repository.ts';
import { paged } from './paging.ts';

class LostRace extends Error {}

export interface LedgerRow {
  userId: number;
  email: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
}

export interface Recipient {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  eligible: boolean;
}

/** Fits last_error's varchar(1000). */
const clip = (s: string) => clipText(s, SEND_ERROR_MAX);

type Counter = keyof DeliveryStats;
const COUNTER_COLUMNS: Record<Counter, string> = {
  recipients: 'stat_recipients',
  pending: 'stat_pending',
  sent: 'stat_sent',
  failed: 'stat_failed',
  skipped: 'stat_skipped',
};
const affected = (res: unknown) => (res as [ResultSetHeader])[0].affectedRows;
/**
 * Batch numbers are user ids, so a span of them holds at most about this many ledger rows: one
 * UPDATE over it takes well under a second (about 0.3 s for 20,000 rows here).
 */
const SKIP_SPAN = 20_000;

export type DeliveryRepository = ReturnType<typeof createDeliveryRepository>;

/**
 * The per-recipient ledger: who is owed a message, and what happened to it. Every status change
 * moves the campaign's counters in the same transaction, so stats always equal the ledger.
 */
export function createDeliveryRepository({ db, pool }: { db: Db; pool: Pool }) {
  /**
   * Runs `work` on one campaign's ledger in a READ COMMITTED transaction, retried should InnoDB
   * still pick it as a deadlock victim: a lost write here would mean a resend.
   */
  async function inTx<T>(campaignId: number, work: (conn: PoolConnection) => Promise<T>, tries = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      const conn = await pool.getConnection();
      try {
        await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await conn.beginTransaction();
        // Every ledger transaction locks its campaign's row first: one lock order, so batches, the
        // fan-out (whose inserts take a foreign-key lock on that row) and cancels never deadlock.
        await conn.query('SELECT id FROM campaigns WHERE id = ? FOR UPDATE', [campaignId]);
        const result = await work(conn);
        await conn.commit();
        return result;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (attempt < tries && (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT')) continue;
        throw err;
      } finally {
        conn.release();
      }
    }
  }

  async function bump(conn: PoolConnection, campaignId: number, delta: Partial<Record<Counter, number>>) {
    const entries = Object.entries(delta).filter(([, n]) => n !== 0) as [Counter, number][];
    if (entries.length === 0) return;
    const set = entries.map(([k]) => `${COUNTER_COLUMNS[k]} = ${COUNTER_COLUMNS[k]} + ?`).join(', ');
    await conn.query(`UPDATE campaigns SET ${set} WHERE id = ?`, [...entries.map(([, n]) => n), campaignId]);
  }

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
    /** One keyset page of the audience (API.md §4.4): active, opted-in customers with id > afterId. */
    async audiencePage(afterId: number, limit: number): Promise<{ id: number; email: string }[]> {
      return db
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(
          and(eq(users.roleId, ROLE_IDS.customer), eq(users.status, 'active'), eq(users.emailOptIn, true), gt(users.id, afterId)),
        )
        .orderBy(asc(users.id))
        .limit(limit);
    },

    /**
     * Writes a page of ledger rows and moves the campaign's cursor in one transaction, only if the
     * cursor is still where this page started (so two dispatchers never both advance it).
     */
    async savePage(
      campaignId: number,
      fromCursor: number,
      rows: { userId: number; email: string; batchNo: number }[],
      toCursor: number,
      done: boolean,
    ): Promise<boolean> {
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

    /** Current data of the given users, with whether they may still receive campaign mail. */
    async recipients(ids: number[]): Promise<Map<number, Recipient>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({
          id: users.id,
          email: users.email,
          firstName: users.firstName,
          lastName: users.lastName,
          status: users.status,
          optIn: users.emailOptIn,
          roleId: users.roleId,
        })
        .from(users)
        .where(inArray(users.id, ids));
      return new Map(
        rows.map((u) => [
          u.id,
          { ...u, eligible: u.status === 'active' && u.optIn && u.roleId === ROLE_IDS.customer },
        ]),
      );
    },

    /**
     * Records accepted messages. A row skipped meanwhile (cancel, end_time) becomes sent too, since
     * the message did go out.
     */
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

    /** Records a failed attempt that will be retried; the row stays pending. */
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

    /**
     * Ends a campaign that is in one of `from` (cancel, end_time) and marks what is still pending
     * skipped, in one transaction with its audit entry: nobody sees it ended with rows pending.
     * Returns how many rows were skipped, or null when the campaign was not in `from`.
     */
    async endCampaign(
      campaignId: number,
      from: readonly CampaignStatus[],
      status: 'completed' | 'cancelled',
      reason: string,
      audit: (skipped: number) => AuditEntry,
    ) {
      return inTx(campaignId, async (conn) => {
        const ended = affected(
          await conn.query(
            `UPDATE campaigns SET status = ?, fanout_done = 1, updated_at = CURRENT_TIMESTAMP(3)${status === 'completed' ? ', completed_at = CURRENT_TIMESTAMP(3)' : ''}
             WHERE id = ? AND deleted_at IS NULL AND status IN (?)`,
            [status, campaignId, from],
          ),
        );
        if (ended === 0) return null;
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
        await insertAudit(drizzle(conn), [audit(n)]);
        return n;
      });
    },

    async pendingBatches(campaignId: number): Promise<number[]> {
      const rows = await db
        .selectDistinct({ batchNo: cd.batchNo })
        .from(cd)
        .where(and(eq(cd.campaignId, campaignId), eq(cd.status, 'pending')));
      return rows.map((r) => r.batchNo);
    },

    async list(q: { campaignId: number; status?: DeliveryStatus; page: number; perPage: number }): Promise<{ rows: LedgerRow[]; total: number }> {
      const where = and(eq(cd.campaignId, q.campaignId), q.status ? eq(cd.status, q.status) : undefined);
      const columns = { userId: cd.userId, email: cd.email, status: cd.status, attempts: cd.attempts, lastError: cd.lastError, sentAt: cd.sentAt };
      return paged(
        q,
        (limit, offset) => db.select(columns).from(cd).where(where).orderBy(asc(cd.userId)).limit(limit).offset(offset),
        db.select({ n: count() }).from(cd).where(where),
      );
    },
  };
}
