import type { Logger } from 'pino';
import { ROLE_IDS, type Principal, type RoleName, type UserRecord } from '../../../src/domain/types.ts';
import { createCampaignService, type CampaignServiceDeps } from '../../../src/services/campaign.service.ts';
import { createDeliveryService, type DeliveryDeps, type DeliverySettings } from '../../../src/services/delivery.service.ts';
import { createMessageIds } from '../../../src/services/message-id.ts';
import { createMessageBuilder } from '../../../src/services/message.service.ts';
import { createUnsubscribeTokens } from '../../../src/services/unsubscribe.ts';
import { createFakeAuditRepository } from './audit.repository.ts';
import { createFakeCampaignRepository } from './campaign.repository.ts';
import { createFakeClock } from './clock.ts';
import { createFakeDb } from './db.ts';
import { createFakeDeliveryRepository } from './delivery.repository.ts';
import { silentLog } from './log.ts';
import { createScriptedMailer } from './mailer.ts';
import { createRecordingMetrics } from './metrics.ts';
import { createRecordingQueue } from './queue.ts';
import { createCountingRateLimiter } from './rate.ts';
import { createInlineTemplateChecker } from './templates.ts';
import { createFakeThrottle } from './throttle.ts';
import { createFakeUserRepository } from './user.repository.ts';

/** Small pages and batches, one send at a time, auto-pause out of reach: each test sets what it needs. */
export const TEST_SETTINGS: DeliverySettings = {
  dispatchPageSize: 4,
  sendBatchSize: 2,
  sendConcurrency: 1,
  autoPauseMinFailures: 1_000_000,
  autoPauseFailureRatio: 1,
  ledgerFlushSize: 50,
  ledgerFlushMs: 5,
  statusCheckMs: 1_000,
};

/** Everything the campaign and delivery services take, faked and sharing one in-memory database. */
export function createWorld(opts: { settings?: Partial<DeliverySettings>; log?: Logger; testSendMaxPerHour?: number } = {}) {
  const clock = createFakeClock();
  const db = createFakeDb(clock);
  const campaigns = createFakeCampaignRepository(db);
  const deliveries = createFakeDeliveryRepository(db, campaigns);
  const users = createFakeUserRepository(db);
  const audit = createFakeAuditRepository(db);
  const testSendThrottle = createFakeThrottle(clock, 3600, { user: { max: opts.testSendMaxPerHour ?? 20, onSuccess: 'keep' } });
  const queue = createRecordingQueue(clock);
  const mailer = createScriptedMailer();
  const rate = createCountingRateLimiter();
  const metrics = createRecordingMetrics();
  const unsubscribe = createUnsubscribeTokens({ secret: 'unit-test-secret', publicBaseUrl: 'https://cns.example.test' });
  const messageIds = createMessageIds({ secret: 'unit-test-secret' });
  const messages = createMessageBuilder({ mailFrom: 'Campaigns <no-reply@mail.example.test>', unsubscribe, messageIds });
  const templates = createInlineTemplateChecker(unsubscribe.url(4294967295));
  const log = opts.log ?? silentLog;
  const settings = { ...TEST_SETTINGS, ...opts.settings };

  const campaignDeps: CampaignServiceDeps = { campaigns, deliveries, users, audit, queue, messages, templates, testSendThrottle, clock, log };
  const deliveryDeps: DeliveryDeps = { campaigns, deliveries, queue, mailer, messages, rate, settings, clock, log, metrics };

  let seq = 0;
  /** Adds a user straight to the table, as a seed does; customers are opted in by default. */
  async function addUser(
    role: RoleName,
    over: Partial<Pick<UserRecord, 'status' | 'emailOptIn' | 'firstName'>> = {},
  ): Promise<Principal & { email: string }> {
    const n = ++seq;
    const u = await users.create({
      email: `${role}${n}@example.test`,
      passwordHash: 'x',
      firstName: over.firstName ?? `First${n}`,
      lastName: `Last${n}`,
      roleId: ROLE_IDS[role],
    });
    if (over.status || over.emailOptIn !== undefined) await users.update(u.id, { status: over.status, emailOptIn: over.emailOptIn });
    return { userId: u.id, roleId: u.roleId, sessionId: `s${n}`, email: u.email };
  }

  return {
    clock,
    db,
    repos: { campaigns, deliveries, users, audit },
    testSendThrottle,
    queue,
    mailer,
    rate,
    metrics,
    messages,
    unsubscribe,
    settings,
    campaignService: () => createCampaignService(campaignDeps),
    deliveryService: () => createDeliveryService(deliveryDeps),
    addUser,
    async addCustomers(n: number) {
      const added = [];
      for (let i = 0; i < n; i++) added.push(await addUser('customer'));
      return added;
    },
  };
}
export type World = ReturnType<typeof createWorld>;
