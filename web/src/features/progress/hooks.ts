import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useStats } from '../campaigns/hooks';
import type { CampaignStatus } from '../campaigns/types';
import { addSample, messagesPerSecond, type Sample } from './rate';

/** How often the live widgets refresh while a campaign sends. */
export const LIVE_EVERY_MS = 2_000;
const LIVE: ReadonlySet<CampaignStatus> = new Set(['scheduled', 'sending']);

export const progressKeys = {
  timeline: (id: number) => ['progress', 'timeline', id] as const,
};

/** Outcomes per minute (sent / failed / skipped / bounced / complained); polled while the campaign is live, once more when it stops. */
export function useTimeline(id: number, status: CampaignStatus | undefined) {
  const qc = useQueryClient();
  const live = status !== undefined && LIVE.has(status);
  const wasLive = useRef(live);
  useEffect(() => {
    // The last outcomes land just before the status changes: read them once more.
    if (wasLive.current && !live) void qc.invalidateQueries({ queryKey: progressKeys.timeline(id) });
    wasLive.current = live;
  }, [live, id, qc]);
  return useQuery({
    queryKey: progressKeys.timeline(id),
    queryFn: () => unwrap(api.GET('/v1/campaigns/{id}/timeline', { params: { path: { id }, query: { bucket: 'minute' } } })),
    enabled: status !== undefined,
    refetchInterval: live ? LIVE_EVERY_MS : false,
  });
}

/** The delivery counts (the counts panel's query, polled every 2 s while live) with the sending rate measured between successive polls. */
export function useLiveStats(id: number) {
  const stats = useStats(id);
  const [samples, setSamples] = useState<Sample[]>([]);
  const seen = useRef(0);
  const data = stats.data;
  const updatedAt = stats.dataUpdatedAt;
  useEffect(() => {
    if (!data || updatedAt === seen.current) return;
    seen.current = updatedAt;
    setSamples((prev) => addSample(prev, { at: updatedAt, done: data.sent + data.failed + data.skipped + data.bounced + data.complained }));
  }, [data, updatedAt]);
  const rate = data?.status === 'sending' ? messagesPerSecond(samples, data.started_at) : undefined;
  return { stats, rate };
}
