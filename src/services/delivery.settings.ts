import type { Logger } from 'pino';
import type { DeliveryMetrics } from '../domain/metrics.ts';
import type { DeliveryQueue, Mailer } from '../domain/ports.ts';
import type { CampaignRepository, DeliveryRepository } from '../domain/repositories.ts';
import type { RateLimiter } from '../domain/stores.ts';
import type { Clock } from '../domain/types.ts';
import type { MessageBuilder } from './message.service.ts';

/** The delivery engine's tunables, from the configuration. */
export interface DeliverySettings {
  dispatchPageSize: number;
  sendBatchSize: number;
  sendConcurrency: number;
  autoPauseMinFailures: number;
  autoPauseFailureRatio: number;
  /** Accepted messages are recorded in groups of up to this many, or every ledgerFlushMs. */
  ledgerFlushSize: number;
  ledgerFlushMs: number;
  statusCheckMs?: number;
}

/** What the delivery engine is built from. */
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
  /** Counts each recipient's outcome (noDeliveryMetrics where nothing is monitored). */
  metrics: DeliveryMetrics;
}
