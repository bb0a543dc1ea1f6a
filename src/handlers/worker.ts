import { Worker, type Job } from 'bullmq';
import { createMailer } from '../conn/mailer.ts';
import type { Mailer } from '../domain/ports.ts';
import { QUEUE_NAME, type JobData, type JobName } from '../conn/queue.ts';
import { createQueueRedis } from '../conn/redis.ts';
import type { AppContext } from '../server/context.ts';
import { createDeliveryService, RetryLaterError } from '../services/delivery.service.ts';
import { createRateLimiter } from '../stores/rate-limiter.store.ts';

/** The delivery engine on an app context and a mailer. */
export function createDelivery(ctx: AppContext, mailer: Mailer) {
  const { config, repos, log } = ctx;
  return createDeliveryService({
    campaigns: repos.campaigns,
    deliveries: repos.deliveries,
    queue: ctx.queue.port,
    mailer,
    messages: ctx.messages,
    rate: createRateLimiter({ redis: ctx.redis, prefix: config.redisPrefix, perSecond: config.mailRatePerSec }),
    settings: {
      dispatchPageSize: config.dispatchPageSize,
      sendBatchSize: config.sendBatchSize,
      sendConcurrency: config.smtpPoolSize * 2,
      autoPauseMinFailures: config.autoPauseMinFailures,
      autoPauseFailureRatio: config.autoPauseFailureRatio,
      ledgerFlushSize: config.ledgerFlushSize,
      ledgerFlushMs: Math.max(1, config.ledgerFlushMs),
    },
    clock: ctx.clock,
    log,
  });
}

/** Starts the BullMQ worker that runs dispatch, send, expire and reconcile jobs, and the reconcile schedule. */
export async function startWorkers(ctx: AppContext) {
  const { config, log } = ctx;
  const mailer = createMailer(config);
  const delivery = createDelivery(ctx, mailer);

  const process = async (job: Job<JobData[JobName], unknown, JobName>) => {
    switch (job.name) {
      case 'dispatch':
        return delivery.dispatch((job.data as JobData['dispatch']).campaignId);
      case 'send': {
        const { campaignId, batchNo } = job.data as JobData['send'];
        const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        return delivery.sendBatch(campaignId, batchNo, finalAttempt);
      }
      case 'expire':
        return delivery.expire((job.data as JobData['expire']).campaignId);
      case 'reconcile':
        return delivery.reconcile();
    }
  };

  const connection = createQueueRedis(config.redisUrl);
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
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
    delivery,
    async close() {
      clearInterval(scheduleTimer);
      await worker.close();
      mailer.close();
      connection.disconnect();
    },
  };
}
