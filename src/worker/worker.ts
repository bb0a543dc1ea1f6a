import { Worker, type Job } from 'bullmq';
import { QUEUE_NAME } from '../conn/queue.ts';
import type { JobData, JobName } from '../domain/jobs.ts';
import type { WorkerContext } from '../server/context.ts';
import { RetryLaterError } from '../services/delivery.service.ts';
import { createJobTable, runJob } from './jobs.ts';

/** Starts the BullMQ worker that runs the job table on the context's services, and the reconcile and bounce mailbox schedules. */
export async function startWorkers(ctx: WorkerContext) {
  const { config, log } = ctx;
  const { delivery, connection, bounces } = ctx.worker;
  const jobs = createJobTable({ delivery, bounces });

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
  // The schedules live in Redis; re-asserting them (idempotent) brings them back if Redis lost its data.
  // One scheduled job per period, whichever worker takes it: the bounce mailbox has one reader at a time.
  const schedule = () =>
    Promise.all([
      ctx.queue.queue.upsertJobScheduler('reconcile', { every: config.reconcileEveryMs }, { name: 'reconcile', data: {} }),
      bounces
        ? ctx.queue.queue.upsertJobScheduler('bounce_poll', { every: config.bouncePollEveryMs }, { name: 'bounce_poll', data: {} })
        : undefined,
    ]).catch((err: unknown) => log.warn({ err }, 'could not schedule the reconciler or the bounce mailbox poll; will retry'));
  // Without BOUNCE_MAILBOX_URL, a schedule left from an earlier configuration is dropped.
  if (!bounces) await ctx.queue.queue.removeJobScheduler('bounce_poll').catch(() => undefined);
  await schedule();
  if (bounces && config.bounceMailbox) {
    const { host, port, mailbox, user } = config.bounceMailbox;
    log.info({ host, port, mailbox, user, everyMs: config.bouncePollEveryMs }, 'bounce mailbox: read on a schedule');
  }
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
