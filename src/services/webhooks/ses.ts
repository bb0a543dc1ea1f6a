import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { DeliveryEvent, DeliveryEventKind } from '../../domain/deliverability.ts';
import { AppError } from '../../domain/errors.ts';
import type { HttpsGet, WebhookRequest } from '../../domain/webhooks.ts';
import {
  badShape,
  bareAddress,
  dateOf,
  detailOf,
  eventId,
  isObject,
  messageIdOf,
  notAuthenticated,
  optionalString,
  parseJson,
  requiredString,
  type Json,
  type WebhookProvider,
} from './common.ts';

export interface SesOptions {
  /** The SNS topics SES publishes our bounces and complaints to; a message from any other is refused. */
  topicArns: readonly string[];
  /** The one way out: fetches signing certificates and confirms subscriptions, only ever on SNS's own hosts. */
  httpsGet: HttpsGet;
  /** Signing certificates kept in memory (least recently used dropped first). */
  certCacheSize?: number;
  now?: () => number;
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

/**
 * Amazon SES through SNS. Every message is checked against SNS's signature (versions 1, SHA1, and
 * 2, SHA256) with the certificate at its SigningCertURL, fetched only from SNS's own hosts; it must
 * come from one of the configured topics. A SubscriptionConfirmation is confirmed by a GET of its
 * SubscribeURL (an SNS host too); an UnsubscribeConfirmation is acknowledged and nothing else.
 */
export function createSesProvider(opts: SesOptions): WebhookProvider {
  const topics = new Set(opts.topicArns);
  const now = opts.now ?? Date.now;
  const certs = certCache(opts.certCacheSize ?? 16);

  async function loadKey(url: string): Promise<KeyObject> {
    let res;
    try {
      res = await opts.httpsGet(url);
    } catch {
      throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The SNS signing certificate could not be fetched; try again shortly');
    }
    if (res.status !== 200) throw notAuthenticated('The SNS signing certificate could not be fetched');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(res.body);
    } catch {
      throw notAuthenticated('The SNS signing certificate is not a certificate');
    }
    const t = now();
    if (Date.parse(cert.validFrom) > t || Date.parse(cert.validTo) < t) throw notAuthenticated('The SNS signing certificate has expired');
    return cert.publicKey;
  }

  async function checkSignature(msg: Record<string, string | undefined>, type: SnsType) {
    const version = msg.SignatureVersion;
    const certUrl = msg.SigningCertURL ?? '';
    const signature = msg.Signature ?? '';
    if (version !== '1' && version !== '2') throw notAuthenticated('SNS SignatureVersion must be 1 or 2');
    if (!SNS_CERT_URL.test(certUrl)) throw notAuthenticated('SNS SigningCertURL is not an SNS certificate address');
    if (!/^[A-Za-z0-9+/]{1,2048}={0,2}$/.test(signature)) throw notAuthenticated('SNS Signature is missing or not base64');
    if (!topics.has(msg.TopicArn!)) throw notAuthenticated('SNS TopicArn is not one of SES_SNS_TOPIC_ARNS');
    const key = await certs.get(certUrl, () => loadKey(certUrl));
    const ok = verify(version === '1' ? 'sha1' : 'sha256', Buffer.from(snsStringToSign(msg, type)), key, Buffer.from(signature, 'base64'));
    if (!ok) throw notAuthenticated('SNS signature does not match');
  }

  return {
    source: 'ses',
    async receive(req: WebhookRequest) {
      const body = parseJson(req.body);
      if (!isObject(body)) throw badShape('body', 'must be a JSON object');
      const type = body.Type;
      if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
        throw badShape('Type', `must be one of ${TYPES.join(', ')}`);
      }
      const snsType = type as SnsType;
      // Every signed field and the signature's own, as strings of sane length (a forged one gets no further).
      const msg: Record<string, string | undefined> = {};
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
      await checkSignature(msg, snsType);

      if (snsType === 'UnsubscribeConfirmation') return [];
      if (snsType === 'SubscriptionConfirmation') {
        const url = msg.SubscribeURL;
        if (!url || !isSnsUrl(url)) throw notAuthenticated('SNS SubscribeURL is not an SNS address');
        let res;
        try {
          res = await opts.httpsGet(url);
        } catch {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Amazon SNS could not be reached to confirm the subscription; try again shortly');
        }
        if (res.status !== 200) {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', `Amazon SNS refused the subscription confirmation (status ${res.status})`);
        }
        return [];
      }

      let message: unknown;
      try {
        message = JSON.parse(msg.Message);
      } catch {
        throw badShape('Message', 'must be an SES event in JSON');
      }
      if (!isObject(message)) throw badShape('Message', 'must be an SES event in JSON');
      return sesEvents(msg.MessageId!, message, dateOf(msg.Timestamp) ?? new Date(now()));
    },
  };
}
