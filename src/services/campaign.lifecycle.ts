import type { Logger } from 'pino';
import { campaignAudit } from '../domain/audit.ts';
import { assertTransition, hasEnded, TRANSITIONS, type CampaignRecord } from '../domain/campaign.ts';
import { ConflictError, StaleVersionError } from '../domain/errors.ts';
import type { DeliveryQueue } from '../domain/ports.ts';
import type { CampaignRepository, DeliveryRepository } from '../domain/repositories.ts';
import type { Clock, Principal } from '../domain/types.ts';
import { createCampaignCommon } from './campaign.common.ts';
import type { CampaignView } from './campaign.common.ts';
import { requeue } from './requeue.ts';

const entry = (p: Principal, action: string, c: CampaignRecord, details?: Record<string, unknown>) => campaignAudit(p.userId, action, c.id, details);

/** A decision names the version the reviewer saw; the repository checks it again under the row lock. */
function assertVersion(c: CampaignRecord, version: number) {
  if (c.version !== version) throw new StaleVersionError(c.version, version);
}

/** The decisions on a campaign: submit, approve, reject, pause, resume, cancel; each audited with its change. */
export function createCampaignLifecycle(deps: {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  queue: DeliveryQueue;
  clock: Clock;
  log: Logger;
}) {
  const { campaigns, deliveries, queue, log } = deps;
  const { now, load, lostRace, move } = createCampaignCommon(deps);

  /** Enqueues the work of a campaign that is (again) sending or scheduled; the reconciler repeats it if this fails. */
  async function enqueue(c: CampaignRecord) {
    try {
      await requeue(c, { queue, deliveries, now: now() });
    } catch (err) {
      log.warn({ err, campaignId: c.id }, 'enqueue failed; the reconciler will retry');
    }
  }

  return {
    async submit(p: Principal, id: number): Promise<CampaignView> {
      const c = await move(await load(p, id), 'submit', { status: 'pending_approval', updatedBy: p.userId });
      return { record: c };
    },

    async approve(p: Principal, id: number, version: number): Promise<CampaignView> {
      const c = await load(p, id);
      assertTransition(c.status, 'approve');
      assertVersion(c, version);
      if (hasEnded(c, now())) throw new ConflictError('The offer has already ended (end_time passed)', 'END_TIME_PASSED');
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
  };
}
