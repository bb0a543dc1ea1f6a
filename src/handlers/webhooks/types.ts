import type { DeliveryEvent } from '../../domain/deliverability.ts';

/** A webhook call as a provider checks it: the body exactly as received, and the headers. */
export interface WebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  now: Date;
}

/**
 * One bounce webhook source. `verify` runs first, on the raw body (a call it refuses is a 401 and
 * changes nothing); `parse` then turns the body into events (a ValidationError is a 400). `parse`
 * may wait: the SES provider confirms an SNS subscription there, once the message is verified.
 */
export interface BounceWebhookProvider {
  verify(req: WebhookRequest): boolean | Promise<boolean>;
  parse(req: WebhookRequest): DeliveryEvent[] | Promise<DeliveryEvent[]>;
}
