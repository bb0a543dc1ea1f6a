import { createCompletion } from './delivery.completion.ts';
import { createFanOut } from './delivery.fanout.ts';
import { createSender } from './delivery.sender.ts';
import type { DeliveryDeps } from './delivery.settings.ts';
import { createTestSender } from './delivery.test-send.ts';

export { RetryLaterError } from './delivery.sender.ts';
export type { DeliveryDeps, DeliverySettings } from './delivery.settings.ts';

export type DeliveryService = ReturnType<typeof createDeliveryService>;

/**
 * The delivery engine: fan-out into the per-recipient ledger, sending batches, completion, the
 * end_time cut-off, the reconciler, and test messages. Every step reloads state and is safe to run twice.
 */
export function createDeliveryService(deps: DeliveryDeps) {
  const completion = createCompletion(deps);
  return { ...completion, ...createFanOut(deps, completion), ...createSender(deps, completion), ...createTestSender(deps) };
}
