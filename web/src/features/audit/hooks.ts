import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema.d.ts';

export type AuditEntry = paths['/v1/audit']['get']['responses'][200]['content']['application/json']['data'][number];

export interface AuditFilters {
  action?: string;
  actorId?: number;
  page: number;
  perPage: number;
}

/** The audit log, newest first. */
export function useAudit(f: AuditFilters) {
  return useQuery({
    queryKey: ['audit', f],
    queryFn: () => unwrap(api.GET('/v1/audit', { params: { query: { action: f.action, actor_id: f.actorId, page: f.page, per_page: f.perPage } } })),
    placeholderData: keepPreviousData,
  });
}

/** Every action the service records, in words. */
export const ACTION_LABEL: Record<string, string> = {
  'campaign.updated': 'Campaign edited',
  'campaign.approved': 'Campaign approved',
  'campaign.rejected': 'Campaign rejected',
  'campaign.paused': 'Campaign paused',
  'campaign.resumed': 'Campaign resumed',
  'campaign.cancelled': 'Campaign cancelled',
  'campaign.auto_paused': 'Campaign paused automatically',
  'campaign.completed': 'Campaign completed',
  'campaign.expired': 'Campaign reached its end time',
  'campaign.test_sent': 'Test message sent',
  'user.created': 'User created',
  'user.role_changed': 'Role changed',
  'user.disabled': 'User disabled',
  'user.enabled': 'User enabled',
  'user.deleted': 'User deleted',
  'user.opted_out': 'Opted out of campaign email',
  'suppression.added': 'Address suppressed',
  'suppression.removed': 'Address taken off the suppression list',
};
