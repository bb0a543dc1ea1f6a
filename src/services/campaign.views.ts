import type { CampaignSort, CampaignStatus, CampaignSummary, CampaignType, DeliveryStatus } from '../domain/campaign.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { PageWindow } from '../domain/paging.ts';
import type { AuditRepository, CampaignRepository, DeliveryRepository, UserRepository } from '../domain/repositories.ts';
import { fillTimeline, TIMELINE_MAX_BUCKETS, type TimelineBucket, type TimelineUnit } from '../domain/timeline.ts';
import type { Clock, Principal } from '../domain/types.ts';
import { createCampaignCommon, isAdmin, isCustomer } from './campaign.common.ts';
import type { CampaignView } from './campaign.common.ts';
import type { MessageBuilder } from './message.service.ts';

/** Reading campaigns: one, a page of them, a preview, stats, the ledger, its timeline and the audience, each as the caller may see it. */
export function createCampaignViews(deps: {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  users: UserRepository;
  audit: Pick<AuditRepository, 'list'>;
  messages: MessageBuilder;
  clock: Clock;
}) {
  const { campaigns, deliveries, users, audit, messages } = deps;
  const { now, load, loadInternal } = createCampaignCommon(deps);

  return {
    async get(p: Principal, id: number): Promise<CampaignView> {
      const c = await load(p, id);
      if (isCustomer(p)) return { record: c, publicOnly: true };
      return { record: c };
    },

    async list(
      p: Principal,
      q: PageWindow & { status?: CampaignStatus; type?: CampaignType; q?: string; sort?: CampaignSort },
    ): Promise<{ views: CampaignView<CampaignSummary>[]; total: number }> {
      if (isCustomer(p)) {
        const { rows, total } = await campaigns.list({ type: q.type, q: q.q, sort: q.sort, publicAt: now(), page: q.page, perPage: q.perPage });
        return { views: rows.map((record) => ({ record, publicOnly: true as const })), total };
      }
      const { rows, total } = await campaigns.list({ ...q, createdBy: isAdmin(p) ? undefined : p.userId });
      return { views: rows.map((record) => ({ record })), total };
    },

    async preview(p: Principal, id: number) {
      const c = await loadInternal(p, id);
      const me = await users.profile(p.userId);
      if (!me) throw new NotFoundError('User');
      const mail = messages.build(c, me);
      return { subject: mail.subject, html: mail.html, text: mail.text, recipient: me.email };
    },

    stats: (p: Principal, id: number) => loadInternal(p, id),

    /** The campaign's audit entries, newest first (decisions, state changes, test sends): for its author and admins. */
    async history(p: Principal, id: number, q: PageWindow) {
      const c = await loadInternal(p, id);
      return audit.list({ targetType: 'campaign', targetId: c.id, ...q });
    },

    async deliveries(p: Principal, id: number, q: PageWindow & { status?: DeliveryStatus; q?: string }) {
      const c = await loadInternal(p, id);
      return deliveries.list({ campaignId: c.id, ...q });
    },

    /** How many customers the fan-out would reach if it ran now: the audience rule, counted in the database. */
    async audience(p: Principal, id: number): Promise<{ eligible: number }> {
      await loadInternal(p, id);
      return { eligible: await deliveries.audienceCount() };
    },

    /** Outcomes per minute or hour, consecutive buckets from the first to the latest (at most TIMELINE_MAX_BUCKETS). */
    async timeline(p: Principal, id: number, unit: TimelineUnit): Promise<TimelineBucket[]> {
      const c = await loadInternal(p, id);
      const rows = await deliveries.timeline(c.id, unit, TIMELINE_MAX_BUCKETS);
      return rows ? fillTimeline(rows.buckets, unit, TIMELINE_MAX_BUCKETS, rows.first) : [];
    },
  };
}
