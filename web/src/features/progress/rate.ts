/** One reading of the delivery counters: when it was taken and how many recipients had an outcome. */
export interface Sample {
  at: number;
  done: number;
}

/** How far back the sending rate looks: long enough to smooth batches, short enough to follow changes. */
export const RATE_WINDOW_MS = 15_000;

/** Adds a reading and drops those older than the window (keeping one just before it, to span it); a reading older than the last is ignored. */
export function addSample(samples: readonly Sample[], next: Sample, windowMs = RATE_WINDOW_MS): Sample[] {
  const last = samples.at(-1);
  if (last && next.at <= last.at) return [...samples];
  // Counters never go down; if they did, the earlier readings no longer measure anything.
  const all = [...samples.filter((s) => s.done <= next.done), next];
  const from = next.at - windowMs;
  const firstInside = all.findIndex((s) => s.at >= from);
  return all.slice(Math.max(0, firstInside - 1));
}

/**
 * Messages a second from successive readings, or from the average since sending started when
 * the readings do not yet span a couple of seconds; undefined when it cannot be told.
 */
export function messagesPerSecond(samples: readonly Sample[], startedAt?: string | null): number | undefined {
  const last = samples.at(-1);
  const first = samples[0];
  if (!last || !first) return undefined;
  if (last.at - first.at >= 2_000) return ((last.done - first.done) * 1000) / (last.at - first.at);
  const start = startedAt ? Date.parse(startedAt) : NaN;
  if (Number.isNaN(start) || last.at - start < 1_000 || last.done === 0) return undefined;
  return (last.done * 1000) / (last.at - start);
}

/** Seconds until the pending recipients are done at this rate; undefined when the rate is unknown or nil. */
export function secondsLeft(pending: number, rate: number | undefined): number | undefined {
  if (rate === undefined || !(rate > 0)) return undefined;
  return pending / rate;
}

/** "less than a second", "12 seconds", "3 min 5 s", "2 h 10 min". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 1) return 'less than a second';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A rate for people: one decimal under 10 a second, whole numbers above. */
export function formatRate(rate: number): string {
  return rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString();
}

/** Messages a second over a whole run that has finished; undefined before it has. */
export function averageRate(s: {
  sent: number;
  failed: number;
  skipped: number;
  bounced?: number;
  complained?: number;
  started_at: string | null;
  completed_at: string | null;
}): number | undefined {
  if (!s.started_at || !s.completed_at) return undefined;
  const seconds = (Date.parse(s.completed_at) - Date.parse(s.started_at)) / 1000;
  // A bounced or complained message went out too.
  const done = s.sent + s.failed + s.skipped + (s.bounced ?? 0) + (s.complained ?? 0);
  return seconds > 0 && done > 0 ? done / seconds : undefined;
}
