/** One minute of the timeline, labelled for people. */
export interface ChartRow {
  at: string;
  label: string;
  sent: number;
  failed: number;
  skipped: number;
  bounced: number;
  complained: number;
}

/** The chart's series, in the colours of the delivery counts (each stands out from its neighbours and from white). */
export const SERIES = [
  { name: 'sent', label: 'Sent', color: 'green.9' },
  { name: 'failed', label: 'Failed', color: 'red.9' },
  { name: 'skipped', label: 'Skipped', color: 'gray.7' },
  { name: 'bounced', label: 'Bounced', color: 'orange.9' },
  { name: 'complained', label: 'Complained', color: 'grape.9' },
] as const;

const MINUTE = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

type Bucket = { at: string; sent: number; failed: number; skipped: number; bounced?: number; complained?: number };

/** The timeline's buckets as chart rows, each labelled with its local time. */
export function chartRows(buckets: readonly Bucket[]): ChartRow[] {
  return buckets.map((b) => ({ ...b, bounced: b.bounced ?? 0, complained: b.complained ?? 0, label: MINUTE.format(new Date(b.at)) }));
}
