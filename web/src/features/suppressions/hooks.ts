import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema.d.ts';

type Query = NonNullable<paths['/v1/suppressions']['get']['parameters']['query']>;
export type SuppressionReason = NonNullable<Query['reason']>;
export type Suppression = paths['/v1/suppressions']['get']['responses'][200]['content']['application/json']['data'][number];
export type SuppressionSource = Suppression['source'];
export type NewSuppression = NonNullable<paths['/v1/suppressions']['post']['requestBody']>['content']['application/json'];

export const REASONS: SuppressionReason[] = ['hard_bounce', 'soft_bounce', 'complaint', 'manual'];

/** Why an address is listed, in plain words. */
export const REASON_LABEL: Record<SuppressionReason, string> = {
  hard_bounce: 'Bounced: the address does not exist',
  soft_bounce: 'Bounced again and again (3 times in 30 days)',
  complaint: 'Marked a campaign as spam',
  manual: 'Added by an admin',
};

/** A short form of the reason, for the filter. */
export const REASON_SHORT: Record<SuppressionReason, string> = {
  hard_bounce: 'Hard bounce',
  soft_bounce: 'Repeated soft bounces',
  complaint: 'Spam complaint',
  manual: 'Added by an admin',
};

/** Who reported it. */
export const SOURCE_LABEL: Record<SuppressionSource, string> = {
  ses: 'Amazon SES',
  postmark: 'Postmark',
  sendgrid: 'SendGrid',
  generic: 'Bounce webhook',
  mailbox: 'Bounce mailbox',
  admin: 'Admin',
};

/** The longest note the API keeps with an address added by hand. */
export const NOTE_MAX = 1000;

export interface SuppressionFilters {
  q?: string;
  reason?: SuppressionReason;
  page: number;
  perPage: number;
}

export const suppressionKeys = {
  all: ['suppressions'] as const,
  list: (f: SuppressionFilters) => ['suppressions', 'list', f] as const,
};

/** The suppression list, newest first. */
export function useSuppressions(f: SuppressionFilters) {
  return useQuery({
    queryKey: suppressionKeys.list(f),
    queryFn: () => unwrap(api.GET('/v1/suppressions', { params: { query: { q: f.q || undefined, reason: f.reason, page: f.page, per_page: f.perPage } } })),
    placeholderData: keepPreviousData,
  });
}

export function useAddSuppression() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: NewSuppression) => (await unwrap(api.POST('/v1/suppressions', { body }))).suppression,
    onSuccess: () => qc.invalidateQueries({ queryKey: suppressionKeys.all }),
  });
}

export function useRemoveSuppression() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (email: string) => unwrap(api.DELETE('/v1/suppressions/{email}', { params: { path: { email } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: suppressionKeys.all }),
  });
}
