import type { components, paths } from '../../api/schema.d.ts';

export type Campaign = components['schemas']['Campaign'];
export type CampaignStatus = Campaign['status'];
export type CampaignType = Campaign['type'];
export type CampaignSummary = paths['/v1/campaigns']['get']['responses'][200]['content']['application/json']['data'][number];
export type CampaignInput = NonNullable<paths['/v1/campaigns']['post']['requestBody']>['content']['application/json'];
export type CampaignChange = NonNullable<paths['/v1/campaigns/{id}']['patch']['requestBody']>['content']['application/json'];
export type Stats = paths['/v1/campaigns/{id}/stats']['get']['responses'][200]['content']['application/json'];
export type RenderInput = NonNullable<paths['/v1/campaigns/render']['post']['requestBody']>['content']['application/json'];
export type HistoryEntry = paths['/v1/campaigns/{id}/history']['get']['responses'][200]['content']['application/json']['data'][number];
export type Preview = paths['/v1/campaigns/{id}/preview']['get']['responses'][200]['content']['application/json'];

export const STATUSES: CampaignStatus[] = ['draft', 'pending_approval', 'rejected', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'];
export const TYPES: CampaignType[] = ['campaign', 'promotion'];

export const STATUS_LABEL: Record<CampaignStatus, string> = {
  draft: 'Draft',
  pending_approval: 'Waiting for approval',
  rejected: 'Rejected',
  scheduled: 'Scheduled',
  sending: 'Sending',
  paused: 'Paused',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export const TYPE_LABEL: Record<CampaignType, string> = { campaign: 'Campaign', promotion: 'Promotion' };

/** Statuses in which a campaign can still be edited, submitted or deleted (before approval). */
export const EDITABLE: ReadonlySet<CampaignStatus> = new Set(['draft', 'pending_approval', 'rejected']);
/** Statuses in which delivery has begun or may begin: there are stats to show. */
export const DELIVERING: ReadonlySet<CampaignStatus> = new Set(['scheduled', 'sending', 'paused', 'completed', 'cancelled']);
