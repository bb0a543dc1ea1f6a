import type { JobData, JobName } from '../domain/jobs.ts';
import type { DeliveryService } from '../services/delivery.service.ts';

/** What the queue knows about a run of a job besides its payload. */
export interface JobMeta {
  /** 1 on the first run. */
  attempt: number;
  /** No retry follows this run if it fails. */
  finalAttempt: boolean;
}

/** One processor per job name, each typed by the payload that job carries. */
export type JobTable = { [K in JobName]: (data: JobData[K], meta: JobMeta) => Promise<void> };

/** The job processors: each translates a job into one call of the delivery service (or of the bounce mailbox's poller). */
export function createJobTable({
  delivery,
  bounces,
}: {
  delivery: Pick<DeliveryService, 'dispatch' | 'sendBatch' | 'expire' | 'reconcile' | 'sendTest'>;
  /** Absent without BOUNCE_MAILBOX_URL: a poll job left from an earlier configuration does nothing. */
  bounces?: { poll(): Promise<unknown> };
}): JobTable {
  return {
    dispatch: ({ campaignId }) => delivery.dispatch(campaignId),
    send: ({ campaignId, batchNo }, { finalAttempt }) => delivery.sendBatch(campaignId, batchNo, finalAttempt),
    expire: ({ campaignId }) => delivery.expire(campaignId),
    reconcile: () => delivery.reconcile(),
    test_send: (job, { finalAttempt }) => delivery.sendTest(job, finalAttempt),
    bounce_poll: async () => {
      await bounces?.poll();
    },
  };
}

/** Runs the processor of job `name` on its payload. */
export function runJob<K extends JobName>(table: JobTable, name: K, data: JobData[K], meta: JobMeta): Promise<void> {
  return table[name](data, meta);
}
