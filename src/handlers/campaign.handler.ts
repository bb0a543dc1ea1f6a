import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CampaignRecord, CampaignStatus, CampaignType, DeliveryStatus } from '../domain/campaign.ts';
import { principal } from '../middlewares/access.ts';
import type { AppContext } from '../server/context.ts';
import type { CampaignInput, CampaignView } from '../services/campaign.service.ts';

type Req<B = unknown, Q = unknown> = FastifyRequest<{ Body: B; Params: { id: number }; Querystring: Q }>;

interface CampaignBody {
  type?: CampaignType;
  title?: string;
  description?: string;
  remarks?: string;
  subject?: string;
  body_html?: string;
  body_text?: string | null;
  promo_code?: string | null;
  start_time?: string | null;
  end_time?: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const date = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : new Date(s));

function input(b: CampaignBody): Partial<CampaignInput> {
  return {
    type: b.type,
    title: b.title?.trim(),
    description: b.description,
    remarks: b.remarks,
    subject: b.subject,
    bodyHtml: b.body_html,
    bodyText: b.body_text,
    promoCode: b.promo_code,
    startTime: date(b.start_time),
    endTime: date(b.end_time),
  };
}

const publicView = (c: CampaignRecord) => ({
  id: c.id,
  type: c.type,
  title: c.title,
  description: c.description,
  subject: c.subject,
  promo_code: c.promoCode,
  start_time: iso(c.startTime),
  end_time: iso(c.endTime),
});

/** The API shape of a campaign: the full view for staff, the public one for customers (§4.6). */
export function campaignView(v: CampaignView) {
  const c = v.record;
  if (v.publicOnly) return publicView(c);
  return {
    ...publicView(c),
    remarks: c.remarks,
    body_html: c.bodyHtml,
    body_text: c.bodyText,
    status: c.status,
    rejection_reason: c.rejectionReason,
    created_by: c.createdBy,
    updated_by: c.updatedBy,
    approved_by: c.approvedBy,
    approved_at: iso(c.approvedAt),
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    stats: c.stats,
  };
}

/** HTTP handlers for /v1/campaigns. */
export function campaignHandlers({ services }: AppContext) {
  const { campaigns } = services;
  const envelope = (v: CampaignView) => ({ campaign: campaignView(v) });
  const action =
    (fn: 'submit' | 'approve' | 'pause' | 'resume' | 'cancel') =>
    async (req: Req) =>
      envelope(await campaigns[fn](principal(req), req.params.id));

  return {
    async create(req: Req<CampaignBody>, reply: FastifyReply) {
      const view = await campaigns.create(principal(req), input(req.body) as CampaignInput);
      return reply.status(201).send(envelope(view));
    },
    async update(req: Req<CampaignBody>) {
      return envelope(await campaigns.update(principal(req), req.params.id, input(req.body ?? {})));
    },
    async remove(req: Req, reply: FastifyReply) {
      await campaigns.delete(principal(req), req.params.id);
      return reply.status(204).send();
    },
    async get(req: Req) {
      return envelope(await campaigns.get(principal(req), req.params.id));
    },
    async list(req: Req<unknown, { status?: CampaignStatus; type?: CampaignType; page: number; per_page: number }>) {
      const q = req.query;
      const { views, total } = await campaigns.list(principal(req), { status: q.status, type: q.type, page: q.page, perPage: q.per_page });
      return { data: views.map(campaignView), page: q.page, per_page: q.per_page, total };
    },
    submit: action('submit'),
    approve: action('approve'),
    pause: action('pause'),
    resume: action('resume'),
    cancel: action('cancel'),
    async reject(req: Req<{ reason: string }>) {
      return envelope(await campaigns.reject(principal(req), req.params.id, req.body.reason.trim()));
    },
    async preview(req: Req) {
      return campaigns.preview(principal(req), req.params.id);
    },
    async stats(req: Req) {
      const c = await campaigns.stats(principal(req), req.params.id);
      return { status: c.status, ...c.stats, started_at: iso(c.startedAt), completed_at: iso(c.completedAt) };
    },
    async deliveries(req: Req<unknown, { status?: DeliveryStatus; page: number; per_page: number }>) {
      const q = req.query;
      const { rows, total } = await campaigns.deliveries(principal(req), req.params.id, { status: q.status, page: q.page, perPage: q.per_page });
      const data = rows.map((r) => ({
        user_id: r.userId,
        email: r.email,
        status: r.status,
        attempts: r.attempts,
        last_error: r.lastError,
        sent_at: iso(r.sentAt),
      }));
      return { data, page: q.page, per_page: q.per_page, total };
    },
  };
}
