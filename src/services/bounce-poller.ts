import type { Logger } from 'pino';
import type { BounceMailbox } from '../domain/bounce-mailbox.ts';
import type { DeliveryEventIntake, DeliveryEventOutcome } from '../domain/deliverability.ts';
import { AppError } from '../domain/errors.ts';
import { parseBounceReport, type BounceReport } from './bounce-report.ts';

/** What one poll of the bounce mailbox did. */
export interface BouncePollSummary {
  /** Messages looked at (at most `maxMessages`). */
  read: number;
  /** DSN and ARF reports handed to the intake and flagged as processed. */
  reports: number;
  /** Messages marked \Seen without being processed: not a report, unreadable, or over `maxBytes`. */
  skipped: number;
  /** The intake's answers, one per event. */
  outcomes: Record<DeliveryEventOutcome, number>;
  /** Why the poll stopped early (the mailbox or the intake failed); the rest waits for the next poll. */
  error?: string;
}

export interface BouncePollerDeps {
  mailbox: BounceMailbox;
  intake: DeliveryEventIntake;
  log: Logger;
  /** Messages read per poll; the rest wait for the next one. */
  maxMessages?: number;
  /** A larger message is not downloaded (bounces and reports are small): it is marked \Seen and logged. */
  maxBytes?: number;
  parse?: (raw: Buffer) => Promise<BounceReport>;
}

export const BOUNCE_POLL_MAX_MESSAGES = 100;
export const BOUNCE_MESSAGE_MAX_BYTES = 1024 * 1024;

/**
 * Reads the unread messages of the bounce mailbox, oldest first, and hands each report's events to
 * the intake. A report is flagged processed only after the intake took all its events, so a
 * failure leaves it for the next poll (the intake counts an event id once). A poll never throws:
 * a mailbox or intake error is logged and the next poll tries again.
 */
export function createBouncePoller({
  mailbox,
  intake,
  log,
  maxMessages = BOUNCE_POLL_MAX_MESSAGES,
  maxBytes = BOUNCE_MESSAGE_MAX_BYTES,
  parse = parseBounceReport,
}: BouncePollerDeps) {
  return {
    async poll(): Promise<BouncePollSummary> {
      const summary: BouncePollSummary = { read: 0, reports: 0, skipped: 0, outcomes: { applied: 0, duplicate: 0, unmatched: 0 } };
      try {
        await mailbox.session(async (box) => {
          for (const { uid, size } of await box.unread(maxMessages)) {
            summary.read++;
            if (size > maxBytes) {
              log.warn({ uid, size, maxBytes }, 'bounce mailbox: message too large to be a report; marked read, not processed');
              await box.markSeen(uid);
              summary.skipped++;
              continue;
            }
            const raw = await box.source(uid);
            let report: BounceReport;
            try {
              report = await parse(raw);
            } catch (err) {
              log.warn({ uid, err: (err as Error).message }, 'bounce mailbox: unreadable message; marked read, not processed');
              await box.markSeen(uid);
              summary.skipped++;
              continue;
            }
            if (report.type === 'other') {
              log.debug({ uid }, 'bounce mailbox: not a delivery or feedback report; marked read');
              await box.markSeen(uid);
              summary.skipped++;
              continue;
            }
            let refused: Error | undefined;
            for (const event of report.events) {
              try {
                summary.outcomes[await intake.record(event)]++;
              } catch (err) {
                // An event the intake refuses for what it is would be refused at every poll: the
                // report is set aside. Anything else (the database is down) is tried again next poll.
                if (!isRefusal(err)) throw new IntakeError(err);
                refused = err as Error;
              }
            }
            if (refused) {
              log.warn({ uid, err: refused.message }, 'bounce mailbox: the intake refused an event of this report; marked read, not processed');
              await box.markSeen(uid);
              summary.skipped++;
              continue;
            }
            await box.markProcessed(uid);
            summary.reports++;
          }
        });
      } catch (err) {
        const cause = err instanceof IntakeError ? err.cause : err;
        summary.error = `${err instanceof IntakeError ? 'recording an event' : 'bounce mailbox'}: ${(cause as Error)?.message ?? String(cause)}`;
        log.warn({ err: summary.error, ...counts(summary) }, 'bounce mailbox poll failed; the next poll retries');
        return summary;
      }
      if (summary.read > 0) log.info(counts(summary), 'bounce mailbox polled');
      return summary;
    },
  };
}
export type BouncePoller = ReturnType<typeof createBouncePoller>;

class IntakeError extends Error {
  constructor(override readonly cause: unknown) {
    super('intake failed');
  }
}

/** A 4xx domain error (a bad event), as opposed to a dependency that failed or asks to retry. */
const isRefusal = (err: unknown) => err instanceof AppError && err.status < 500 && err.status !== 429;

const counts = (s: BouncePollSummary) => ({ read: s.read, reports: s.reports, skipped: s.skipped, ...s.outcomes });
