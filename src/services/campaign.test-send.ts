import { campaignAudit } from '../domain/audit.ts';
import { MAX_TEST_ADDRESSES, TEST_SEND_STATUSES, type CampaignStatus } from '../domain/campaign.ts';
import { InvalidStateError, NotFoundError } from '../domain/errors.ts';
import type { DeliveryQueue } from '../domain/ports.ts';
import type { AuditRepository, CampaignRepository } from '../domain/repositories.ts';
import type { TestSendThrottle } from '../domain/stores.ts';
import type { Clock, Principal } from '../domain/types.ts';
import { randomId } from '../utils/random-id.ts';
import { createCampaignCommon, isAdmin } from './campaign.common.ts';

/**
 * Test sends: the campaign as a recipient would get it, rendered for the caller, sent by the workers
 * to a few addresses. Recorded in the audit log; never in the ledger or the stats.
 */
export function createCampaignTestSend(deps: {
  campaigns: CampaignRepository;
  audit: Pick<AuditRepository, 'append'>;
  queue: DeliveryQueue;
  testSendThrottle: TestSendThrottle;
  clock: Clock;
}) {
  const { audit, queue, testSendThrottle } = deps;
  const { load } = createCampaignCommon(deps);

  return {
    /** Queues one test message per address (the campaign's author or an admin; at most the throttle's count per user and hour). */
    async testSend(p: Principal, id: number, emails: string[]): Promise<{ emails: string[] }> {
      const c = await load(p, id);
      if (!isAdmin(p) && c.createdBy !== p.userId) throw new NotFoundError('Campaign');
      if (!(TEST_SEND_STATUSES as readonly CampaignStatus[]).includes(c.status)) throw new InvalidStateError(c.status, 'test send');
      const to = [...new Set(emails.map((e) => e.trim().toLowerCase()))].slice(0, MAX_TEST_ADDRESSES);
      await testSendThrottle.check({ user: String(p.userId) });
      // Recorded before it is queued: a test message never goes out without its audit entry.
      await audit.append(campaignAudit(p.userId, 'test_sent', c.id, { emails: to }));
      await queue.testSend(to.map((email) => ({ campaignId: c.id, userId: p.userId, email, key: randomId() })));
      return { emails: to };
    },
  };
}
