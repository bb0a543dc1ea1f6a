import { Worker, type Job } from 'bullmq';
import { QUEUE_NAME } from '../conn/queue.ts';
import type { JobData, JobName } from '../domain/jobs.ts';
import type { WorkerContext } from '../server/context.ts';
import { RetryLaterError } from '../services/delivery.service.ts';
import { createJobTable, runJob } from './jobs.ts';

/** Starts the BullMQ worker that runs the job table on the context's delivery service, and the reconcile schedule. */
export async function startWorkers(ctx: WorkerContext) {
  const { config, log } = ctx;
  const { delivery, connection } = ctx.worker;
  const jobs = createJobTable({ delivery });

  const process = (job: Job<JobData[JobName], unknown, JobName>) =>
    runJob(jobs, job.name, job.data, {
      attempt: job.attemptsMade + 1,
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });

  const worker = new Worker<JobData[JobName], unknown, JobName>(QUEUE_NAME, process, {
    connection,
    prefix: config.redisPrefix,
    concurrency: config.workerConcurrency,
    lockDuration: config.jobLockMs,
    stalledInterval: Math.max(1000, Math.floor(config.jobLockMs / 2)),
    maxStalledCount: 10,
  });
  worker.on('failed', (job, err) => {
    const level = err instanceof RetryLaterError ? 'info' : 'error';
    log[level]({ err, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed');
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  // The schedule lives in Redis; re-asserting it (idempotent) brings it back if Redis lost its data.
  const schedule = () =>
    ctx.queue.queue
      .upsertJobScheduler('reconcile', { every: config.reconcileEveryMs }, { name: 'reconcile', data: {} })
      .catch((err: unknown) => log.warn({ err }, 'could not schedule the reconciler; will retry'));
  await schedule();
  const scheduleTimer = setInterval(schedule, Math.max(config.reconcileEveryMs, 1000));
  await worker.waitUntilReady();

  return {
    /** Stops taking jobs and waits for the running ones; the context's connections stay open. */
    async close() {
      clearInterval(scheduleTimer);
      await worker.close();
    },
  };
}
export type Workers = Awaited<ReturnType<typeof startWorkers>>;
