import { and, count, desc, eq, getTableColumns, gte, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Db } from '../conn/mysql.ts';
import type { AuditEntry } from '../domain/audit.ts';
import type { DeliveryStatus } from '../domain/campaign.ts';
import type { DeliverabilityRepository, EventChange, EventTarget, NewSuppression, SuppressionQuery } from '../domain/repositories.ts';
import type { ListCache, UserCache } from '../domain/stores.ts';
import { campaigns, deliveryEvents, suppressions, users } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { affected, bump, clip, inLedgerTx } from './delivery.counters.ts';
import { isDuplicateKey } from './errors.ts';
import { paged } from './paging.ts';
import { contains } from './search.ts';
import { userCacheWrites } from './user.repository.ts';

const targetOf = (r: RowDataPacket): EventTarget => ({
  campaignId: Number(r.campaign_id),
  userId: Number(r.user_id),
  email: String(r.email),
  status: r.status as DeliveryStatus,
  messageKey: String(r.message_key),
});

/** Received bounces and complaints (their dedupe and effects), and the suppression list. */
export function createDeliverabilityRepository({
  db,
  pool,
  cache,
  lists,
}: {
  db: Db;
  pool: Pool;
  cache?: UserCache;
  /** Told when a ledger row (and so its campaign's counters) changed. */
  lists?: ListCache;
}): DeliverabilityRepository {
  const userWrites = userCacheWrites({ db, cache });

  /** Entries with their campaign's title: one primary-key lookup per row of the page. */
  const withTitle = () =>
    db
      .select({ ...getTableColumns(suppressions), campaignTitle: campaigns.title })
      .from(suppressions)
      .leftJoin(campaigns, eq(campaigns.id, suppressions.campaignId));

  async function insertSuppression(tx: Pick<Db, 'insert'>, entry: NewSuppression): Promise<boolean> {
    try {
      await tx.insert(suppressions).values({ ...entry, detail: clip(entry.detail) });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  return {
    async target(campaignId: number, userId: number) {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT d.campaign_id, d.user_id, d.email, d.status, c.message_key
         FROM campaign_deliveries d JOIN campaigns c ON c.id = d.campaign_id
         WHERE d.campaign_id = ? AND d.user_id = ? AND c.deleted_at IS NULL`,
        [campaignId, userId],
      );
      return rows[0] ? targetOf(rows[0]) : undefined;
    },

    async latestSentTo(email: string, recentCampaigns: number) {
      // The users index on email gives the user; then one primary-key lookup per recent campaign.
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT d.campaign_id, d.user_id, d.email, d.status, c.message_key
         FROM (SELECT id, message_key FROM campaigns WHERE started_at IS NOT NULL AND deleted_at IS NULL ORDER BY id DESC LIMIT ?) c
         JOIN users u ON u.email = ?
         JOIN campaign_deliveries d ON d.campaign_id = c.id AND d.user_id = u.id
         WHERE d.status = 'sent' AND d.email = ?
         ORDER BY d.sent_at DESC, d.campaign_id DESC LIMIT 1`,
        [recentCampaigns, email, email],
      );
      return rows[0] ? targetOf(rows[0]) : undefined;
    },

    async userIdByEmail(email: string) {
      const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
      return row?.id;
    },

    async apply(change: EventChange): Promise<'applied' | 'duplicate'> {
      const { event, row, suppress, optOutUserId } = change;
      if (optOutUserId !== undefined) await userWrites.before(optOutUserId);
      const outcome = await inLedgerTx(pool, row?.campaignId ?? event.campaignId, async (conn) => {
        const tx = drizzle(conn);
        try {
          await tx.insert(deliveryEvents).values(event);
        } catch (err) {
          if (isDuplicateKey(err)) return 'duplicate' as const;
          throw err;
        }
        let rowChanged = false;
        if (row) {
          const n = affected(
            await conn.query(
              `UPDATE campaign_deliveries SET status = ?, last_error = ?, updated_at = CURRENT_TIMESTAMP(3)
               WHERE campaign_id = ? AND user_id = ? AND status = 'sent'`,
              [row.status, clip(row.detail), row.campaignId, row.userId],
            ),
          );
          await bump(conn, row.campaignId, { sent: -n, [row.status]: n });
          rowChanged = n > 0;
        }
        const suppressed = suppress ? await insertSuppression(tx, suppress) : false;
        let optedOut = false;
        if (optOutUserId !== undefined) {
          optedOut =
            affected(
              await conn.query('UPDATE users SET email_opt_in = 0, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND email_opt_in = 1', [optOutUserId]),
            ) > 0;
        }
        await insertAudit(tx, change.audit({ row: rowChanged, suppressed, optedOut }));
        return 'applied' as const;
      });
      if (optOutUserId !== undefined) await userWrites.after(optOutUserId);
      if (outcome === 'applied' && row) await lists?.changed();
      return outcome;
    },

    async softBounces(email: string, since: Date) {
      const [row] = await db
        .select({ n: count() })
        .from(deliveryEvents)
        .where(and(eq(deliveryEvents.email, email), eq(deliveryEvents.kind, 'soft_bounce'), gte(deliveryEvents.createdAt, since)));
      return row?.n ?? 0;
    },

    async pruneEvents(before: Date, limit: number) {
      // The created_at index makes this a range read of the rows it deletes (none, most runs).
      return affected(await pool.query('DELETE FROM delivery_events WHERE created_at < ? ORDER BY created_at LIMIT ?', [before, limit]));
    },

    async suppress(entry: NewSuppression, audit: AuditEntry) {
      return db.transaction(async (tx) => {
        if (!(await insertSuppression(tx, entry))) return false;
        await insertAudit(tx, [audit]);
        return true;
      });
    },

    async unsuppress(email: string, audit: AuditEntry) {
      return db.transaction(async (tx) => {
        const [res] = await tx.delete(suppressions).where(eq(suppressions.email, email));
        if (res.affectedRows === 0) return false;
        // Its earlier soft bounces no longer count; the events stay, for the dedupe.
        await tx
          .update(deliveryEvents)
          .set({ email: null })
          .where(and(eq(deliveryEvents.email, email), eq(deliveryEvents.kind, 'soft_bounce')));
        await insertAudit(tx, [audit]);
        return true;
      });
    },

    async findSuppression(email: string) {
      const [row] = await withTitle().where(eq(suppressions.email, email)).limit(1);
      return row;
    },

    async listSuppressions(q: SuppressionQuery) {
      const filters: SQL[] = [];
      if (q.q) filters.push(contains(suppressions.email, q.q));
      if (q.reason) filters.push(eq(suppressions.reason, q.reason));
      const where = filters.length ? and(...filters) : undefined;
      return paged(
        q,
        (limit, offset) =>
          withTitle().where(where).orderBy(desc(suppressions.createdAt), sql`${suppressions.email}`).limit(limit).offset(offset),
        db.select({ n: count() }).from(suppressions).where(where),
      );
    },
  };
}
