import type { Logger } from 'pino';
import { campaignAudit } from '../domain/audit.ts';
import { hasEnded, TRANSITIONS } from '../domain/campaign.ts';
import type { DeliveryQueue } from '../domain/ports.ts';
import type { CampaignRepository, DeliveryRepository } from '../domain/repositories.ts';
import type { Clock } from '../domain/types.ts';
import { requeue } from './requeue.ts';

export type Completion = ReturnType<typeof createCompletion>;

/** How a campaign ends (all sent, or end_time reached), and the reconciler that gets stranded ones going again. */
export function createCompletion(deps: {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  queue: DeliveryQueue;
  clock: Clock;
  log: Logger;
}) {
  const { campaigns, deliveries, queue, clock, log } = deps;

  /** Marks the campaign completed once fan-out is done and nothing is pending. */
  async function maybeComplete(campaignId: number): Promise<boolean> {
    const c = await campaigns.findById(campaignId);
    if (!c || c.status !== 'sending' || !c.fanoutDone || c.stats.pending > 0) return false;
    const done = await campaigns.transition(
      campaignId,
      TRANSITIONS.finish.from,
      { status: 'completed', completedAt: clock.now() },
      campaignAudit(null, 'completed', campaignId, { ...c.stats }),
    );
    if (done) log.info({ campaignId, ...c.stats }, 'campaign completed');
    return done;
  }

  /** end_time reached: whatever is still pending becomes skipped and the campaign completes. */
  async function expire(campaignId: number): Promise<void> {
    const c = await campaigns.findById(campaignId);
    if (!c || !hasEnded(c, clock.now())) return;
    const skipped = await deliveries.endCampaign(campaignId, TRANSITIONS.expire.from, 'completed', 'offer ended (end_time passed)', (n) =>
      campaignAudit(null, 'expired', campaignId, { skipped: n }),
    );
    if (skipped !== null) log.info({ campaignId, skipped }, 'campaign reached end_time');
  }

  return {
    maybeComplete,
    expire,

    /**
     * Finds approved campaigns whose work is missing from the queue and enqueues it again, so a
     * crash between a commit and an enqueue never strands a campaign. Safe to run at any time.
     */
    async reconcile(): Promise<void> {
      for (const c of await campaigns.active()) {
        try {
          if (hasEnded(c, clock.now())) {
            await expire(c.id);
            continue;
          }
          await requeue(c, { queue, deliveries, now: clock.now() });
          if (c.status === 'sending' && c.stats.pending === 0) await maybeComplete(c.id);
        } catch (err) {
          log.error({ err, campaignId: c.id }, 'reconcile failed for campaign');
        }
      }
    },
  };
}
