/** One minute of the timeline, labelled for people. */
export interface ChartRow {
  at: string;
  label: string;
  sent: number;
  failed: number;
  skipped: number;
}

export const SERIES = [
  { name: 'sent', label: 'Sent', color: 'green.9' },
  { name: 'failed', label: 'Failed', color: 'red.9' },
  { name: 'skipped', label: 'Skipped', color: 'gray.7' },
] as const;

const MINUTE = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** The timeline's buckets as chart rows, each labelled with its local time. */
export function chartRows(buckets: readonly { at: string; sent: number; failed: number; skipped: number }[]): ChartRow[] {
  return buckets.map((b) => ({ ...b, label: MINUTE.format(new Date(b.at)) }));
}
