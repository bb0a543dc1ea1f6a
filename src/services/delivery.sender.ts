import { campaignAudit } from '../domain/audit.ts';
import { hasEnded, TRANSITIONS } from '../domain/campaign.ts';
import { SendError } from '../domain/ports.ts';
import type { Recipient } from '../domain/repositories.ts';
import type { Completion } from './delivery.completion.ts';
import type { DeliveryDeps } from './delivery.settings.ts';

/** Thrown by a send batch that has recipients to retry; the queue retries the job with backoff. */
export class RetryLaterError extends Error {}

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
  if (r.eligible) return '';
  return r.suppressed ? 'address suppressed' : 'opted out or disabled';
}

/** Sending one batch of the ledger, and the pauses a failing batch calls for. */
export function createSender(
  deps: Omit<DeliveryDeps, 'queue'>,
  { expire, maybeComplete }: Pick<Completion, 'expire' | 'maybeComplete'>,
) {
  const { campaigns, deliveries, mailer, messages, rate, settings, clock, log, metrics } = deps;

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
    /**
     * Sends one batch: each still-pending row is rechecked, rendered and sent; failures are recorded
     * at once, accepted messages in small groups. Rows recorded as sent are never loaded again, so a
     * retried job never resends them.
     */
    async sendBatch(campaignId: number, batchNo: number, finalAttempt: boolean): Promise<void> {
      const c = await campaigns.findById(campaignId);
      if (!c || c.status !== 'sending') return;
      if (hasEnded(c, clock.now())) return expire(campaignId);
      const rows = await deliveries.pendingInBatch(campaignId, batchNo);
      if (rows.length === 0) {
        await maybeComplete(campaignId);
        return;
      }
      const recipients = await deliveries.recipients(rows.map((r) => r.userId));

      // Pause and cancel stop new sends within statusCheckMs (end_time at once, below); in-flight ones finish.
      let stopped = false;
      const watch = setInterval(() => {
        campaigns
          .statusOf(campaignId)
          .then((s) => {
            if (s !== 'sending' || hasEnded(c, clock.now())) stopped = true;
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
          if (reason) {
            metrics.message('skipped');
            return deliveries.markSkipped(campaignId, row.userId, reason);
          }
          await rate?.take();
          // end_time is known here: checked before every message, not only by the once-a-second watch.
          if (stopped || hasEnded(c, clock.now())) return;
          try {
            await mailer.send(messages.build(c, r!));
          } catch (err) {
            const e = err instanceof SendError ? err : new SendError(String((err as Error).message), 'transient');
            if (e.kind === 'sender') {
              // The row stays pending and untouched: this try says nothing about the recipient.
              metrics.message('sender_error');
              stopped = true;
              senderPause ??= pauseForSender(campaignId, e.message);
              return senderPause;
            }
            lastError = e.message;
            if (e.kind === 'recipient-permanent' || finalAttempt) {
              metrics.message('failed');
              return deliveries.markFailed(campaignId, row.userId, e.message);
            }
            metrics.message('retried');
            retry++;
            return deliveries.markAttempt(campaignId, row.userId, e.message);
          }
          metrics.message('sent');
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
  };
}
