import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema.d.ts';

type Query = paths['/v1/campaigns/{id}/deliveries']['get']['parameters']['query'];
export type DeliveryStatus = NonNullable<Query['status']>;
export type Delivery = paths['/v1/campaigns/{id}/deliveries']['get']['responses'][200]['content']['application/json']['data'][number];

export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'sent', 'failed', 'skipped', 'bounced', 'complained'];
export const DELIVERY_LABEL: Record<DeliveryStatus, string> = {
  pending: 'Pending',
  sent: 'Sent',
  failed: 'Failed',
  skipped: 'Skipped',
  bounced: 'Bounced',
  complained: 'Complained',
};

export interface DeliveryFilters {
  status?: DeliveryStatus;
  q?: string;
  page: number;
  perPage: number;
}

/** A campaign's recipients, one row each; refreshed every 3 s while any of them is pending. */
export function useDeliveries(campaignId: number, f: DeliveryFilters, { live = false } = {}) {
  return useQuery({
    queryKey: ['deliveries', campaignId, f],
    queryFn: () =>
      unwrap(api.GET('/v1/campaigns/{id}/deliveries', { params: { path: { id: campaignId }, query: { status: f.status, q: f.q || undefined, page: f.page, per_page: f.perPage } } })),
    placeholderData: keepPreviousData,
    refetchInterval: live ? 3000 : false,
  });
}
