import type { Logger } from 'pino';
import type { DeliveryQueue, Mailer } from '../domain/ports.ts';
import type { CampaignRepository, DeliveryRepository } from '../domain/repositories.ts';
import type { RateLimiter } from '../domain/stores.ts';
import type { Clock } from '../domain/types.ts';
import { createCompletion } from './delivery.completion.ts';
import { createFanOut } from './delivery.fanout.ts';
import { createSender } from './delivery.sender.ts';
import type { DeliverySettings } from './delivery.settings.ts';
import type { MessageBuilder } from './message.service.ts';

export { RetryLaterError } from './delivery.sender.ts';

export type { DeliverySettings } from './delivery.settings.ts';

export interface DeliveryDeps {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  queue: DeliveryQueue;
  mailer: Mailer;
  messages: MessageBuilder;
  rate?: RateLimiter;
  settings: DeliverySettings;
  clock: Clock;
  log: Logger;
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;

/**
 * The delivery engine: fan-out into the per-recipient ledger, sending batches, completion, the
 * end_time cut-off and the reconciler. Every step reloads state and is safe to run twice.
 */
export function createDeliveryService(deps: DeliveryDeps) {
  const completion = createCompletion(deps);
  return { ...completion, ...createFanOut(deps, completion), ...createSender(deps, completion) };
}
