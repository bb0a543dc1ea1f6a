import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CampaignStatus, CampaignSummary, CampaignType, DeliveryStatus } from '../domain/campaign.ts';
import { ValidationError, type FieldProblem } from '../domain/errors.ts';
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

// The range of the DATETIME columns (MariaDB: 1000-01-01 to 9999-12-31); the date-time format alone
// lets through a leap second (an Invalid Date) and offsets that carry 9999-12-31 into the year 10000.
const MIN_TIME = Date.UTC(1000, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function date(field: string, s: string | null | undefined, problems: FieldProblem[]): Date | null | undefined {
  if (s === undefined || s === null) return s;
  const d = new Date(s);
  const t = d.getTime();
  if (Number.isNaN(t)) problems.push({ field, message: 'is not a valid date-time (leap seconds are not supported)' });
  else if (t < MIN_TIME || t > MAX_TIME) problems.push({ field, message: 'must lie between 1000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z' });
  return d;
}

function input(b: CampaignBody): Partial<CampaignInput> {
  const problems: FieldProblem[] = [];
  const startTime = date('start_time', b.start_time, problems);
  const endTime = date('end_time', b.end_time, problems);
  if (problems.length) throw new ValidationError(`${problems[0]!.field} ${problems[0]!.message}`, problems);
  return {
    type: b.type,
    title: b.title?.trim(),
    description: b.description,
    remarks: b.remarks,
    subject: b.subject,
    bodyHtml: b.body_html,
    bodyText: b.body_text,
    promoCode: b.promo_code,
    startTime,
    endTime,
  };
}

const publicView = (c: CampaignSummary) => ({
  id: c.id,
  type: c.type,
  title: c.title,
  description: c.description,
  subject: c.subject,
  promo_code: c.promoCode,
  start_time: iso(c.startTime),
  end_time: iso(c.endTime),
});

/** A list row: for staff every field but the bodies and the description, so that a page stays small; customers' public view as is. */
export function summaryView(v: CampaignView<CampaignSummary>) {
  const c = v.record;
  if (v.publicOnly) return publicView(c);
  const { description: _d, ...shown } = publicView(c);
  return {
    ...shown,
    remarks: c.remarks,
    status: c.status,
    version: c.version,
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

/** The API shape of a campaign: the full view for staff, the public one for customers (§4.6). */
export function campaignView(v: CampaignView) {
  const c = v.record;
  if (v.publicOnly) return publicView(c);
  return { ...summaryView(v), description: c.description, body_html: c.bodyHtml, body_text: c.bodyText };
}

/** HTTP handlers for /v1/campaigns. */
export function campaignHandlers({ services }: AppContext) {
  const { campaigns } = services;
  const envelope = (v: CampaignView) => ({ campaign: campaignView(v) });
  const action =
    (fn: 'submit' | 'pause' | 'resume' | 'cancel') =>
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
      return { data: views.map(summaryView), page: q.page, per_page: q.per_page, total };
    },
    submit: action('submit'),
    async approve(req: Req<{ version: number }>) {
      return envelope(await campaigns.approve(principal(req), req.params.id, req.body.version));
    },
    pause: action('pause'),
    resume: action('resume'),
    cancel: action('cancel'),
    async reject(req: Req<{ version: number; reason: string }>) {
      return envelope(await campaigns.reject(principal(req), req.params.id, req.body.version, req.body.reason.trim()));
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
