import type { DeliveryEventKind, DeliveryEventOutcome, DeliveryEventSource } from './deliverability.ts';

/**
 * How one recipient's try in a send batch ended: `sent` (the server accepted it), `failed` (refused
 * for good, or the last try failed), `retried` (a temporary failure: the batch tries again later),
 * `skipped` (no longer in the audience), `sender_error` (refused for reasons of ours: the campaign
 * pauses and the recipient stays pending).
 */
export const MESSAGE_OUTCOMES = ['sent', 'failed', 'retried', 'skipped', 'sender_error'] as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[number];

/**
 * What the delivery engine and the bounce intake report to monitoring. Every label value comes from
 * a fixed list, so the series stay few whatever the traffic (never a campaign or user id).
 */
export interface DeliveryMetrics {
  /** One recipient's try in a send batch ended this way. */
  message(outcome: MessageOutcome): void;
  /** One bounce or complaint an intake source handed over, and what recording it did. */
  deliveryEvent(kind: DeliveryEventKind, source: DeliveryEventSource, outcome: DeliveryEventOutcome): void;
}

/** Counts nothing: for code paths (and unit fakes) that have no monitoring. */
export const noDeliveryMetrics: DeliveryMetrics = {
  message() {},
  deliveryEvent() {},
};
