import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { DeliveryEvent, DeliveryEventKind } from '../../domain/deliverability.ts';
import {
  badShape,
  bareAddress,
  dateOf,
  detailOf,
  eventId,
  header,
  isObject,
  MAX_EVENTS_PER_REQUEST,
  messageIdOf,
  optionalString,
  parseJson,
  requiredString,
  type BounceWebhookProvider,
} from './fields.ts';

export interface SendgridOptions {
  /** The verification key of the signed event webhook (base64 DER, as SendGrid shows it, or PEM). */
  publicKey: string;
  /** How far the signed timestamp may be from now, either way, before the call is refused as a replay. */
  maxAgeSec?: number;
}

/** Ten minutes: SendGrid posts a batch within seconds of signing it. */
export const SENDGRID_MAX_AGE_SEC = 600;

/**
 * What a SendGrid event means here, or undefined to ignore it. `bounce` of type `bounce` is
 * permanent unless its status is 4.x.x; of type `blocked` (the receiver refused our mail, often for
 * reputation or content) it is temporary. `dropped` (SendGrid did not even try): a "Bounced Address"
 * or "Invalid" one is a hard bounce and a "Spam Reporting Address" a complaint; the other reasons
 * (unsubscribed at SendGrid, quota, a bad header) are about our account, not the address.
 */
function kindOf(ev: Record<string, unknown>, i: number): DeliveryEventKind | undefined {
  const status = optionalString(ev, 'status', `[${i}].status`, 100) ?? '';
  switch (ev.event) {
    case 'bounce': {
      const type = optionalString(ev, 'type', `[${i}].type`, 100);
      if (type === 'blocked') return 'soft_bounce';
      return /^4\.\d{1,3}\.\d{1,3}/.test(status) ? 'soft_bounce' : 'hard_bounce';
    }
    case 'dropped': {
      const reason = optionalString(ev, 'reason', `[${i}].reason`, 10_000) ?? '';
      if (/^bounced address$/i.test(reason) || /^invalid$/i.test(reason)) return 'hard_bounce';
      if (/^spam reporting address$/i.test(reason)) return 'complaint';
      return undefined;
    }
    case 'spamreport':
      return 'complaint';
    default:
      return undefined;
  }
}

/** The headers SendGrid's signed event webhook sends. */
const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** The key as SendGrid shows it (base64 DER) or in PEM. */
function publicKeyOf(text: string): KeyObject {
  const pem = text.replace(/\\n/g, '\n').trim();
  return pem.startsWith('-----BEGIN') ? createPublicKey(pem) : createPublicKey({ key: Buffer.from(pem, 'base64'), format: 'der', type: 'spki' });
}

/**
 * SendGrid's signed event webhook: ECDSA P-256 (SHA-256, DER signature in base64) over the
 * timestamp header followed by the raw body, verified with node:crypto — the check
 * `@sendgrid/eventwebhook` makes, at about 0.6 ms of CPU instead of its pure-JavaScript 16.5 ms,
 * which anyone could have made us spend with a fresh timestamp and a garbage signature.
 */
export function createSendgridProvider(opts: SendgridOptions): BounceWebhookProvider {
  const key = publicKeyOf(opts.publicKey);
  const maxAge = opts.maxAgeSec ?? SENDGRID_MAX_AGE_SEC;

  return {
    verify(req) {
      const signature = header(req, SIGNATURE_HEADER);
      const timestamp = header(req, TIMESTAMP_HEADER);
      if (!signature || !timestamp || signature.length > 200) return false;
      // A replay: a signed batch is posted within seconds, so an old timestamp is someone else's copy.
      if (!/^\d{1,12}$/.test(timestamp) || Math.abs(req.now.getTime() / 1000 - Number(timestamp)) > maxAge) return false;
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
      try {
        return verifySignature('sha256', Buffer.concat([Buffer.from(timestamp), req.rawBody]), { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
      } catch {
        return false; // not a DER signature
      }
    },

    parse(req) {
      const batch = parseJson(req.rawBody);
      if (!Array.isArray(batch)) throw badShape('body', 'must be a JSON array of events');
      if (batch.length > MAX_EVENTS_PER_REQUEST) throw badShape('body', `must hold at most ${MAX_EVENTS_PER_REQUEST} events`);
      const events: DeliveryEvent[] = [];
      batch.forEach((ev: unknown, i) => {
        if (!isObject(ev)) throw badShape(`[${i}]`, 'must be an object');
        const kind = kindOf(ev, i);
        if (!kind) return;
        const id = requiredString(ev, 'sg_event_id', `[${i}].sg_event_id`, 255);
        const email = bareAddress(requiredString(ev, 'email', `[${i}].email`, 1000));
        if (!email) throw badShape(`[${i}].email`, 'must be an email address');
        const reason = optionalString(ev, 'reason', `[${i}].reason`, 10_000);
        const status = optionalString(ev, 'status', `[${i}].status`, 100);
        const type = optionalString(ev, 'type', `[${i}].type`, 100);
        const what = ev.event === 'bounce' ? (type ?? 'bounce') : String(ev.event);
        const event: DeliveryEvent = {
          source: 'sendgrid',
          eventId: eventId(id),
          kind,
          email,
          messageId: messageIdOf(optionalString(ev, 'smtp-id', `[${i}].smtp-id`, 1000)),
          detail: detailOf([what, status, reason].filter(Boolean).join(': ')),
          trusted: true,
        };
        const at = dateOf(ev.timestamp);
        if (at) event.occurredAt = at;
        events.push(event);
      });
      return events;
    },
  };
}
