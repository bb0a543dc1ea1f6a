import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData, JobName } from '../domain/jobs.ts';
import type { DeliveryQueue } from '../domain/ports.ts';

export const QUEUE_NAME = 'delivery';

const BASE: JobsOptions = { removeOnComplete: true, removeOnFail: true };

/** The BullMQ queue behind DeliveryQueue; job ids are deterministic, so duplicates are dropped by BullMQ. */
export function createDeliveryQueue(deps: { connection: Redis; prefix: string; sendAttempts: number; sendBackoffMs: number }) {
  const queue = new Queue<JobData[JobName], unknown, JobName>(QUEUE_NAME, { connection: deps.connection, prefix: deps.prefix });
  const port: DeliveryQueue = {
    async dispatch(campaignId, delayMs = 0) {
      await queue.add('dispatch', { campaignId }, { ...BASE, jobId: `dispatch-${campaignId}`, delay: Math.max(0, delayMs) });
    },
    async send(campaignId, batchNos) {
      if (batchNos.length === 0) return;
      await queue.addBulk(
        batchNos.map((batchNo) => ({
          name: 'send' as const,
          data: { campaignId, batchNo },
          opts: {
            ...BASE,
            jobId: `send-${campaignId}-${batchNo}`,
            attempts: deps.sendAttempts,
            backoff: { type: 'exponential', delay: deps.sendBackoffMs },
          },
        })),
      );
    },
    async expire(campaignId, at) {
      await queue.add('expire', { campaignId }, { ...BASE, jobId: `expire-${campaignId}`, delay: Math.max(0, at.getTime() - Date.now()) });
    },
    async testSend(jobs) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((data) => ({
          name: 'test_send' as const,
          data,
          opts: { ...BASE, jobId: `test-${data.campaignId}-${data.key}`, attempts: deps.sendAttempts, backoff: { type: 'exponential', delay: deps.sendBackoffMs } },
        })),
      );
    },
  };
  return { queue, port, close: () => queue.close() };
}
export type DeliveryQueueHandle = ReturnType<typeof createDeliveryQueue>;
