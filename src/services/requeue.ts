import type { CampaignRecord } from '../domain/campaign.ts';
import type { DeliveryQueue } from '../domain/ports.ts';
import type { DeliveryRepository } from '../domain/repositories.ts';

/**
 * Enqueues what an approved campaign still needs: its end_time cut-off, its delayed start, its
 * fan-out and its pending batches. Job ids are deterministic, so repeating this is harmless.
 */
export async function requeue(c: CampaignRecord, deps: { queue: DeliveryQueue; deliveries: DeliveryRepository; now: Date }) {
  const { queue, deliveries, now } = deps;
  if (c.endTime) await queue.expire(c.id, c.endTime);
  if (c.status === 'scheduled') await queue.dispatch(c.id, (c.startTime?.getTime() ?? 0) - now.getTime());
  if (c.status !== 'sending') return;
  if (!c.fanoutDone) await queue.dispatch(c.id);
  if (c.stats.pending > 0) await queue.send(c.id, await deliveries.pendingBatches(c.id));
}
