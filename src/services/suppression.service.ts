import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { PageWindow } from '../domain/paging.ts';
import type { DeliverabilityRepository } from '../domain/repositories.ts';
import type { SuppressionReason } from '../domain/deliverability.ts';
import { normalizeEmail, type SuppressionRecord } from '../domain/suppression.ts';
import type { Principal } from '../domain/types.ts';
import { suppressionAudit } from './deliverability.service.ts';

export type SuppressionService = ReturnType<typeof createSuppressionService>;

function address(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  if (!email) throw new ValidationError('Not a valid email address', [{ field, message: 'must be an email address of at most 254 characters' }]);
  return email;
}

/** The suppression list as admins see and change it; every change is audited. */
export function createSuppressionService({ events }: { events: DeliverabilityRepository }) {
  return {
    list(q: PageWindow & { q?: string; reason?: SuppressionReason }) {
      return events.listSuppressions(q);
    },

    /** Adds an address by hand (reason `manual`); 409 ALREADY_SUPPRESSED when it is listed already. */
    async add(p: Principal, input: { email: string; detail?: string }): Promise<SuppressionRecord> {
      const email = address(input.email);
      const detail = input.detail ?? '';
      const added = await events.suppress(
        { email, reason: 'manual', source: 'admin', detail, campaignId: null, createdBy: p.userId },
        suppressionAudit(p.userId, 'added', { email, reason: 'manual', source: 'admin', detail }),
      );
      if (!added) throw new ConflictError('This address is already on the suppression list', 'ALREADY_SUPPRESSED');
      const entry = await events.findSuppression(email);
      if (!entry) throw new NotFoundError('Suppression');
      return entry;
    },

    /** Takes an address off the list (its earlier soft bounces are forgotten); 404 when it is not listed. */
    async remove(p: Principal, raw: string): Promise<void> {
      const email = address(raw);
      const entry = await events.findSuppression(email);
      const removed =
        entry !== undefined &&
        (await events.unsuppress(email, suppressionAudit(p.userId, 'removed', { email, reason: entry.reason, source: entry.source })));
      if (!removed) throw new NotFoundError('Suppression');
    },
  };
}
