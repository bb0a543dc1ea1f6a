import type { Logger } from 'pino';
import { TRANSITIONS, type CampaignRecord } from '../domain/campaign.ts';
import type { DeliveryQueue, Mailer } from '../domain/ports.ts';
import { SendError } from '../domain/ports.ts';
import type { Clock } from '../domain/types.ts';
import { campaignAudit } from '../repositories/audit.repository.ts';
import type { CampaignRepository } from '../repositories/campaign.repository.ts';
import type { DeliveryRepository, Recipient } from '../repositories/delivery.repository.ts';
import type { MessageBuilder } from './message.service.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { requeue } from './requeue.ts';

/** Thrown by a send batch that has recipients to retry; the queue retries the job with backoff. */
export class RetryLaterError extends Error {}

export interface DeliverySettings {
  dispatchPageSize: number;
  sendBatchSize: number;
  sendConcurrency: number;
  autoPauseMinFailures: number;
  autoPauseFailureRatio: number;
  /** Accepted messages are recorded in groups of up to this many, or every ledgerFlushMs. */
  ledgerFlushSize: number;
  ledgerFlushMs: number;
  statusCheckMs?: number;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * Records accepted messages in groups (one transaction per group instead of one per message). The
 * groups are written in order; an error is kept and thrown by close().
 */
function sentRecorder(write: (userIds: number[]) => Promise<void>, size: number, everyMs: number) {
  let buffer: number[] = [];
  let failure: unknown;
  let chain = Promise.resolve();
  const flush = () => {
    if (buffer.length > 0) {
      const ids = buffer;
      buffer = [];
      chain = chain.then(() => write(ids)).catch((err: unknown) => void (failure ??= err));
    }
    return chain;
  };
  const timer = setInterval(flush, everyMs);
  return {
    async add(userId: number) {
      buffer.push(userId);
      if (buffer.length >= size) await flush();
    },
    async close() {
      clearInterval(timer);
      await flush();
      if (failure) throw failure;
    },
  };
}

function ineligibleReason(r: Recipient | undefined): string {
  if (!r) return 'user deleted';
  return r.eligible ? '' : 'opted out or disabled';
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;

/**
 * The delivery engine (API.md §5): fan-out into the per-recipient ledger, sending batches,
 * completion, end_time cut-off and the reconciler. Every step reloads state and is safe to run twice.
 */
export function createDeliveryService(deps: {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  queue: DeliveryQueue;
  mailer: Mailer;
  messages: MessageBuilder;
  rate?: RateLimiter;
  settings: DeliverySettings;
  clock: Clock;
  log: Logger;
}) {
  const { campaigns, deliveries, queue, mailer, messages, rate, settings, clock, log } = deps;
  const ended = (c: CampaignRecord) => c.endTime !== null && c.endTime.getTime() <= clock.now().getTime();

  /** Marks the campaign completed once fan-out is done and nothing is pending. */
  async function maybeComplete(campaignId: number): Promise<boolean> {
    const c = await campaigns.findById(campaignId);
    if (!c || c.status !== 'sending' || !c.fanoutDone || c.stats.pending > 0) return false;
    const done = await campaigns.transition(
      campaignId,
      TRANSITIONS.finish.from,
      { status: 'completed', completedAt: clock.now() },
      campaignAudit(null, 'completed', campaignId, { ...c.stats }),
    );
    if (done) log.info({ campaignId, ...c.stats }, 'campaign completed');
    return done;
  }

  /** end_time reached: whatever is still pending becomes skipped and the campaign completes. */
  async function expire(campaignId: number): Promise<void> {
    const c = await campaigns.findById(campaignId);
    if (!c || !ended(c)) return;
    const skipped = await deliveries.endCampaign(campaignId, TRANSITIONS.expire.from, 'completed', 'offer ended (end_time passed)', (n) =>
      campaignAudit(null, 'expired', campaignId, { skipped: n }),
    );
    if (skipped !== null) log.info({ campaignId, skipped }, 'campaign reached end_time');
  }

  /**
   * A failure that would refuse every recipient alike (login, TLS, our sender refused): pause the
   * campaign at once, failing nobody; resume sends to whoever is still pending.
   */
  async function pauseForSender(campaignId: number, error: string): Promise<void> {
    const paused = await campaigns.transition(
      campaignId,
      TRANSITIONS.pause.from,
      { status: 'paused' },
      campaignAudit(null, 'auto_paused', campaignId, { reason: 'sender', error }),
    );
    if (paused) log.warn({ campaignId, error }, 'campaign paused itself: the SMTP server refuses to send for us');
  }

  async function autoPauseIfFailing(campaignId: number, lastError: string): Promise<void> {
    const s = (await campaigns.findById(campaignId))?.stats;
    if (!s) return;
    const attempted = s.sent + s.failed;
    if (s.failed < settings.autoPauseMinFailures || attempted === 0 || s.failed / attempted < settings.autoPauseFailureRatio) return;
    const reason = `${s.failed} of ${attempted} messages failed (threshold ${settings.autoPauseMinFailures} and ${settings.autoPauseFailureRatio})`;
    const paused = await campaigns.transition(
      campaignId,
      TRANSITIONS.pause.from,
      { status: 'paused' },
      campaignAudit(null, 'auto_paused', campaignId, { reason, last_error: lastError, failed: s.failed, sent: s.sent }),
    );
    if (paused) {
      log.warn({ campaignId, failed: s.failed, sent: s.sent }, 'campaign paused itself: too many failures');
    }
  }

  return {
    maybeComplete,
    expire,

    /** Fans the audience out into the ledger, one keyset page per transaction, and enqueues send batches. */
    async dispatch(campaignId: number): Promise<void> {
      let c = await campaigns.findById(campaignId);
      if (!c) return;
      if (ended(c)) return expire(campaignId);
      if (c.status === 'scheduled') {
        if (c.startTime && c.startTime.getTime() > clock.now().getTime()) return; // early: the reconciler re-delays it
        await campaigns.transition(campaignId, TRANSITIONS.start.from, { status: 'sending', startedAt: clock.now() });
      }
      for (;;) {
        c = await campaigns.findById(campaignId);
        if (!c || c.status !== 'sending' || c.fanoutDone) break;
        const page = await deliveries.audiencePage(c.fanoutCursor, settings.dispatchPageSize);
        const done = page.length < settings.dispatchPageSize;
        // A batch is named by its first user id: unique within the campaign and stable across retries.
        const rows = page.map((u, i) => ({
          userId: u.id,
          email: u.email,
          batchNo: page[i - (i % settings.sendBatchSize)]!.id,
        }));
        const toCursor = page.at(-1)?.id ?? c.fanoutCursor;
        if (!(await deliveries.savePage(campaignId, c.fanoutCursor, rows, toCursor, done))) continue;
        await queue.send(campaignId, [...new Set(rows.map((r) => r.batchNo))]);
      }
      if (c?.fanoutDone) await maybeComplete(campaignId);
    },

    /**
     * Sends one batch: each still-pending row is rechecked, rendered and sent; failures are recorded
     * at once, accepted messages in small groups. Rows recorded as sent are never loaded again, so a
     * retried job never resends them.
     */
    async sendBatch(campaignId: number, batchNo: number, finalAttempt: boolean): Promise<void> {
      const c = await campaigns.findById(campaignId);
      if (!c || c.status !== 'sending') return;
      if (ended(c)) return expire(campaignId);
      const rows = await deliveries.pendingInBatch(campaignId, batchNo);
      if (rows.length === 0) {
        await maybeComplete(campaignId);
        return;
      }
      const recipients = await deliveries.recipients(rows.map((r) => r.userId));

      // Pause, cancel and end_time stop new sends within statusCheckMs; in-flight ones finish.
      let stopped = false;
      const watch = setInterval(() => {
        campaigns
          .statusOf(campaignId)
          .then((s) => {
            if (s !== 'sending' || ended(c)) stopped = true;
          })
          .catch(() => undefined);
      }, settings.statusCheckMs ?? 1000);

      let retry = 0;
      let lastError = '';
      let senderPause: Promise<void> | undefined;
      const sent = sentRecorder((ids) => deliveries.markSent(campaignId, ids), settings.ledgerFlushSize, settings.ledgerFlushMs);
      try {
        await eachLimited(rows, settings.sendConcurrency, async (row) => {
          if (stopped) return;
          const r = recipients.get(row.userId);
          const reason = ineligibleReason(r);
          if (reason) return deliveries.markSkipped(campaignId, row.userId, reason);
          await rate?.take();
          if (stopped) return;
          try {
            await mailer.send(messages.build(c, r!));
          } catch (err) {
            const e = err instanceof SendError ? err : new SendError(String((err as Error).message), 'transient');
            if (e.kind === 'sender') {
              // The row stays pending and untouched: this try says nothing about the recipient.
              stopped = true;
              senderPause ??= pauseForSender(campaignId, e.message);
              return senderPause;
            }
            lastError = e.message;
            if (e.kind === 'recipient-permanent' || finalAttempt) return deliveries.markFailed(campaignId, row.userId, e.message);
            retry++;
            return deliveries.markAttempt(campaignId, row.userId, e.message);
          }
          await sent.add(row.userId);
        });
      } finally {
        clearInterval(watch);
        await sent.close();
      }
      if (senderPause) return; // paused: resume re-enqueues what is pending
      if (lastError) await autoPauseIfFailing(campaignId, lastError);
      if (retry > 0) throw new RetryLaterError(`${retry} recipient(s) of batch ${batchNo} to retry: ${lastError}`);
      await maybeComplete(campaignId);
    },

    /**
     * Finds approved campaigns whose work is missing from the queue and enqueues it again, so a
     * crash between a commit and an enqueue never strands a campaign. Safe to run at any time.
     */
    async reconcile(): Promise<void> {
      for (const c of await campaigns.active()) {
        try {
          if (ended(c)) {
            await expire(c.id);
            continue;
          }
          await requeue(c, { queue, deliveries, now: clock.now() });
          if (c.status === 'sending' && c.stats.pending === 0) await maybeComplete(c.id);
        } catch (err) {
          log.error({ err, campaignId: c.id }, 'reconcile failed for campaign');
        }
      }
    },
  };
}
