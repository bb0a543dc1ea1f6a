import type { JobData, JobName } from '../../../src/domain/jobs.ts';
import type { DeliveryQueue } from '../../../src/domain/ports.ts';
import type { Clock } from '../../../src/domain/types.ts';

/** A job as the BullMQ adapter would add it: its name, its data, its deterministic id and its delay. */
export type RecordedJob = { [N in JobName]: { name: N; data: JobData[N]; jobId: string; delayMs: number } }[JobName];

export interface RecordingQueue extends DeliveryQueue {
  /** The jobs added since the last take(), in order (a duplicate id is recorded again: the port promises that is harmless). */
  jobs: RecordedJob[];
  /** The jobs added since the last take(), removed from `jobs`. */
  take(): RecordedJob[];
}

/** A DeliveryQueue that records the jobs it is given, named and shaped as the BullMQ adapter names them. */
export function createRecordingQueue(clock: Clock): RecordingQueue {
  const jobs: RecordedJob[] = [];
  return {
    jobs,
    take: () => jobs.splice(0),
    async dispatch(campaignId, delayMs = 0) {
      jobs.push({ name: 'dispatch', data: { campaignId }, jobId: `dispatch-${campaignId}`, delayMs: Math.max(0, delayMs) });
    },
    async send(campaignId, batchNos) {
      for (const batchNo of batchNos) jobs.push({ name: 'send', data: { campaignId, batchNo }, jobId: `send-${campaignId}-${batchNo}`, delayMs: 0 });
    },
    async expire(campaignId, at) {
      jobs.push({ name: 'expire', data: { campaignId }, jobId: `expire-${campaignId}`, delayMs: Math.max(0, at.getTime() - clock.now().getTime()) });
    },
    async testSend(testJobs) {
      for (const data of testJobs) jobs.push({ name: 'test_send', data: { ...data }, jobId: `test-${data.campaignId}-${data.key}`, delayMs: 0 });
    },
  };
}
