import type { DeliveryEventKind, DeliveryEventOutcome, DeliveryEventSource } from '../../../src/domain/deliverability.ts';
import type { DeliveryMetrics, MessageOutcome } from '../../../src/domain/metrics.ts';

/** Records what the services report, for assertions. */
export function createRecordingMetrics() {
  const messages: Record<MessageOutcome, number> = { sent: 0, failed: 0, retried: 0, skipped: 0, sender_error: 0 };
  const events: { kind: DeliveryEventKind; source: DeliveryEventSource; outcome: DeliveryEventOutcome }[] = [];
  const port: DeliveryMetrics = {
    message(outcome) {
      messages[outcome]++;
    },
    deliveryEvent(kind, source, outcome) {
      events.push({ kind, source, outcome });
    },
  };
  return { ...port, messages, events };
}
export type RecordingMetrics = ReturnType<typeof createRecordingMetrics>;
