import type { TestSendJob } from '../domain/jobs.ts';
import { SendError } from '../domain/ports.ts';
import type { DeliveryDeps } from './delivery.settings.ts';
import { RetryLaterError } from './delivery.sender.ts';

/** Sending test messages: the campaign's mail path (renderer, send rate, mailer), without the ledger. */
export function createTestSender(deps: Pick<DeliveryDeps, 'campaigns' | 'deliveries' | 'mailer' | 'messages' | 'rate' | 'log'>) {
  const { campaigns, deliveries, mailer, messages, rate, log } = deps;

  return {
    /**
     * Sends one test message, rendered from the campaign as it is now for the user who asked. A
     * transient failure is retried (the job throws) unless this is the final attempt; any other is
     * logged. A campaign or user deleted meanwhile sends nothing.
     */
    async sendTest(job: TestSendJob, finalAttempt: boolean): Promise<void> {
      const c = await campaigns.findById(job.campaignId);
      const asker = (await deliveries.recipients([job.userId])).get(job.userId);
      if (!c || !asker) {
        log.info({ ...job }, 'test send dropped: its campaign or user is gone');
        return;
      }
      await rate?.take();
      try {
        await mailer.send(messages.buildTest(c, asker, job.email, job.key));
      } catch (err) {
        const e = err instanceof SendError ? err : new SendError(String((err as Error).message), 'transient');
        if (e.kind === 'transient' && !finalAttempt) throw new RetryLaterError(`test send to ${job.email}: ${e.message}`);
        log.warn({ campaignId: job.campaignId, userId: job.userId, to: job.email, kind: e.kind, error: e.message }, 'test send failed');
      }
    },
  };
}
