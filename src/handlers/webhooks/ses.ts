import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { DeliveryEvent, DeliveryEventKind } from '../../domain/deliverability.ts';
import { AppError, UnauthorizedError } from '../../domain/errors.ts';
import type { HttpsGet } from '../../domain/webhooks.ts';
import {
  badShape,
  bareAddress,
  dateOf,
  detailOf,
  eventId,
  isObject,
  messageIdOf,
  optionalString,
  parseJson,
  requiredString,
  type BounceWebhookProvider,
  type Json,
} from './fields.ts';

export interface SesOptions {
  /** The SNS topics SES publishes our bounces and complaints to; a message from any other is refused. */
  topicArns: readonly string[];
  /** The one way out: fetches signing certificates and confirms subscriptions, only ever on SNS's own hosts. */
  httpsGet: HttpsGet;
  /** Signing certificates kept in memory (least recently used dropped first). */
  certCacheSize?: number;
  /** Told of each subscription confirmed and each unsubscription (after SNS's signature was checked): operators want to know. */
  notice?: (fields: { topicArn: string; type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation' }, message: string) => void;
}

/**
 * Where SNS keeps its signing certificates: https on an SNS regional host, nothing else (no port,
 * no credentials, no query). Anything else is refused before any request is made.
 */
export const SNS_CERT_URL = /^https:\/\/sns\.[a-z0-9-]{3,32}\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[A-Za-z0-9]{1,64}\.pem$/;
/** Where a subscription is confirmed: an SNS regional host over https. */
const SNS_HOST = /^sns\.[a-z0-9-]{3,32}\.amazonaws\.com(\.cn)?$/;
/** A topic's ARN, as `SES_SNS_TOPIC_ARNS` lists them. */
export const TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]{3,32}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** The most recipients one SES event may name (SES allows 50 per message). */
const MAX_RECIPIENTS = 100;

const TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
type SnsType = (typeof TYPES)[number];

/** The fields an SNS signature covers, in the order they are signed (AWS: "Verifying the signatures of Amazon SNS messages"). */
const SIGNED_FIELDS: Record<SnsType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The text SNS signed: each present field's name and value, each on its own line. */
export function snsStringToSign(msg: Record<string, string | undefined>, type: SnsType): string {
  let out = '';
  for (const key of SIGNED_FIELDS[type]) {
    const v = msg[key];
    if (v !== undefined) out += `${key}\n${v}\n`;
  }
  return out;
}

/** Whether `raw` is an https URL on an SNS regional host (the SubscribeURL of a confirmation). */
export function isSnsUrl(raw: string): boolean {
  if (raw.length > 4096 || !raw.startsWith('https://')) return false;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' && SNS_HOST.test(u.hostname) && u.port === '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** A small least-recently-used map of certificate URL → public key (a pending fetch counts). */
function certCache(size: number) {
  const entries = new Map<string, Promise<KeyObject>>();
  return {
    get(url: string, load: () => Promise<KeyObject>): Promise<KeyObject> {
      let p = entries.get(url);
      if (p) {
        entries.delete(url);
        entries.set(url, p);
        return p;
      }
      p = load();
      entries.set(url, p);
      p.catch(() => {
        if (entries.get(url) === p) entries.delete(url); // a failure is not kept: the next message tries again
      });
      while (entries.size > size) entries.delete(entries.keys().next().value!);
      return p;
    },
  };
}

/** SES's bounce kind for one recipient: Permanent is hard, Transient soft, Undetermined by its status code. */
function bounceKind(bounceType: string, status: string | undefined): DeliveryEventKind {
  if (bounceType === 'Permanent') return 'hard_bounce';
  if (bounceType === 'Transient') return 'soft_bounce';
  return status && /^5\.\d{1,3}\.\d{1,3}/.test(status) ? 'hard_bounce' : 'soft_bounce';
}

/** The original message's Message-ID: SES's copy of its common headers, or its full header list. */
function originalMessageId(mail: unknown): string | null {
  if (!isObject(mail)) return null;
  const common = mail.commonHeaders;
  if (isObject(common) && typeof common.messageId === 'string') return messageIdOf(common.messageId);
  if (Array.isArray(mail.headers)) {
    for (const h of mail.headers.slice(0, 200)) {
      if (isObject(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'message-id' && typeof h.value === 'string') {
        return messageIdOf(h.value);
      }
    }
  }
  return null;
}

/** The events of one SES notification (a bounce or a complaint names one or more recipients). */
export function sesEvents(snsMessageId: string, message: Json, fallbackAt: Date | undefined): DeliveryEvent[] {
  const type = message.notificationType ?? message.eventType;
  if (type !== 'Bounce' && type !== 'Complaint') return []; // Delivery, Send, Open, the subscription test…
  const body = type === 'Bounce' ? message.bounce : message.complaint;
  const part = type === 'Bounce' ? 'bounce' : 'complaint';
  if (!isObject(body)) throw badShape(`Message.${part}`, 'must be an object');
  const list = type === 'Bounce' ? body.bouncedRecipients : body.complainedRecipients;
  const listName = `Message.${part}.${type === 'Bounce' ? 'bouncedRecipients' : 'complainedRecipients'}`;
  if (!Array.isArray(list)) throw badShape(listName, 'must be an array');
  if (list.length > MAX_RECIPIENTS) throw badShape(listName, `must name at most ${MAX_RECIPIENTS} recipients`);
  const messageId = originalMessageId(message.mail);
  const at = dateOf(body.timestamp) ?? fallbackAt;
  const bounceType = type === 'Bounce' ? requiredString(body, 'bounceType', 'Message.bounce.bounceType', 100) : '';
  const subType = type === 'Bounce' ? optionalString(body, 'bounceSubType', 'Message.bounce.bounceSubType', 100) : undefined;
  const feedbackType =
    type === 'Complaint' ? optionalString(body, 'complaintFeedbackType', 'Message.complaint.complaintFeedbackType', 100) : undefined;

  return list.map((r: unknown, i): DeliveryEvent => {
    const field = `${listName}[${i}]`;
    if (!isObject(r)) throw badShape(field, 'must be an object');
    const email = bareAddress(requiredString(r, 'emailAddress', `${field}.emailAddress`, 1000));
    if (!email) throw badShape(`${field}.emailAddress`, 'must be an email address');
    const status = optionalString(r, 'status', `${field}.status`, 100);
    const diagnostic = optionalString(r, 'diagnosticCode', `${field}.diagnosticCode`, 10_000);
    const event: DeliveryEvent = {
      source: 'ses',
      eventId: eventId(snsMessageId, email.toLowerCase()),
      kind: type === 'Complaint' ? 'complaint' : bounceKind(bounceType, status),
      email,
      messageId,
      detail:
        type === 'Complaint'
          ? detailOf(['complaint', feedbackType].filter(Boolean).join(': '))
          : detailOf([[bounceType, subType].filter(Boolean).join('/'), diagnostic ?? status].filter(Boolean).join(': ')),
      trusted: true,
    };
    if (at) event.occurredAt = at;
    return event;
  });
}

type SnsFields = Record<string, string | undefined>;

/** The SNS message's fields, each a string of sane length; a 400 when the body is not an SNS message. */
function readSnsMessage(rawBody: Buffer): { type: SnsType; msg: SnsFields } {
  const body = parseJson(rawBody);
  if (!isObject(body)) throw badShape('body', 'must be a JSON object');
  const type = body.Type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    throw badShape('Type', `must be one of ${TYPES.join(', ')}`);
  }
  const msg: SnsFields = {};
  for (const [key, max] of [
    ['Message', 256 * 1024],
    ['MessageId', 100],
    ['Subject', 1000],
    ['SubscribeURL', 4096],
    ['Timestamp', 100],
    ['Token', 4096],
    ['TopicArn', 400],
    ['Type', 100],
    ['SignatureVersion', 10],
    ['Signature', 4096],
    ['SigningCertURL', 1000],
  ] as const) {
    msg[key] = optionalString(body, key, key, max);
  }
  requiredString(body, 'MessageId', 'MessageId', 100);
  requiredString(body, 'TopicArn', 'TopicArn', 400);
  if (msg.Message === undefined) throw badShape('Message', 'is required');
  return { type: type as SnsType, msg };
}

/**
 * Amazon SES through SNS. Every message is checked against SNS's signature (versions 1, SHA1, and
 * 2, SHA256) with the certificate at its SigningCertURL, fetched only from SNS's own hosts; it must
 * come from one of the configured topics. A SubscriptionConfirmation is confirmed by a GET of its
 * SubscribeURL (an SNS host too); an UnsubscribeConfirmation is acknowledged and nothing else.
 */
export function createSesProvider(opts: SesOptions): BounceWebhookProvider {
  const topics = new Set(opts.topicArns);
  const certs = certCache(opts.certCacheSize ?? 16);
  /** The messages `verify` accepted, by body: `parse` acts on nothing else. */
  const verified = new WeakMap<Buffer, { type: SnsType; msg: SnsFields }>();

  async function loadKey(url: string, now: Date): Promise<KeyObject> {
    let res;
    try {
      res = await opts.httpsGet(url);
    } catch {
      throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The SNS signing certificate could not be fetched; try again shortly');
    }
    if (res.status !== 200) throw new NotACertificate();
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(res.body);
    } catch {
      throw new NotACertificate();
    }
    if (Date.parse(cert.validFrom) > now.getTime() || Date.parse(cert.validTo) < now.getTime()) throw new NotACertificate();
    return cert.publicKey;
  }

  /** Whether SNS signed `msg`: the checks that need no request first, and the certificate fetched only from SNS. */
  async function signedBySns(msg: SnsFields, type: SnsType, now: Date): Promise<boolean> {
    const version = msg.SignatureVersion;
    const certUrl = msg.SigningCertURL ?? '';
    const signature = msg.Signature ?? '';
    if (version !== '1' && version !== '2') return false;
    if (!SNS_CERT_URL.test(certUrl)) return false;
    if (!/^[A-Za-z0-9+/]{1,2048}={0,2}$/.test(signature)) return false;
    if (!topics.has(msg.TopicArn!)) return false;
    let key: KeyObject;
    try {
      key = await certs.get(certUrl, () => loadKey(certUrl, now));
    } catch (err) {
      if (err instanceof NotACertificate) return false;
      throw err;
    }
    return verify(version === '1' ? 'sha1' : 'sha256', Buffer.from(snsStringToSign(msg, type)), key, Buffer.from(signature, 'base64'));
  }

  return {
    async verify(req) {
      const m = readSnsMessage(req.rawBody);
      if (!(await signedBySns(m.msg, m.type, req.now))) return false;
      verified.set(req.rawBody, m);
      return true;
    },

    async parse(req) {
      const m = verified.get(req.rawBody);
      if (!m) throw new UnauthorizedError('Missing or invalid webhook signature', 'INVALID_SIGNATURE');
      const { type, msg } = m;
      if (type === 'UnsubscribeConfirmation') {
        opts.notice?.({ topicArn: msg.TopicArn!, type }, 'SNS says this endpoint was unsubscribed from the topic: its bounces no longer arrive here');
        return [];
      }
      if (type === 'SubscriptionConfirmation') {
        const url = msg.SubscribeURL;
        if (!url || !isSnsUrl(url)) throw new UnauthorizedError('SubscribeURL is not an Amazon SNS address', 'INVALID_SIGNATURE');
        let res;
        try {
          res = await opts.httpsGet(url);
        } catch {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Amazon SNS could not be reached to confirm the subscription; try again shortly');
        }
        if (res.status !== 200) {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', `Amazon SNS refused the subscription confirmation (status ${res.status})`);
        }
        opts.notice?.({ topicArn: msg.TopicArn!, type }, 'SNS subscription confirmed');
        return [];
      }

      let message: unknown;
      try {
        message = JSON.parse(msg.Message!);
      } catch {
        throw badShape('Message', 'must be an SES event in JSON');
      }
      if (!isObject(message)) throw badShape('Message', 'must be an SES event in JSON');
      return sesEvents(msg.MessageId!, message, dateOf(msg.Timestamp) ?? req.now);
    },
  };
}

/** The certificate address answered, but not with a valid certificate: the message is not proven. */
class NotACertificate extends Error {}
