import { campaignAudit } from '../domain/audit.ts';
import { assertTransition, TRANSITIONS, type CampaignRecord } from '../domain/campaign.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { FieldProblem } from '../domain/errors.ts';
import type { CampaignFields, CampaignRepository, UserRepository } from '../domain/repositories.ts';
import type { Clock, Principal } from '../domain/types.ts';
import { createCampaignCommon } from './campaign.common.ts';
import type { CampaignInput, CampaignView } from './campaign.common.ts';
import type { MessageBuilder } from './message.service.ts';
import type { TemplateChecker } from './template.pool.ts';

/** The fields that make the message: what a draft render needs. */
export type MessageInput = Pick<CampaignInput, 'type' | 'subject' | 'bodyHtml' | 'bodyText' | 'promoCode'>;

/** The fields a user writes, by their API names, in the order the API lists them. */
const WRITTEN: [keyof CampaignFields, string][] = [
  ['type', 'type'],
  ['title', 'title'],
  ['description', 'description'],
  ['remarks', 'remarks'],
  ['subject', 'subject'],
  ['bodyHtml', 'body_html'],
  ['bodyText', 'body_text'],
  ['promoCode', 'promo_code'],
  ['startTime', 'start_time'],
  ['endTime', 'end_time'],
];

/** The API names of the written fields whose values differ: what an edit's audit entry lists (never the values). */
export function changedFields(before: CampaignRecord, after: CampaignFields): string[] {
  const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);
  return WRITTEN.filter(([key]) => !same(before[key], after[key])).map(([, name]) => name);
}

/** Writing a campaign: create, edit (back to draft, version + 1) and delete, with the input validated; and rendering unsaved content. */
export function createCampaignEditing(deps: {
  campaigns: CampaignRepository;
  users: UserRepository;
  templates: TemplateChecker;
  messages: MessageBuilder;
  clock: Clock;
}) {
  const { campaigns, users, templates, messages } = deps;
  const { now, load, move } = createCampaignCommon(deps);

  async function checkMessage(input: MessageInput): Promise<{ bodyText: string; problems: FieldProblem[] }> {
    // The templates are checked (and the text derived) off the event loop, with a time limit.
    const { bodyText, problems } = await templates.check({
      subject: input.subject,
      bodyHtml: input.bodyHtml,
      bodyText: input.bodyText ?? null,
      promoCode: input.promoCode ?? null,
    });
    if (input.promoCode && input.type !== 'promotion') problems.push({ field: 'promo_code', message: 'is only allowed for promotions' });
    return { bodyText, problems };
  }

  async function validate(input: CampaignInput): Promise<CampaignFields> {
    const { bodyText, problems } = await checkMessage(input);
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

  return {
    /** Unsaved content checked as create would and rendered for the caller as the sample recipient; 400 with the template problems. */
    async render(p: Principal, input: MessageInput) {
      const { bodyText, problems } = await checkMessage(input);
      if (problems.length) throw new ValidationError(`${problems[0]!.field} ${problems[0]!.message}`, problems);
      const me = await users.profile(p.userId);
      if (!me) throw new NotFoundError('User');
      const promoCode = input.type === 'promotion' ? (input.promoCode ?? null) : null;
      const mail = messages.renderDraft({ subject: input.subject, bodyHtml: input.bodyHtml, bodyText, promoCode }, me);
      return { ...mail, recipient: me.email };
    },

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
      const fields = await validate(merged);
      // Each edit is in the audit log, committed with it: the version it made and the fields it changed.
      const audit = ({ version }: { version: number }) => campaignAudit(p.userId, 'updated', c.id, { version, fields: changedFields(c, fields) });
      const updated = await move(c, 'edit', { ...fields, status: 'draft', rejectionReason: null, updatedBy: p.userId }, audit, { bump: true });
      return { record: updated };
    },

    async delete(p: Principal, id: number): Promise<void> {
      const c = await load(p, id);
      assertTransition(c.status, 'delete');
      if (!(await campaigns.softDelete(c.id, TRANSITIONS.delete.from, p.userId))) {
        const fresh = await campaigns.findById(id);
        if (fresh) assertTransition(fresh.status, 'delete');
      }
    },
  };
}
