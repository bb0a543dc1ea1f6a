import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../api/useSession';
import { campaignKeys, wholeCampaign } from '../campaigns/hooks';

const approvalKeys = {
  queue: ['approvals', 'queue'] as const,
  count: ['approvals', 'count'] as const,
  review: (id: number) => ['approvals', 'review', id] as const,
  reviewPreview: (id: number) => ['approvals', 'review-preview', id] as const,
  audience: (id: number) => ['approvals', 'audience', id] as const,
};

// Loaded when the review opens and kept as it is while it stays open; dropped when it closes, so
// the next opening shows the campaign as it is then.
const asOpened = { staleTime: Infinity, gcTime: 0, refetchOnWindowFocus: false, refetchOnReconnect: false } as const;

/** How many campaigns wait for approval (admins only); refreshed every 15 s. */
export function usePendingCount(): number | undefined {
  const session = useSession();
  const q = useQuery({
    queryKey: approvalKeys.count,
    queryFn: async () => (await unwrap(api.GET('/v1/campaigns', { params: { query: { status: 'pending_approval', page: 1, per_page: 1 } } }))).total,
    enabled: session.user?.role === 'admin',
    refetchInterval: 15_000,
  });
  return q.data;
}

/** One page of the campaigns waiting for approval, the longest waiting first (the server's order); refreshed every 5 s while shown. */
export function useApprovalQueue({ page, perPage }: { page: number; perPage: number }) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: [...approvalKeys.queue, page, perPage],
    queryFn: async () => {
      // A pending campaign last changed when it was submitted: by last change, oldest first.
      const list = await unwrap(
        api.GET('/v1/campaigns', { params: { query: { status: 'pending_approval', sort: 'updated_at', page, per_page: perPage } } }),
      );
      // The navigation's count follows what the queue just showed.
      qc.setQueryData(approvalKeys.count, list.total);
      return list;
    },
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
}

/** The campaign under review and its rendered message, never refetched behind the reviewer's back. */
export function useReview(id: number) {
  const campaign = useQuery({
    queryKey: approvalKeys.review(id),
    queryFn: async () => wholeCampaign((await unwrap(api.GET('/v1/campaigns/{id}', { params: { path: { id } } }))).campaign),
    ...asOpened,
  });
  const preview = useQuery({
    queryKey: approvalKeys.reviewPreview(id),
    queryFn: () => unwrap(api.GET('/v1/campaigns/{id}/preview', { params: { path: { id } } })),
    enabled: campaign.isSuccess,
    ...asOpened,
  });
  return { campaign, preview };
}

function useDecision<B>(id: number, path: '/v1/campaigns/{id}/approve' | '/v1/campaigns/{id}/reject') {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: B) =>
      (await unwrap(api.POST(path, { params: { path: { id } }, body: body as never }))).campaign,
    onSuccess: async () => {
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['approvals'] }),
        qc.invalidateQueries({ queryKey: campaignKeys.all }),
      ]);
    },
  });
}

/** Approves the version the admin reviewed (409 STALE_VERSION if it changed since). */
export const useApprove = (id: number) => useDecision<{ version: number }>(id, '/v1/campaigns/{id}/approve');
export const useReject = (id: number) => useDecision<{ version: number; reason: string }>(id, '/v1/campaigns/{id}/reject');

/** Loads the review again (after the campaign changed under it). */
export function useReloadReview(id: number) {
  const qc = useQueryClient();
  return () =>
    Promise.all([qc.resetQueries({ queryKey: approvalKeys.review(id) }), qc.resetQueries({ queryKey: approvalKeys.reviewPreview(id) })]);
}

/** How many customers the campaign would reach if it were sent now; counted again every 30 s while the review is open. */
export function useAudience(id: number, { enabled = true } = {}) {
  return useQuery({
    queryKey: approvalKeys.audience(id),
    queryFn: async () => (await unwrap(api.GET('/v1/campaigns/{id}/audience', { params: { path: { id } } }))).eligible,
    enabled,
    refetchInterval: 30_000,
  });
}
