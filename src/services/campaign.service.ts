import type { Logger } from 'pino';
import {
  assertTransition,
  TRANSITIONS,
  type CampaignAction,
  type CampaignRecord,
  type CampaignStatus,
  type CampaignSummary,
  type CampaignType,
  type DeliveryStatus,
} from '../domain/campaign.ts';
import { ConflictError, NotFoundError, StaleVersionError, ValidationError } from '../domain/errors.ts';
import type { DeliveryQueue } from '../domain/ports.ts';
import { ROLE_IDS, type Clock, type Principal } from '../domain/types.ts';
import { campaignAudit, type AuditEntry } from '../repositories/audit.repository.ts';
import type { CampaignFields, CampaignRepository, VersionGuard } from '../repositories/campaign.repository.ts';
import type { DeliveryRepository } from '../repositories/delivery.repository.ts';
import type { UserRepository } from '../repositories/user.repository.ts';
import type { MessageBuilder } from './message.service.ts';
import { requeue } from './requeue.ts';
import type { TemplateChecker } from './template.pool.ts';

export interface CampaignInput {
  type: CampaignType;
  title: string;
  description?: string;
  remarks?: string;
  subject: string;
  bodyHtml: string;
  bodyText?: string | null;
  promoCode?: string | null;
  startTime?: Date | null;
  endTime?: Date | null;
}

/** A campaign as a caller may see it: customers get the public view only (§4.6). */
export interface CampaignView<R = CampaignRecord> {
  record: R;
  publicOnly?: true;
}

const isCustomer = (p: Principal) => p.roleId === ROLE_IDS.customer;
const isAdmin = (p: Principal) => p.roleId === ROLE_IDS.admin;

export type CampaignService = ReturnType<typeof createCampaignService>;

/** Campaign CRUD and lifecycle (API.md §4.2–4.3, 4.6); sending itself is the delivery service's. */
export function createCampaignService(deps: {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  users: UserRepository;
  queue: DeliveryQueue;
  messages: MessageBuilder;
  templates: TemplateChecker;
  clock: Clock;
  log: Logger;
}) {
  const { campaigns, deliveries, users, queue, messages, templates, clock, log } = deps;
  const now = () => clock.now();
  const publicNow = (c: CampaignRecord) =>
    (c.status === 'sending' || c.status === 'completed') && (c.endTime === null || c.endTime > now());

  /** Loads a campaign the caller may see: managers only their own, customers only the public ones; else 404. */
  async function load(p: Principal, id: number): Promise<CampaignRecord> {
    const c = await campaigns.findById(id);
    if (!c) throw new NotFoundError('Campaign');
    if (p.roleId === ROLE_IDS.manager && c.createdBy !== p.userId) throw new NotFoundError('Campaign');
    if (isCustomer(p) && !publicNow(c)) throw new NotFoundError('Campaign');
    return c;
  }

  /** Like load, for staff-only views (preview, stats, deliveries): customers' view has none of them, so 404. */
  async function loadInternal(p: Principal, id: number): Promise<CampaignRecord> {
    if (isCustomer(p)) throw new NotFoundError('Campaign');
    return load(p, id);
  }

  async function validate(input: CampaignInput): Promise<CampaignFields> {
    // The templates are checked (and the text derived) off the event loop, with a time limit.
    const { bodyText, problems } = await templates.check({
      subject: input.subject,
      bodyHtml: input.bodyHtml,
      bodyText: input.bodyText ?? null,
      promoCode: input.promoCode ?? null,
    });
    if (input.promoCode && input.type !== 'promotion') problems.push({ field: 'promo_code', message: 'is only allowed for promotions' });
    const start = input.startTime ?? null;
    const end = input.endTime ?? null;
    if (end && start && end <= start) problems.push({ field: 'end_time', message: 'must be after start_time' });
    if (end && end <= now()) problems.push({ field: 'end_time', message: 'must be in the future' });
    if (problems.length) throw new ValidationError(`${problems[0]!.field} ${problems[0]!.message}`, problems);
    return {
      type: input.type,
      title: input.title,
      description: input.description ?? '',
      remarks: input.remarks ?? '',
      subject: input.subject,
      bodyHtml: input.bodyHtml,
      bodyText,
      promoCode: input.promoCode ?? null,
      startTime: start,
      endTime: end,
    };
  }

  /** After a conditional update matched nothing: reports the campaign's real status (or that it is gone). */
  async function lostRace(id: number, action: CampaignAction): Promise<never> {
    const fresh = await campaigns.findById(id);
    if (!fresh) throw new NotFoundError('Campaign');
    assertTransition(fresh.status, action);
    throw new ConflictError('The campaign changed meanwhile; try again');
  }

  const entry = (p: Principal, action: string, c: CampaignRecord, details?: Record<string, unknown>) => campaignAudit(p.userId, action, c.id, details);

  /**
   * Moves a campaign along the transition table, with its audit entry (if any) in the same
   * transaction; a lost race reloads and reports the real status.
   */
  async function move(
    c: CampaignRecord,
    action: CampaignAction,
    set: Parameters<CampaignRepository['transition']>[2],
    audit?: AuditEntry,
    version?: VersionGuard,
  ) {
    assertTransition(c.status, action);
    if (!(await campaigns.transition(c.id, TRANSITIONS[action].from, set, audit, version))) await lostRace(c.id, action);
    return (await campaigns.findById(c.id))!;
  }

  /** A decision names the version the reviewer saw; the repository checks it again under the row lock. */
  function assertVersion(c: CampaignRecord, version: number) {
    if (c.version !== version) throw new StaleVersionError(c.version, version);
  }

  /** Enqueues the work of a campaign that is (again) sending or scheduled; the reconciler repeats it if this fails. */
  async function enqueue(c: CampaignRecord) {
    try {
      await requeue(c, { queue, deliveries, now: now() });
    } catch (err) {
      log.warn({ err, campaignId: c.id }, 'enqueue failed; the reconciler will retry');
    }
  }

  return {
    async create(p: Principal, input: CampaignInput): Promise<CampaignView> {
      const c = await campaigns.create(await validate(input), p.userId);
      return { record: c };
    },

    async update(p: Principal, id: number, patch: Partial<CampaignInput>): Promise<CampaignView> {
      const c = await load(p, id);
      assertTransition(c.status, 'edit');
      const merged: CampaignInput = {
        type: patch.type ?? c.type,
        title: patch.title ?? c.title,
        description: patch.description ?? c.description,
        remarks: patch.remarks ?? c.remarks,
        subject: patch.subject ?? c.subject,
        bodyHtml: patch.bodyHtml ?? c.bodyHtml,
        // A new HTML body without a text body re-derives the text.
        bodyText: patch.bodyText !== undefined ? patch.bodyText : patch.bodyHtml !== undefined ? null : c.bodyText,
        promoCode: patch.promoCode !== undefined ? patch.promoCode : c.promoCode,
        startTime: patch.startTime !== undefined ? patch.startTime : c.startTime,
        endTime: patch.endTime !== undefined ? patch.endTime : c.endTime,
      };
      const updated = await move(c, 'edit', { ...(await validate(merged)), status: 'draft', rejectionReason: null, updatedBy: p.userId }, undefined, {
        bump: true,
      });
      return { record: updated };
    },

    async submit(p: Principal, id: number): Promise<CampaignView> {
      const c = await move(await load(p, id), 'submit', { status: 'pending_approval', updatedBy: p.userId });
      return { record: c };
    },

    async approve(p: Principal, id: number, version: number): Promise<CampaignView> {
      const c = await load(p, id);
      assertTransition(c.status, 'approve');
      assertVersion(c, version);
      if (c.endTime && c.endTime <= now()) throw new ConflictError('The offer has already ended (end_time passed)', 'END_TIME_PASSED');
      const status = c.startTime !== null && c.startTime > now() ? 'scheduled' : 'sending';
      const approved = await move(
        c,
        'approve',
        { status, approvedBy: p.userId, approvedAt: now(), startedAt: status === 'scheduled' ? null : now() },
        entry(p, 'approved', c, { status, version }),
        { expect: version },
      );
      await enqueue(approved);
      return { record: approved };
    },

    async reject(p: Principal, id: number, version: number, reason: string): Promise<CampaignView> {
      const c = await load(p, id);
      assertTransition(c.status, 'reject');
      assertVersion(c, version);
      const rejected = await move(
        c,
        'reject',
        { status: 'rejected', rejectionReason: reason, updatedBy: p.userId },
        entry(p, 'rejected', c, { reason, version }),
        { expect: version },
      );
      return { record: rejected };
    },

    async pause(p: Principal, id: number): Promise<CampaignView> {
      const c = await load(p, id);
      return { record: await move(c, 'pause', { status: 'paused' }, entry(p, 'paused', c)) };
    },

    async resume(p: Principal, id: number): Promise<CampaignView> {
      const c = await load(p, id);
      const resumed = await move(c, 'resume', { status: 'sending' }, entry(p, 'resumed', c));
      await enqueue(resumed);
      return { record: resumed };
    },

    async cancel(p: Principal, id: number): Promise<CampaignView> {
      const c = await load(p, id);
      assertTransition(c.status, 'cancel');
      const skipped = await deliveries.endCampaign(c.id, TRANSITIONS.cancel.from, 'cancelled', 'campaign cancelled', (n) =>
        entry(p, 'cancelled', c, { skipped: n }),
      );
      if (skipped === null) await lostRace(c.id, 'cancel');
      return { record: (await campaigns.findById(c.id))! };
    },

    async delete(p: Principal, id: number): Promise<void> {
      const c = await load(p, id);
      assertTransition(c.status, 'delete');
      if (!(await campaigns.softDelete(c.id, TRANSITIONS.delete.from, p.userId))) {
        const fresh = await campaigns.findById(id);
        if (fresh) assertTransition(fresh.status, 'delete');
      }
    },

    async get(p: Principal, id: number): Promise<CampaignView> {
      const c = await load(p, id);
      if (isCustomer(p)) return { record: c, publicOnly: true };
      return { record: c };
    },

    async list(
      p: Principal,
      q: { status?: CampaignStatus; type?: CampaignType; page: number; perPage: number },
    ): Promise<{ views: CampaignView<CampaignSummary>[]; total: number }> {
      if (isCustomer(p)) {
        const { rows, total } = await campaigns.list({ type: q.type, publicAt: now(), page: q.page, perPage: q.perPage });
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

    async deliveries(p: Principal, id: number, q: { status?: DeliveryStatus; page: number; perPage: number }) {
      const c = await loadInternal(p, id);
      return deliveries.list({ campaignId: c.id, ...q });
    },
  };
}
