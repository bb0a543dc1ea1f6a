import type { Pool, RowDataPacket } from 'mysql2/promise';
import { bucketStart, emptyBucket, TIMELINE_STATUSES, TIMELINE_UNIT_MS, type TimelineBucket, type TimelineRows, type TimelineStatus, type TimelineUnit } from '../domain/timeline.ts';

// A row's outcome time is its updated_at: the statement that settles a row sets it (and sent_at, to
// the same instant, for a sent one); a bounce or complaint moves a sent row on, and its time with it.
const SQL_UNIT: Record<TimelineUnit, string> = { minute: 'MINUTE', hour: 'HOUR' };

/** A campaign's outcomes over time, read from the ledger through its (campaign_id, status, updated_at) index. */
export function createTimelineQueries({ pool }: { pool: Pool }) {
  return {
    async timeline(campaignId: number, unit: TimelineUnit, maxBuckets: number): Promise<TimelineRows | null> {
      // One MIN and MAX per status: each is a single index lookup.
      const [ends] = await pool.query<RowDataPacket[]>(
        `SELECT MIN(t0) AS first, MAX(t1) AS last FROM (${TIMELINE_STATUSES.map(
          () => 'SELECT MIN(updated_at) AS t0, MAX(updated_at) AS t1 FROM campaign_deliveries WHERE campaign_id = ? AND status = ?',
        ).join(' UNION ALL ')}) m`,
        TIMELINE_STATUSES.flatMap((s) => [campaignId, s]),
      );
      const { first, last } = (ends[0] ?? {}) as { first?: Date | null; last?: Date | null };
      if (!first || !last) return null;
      const from = new Date(bucketStart(last, unit).getTime() - (maxBuckets - 1) * TIMELINE_UNIT_MS[unit]);
      // Whole units since the epoch, counted between two DATETIMEs: no time zone takes part.
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT TIMESTAMPDIFF(${SQL_UNIT[unit]}, '1970-01-01 00:00:00', updated_at) AS b, status, COUNT(*) AS n
         FROM campaign_deliveries
         WHERE campaign_id = ? AND status IN (?) AND updated_at >= ?
         GROUP BY b, status`,
        [campaignId, TIMELINE_STATUSES, from],
      );
      const buckets = new Map<number, TimelineBucket>();
      for (const r of rows) {
        const b = Number(r.b);
        let bucket = buckets.get(b);
        if (!bucket) buckets.set(b, (bucket = emptyBucket(new Date(b * TIMELINE_UNIT_MS[unit]))));
        bucket[r.status as TimelineStatus] = Number(r.n);
      }
      return { first, buckets: [...buckets.values()].sort((a, b) => a.at.getTime() - b.at.getTime()) };
    },
  };
}
