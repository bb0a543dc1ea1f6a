import type { Logger } from 'pino';
import type { DeliveryQueue } from '../domain/ports.ts';
import type { AuditRepository, CampaignRepository, DeliveryRepository, UserRepository } from '../domain/repositories.ts';
import type { TestSendThrottle } from '../domain/stores.ts';
import type { Clock } from '../domain/types.ts';
import { createCampaignEditing } from './campaign.editing.ts';
import { createCampaignLifecycle } from './campaign.lifecycle.ts';
import { createCampaignTestSend } from './campaign.test-send.ts';
import { createCampaignViews } from './campaign.views.ts';
import type { MessageBuilder } from './message.service.ts';
import type { TemplateChecker } from './template.pool.ts';

export type { CampaignInput, CampaignView } from './campaign.common.ts';

export interface CampaignServiceDeps {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  users: UserRepository;
  audit: Pick<AuditRepository, 'append' | 'list'>;
  queue: DeliveryQueue;
  testSendThrottle: TestSendThrottle;
  messages: MessageBuilder;
  templates: TemplateChecker;
  clock: Clock;
  log: Logger;
}

export type CampaignService = ReturnType<typeof createCampaignService>;

/** Campaign CRUD, lifecycle, views and test sends; sending itself is the delivery service's. */
export function createCampaignService(deps: CampaignServiceDeps) {
  return { ...createCampaignEditing(deps), ...createCampaignLifecycle(deps), ...createCampaignViews(deps), ...createCampaignTestSend(deps) };
}
