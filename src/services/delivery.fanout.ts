import { hasEnded, TRANSITIONS } from '../domain/campaign.ts';
import type { DeliveryQueue } from '../domain/ports.ts';
import type { CampaignRepository, DeliveryRepository } from '../domain/repositories.ts';
import type { Clock } from '../domain/types.ts';
import type { Completion } from './delivery.completion.ts';
import type { DeliverySettings } from './delivery.settings.ts';

/** The fan-out: the audience, page by page, into the ledger, and its send batches onto the queue. */
export function createFanOut(
  deps: { campaigns: CampaignRepository; deliveries: DeliveryRepository; queue: DeliveryQueue; settings: DeliverySettings; clock: Clock },
  { expire, maybeComplete }: Pick<Completion, 'expire' | 'maybeComplete'>,
) {
  const { campaigns, deliveries, queue, settings, clock } = deps;

  return {
    /** Fans the audience out into the ledger, one keyset page per transaction, and enqueues send batches. */
    async dispatch(campaignId: number): Promise<void> {
      let c = await campaigns.findById(campaignId);
      if (!c) return;
      if (hasEnded(c, clock.now())) return expire(campaignId);
      if (c.status === 'scheduled') {
        if (c.startTime && c.startTime.getTime() > clock.now().getTime()) return; // early: the reconciler re-delays it
        await campaigns.transition(campaignId, TRANSITIONS.start.from, { status: 'sending', startedAt: clock.now() });
      }
      for (;;) {
        c = await campaigns.findById(campaignId);
        if (!c || c.status !== 'sending' || c.fanoutDone) break;
        const page = await deliveries.audiencePage(c.fanoutCursor, settings.dispatchPageSize);
        const done = page.length < settings.dispatchPageSize;
        // A batch is named by its first user id: unique within the campaign and stable across retries.
        const rows = page.map((u, i) => ({
          userId: u.id,
          email: u.email,
          batchNo: page[i - (i % settings.sendBatchSize)]!.id,
        }));
        const toCursor = page.at(-1)?.id ?? c.fanoutCursor;
        if (!(await deliveries.savePage(campaignId, c.fanoutCursor, rows, toCursor, done))) continue;
        await queue.send(campaignId, [...new Set(rows.map((r) => r.batchNo))]);
      }
      if (c?.fanoutDone) await maybeComplete(campaignId);
    },
  };
}
