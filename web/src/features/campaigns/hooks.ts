import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { Campaign, CampaignChange, CampaignInput, CampaignStatus, CampaignType, RenderInput } from './types';

/** GET /v1/campaigns/:id answers staff with the whole campaign (customers get the public view, never used here). */
export function wholeCampaign(c: Partial<Campaign>): Campaign {
  if (c.status === undefined || c.version === undefined || c.body_html === undefined) throw new Error('expected the whole campaign');
  return c as Campaign;
}

export const campaignKeys = {
  all: ['campaigns'] as const,
  list: (f: CampaignFilters) => ['campaigns', 'list', f] as const,
  one: (id: number) => ['campaigns', 'one', id] as const,
  preview: (id: number) => ['campaigns', 'preview', id] as const,
  stats: (id: number) => ['campaigns', 'stats', id] as const,
  history: (id: number) => ['campaigns', 'history', id] as const,
  render: (fields: string) => ['campaigns', 'render', fields] as const,
};

export interface CampaignFilters {
  status?: CampaignStatus;
  type?: CampaignType;
  q?: string;
  page: number;
  perPage: number;
}

export function useCampaigns(f: CampaignFilters) {
  return useQuery({
    queryKey: campaignKeys.list(f),
    queryFn: () => unwrap(api.GET('/v1/campaigns', { params: { query: { status: f.status, type: f.type, q: f.q || undefined, page: f.page, per_page: f.perPage } } })),
    placeholderData: keepPreviousData,
  });
}

/** One campaign, whole. */
export function useCampaign(id: number) {
  return useQuery({
    queryKey: campaignKeys.one(id),
    queryFn: async () => wholeCampaign((await unwrap(api.GET('/v1/campaigns/{id}', { params: { path: { id } } }))).campaign),
  });
}

/** The message rendered for the caller as the sample recipient. */
export function usePreview(id: number, { enabled = true } = {}) {
  return useQuery({
    queryKey: campaignKeys.preview(id),
    queryFn: () => unwrap(api.GET('/v1/campaigns/{id}/preview', { params: { path: { id } } })),
    enabled,
  });
}

/** Unsaved content rendered for the caller (the live preview); nothing is asked until it is `enabled`. */
export function useRender(fields: RenderInput, { enabled = true } = {}) {
  const key = JSON.stringify(fields);
  return useQuery({
    queryKey: campaignKeys.render(key),
    queryFn: ({ signal }) => unwrap(api.POST('/v1/campaigns/render', { body: fields, signal })),
    enabled,
    retry: false,
    staleTime: 60_000,
  });
}

/** The campaign's audit entries, newest first: decisions, reasons, test sends. */
export function useHistory(id: number, { enabled = true } = {}) {
  return useQuery({
    queryKey: campaignKeys.history(id),
    queryFn: () => unwrap(api.GET('/v1/campaigns/{id}/history', { params: { path: { id }, query: { page: 1, per_page: 100 } } })),
    enabled,
  });
}

/** Sends the campaign as a test to the given addresses (the caller's own, from the studio). */
export function useTestSend(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (emails: string[]) => unwrap(api.POST('/v1/campaigns/{id}/test-send', { params: { path: { id } }, body: { emails } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: campaignKeys.history(id) }),
  });
}

const LIVE: ReadonlySet<CampaignStatus> = new Set(['scheduled', 'sending']);

/** Delivery counts; polled every 2 s while the campaign is scheduled or sending. */
export function useStats(id: number, { enabled = true } = {}) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: campaignKeys.stats(id),
    queryFn: async () => {
      const stats = await unwrap(api.GET('/v1/campaigns/{id}/stats', { params: { path: { id } } }));
      // Keep the campaign's own status in step with what the counters say.
      const cached = qc.getQueryData<{ status: CampaignStatus }>(campaignKeys.one(id));
      if (cached && cached.status !== stats.status) void qc.invalidateQueries({ queryKey: campaignKeys.one(id) });
      return stats;
    },
    enabled,
    refetchInterval: (q) => (q.state.data && !LIVE.has(q.state.data.status) ? false : 2000),
  });
}

export function useCreateCampaign() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: CampaignInput) => (await unwrap(api.POST('/v1/campaigns', { body }))).campaign,
    onSuccess: () => qc.invalidateQueries({ queryKey: campaignKeys.all }),
  });
}

export function useUpdateCampaign(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: CampaignChange) => (await unwrap(api.PATCH('/v1/campaigns/{id}', { params: { path: { id } }, body }))).campaign,
    onSuccess: (c) => {
      qc.setQueryData(campaignKeys.one(id), c);
      return qc.invalidateQueries({ queryKey: campaignKeys.all });
    },
  });
}

type Action = 'submit' | 'pause' | 'resume' | 'cancel';
const ACTION_PATH = {
  submit: '/v1/campaigns/{id}/submit',
  pause: '/v1/campaigns/{id}/pause',
  resume: '/v1/campaigns/{id}/resume',
  cancel: '/v1/campaigns/{id}/cancel',
} as const;

/** A status change without a body: submit, pause, resume or cancel. */
export function useCampaignAction(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (action: Action) => (await unwrap(api.POST(ACTION_PATH[action], { params: { path: { id } } }))).campaign,
    onSuccess: (c) => {
      qc.setQueryData(campaignKeys.one(id), c);
      return qc.invalidateQueries({ queryKey: campaignKeys.all });
    },
  });
}

export function useDeleteCampaign(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/v1/campaigns/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      qc.removeQueries({ queryKey: campaignKeys.one(id) });
      // Cached list pages would show the deleted campaign until their refetch: drop them instead.
      qc.removeQueries({ queryKey: ['campaigns', 'list'] });
      return qc.invalidateQueries({ queryKey: campaignKeys.all });
    },
  });
}
