import type { DeliveryStatus } from './campaign.ts';

/** The widths a campaign's timeline can be bucketed by. */
export const TIMELINE_UNITS = ['minute', 'hour'] as const;
export type TimelineUnit = (typeof TIMELINE_UNITS)[number];
export const TIMELINE_UNIT_MS: Record<TimelineUnit, number> = { minute: 60_000, hour: 3_600_000 };

/** The most buckets one timeline holds: a day of minutes, or 60 days of hours. */
export const TIMELINE_MAX_BUCKETS = 1440;

/**
 * The outcomes a timeline counts: every ledger status but pending. A bounced or complained row
 * counts at the time of its bounce or complaint (it no longer counts as sent).
 */
export const TIMELINE_STATUSES = ['sent', 'failed', 'skipped', 'bounced', 'complained'] as const satisfies readonly DeliveryStatus[];
export type TimelineStatus = (typeof TIMELINE_STATUSES)[number];

/** How many ledger rows reached each outcome within the bucket that starts at `at`. */
export type TimelineBucket = { at: Date } & Record<TimelineStatus, number>;

/** A campaign's outcomes over time as the ledger holds them: when the first happened, and the buckets that have some. */
export interface TimelineRows {
  first: Date;
  buckets: TimelineBucket[];
}

/** A bucket starting at `at` with no outcomes. */
export const emptyBucket = (at: Date): TimelineBucket => ({ at, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 });

/** The start of the bucket that holds `t`. */
export const bucketStart = (t: Date, unit: TimelineUnit): Date => new Date(Math.floor(t.getTime() / TIMELINE_UNIT_MS[unit]) * TIMELINE_UNIT_MS[unit]);

/**
 * The consecutive buckets from the first outcome (`since`, else the first of `rows`) to the last of
 * `rows`, those without outcomes at zero, at most `max` of them (the latest). `rows` are the
 * non-empty buckets, in any order.
 */
export function fillTimeline(rows: TimelineBucket[], unit: TimelineUnit, max = TIMELINE_MAX_BUCKETS, since?: Date): TimelineBucket[] {
  if (rows.length === 0) return [];
  const step = TIMELINE_UNIT_MS[unit];
  const byStart = new Map(rows.map((r) => [bucketStart(r.at, unit).getTime(), r]));
  const starts = [...byStart.keys()];
  const last = Math.max(...starts);
  const earliest = since ? Math.min(bucketStart(since, unit).getTime(), ...starts) : Math.min(...starts);
  const first = Math.max(earliest, last - (max - 1) * step);
  const out: TimelineBucket[] = [];
  for (let t = first; t <= last; t += step) {
    const r = byStart.get(t);
    const bucket = emptyBucket(new Date(t));
    if (r) for (const s of TIMELINE_STATUSES) bucket[s] = r[s] ?? 0;
    out.push(bucket);
  }
  return out;
}
