/**
 * Bounces and complaints: what the intake sources (webhooks, the bounce mailbox) hand to the one
 * service that applies their effects (ledger row, suppression list, opt-in, auto-pause).
 */

/** A hard bounce is permanent (5.x.x); a soft bounce temporary (4.x.x); a complaint is a "this is spam" report. */
export const DELIVERY_EVENT_KINDS = ['hard_bounce', 'soft_bounce', 'complaint'] as const;
export type DeliveryEventKind = (typeof DELIVERY_EVENT_KINDS)[number];

/** Where an event came from: a provider's signed webhook, the generic HMAC-signed webhook, or the bounce mailbox. */
export const DELIVERY_EVENT_SOURCES = ['ses', 'postmark', 'sendgrid', 'generic', 'mailbox'] as const;
export type DeliveryEventSource = (typeof DELIVERY_EVENT_SOURCES)[number];

/** Why an address is on the suppression list. */
export const SUPPRESSION_REASONS = ['hard_bounce', 'soft_bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** The longest `detail` kept for an event (the server's diagnostic, the complaint's feedback type). */
export const EVENT_DETAIL_MAX = 1000;

/** One bounce or complaint, as a source understood it, before anything is matched or changed. */
export interface DeliveryEvent {
  source: DeliveryEventSource;
  /**
   * Unique per event at its source (the provider's event or notification id, the report's own
   * Message-ID): the same event received twice counts once. At most 255 characters.
   */
  eventId: string;
  kind: DeliveryEventKind;
  /** The address the event is about, as the source states it (trusted only from signed webhooks). */
  email: string | null;
  /** The VERP address the bounce came back to (`bounces+<token>@…`), when known. */
  verpAddress?: string | null;
  /** The Message-ID of the original message (`<c{id}.u{uid}.{key}@…>`), when the source quotes it. */
  messageId?: string | null;
  /** The server's words or the feedback type, at most EVENT_DETAIL_MAX characters. */
  detail: string;
  occurredAt?: Date;
  /**
   * True when the source is authenticated (a signed webhook): its `email` may be acted on alone.
   * A mailbox message is not: it counts only when its VERP token or Message-ID maps to a ledger row.
   */
  trusted: boolean;
}

/** What recording one event did. */
export type DeliveryEventOutcome = 'applied' | 'duplicate' | 'unmatched';

/** The port the intake sources call; implemented by the deliverability service. */
export interface DeliveryEventIntake {
  record(event: DeliveryEvent): Promise<DeliveryEventOutcome>;
}
