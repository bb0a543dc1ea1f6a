// What only a process that runs the workers needs: the timed mailer, the delivery engine with its
// send rate, BullMQ's blocking Redis connection, and the reader of the bounce mailbox.
import { createImapMailbox } from '../conn/imap-mailbox.ts';
import { createQueueRedis } from '../conn/redis.ts';
import type { Mailer } from '../domain/ports.ts';
import { createBouncePoller } from '../services/bounce-poller.ts';
import { createDeliveryService } from '../services/delivery.service.ts';
import { createLease } from '../stores/lease.store.ts';
import { createRateLimiter } from '../stores/rate-limiter.store.ts';
import type { Core } from './context.core.ts';

/** What only the workers need: the mailer, the send rate, the delivery engine and BullMQ's blocking connection. */
export function createWorkerParts(core: Core, untimedMailer: Mailer) {
  const { config, log, repos } = core;
  const mailer = core.metrics.timeSends(untimedMailer);
  // BullMQ workers block on this connection and retry forever, so it is not the requests' client.
  const connection = createQueueRedis(config.redisUrl);
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  const delivery = createDeliveryService({
    campaigns: repos.campaigns,
    deliveries: repos.deliveries,
    queue: core.queue.port,
    mailer,
    messages: core.messages,
    rate: createRateLimiter({ redis: core.redis, prefix: config.redisPrefix, perSecond: config.mailRatePerSec }),
    settings: {
      dispatchPageSize: config.dispatchPageSize,
      sendBatchSize: config.sendBatchSize,
      sendConcurrency: config.smtpPoolSize * 2,
      autoPauseMinFailures: config.autoPauseMinFailures,
      autoPauseFailureRatio: config.autoPauseFailureRatio,
      ledgerFlushSize: config.ledgerFlushSize,
      ledgerFlushMs: Math.max(1, config.ledgerFlushMs),
    },
    clock: core.clock,
    log,
    metrics: core.metrics.delivery,
  });
  return { mailer, connection, delivery, bounces: createBounceReader(core) };
}
export type WorkerParts = ReturnType<typeof createWorkerParts>;

/**
 * The bounce mailbox's reader (BOUNCE_MAILBOX_URL), or undefined without one. Its events go to the
 * deliverability intake; a Redis lease keeps overlapping polls (a slow one, many workers) to one at a time.
 */
function createBounceReader(core: Core) {
  const { config, log } = core;
  if (!config.bounceMailbox) return undefined;
  const poller = createBouncePoller({ mailbox: createImapMailbox(config.bounceMailbox, log), intake: core.services.deliverability, log });
  const lease = createLease({ redis: core.redis, prefix: config.redisPrefix, name: 'bounce-poll', ttlMs: Math.max(10 * 60_000, 2 * config.bouncePollEveryMs) });
  return {
    /** One poll, unless another process is polling now; never throws. */
    async poll() {
      try {
        return await lease.run(() => poller.poll());
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'bounce mailbox poll skipped: the lease could not be taken; the next poll retries');
        return undefined;
      }
    },
  };
}
